/// Something that runs the model: takes tokens, then tells the logit of any token after the last one.
public protocol LogitsSource {
    /// Appends tokens (decoded together in one forward pass).
    mutating func append(_ tokens: [Int32]) throws
    /// The logit of `token` after the tokens appended so far.
    func logit(_ token: Int32) -> Float
}

/// Counters of one decode.
public struct DecodeStats: Sendable, Equatable {
    /// Model forward passes (one per batch appended).
    public var forwardPasses = 0
    /// Tokens of the plan.
    public var tokens = 0
    /// Tokens appended without a choice (the grammar allowed only one): jump-forward.
    public var forcedTokens = 0
}

/// Greedy decoding under the plan grammar: at each step only tokens the grammar allows can be chosen;
/// runs of forced tokens are appended in one batch without consulting the logits.
public struct ConstrainedDecoder {
    public let masks: MaskCache
    public let tokenBytes: [[UInt8]]
    public var maxTokens: Int

    public init(masks: MaskCache, tokenBytes: [[UInt8]], maxTokens: Int = 128) {
        self.masks = masks
        self.tokenBytes = tokenBytes
        self.maxTokens = maxTokens
    }

    public struct Result: Sendable {
        public var tokens: [Int32]
        public var bytes: [UInt8]
        /// False when the token budget ran out before the plan could end; the plan is then cut back
        /// to its last complete call.
        public var finished: Bool
        public var stats: DecodeStats
    }

    /// Decodes a plan. `source` has already been fed the prompt.
    public func decode<S: LogitsSource>(_ source: inout S) throws -> Result {
        let g = masks.grammar
        var state = GrammarState()
        var out: [Int32] = []
        var bytes: [UInt8] = []
        var stats = DecodeStats()
        var lastComplete = (tokens: 0, bytes: 0)
        func take(_ t: Int32) {
            out.append(t)
            bytes += tokenBytes[Int(t)]
            state = state.advance(tokenBytes[Int(t)], g)!
            if state.canEnd(g) { lastComplete = (out.count, bytes.count) }
        }
        while out.count < maxTokens {
            // Jump-forward: the run of tokens the grammar forces goes in as one batch.
            var mask = masks.mask(state)
            var run: [Int32] = []
            while mask.tokens.count == 1, !mask.canEnd, out.count < maxTokens {
                take(mask.tokens[0])
                run.append(mask.tokens[0])
                mask = masks.mask(state)
            }
            stats.forcedTokens += run.count
            if mask.tokens.isEmpty || out.count >= maxTokens { break }  // only the end is left
            if !run.isEmpty {
                try source.append(run)
                stats.forwardPasses += 1
            }
            // The most likely allowed token, or the end.
            var best: Int32 = -1
            var bestScore = -Float.infinity
            for t in mask.tokens {
                let l = source.logit(t)
                if l > bestScore { bestScore = l; best = t }
            }
            if mask.canEnd, let endScore = masks.trie.endTokens.map({ source.logit($0) }).max(), endScore >= bestScore { break }
            guard best >= 0 else { break }
            take(best)
            if masks.mask(state).tokens.isEmpty { break }
            try source.append([best])
            stats.forwardPasses += 1
        }
        stats.tokens = out.count
        let finished = state.canEnd(g)
        if !finished {
            out = Array(out.prefix(lastComplete.tokens))
            bytes = Array(bytes.prefix(lastComplete.bytes))
        }
        return Result(tokens: out, bytes: bytes, finished: finished, stats: stats)
    }
}
