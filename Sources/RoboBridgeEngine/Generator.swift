#if canImport(Glibc)
import Glibc
#endif

/// Statistics of one generation.
public struct GenerationStats: Sendable, Equatable {
    public var promptTokens = 0
    public var generatedTokens = 0
    public var prefillMilliseconds = 0.0
    public var decodeMilliseconds = 0.0
    public var prefillTokensPerSecond: Double { prefillMilliseconds > 0 ? Double(promptTokens) / prefillMilliseconds * 1000 : 0 }
    public var decodeTokensPerSecond: Double { decodeMilliseconds > 0 ? Double(generatedTokens) / decodeMilliseconds * 1000 : 0 }
}

/// Plain text generation on one context: prefill the prompt, then sample token by token.
public struct Generator {
    public let context: Context

    public init(context: Context) { self.context = context }

    /// Generates text after a prompt, streaming it through `onText`.
    /// - Parameters:
    ///   - prompt: prompt tokens (already templated and tokenized).
    ///   - maxTokens: the most tokens to generate.
    ///   - sampler: how to pick tokens.
    ///   - onText: receives each complete UTF-8 piece; return false to stop.
    /// - Returns: the generated tokens and timings.
    /// - Throws: `EngineError` from decoding (for example `.aborted`).
    public func generate(prompt: [Token], maxTokens: Int, sampler: Sampler,
                         onText: (String) -> Bool = { _ in true }) throws(EngineError) -> (tokens: [Token], stats: GenerationStats) {
        context.clearCache()
        var stats = GenerationStats(promptTokens: prompt.count)
        let vocab = context.vocabulary
        let batch = Batch(capacity: max(1, context.options.batchSize))
        let start = monotonicMilliseconds()
        var position = 0
        var lastIndex = 0
        // Prefill in chunks of the batch size, logits only at the very last prompt token.
        while position < prompt.count {
            batch.clear()
            let chunk = Array(prompt[position..<min(prompt.count, position + batch.capacity)])
            try batch.add(chunk, startingAt: position, logitsAtLast: position + chunk.count == prompt.count)
            try context.decode(batch)
            position += chunk.count
            lastIndex = chunk.count - 1
        }
        let afterPrefill = monotonicMilliseconds()
        stats.prefillMilliseconds = afterPrefill - start
        var detok = StreamingDetokenizer(vocabulary: vocab)
        var out: [Token] = []
        while out.count < maxTokens {
            let token = sampler.sample(context, at: lastIndex)
            if vocab.isEndOfGeneration(token) { break }
            out.append(token)
            let text = detok.append(token)
            if !text.isEmpty, !onText(text) { break }
            if out.count == maxTokens { break }
            batch.clear()
            try batch.add(token, position: position, logits: true)
            try context.decode(batch)
            position += 1
            lastIndex = 0
        }
        let rest = detok.finish()
        if !rest.isEmpty { _ = onText(rest) }
        stats.generatedTokens = out.count
        stats.decodeMilliseconds = monotonicMilliseconds() - afterPrefill
        return (out, stats)
    }
}

/// Milliseconds from a monotonic clock.
public func monotonicMilliseconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1_000_000
}
