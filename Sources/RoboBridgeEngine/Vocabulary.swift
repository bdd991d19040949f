internal import CLlama

/// A token id of the model's vocabulary.
public typealias Token = Int32

/// The model's tokenizer: text ↔ tokens, and the byte strings of every token.
/// Owned by its `Model`; safe to use from any thread (llama.cpp's vocabulary is read-only).
public struct Vocabulary: @unchecked Sendable {
    let pointer: OpaquePointer

    init(model: OpaquePointer) { pointer = llama_model_get_vocab(model) }

    /// Number of tokens in the vocabulary.
    public var count: Int { Int(llama_vocab_n_tokens(pointer)) }
    public var bos: Token? { valid(llama_vocab_bos(pointer)) }
    public var eos: Token? { valid(llama_vocab_eos(pointer)) }
    public var eot: Token? { valid(llama_vocab_eot(pointer)) }
    /// Whether the tokenizer adds a BOS token when `addSpecial` is true.
    public var addsBOS: Bool { llama_vocab_get_add_bos(pointer) }

    /// True for end-of-generation tokens (EOS, EOT, and the like).
    public func isEndOfGeneration(_ token: Token) -> Bool { llama_vocab_is_eog(pointer, token) }
    /// True for control tokens (`<|im_start|>` and the like).
    public func isControl(_ token: Token) -> Bool { llama_vocab_is_control(pointer, token) }

    private func valid(_ t: llama_token) -> Token? { t < 0 ? nil : t }

    /// Tokenizes text.
    /// - Parameters:
    ///   - text: the text.
    ///   - addSpecial: add BOS/EOS as the model is configured to.
    ///   - parseSpecial: recognise special tokens written in the text (`<|im_start|>`); otherwise they are plain text.
    /// - Throws: `EngineError.tokenizationFailed` when the text is too long for llama.cpp.
    public func tokenize(_ text: String, addSpecial: Bool, parseSpecial: Bool) throws(EngineError) -> [Token] {
        let utf8 = Array(text.utf8)
        guard utf8.count < Int32.max / 2 else { throw .tokenizationFailed(textLength: utf8.count) }
        var capacity = utf8.count + 8
        while true {
            var tokens = [llama_token](repeating: 0, count: capacity)
            let n = utf8.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { chars in
                    llama_tokenize(pointer, chars.baseAddress, Int32(chars.count), &tokens, Int32(capacity), addSpecial, parseSpecial)
                }
            }
            if n >= 0 { return Array(tokens.prefix(Int(n))) }
            if n == Int32.min { throw .tokenizationFailed(textLength: utf8.count) }
            capacity = Int(-n)  // llama.cpp tells how many tokens it needs
        }
    }

    /// The bytes a token stands for. May be an incomplete UTF-8 sequence (byte-fallback tokens).
    /// - Parameter special: render special/control tokens as their text (otherwise they give no bytes).
    public func bytes(of token: Token, special: Bool = false) -> [UInt8] {
        var buffer = [CChar](repeating: 0, count: 64)
        var n = llama_token_to_piece(pointer, token, &buffer, Int32(buffer.count), 0, special)
        if n < 0 {
            buffer = [CChar](repeating: 0, count: Int(-n))
            n = llama_token_to_piece(pointer, token, &buffer, Int32(buffer.count), 0, special)
            if n < 0 { return [] }
        }
        return buffer.prefix(Int(n)).map { UInt8(bitPattern: $0) }
    }

    /// The byte strings of the whole vocabulary, indexed by token id (control tokens give `[]`).
    public func allTokenBytes() -> [[UInt8]] {
        (0..<count).map { bytes(of: Token($0)) }
    }

    /// Detokenizes a whole token sequence at once.
    public func detokenize(_ tokens: [Token], special: Bool = false) -> String {
        var out = [UInt8]()
        for t in tokens { out += bytes(of: t, special: special) }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Turns a stream of tokens into text without ever cutting a UTF-8 sequence in two: bytes of an
/// incomplete character are held back until the token that completes it arrives.
public struct StreamingDetokenizer: Sendable {
    private let vocabulary: Vocabulary
    private var pending: [UInt8] = []

    public init(vocabulary: Vocabulary) { self.vocabulary = vocabulary }

    /// Adds a token; returns the text that is now complete (possibly empty).
    public mutating func append(_ token: Token) -> String {
        pending += vocabulary.bytes(of: token)
        let complete = Self.completePrefixLength(pending)
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// Flushes whatever is left (an invalid trailing sequence becomes U+FFFD).
    public mutating func finish() -> String {
        defer { pending = [] }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Length of the longest prefix that does not end inside an incomplete UTF-8 sequence.
    package static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        var i = bytes.count - 1
        var back = 0
        // Walk back over at most 3 continuation bytes to the lead byte of the last sequence.
        while i >= 0, back < 4, bytes[i] & 0xC0 == 0x80 { i -= 1; back += 1 }
        guard i >= 0 else { return bytes.count }
        let lead = bytes[i]
        let needed = lead < 0x80 ? 1 : lead >> 5 == 0b110 ? 2 : lead >> 4 == 0b1110 ? 3 : lead >> 3 == 0b11110 ? 4 : 1
        return bytes.count - i >= needed ? bytes.count : i
    }
}
