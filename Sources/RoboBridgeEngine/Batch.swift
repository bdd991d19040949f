internal import CLlama

/// A batch of tokens for one `llama_decode` call, with logits requested at chosen positions.
/// The single owner of its `llama_batch` allocation.
public final class Batch {
    var raw: llama_batch
    /// Maximum number of tokens.
    public let capacity: Int
    private let maxSequences: Int

    /// - Parameters:
    ///   - capacity: maximum number of tokens in the batch.
    ///   - maxSequences: maximum number of sequence ids per token.
    public init(capacity: Int, maxSequences: Int = 1) {
        precondition(capacity > 0 && maxSequences > 0, "a batch needs room for at least one token")
        self.capacity = capacity
        self.maxSequences = maxSequences
        raw = llama_batch_init(Int32(capacity), 0, Int32(maxSequences))
    }

    deinit { llama_batch_free(raw) }

    /// Number of tokens in the batch.
    public var count: Int { Int(raw.n_tokens) }

    /// Empties the batch.
    public func clear() { raw.n_tokens = 0 }

    /// Appends a token.
    /// - Parameters:
    ///   - token: the token id.
    ///   - position: its position in the sequence.
    ///   - sequences: the sequence ids it belongs to.
    ///   - logits: whether to compute logits at this position.
    /// - Throws: `EngineError.batchTooLarge` when the batch is full.
    public func add(_ token: Token, position: Int, sequences: [Int32] = [0], logits: Bool) throws(EngineError) {
        let i = Int(raw.n_tokens)
        guard i < capacity else { throw .batchTooLarge(tokens: i + 1, capacity: capacity) }
        guard sequences.count <= maxSequences, !sequences.isEmpty else {
            throw .batchTooLarge(tokens: sequences.count, capacity: maxSequences)
        }
        raw.token[i] = token
        raw.pos[i] = Int32(position)
        raw.n_seq_id[i] = Int32(sequences.count)
        for (k, s) in sequences.enumerated() { raw.seq_id[i]![k] = s }
        raw.logits[i] = logits ? 1 : 0
        raw.n_tokens += 1
    }

    /// Appends tokens at consecutive positions starting at `start`, with logits only at the last one
    /// when `logitsAtLast` is true.
    public func add(_ tokens: [Token], startingAt start: Int, sequence: Int32 = 0, logitsAtLast: Bool) throws(EngineError) {
        for (k, t) in tokens.enumerated() {
            try add(t, position: start + k, sequences: [sequence], logits: logitsAtLast && k == tokens.count - 1)
        }
    }

    /// Whether logits were requested at index `i`.
    public func hasLogits(at i: Int) -> Bool { i >= 0 && i < count && raw.logits[i] != 0 }
}
