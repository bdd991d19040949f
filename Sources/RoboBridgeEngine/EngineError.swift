/// Errors from the embedded inference engine. Each case names the file or the operation that failed.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No file exists at the model path.
    case modelNotFound(path: String)
    /// The model path exists but cannot be read (permissions, a directory, an I/O error).
    case modelUnreadable(path: String, reason: String)
    /// The file does not start with the GGUF magic bytes.
    case notGGUF(path: String, found: String)
    /// The file is a GGUF file but llama.cpp could not load it (truncated, corrupt, unsupported).
    case modelLoadFailed(path: String, reason: String)
    /// A model name that is neither a bundled model nor an existing path.
    case unknownModelName(String, known: [String])
    /// llama.cpp could not create a context for the model.
    case contextCreationFailed(reason: String)
    /// Tokenization failed (the text is too long for the tokenizer's int32 length).
    case tokenizationFailed(textLength: Int)
    /// A batch holds more tokens than it was created for, or more than the context accepts at once.
    case batchTooLarge(tokens: Int, capacity: Int)
    /// `llama_decode` returned 1: no room left in the KV cache for this batch.
    case kvCacheFull(contextLength: Int, batchTokens: Int)
    /// `llama_decode` returned 2: the abort callback stopped the decode.
    case aborted
    /// `llama_decode` returned -1: the batch was rejected as invalid.
    case invalidBatch
    /// `llama_decode` returned another negative code: a fatal error inside llama.cpp.
    case decodeFailed(code: Int32)
    /// Logits were asked for at a batch position that did not request them.
    case noLogits(batchIndex: Int)
    /// The chat template could not be applied and no fallback applies.
    case chatTemplateFailed(template: String)
    /// llama.cpp could not parse a GBNF grammar.
    case grammarRejected(grammar: String)
    /// A draft model whose vocabulary is not the main model's.
    case vocabularyMismatch(draft: String, draftTokens: Int, mainTokens: Int)

    public var description: String {
        switch self {
        case .modelNotFound(let path): "model file not found: \(path)"
        case .modelUnreadable(let path, let reason): "model file unreadable: \(path): \(reason)"
        case .notGGUF(let path, let found):
            "not a GGUF model file: \(path): expected the magic bytes \"GGUF\", found \(found)"
        case .modelLoadFailed(let path, let reason): "llama.cpp could not load \(path): \(reason)"
        case .unknownModelName(let name, let known):
            "unknown model \"\(name)\": expected one of \(known.joined(separator: ", ")) or a path to a .gguf file"
        case .contextCreationFailed(let reason): "could not create a llama.cpp context: \(reason)"
        case .tokenizationFailed(let n): "tokenization failed for a text of \(n) bytes"
        case .batchTooLarge(let tokens, let capacity): "batch of \(tokens) tokens exceeds its capacity of \(capacity)"
        case .kvCacheFull(let n, let b): "KV cache full: no slot for a batch of \(b) tokens in a context of \(n)"
        case .aborted: "decode aborted"
        case .invalidBatch: "llama_decode rejected the batch as invalid"
        case .decodeFailed(let code): "llama_decode failed with code \(code)"
        case .noLogits(let i): "no logits were requested at batch index \(i)"
        case .chatTemplateFailed(let t): "chat template could not be applied: \(t.prefix(80))"
        case .grammarRejected(let g): "llama.cpp rejected the GBNF grammar: \(g.prefix(200))"
        case .vocabularyMismatch(let d, let dn, let mn):
            "draft model \(d) has a vocabulary of \(dn) tokens, the main model \(mn): a draft model must share the main model's vocabulary"
        }
    }
}
