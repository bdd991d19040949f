internal import CLlama

/// llama.cpp's own GBNF grammar sampler over the full vocabulary: the reference the constrained
/// decoder's masks are benchmarked against. One owner (it keeps the grammar's parse state).
public final class GBNFSampler {
    private let sampler: UnsafeMutablePointer<llama_sampler>
    private var candidates: [llama_token_data]

    /// - Throws: `EngineError.grammarRejected` when llama.cpp cannot parse the grammar.
    public init(vocabulary: Vocabulary, grammar: String, root: String = "root") throws(EngineError) {
        guard let s = llama_sampler_init_grammar(vocabulary.pointer, grammar, root) else { throw .grammarRejected(grammar: grammar) }
        sampler = s
        candidates = (0..<vocabulary.count).map { llama_token_data(id: llama_token($0), logit: 0, p: 0) }
    }

    deinit { llama_sampler_free(sampler) }

    /// Masks the whole vocabulary in the current parse state (disallowed tokens get -inf, as when
    /// sampling). Returns the number of allowed tokens.
    @discardableResult
    public func applyMask() -> Int {
        for i in candidates.indices { candidates[i].logit = 0 }
        return candidates.withUnsafeMutableBufferPointer { buf in
            var array = llama_token_data_array(data: buf.baseAddress, size: buf.count, selected: -1, sorted: false)
            llama_sampler_apply(sampler, &array)
            var allowed = 0
            for i in 0..<array.size where array.data[i].logit != -Float.infinity { allowed += 1 }
            return allowed
        }
    }

    /// Advances the parse state by a token.
    public func accept(_ token: Token) { llama_sampler_accept(sampler, token) }

    public func reset() { llama_sampler_reset(sampler) }
}
