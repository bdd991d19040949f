import RoboBridgeEngine

/// A smaller model with the same vocabulary drafts tokens: it decodes greedily, under the same grammar,
/// from the system prompt and the instruction's turn (it does not see the example bank), a few tokens
/// ahead of the plan. It owns its context (one owner) and keeps its KV cache in step with the plan:
/// tokens the verifier rejected are rolled back, tokens it did not foresee are appended.
///
/// Worth it when the draft model is much faster than the main one (a 135M draft for a 4B model); with
/// two models of one size it only costs time, and the adaptive speculation stops asking it.
public final class DraftModelDrafter: Drafter {
    public let name = "draft_model"
    public let model: Model
    private let context: Context
    private var source: ContextSource
    private let systemCount: Int
    private let tokenBytes: [[UInt8]]
    private var masks: MaskCache?
    /// Plan tokens (then drafted ones) in the draft context after the instruction's turn.
    private var mirrored: [Int32] = []
    private var state = GrammarState()
    private var suffixLast: Int32 = 0

    /// - Throws: `EngineError` when the models' vocabularies differ or the context cannot be made.
    public init(model: Model, mainVocabularySize: Int, system: [Int32], threads: Int) throws(EngineError) {
        guard model.vocabulary.count == mainVocabularySize else {
            throw .vocabularyMismatch(draft: model.path, draftTokens: model.vocabulary.count, mainTokens: mainVocabularySize)
        }
        self.model = model
        context = try Context(model: model, options: ContextOptions(contextLength: max(1024, system.count + 512), batchSize: 512, threads: threads, sequences: 3))
        tokenBytes = model.vocabulary.allTokenBytes()
        systemCount = system.count
        let batch = Batch(capacity: 512)
        try context.decodePrompt(system, sequence: 0, batch: batch)
        source = ContextSource(context: context, batch: batch, sequence: 0, position: system.count)
    }

    /// Starts an instruction: decodes its turn after the cached system prompt.
    package func reset(suffix: [Int32], masks: MaskCache) throws {
        context.removeTokens(sequence: 0, from: systemCount)
        source.position = systemCount
        self.masks = masks
        mirrored = []
        state = GrammarState()
        try source.append(suffix, logitsFrom: suffix.count - 1)
        suffixLast = suffix.last ?? 0
    }

    public func propose(_ r: DraftRequest) -> [Int32] {
        guard let masks else { return [] }
        let g = masks.grammar
        do {
            // Bring the draft context to exactly the plan so far, with logits after its last token.
            var common = 0
            while common < min(mirrored.count, r.planTokens.count), mirrored[common] == r.planTokens[common] { common += 1 }
            var toAppend = Array(r.planTokens[common...])
            if common < mirrored.count {
                try source.rollback(mirrored.count - common)
                mirrored.removeLast(mirrored.count - common)
                if toAppend.isEmpty {
                    // The logits left are stale: decode the last token again.
                    try source.rollback(1)
                    if let last = mirrored.popLast() { toAppend = [last] } else {
                        try source.append([suffixLast], logitsFrom: 0)
                    }
                }
            }
            if !toAppend.isEmpty {
                try source.append(toAppend, logitsFrom: toAppend.count - 1)
                mirrored += toAppend
            }
            state = GrammarState()
            for t in mirrored { state = state.advance(tokenBytes[Int(t)], g)! }
            // Greedy under the grammar, `limit` tokens ahead.
            var out: [Int32] = []
            while out.count < r.limit {
                let m = masks.mask(state)
                guard !m.tokens.isEmpty else { break }
                var best: Int32 = -1, bestScore = -Float.infinity
                for t in m.tokens {
                    let l = source.logit(t, row: source.lastRow)
                    if l > bestScore { bestScore = l; best = t }
                }
                if m.canEnd, let e = masks.trie.endTokens.map({ source.logit($0, row: source.lastRow) }).max(), e >= bestScore { break }
                out.append(best)
                state = state.advance(tokenBytes[Int(best)], g)!
                try source.append([best], logitsFrom: 0)
                mirrored.append(best)
            }
            return out
        } catch {
            return []  // a failed draft only costs speed
        }
    }
}
