/// Measures prefill and decode speed of the engine the way `llama-bench` does: a prompt of
/// `promptTokens` pseudo-random tokens decoded in one batch, and `generatedTokens` tokens decoded one
/// at a time, each from an empty KV cache, after one warm-up run.
public struct EngineBenchmark {
    public struct Result: Sendable {
        /// Tokens per second of each repetition.
        public var prefill: [Double]
        public var decode: [Double]
        public init(prefill: [Double] = [], decode: [Double] = []) {
            self.prefill = prefill
            self.decode = decode
        }
    }

    public let model: Model
    public let threads: Int

    public init(model: Model, threads: Int) {
        self.model = model
        self.threads = threads
    }

    public func run(promptTokens: Int, generatedTokens: Int, repetitions: Int) throws(EngineError) -> Result {
        let context = try Context(model: model, options: ContextOptions(
            contextLength: max(512, promptTokens + generatedTokens + 16), batchSize: max(512, promptTokens), threads: threads))
        var rng = SplitMix64(seed: 0x5EED)
        let n = UInt64(model.vocabulary.count)
        let prompt = (0..<promptTokens).map { _ in Token(rng.next() % n) }
        let batch = Batch(capacity: max(promptTokens, 1))
        var result = Result(prefill: [], decode: [])
        for rep in 0...repetitions {
            // Prefill.
            context.clearCache()
            batch.clear()
            try batch.add(prompt, startingAt: 0, logitsAtLast: true)
            var t0 = monotonicMilliseconds()
            try context.decode(batch)
            let prefillMs = monotonicMilliseconds() - t0
            // Decode, one token at a time from an empty cache.
            context.clearCache()
            var token = Token(rng.next() % n)
            t0 = monotonicMilliseconds()
            for position in 0..<generatedTokens {
                batch.clear()
                try batch.add(token, position: position, logits: true)
                try context.decode(batch)
                token = Token(rng.next() % n)
            }
            let decodeMs = monotonicMilliseconds() - t0
            if rep > 0 {  // repetition 0 is the warm-up
                result.prefill.append(Double(promptTokens) / prefillMs * 1000)
                result.decode.append(Double(generatedTokens) / decodeMs * 1000)
            }
        }
        return result
    }
}

/// A small deterministic random generator (SplitMix64).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The median of a non-empty list (the mean of the two middle values for an even count).
public func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    guard !s.isEmpty else { return .nan }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
