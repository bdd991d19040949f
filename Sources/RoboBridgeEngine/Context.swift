internal import CLlama
import Synchronization

/// How to create a context.
public struct ContextOptions: Sendable {
    /// Context length in tokens (0 = the model's training context).
    public var contextLength: Int = 2048
    /// Largest batch accepted by one decode.
    public var batchSize: Int = 512
    /// Threads for single-token decode and for batches.
    public var threads: Int = 2
    public var batchThreads: Int? = nil
    /// Flash attention. Keep `.auto`: with it, SmolLM2's batched logits are bit-identical to
    /// one-at-a-time logits, which lossless speculative decoding relies on.
    public var flashAttention: FlashAttention = .auto
    /// Number of sequences the KV cache holds.
    public var sequences: Int = 1
    /// How the compute threads wait for work: 0 sleeps at once (yields the cores to other processes),
    /// 100 spins (fastest alone, but fights other busy processes); nil keeps llama.cpp's default (50).
    public var poll: Int?
    /// The compute threads' scheduling priority (nil: inherited).
    public var priority: ThreadPriority?

    public enum ThreadPriority: String, Sendable, CaseIterable { case low, normal, medium, high, realtime }

    public enum FlashAttention: Sendable { case auto, enabled, disabled }

    public init(contextLength: Int = 2048, batchSize: Int = 512, threads: Int = 2, sequences: Int = 1,
                flashAttention: FlashAttention = .auto) {
        self.contextLength = contextLength
        self.batchSize = batchSize
        self.threads = threads
        self.sequences = sequences
        self.flashAttention = flashAttention
    }
}

/// A flag that aborts a running decode. Set it from any thread; the decode checks it between
/// graph nodes and fails with `EngineError.aborted`. It is outside the context so that an e-stop
/// never has to wait for whoever owns the context.
public final class AbortFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func abort() { flag.store(true, ordering: .releasing) }
    public func reset() { flag.store(false, ordering: .releasing) }
    public var isAborted: Bool { flag.load(ordering: .acquiring) }
}

/// Timings kept by llama.cpp for a context.
public struct ContextTimings: Sendable {
    public var promptMilliseconds: Double
    public var promptTokens: Int
    public var evalMilliseconds: Double
    public var evalTokens: Int
}

/// An inference context: a KV cache plus the compute state for one model. Not thread-safe: it has
/// one owner (an actor or a single task), as llama.cpp requires. The single owner of its handle.
public final class Context {
    let pointer: OpaquePointer
    public let model: Model
    public let options: ContextOptions
    public let abortFlag: AbortFlag
    private let memory: llama_memory_t
    /// Our own compute threads, when `poll` or `priority` is set (freed after the context).
    private let threadpool: OpaquePointer?

    /// Creates a context.
    /// - Throws: `EngineError.contextCreationFailed`.
    public init(model: Model, options: ContextOptions = ContextOptions(), abortFlag: AbortFlag = AbortFlag()) throws(EngineError) {
        var p = llama_context_default_params()
        p.n_ctx = UInt32(options.contextLength)
        p.n_batch = UInt32(options.batchSize)
        p.n_ubatch = UInt32(options.batchSize)
        p.n_seq_max = UInt32(options.sequences)
        // One KV buffer shared by all sequences: a copied prefix shares its cells, and keep/remove
        // act across sequences (with per-sequence streams, `seq_keep` only sees one stream).
        p.kv_unified = true
        p.n_threads = Int32(options.threads)
        p.n_threads_batch = Int32(options.batchThreads ?? options.threads)
        p.flash_attn_type = switch options.flashAttention {
        case .auto: LLAMA_FLASH_ATTN_TYPE_AUTO
        case .enabled: LLAMA_FLASH_ATTN_TYPE_ENABLED
        case .disabled: LLAMA_FLASH_ATTN_TYPE_DISABLED
        }
        p.no_perf = false
        p.abort_callback = { data in
            guard let data else { return false }
            return Unmanaged<AbortFlag>.fromOpaque(data).takeUnretainedValue().isAborted
        }
        // The context holds `abortFlag` strongly (stored property), so the unretained pointer stays valid.
        p.abort_callback_data = Unmanaged.passUnretained(abortFlag).toOpaque()
        _ = Backend.takeLastError()
        guard let ctx = llama_init_from_model(model.pointer, p) else {
            throw .contextCreationFailed(reason: Backend.takeLastError() ?? "unknown reason")
        }
        pointer = ctx
        memory = llama_get_memory(ctx)
        if options.poll != nil || options.priority != nil {
            var tp = ggml_threadpool_params_default(Int32(options.threads))
            if let poll = options.poll { tp.poll = UInt32(max(0, min(100, poll))) }
            if let priority = options.priority {
                tp.prio = switch priority {
                case .low: GGML_SCHED_PRIO_LOW
                case .normal: GGML_SCHED_PRIO_NORMAL
                case .medium: GGML_SCHED_PRIO_MEDIUM
                case .high: GGML_SCHED_PRIO_HIGH
                case .realtime: GGML_SCHED_PRIO_REALTIME
                }
            }
            guard let pool = ggml_threadpool_new(&tp) else {
                llama_free(ctx)
                throw .contextCreationFailed(reason: "ggml_threadpool_new failed (\(options.threads) threads, poll \(tp.poll))")
            }
            // One pool for single tokens and batches: the same threads, so the same kernels' order.
            llama_attach_threadpool(ctx, pool, pool)
            threadpool = pool
        } else {
            threadpool = nil
        }
        self.model = model
        self.options = options
        self.abortFlag = abortFlag
    }

    deinit {
        llama_free(pointer)
        if let threadpool { ggml_threadpool_free(threadpool) }
    }

    /// The context length actually allocated.
    public var contextLength: Int { Int(llama_n_ctx(pointer)) }
    public var vocabulary: Vocabulary { model.vocabulary }

    /// Runs the model over a batch.
    /// - Throws: `.kvCacheFull` (code 1), `.aborted` (2), `.invalidBatch` (-1), `.decodeFailed` (other).
    public func decode(_ batch: Batch) throws(EngineError) {
        guard batch.count > 0 else { return }
        guard batch.count <= options.batchSize else {
            throw .batchTooLarge(tokens: batch.count, capacity: options.batchSize)
        }
        let rc = llama_decode(pointer, batch.raw)
        switch rc {
        case 0: return
        case 1: throw .kvCacheFull(contextLength: contextLength, batchTokens: batch.count)
        case 2: throw .aborted
        case -1: throw .invalidBatch
        default: throw .decodeFailed(code: rc)
        }
    }

    /// The logits at batch index `i` of the last decode (one per vocabulary entry). Valid until the next decode.
    /// - Throws: `.noLogits` when that index did not request logits.
    public func withLogits<R>(at i: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) throws -> R {
        guard let p = llama_get_logits_ith(pointer, Int32(i)) else { throw EngineError.noLogits(batchIndex: i) }
        return try body(UnsafeBufferPointer(start: p, count: model.vocabulary.count))
    }

    /// Decodes a prompt into a sequence, in chunks the size of `batch`, without logits (a prefix kept in
    /// the cache for later decodes).
    public func decodePrompt(_ tokens: [Token], sequence: Int32 = 0, startingAt start: Int = 0, batch: Batch) throws(EngineError) {
        var done = 0
        while done < tokens.count {
            let chunk = Array(tokens[done..<min(tokens.count, done + batch.capacity)])
            batch.clear()
            try batch.add(chunk, startingAt: start + done, sequence: sequence, logitsAtLast: false)
            try decode(batch)
            done += chunk.count
        }
    }

    /// The logits at batch index `i` of the last decode, without a copy. The pointer is valid only until
    /// the next decode on this context; read it right away.
    /// - Throws: `.noLogits` when that index did not request logits.
    public func logitsPointer(at i: Int) throws(EngineError) -> UnsafePointer<Float> {
        guard let p = llama_get_logits_ith(pointer, Int32(i)) else { throw .noLogits(batchIndex: i) }
        return UnsafePointer(p)
    }

    /// A copy of the logits at batch index `i` of the last decode.
    public func logits(at i: Int) throws(EngineError) -> [Float] {
        guard let p = llama_get_logits_ith(pointer, Int32(i)) else { throw .noLogits(batchIndex: i) }
        return Array(UnsafeBufferPointer(start: p, count: model.vocabulary.count))
    }

    // MARK: KV cache

    /// Removes the positions `from..<to` (to nil = the end) of a sequence. Returns false when the
    /// cache cannot remove a partial range (recurrent models).
    @discardableResult
    public func removeTokens(sequence: Int32 = 0, from start: Int, to end: Int? = nil) -> Bool {
        llama_memory_seq_rm(memory, sequence, Int32(start), Int32(end ?? -1))
    }

    /// Keeps only `sequence`, dropping every other sequence.
    public func keepOnly(sequence: Int32) { llama_memory_seq_keep(memory, sequence) }

    /// Copies positions `0..<length` (nil = all) of one sequence to another (shares the cells).
    public func copySequence(_ source: Int32, to destination: Int32, length: Int? = nil) {
        llama_memory_seq_cp(memory, source, destination, 0, Int32(length ?? -1))
    }

    /// Makes positions `range` of one sequence visible to another too (the cells are shared, not copied).
    public func shareTokens(_ source: Int32, with destination: Int32, positions range: Range<Int>) {
        llama_memory_seq_cp(memory, source, destination, Int32(range.lowerBound), Int32(range.upperBound))
    }

    /// Empties the whole KV cache.
    public func clearCache() { llama_memory_clear(memory, true) }

    /// The highest position stored for a sequence, or -1 when it is empty.
    public func maxPosition(sequence: Int32 = 0) -> Int { Int(llama_memory_seq_pos_max(memory, sequence)) }

    // MARK: Timings

    public var timings: ContextTimings {
        let d = llama_perf_context(pointer)
        return ContextTimings(promptMilliseconds: d.t_p_eval_ms, promptTokens: Int(d.n_p_eval),
                              evalMilliseconds: d.t_eval_ms, evalTokens: Int(d.n_eval))
    }

    public func resetTimings() { llama_perf_context_reset(pointer) }
}
