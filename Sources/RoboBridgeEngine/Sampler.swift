internal import CLlama

/// How the next token is chosen.
public enum SamplingMode: Sendable, Equatable {
    /// Always the most likely token.
    case greedy
    /// Temperature, then top-k, then top-p, then a seeded random draw.
    case random(temperature: Float, topK: Int, topP: Float, seed: UInt32)
}

/// A llama.cpp sampler chain. The single owner of its handle; used by the owner of one context.
public final class Sampler {
    private let chain: UnsafeMutablePointer<llama_sampler>
    public let mode: SamplingMode

    public init(_ mode: SamplingMode) {
        self.mode = mode
        var params = llama_sampler_chain_default_params()
        params.no_perf = true
        chain = llama_sampler_chain_init(params)
        switch mode {
        case .greedy:
            llama_sampler_chain_add(chain, llama_sampler_init_greedy())
        case .random(let temperature, let topK, let topP, let seed):
            if topK > 0 { llama_sampler_chain_add(chain, llama_sampler_init_top_k(Int32(topK))) }
            if topP < 1 { llama_sampler_chain_add(chain, llama_sampler_init_top_p(topP, 1)) }
            llama_sampler_chain_add(chain, llama_sampler_init_temp(temperature))
            llama_sampler_chain_add(chain, llama_sampler_init_dist(seed))
        }
    }

    deinit { llama_sampler_free(chain) }

    /// Samples a token from the logits at batch index `i` of the context's last decode, and records it.
    public func sample(_ context: Context, at i: Int) -> Token {
        llama_sampler_sample(chain, context.pointer, Int32(i))
    }

    /// Forgets the tokens seen so far (and reseeds nothing: the random state goes on).
    public func reset() { llama_sampler_reset(chain) }
}

/// Index of the largest value (the first one on ties), or nil for an empty buffer.
public func argmax(_ values: UnsafeBufferPointer<Float>) -> Int? {
    guard !values.isEmpty else { return nil }
    var best = 0
    var bestValue = values[0]
    for i in 1..<values.count where values[i] > bestValue {
        best = i
        bestValue = values[i]
    }
    return best
}

public func argmax(_ values: [Float]) -> Int? { values.withUnsafeBufferPointer { argmax($0) } }
