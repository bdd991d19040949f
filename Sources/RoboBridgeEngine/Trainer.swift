internal import CLlama
import Foundation
import Synchronization

/// Fine-tunes a model with llama.cpp's own training API (`llama_opt_init`, `llama_opt_epoch`): next-token
/// cross-entropy over fixed-length windows of token streams, AdamW, then `llama_model_save_to_file`. The model must
/// be loaded writable (`ModelOptions(useMmap: false)`) from an unquantized (F32) file: llama.cpp has no backward
/// pass through quantized weights.
public final class Trainer {
    public struct Options: Sendable {
        /// Tokens per training window (the context is this long; llama.cpp trains K and V only when one micro-batch
        /// covers the whole context, which it does here).
        public var sequenceLength = 256
        public var threads = 2
        public var learningRate: Float = 1e-5
        public var weightDecay: Float = 0
        /// Train only the blocks from this index up and the output (nil: every tensor llama.cpp lets train).
        /// A shorter backward pass buys more steps in the same time.
        public var firstTrainedLayer: Int?
        public init() {}
    }

    /// How training is going, after each window.
    public struct Progress: Sendable {
        public var training: Bool
        public var window: Int
        public var windows: Int
        public var loss: Double
        public var elapsedSeconds: Double
        public var secondsLeftInEpoch: Double { window > 0 ? elapsedSeconds / Double(window) * Double(windows - window) : 0 }
    }

    public let model: Model
    public let options: Options
    private let context: OpaquePointer
    /// The parameter filter's user data: the first trained layer (or -1), kept alive as long as the context.
    private let filterLayer: UnsafeMutablePointer<Int32>
    private let optimizer: UnsafeMutablePointer<ggml_opt_optimizer_params>

    /// - Throws: `EngineError.contextCreationFailed`.
    public init(model: Model, options: Options = Options()) throws(EngineError) {
        self.model = model
        self.options = options
        var p = llama_context_default_params()
        p.n_ctx = UInt32(options.sequenceLength)
        p.n_batch = UInt32(options.sequenceLength)
        p.n_ubatch = UInt32(options.sequenceLength)
        p.n_threads = Int32(options.threads)
        p.n_threads_batch = Int32(options.threads)
        // No backward pass for F16 K/V (OUT_PROD) nor for flash attention.
        p.type_k = GGML_TYPE_F32
        p.type_v = GGML_TYPE_F32
        p.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED
        _ = Backend.takeLastError()
        guard let ctx = llama_init_from_model(model.pointer, p) else {
            throw .contextCreationFailed(reason: Backend.takeLastError() ?? "unknown reason")
        }
        // llama.cpp rounds the context up (to 256 cells); a window must fill it exactly.
        guard llama_n_ctx(ctx) == UInt32(options.sequenceLength) else {
            let actual = llama_n_ctx(ctx)
            llama_free(ctx)
            throw .contextCreationFailed(reason: "a training window of \(options.sequenceLength) tokens gets a context of \(actual); use a multiple of 256")
        }
        context = ctx
        filterLayer = .allocate(capacity: 1)
        filterLayer.initialize(to: Int32(options.firstTrainedLayer ?? -1))
        optimizer = .allocate(capacity: 1)
        var o = ggml_opt_get_default_optimizer_params(nil)
        o.adamw.alpha = options.learningRate
        o.adamw.wd = options.weightDecay
        optimizer.initialize(to: o)
        let filter: llama_opt_param_filter = { tensor, userdata in
            guard let tensor, let userdata else { return false }
            let first = userdata.assumingMemoryBound(to: Int32.self).pointee
            if first < 0 { return true }
            let name = String(cString: ggml_get_name(tensor))
            if name.hasPrefix("output") { return true }
            guard name.hasPrefix("blk."), let layer = Int32(name.dropFirst(4).prefix { $0.isNumber }) else { return false }
            return layer >= first
        }
        let params = llama_opt_params(n_ctx_train: UInt32(options.sequenceLength), param_filter: filter, param_filter_ud: filterLayer,
                                      get_opt_pars: ggml_opt_get_constant_optimizer_params, get_opt_pars_ud: optimizer,
                                      optimizer_type: GGML_OPT_OPTIMIZER_TYPE_ADAMW)
        llama_opt_init(ctx, model.pointer, params)
    }

    deinit {
        llama_free(context)
        filterLayer.deallocate()
        optimizer.deallocate()
    }

    /// One pass over `train` (windows of `sequenceLength + 1` tokens: inputs and their next tokens), then the loss on
    /// `validation` without training.
    /// - Parameter progress: called after each window; return false to stop after the current epoch's part.
    /// - Returns: mean loss on the training windows and on the validation windows (nil when there are none).
    public func epoch(train: [[Int32]], validation: [[Int32]], progress: @escaping @Sendable (Progress) -> Void = { _ in }) -> (train: Double, validation: Double?) {
        let n = options.sequenceLength
        let windows = train + validation
        precondition(windows.allSatisfy { $0.count == n + 1 }, "every window has sequenceLength + 1 tokens")
        guard !windows.isEmpty, let dataset = ggml_opt_dataset_init(GGML_TYPE_I32, GGML_TYPE_I32, Int64(n), Int64(n), Int64(windows.count), 1) else {
            return (.nan, nil)
        }
        defer { ggml_opt_dataset_free(dataset) }
        let data = ggml_opt_dataset_data(dataset)!.pointee.data!.assumingMemoryBound(to: Int32.self)
        let labels = ggml_opt_dataset_labels(dataset)!.pointee.data!.assumingMemoryBound(to: Int32.self)
        for (i, w) in windows.enumerated() {
            w.withUnsafeBufferPointer { b in
                (data + i * n).update(from: b.baseAddress!, count: n)
                (labels + i * n).update(from: b.baseAddress! + 1, count: n)
            }
        }
        let resultTrain = ggml_opt_result_init(), resultEval = ggml_opt_result_init()
        defer { ggml_opt_result_free(resultTrain); ggml_opt_result_free(resultEval) }
        TrainerProgress.current.withLock { $0 = progress }
        let callback: ggml_opt_epoch_callback = { train, _, _, result, ibatch, ibatchMax, tStart in
            var loss = 0.0, unc = 0.0
            ggml_opt_result_loss(result, &loss, &unc)
            let elapsed = Double(ggml_time_us() - tStart) / 1e6
            let report = TrainerProgress.current.withLock { $0 }
            report?(Progress(training: train, window: Int(ibatch), windows: Int(ibatchMax), loss: loss, elapsedSeconds: elapsed))
        }
        llama_opt_epoch(context, dataset, resultTrain, resultEval, Int64(train.count), callback, callback)
        TrainerProgress.current.withLock { $0 = nil }
        var lt = 0.0, le = 0.0, unc = 0.0
        ggml_opt_result_loss(resultTrain, &lt, &unc)
        ggml_opt_result_loss(resultEval, &le, &unc)
        return (lt, validation.isEmpty ? nil : le)
    }

    /// Writes the model with its trained weights (F32, as loaded).
    public func save(to path: String) {
        llama_model_save_to_file(model.pointer, path)
    }
}

/// The progress closure of the epoch running now (a C callback captures nothing).
private enum TrainerProgress {
    static let current = Mutex<(@Sendable (Trainer.Progress) -> Void)?>(nil)
}
