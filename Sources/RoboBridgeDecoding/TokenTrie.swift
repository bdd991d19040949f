/// The model's vocabulary as a trie of token byte strings. Walking it against the grammar gives the
/// set of tokens allowed in a state: a subtree is cut as soon as its byte prefix is refused.
public final class TokenTrie: @unchecked Sendable {
    // Nodes in flat arrays: children as (byte, node) edge lists, tokens ending at each node.
    private var edges: [[(UInt8, Int32)]] = [[]]
    private var tokensAt: [[Int32]] = [[]]
    public let vocabularySize: Int
    /// Tokens that end the plan (EOS, EOT, ...).
    public let endTokens: [Int32]

    /// - Parameters:
    ///   - tokenBytes: the byte string of every token, indexed by token id (empty for control tokens).
    ///   - endTokens: the end-of-generation tokens.
    public init(tokenBytes: [[UInt8]], endTokens: [Int32]) {
        vocabularySize = tokenBytes.count
        self.endTokens = endTokens
        // Tokens longer than the grammar's text-window assumption are left out (none exist in practice).
        for (id, bytes) in tokenBytes.enumerated() where !bytes.isEmpty && bytes.count <= GrammarState.longestTokenChars {
            var node = 0
            for b in bytes {
                if let next = edges[node].first(where: { $0.0 == b })?.1 {
                    node = Int(next)
                } else {
                    edges.append([])
                    tokensAt.append([])
                    edges[node].append((b, Int32(edges.count - 1)))
                    node = edges.count - 1
                }
            }
            tokensAt[node].append(Int32(id))
        }
    }

    public var nodeCount: Int { edges.count }

    /// The tokens allowed in `state`.
    public func allowed(in state: GrammarState, _ g: PlanGrammar) -> [Int32] {
        var out: [Int32] = []
        var stack: [(Int, GrammarState)] = [(0, state)]
        while let (node, s) = stack.popLast() {
            for (b, child) in edges[node] {
                guard let n = s.advance(b, g) else { continue }
                out += tokensAt[Int(child)]
                stack.append((Int(child), n))
            }
        }
        return out.sorted()
    }
}

/// Allowed-token masks per grammar state, computed once and cached.
public final class MaskCache: @unchecked Sendable {
    public struct Mask: Sendable {
        /// Allowed tokens, in id order.
        public var tokens: [Int32]
        /// Whether the end-of-generation tokens are allowed.
        public var canEnd: Bool
    }

    public let trie: TokenTrie
    public let grammar: PlanGrammar
    private var cache: [GrammarState: Mask] = [:]
    public private(set) var hits = 0
    public private(set) var misses = 0

    public init(trie: TokenTrie, grammar: PlanGrammar) {
        self.trie = trie
        self.grammar = grammar
    }

    /// The mask of a state: cached under the state's key (states that allow the same tokens share one).
    public func mask(_ state: GrammarState) -> Mask {
        let key = state.cacheKey(grammar)
        if let m = cache[key] {
            hits += 1
            return m
        }
        misses += 1
        let m = Mask(tokens: trie.allowed(in: state, grammar), canEnd: state.canEnd(grammar))
        cache[key] = m
        return m
    }

    public var cachedStates: Int { cache.count }
}
