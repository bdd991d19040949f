import Synchronization

/// The model's vocabulary as a trie of token byte strings. Walking it against the grammar gives the
/// set of tokens allowed in a state: a subtree is cut as soon as its byte prefix is refused.
///
/// Inside free text almost every token is allowed, so a walk would visit the whole trie. There the
/// mask is split in two: the tokens that stay inside the text (no quote) depend only on where the
/// text stands (first character, after a space, inside a UTF-8 sequence), not on the grammar, and are
/// computed once per vocabulary and shared by every grammar and cache; the tokens that close the text
/// (they hold a quote) are few and walked with the grammar, through the subtrees that hold a quote.
public final class TokenTrie: @unchecked Sendable {
    // Nodes in flat arrays: children as (byte, node) edge lists, tokens ending at each node.
    private var edges: [[(UInt8, Int32)]] = [[]]
    private var tokensAt: [[Int32]] = [[]]
    /// Whether a quote byte lies below a node (on an edge of its subtree).
    private let quoteBelow: [Bool]
    /// Inside-text token sets by text cursor (room for any token), shared by all grammars.
    private let textSets = Mutex<[TextCursor: [Int32]]>([:])
    public let vocabularySize: Int
    /// Tokens that end the plan (EOS, EOT, ...).
    public let endTokens: [Int32]
    /// The most plan lines a single token can start: one more than its count of ")\n".
    public let linesPerToken: Int

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
        // Children are created after their parents: one pass from the last node up fills the flags.
        var below = Array(repeating: false, count: edges.count)
        for node in stride(from: edges.count - 1, through: 0, by: -1) {
            below[node] = edges[node].contains { $0.0 == TokenTrie.quote || below[Int($0.1)] }
        }
        quoteBelow = below
        var lines = 0
        for bytes in tokenBytes where bytes.count > 1 {
            lines = max(lines, zip(bytes, bytes.dropFirst()).count { $0 == UInt8(ascii: ")") && $1 == UInt8(ascii: "\n") })
        }
        linesPerToken = lines + 1
    }

    private static let quote = UInt8(ascii: "\"")

    public var nodeCount: Int { edges.count }

    /// The tokens allowed in `state`.
    public func allowed(in state: GrammarState, _ g: PlanGrammar) -> [Int32] {
        if let (cursor, maxLength) = state.openText(g) {
            return merge(insideText(cursor, maxLength: maxLength), closingText(state, g))
        }
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

    /// Tokens with no quote that free text at `cursor` can take (sorted). With room for any token the
    /// set depends on the cursor alone and is shared; near the length limit it is walked.
    func insideText(_ cursor: TextCursor, maxLength: Int) -> [Int32] {
        guard maxLength - Int(cursor.chars) > GrammarState.longestTokenChars else {
            return walkText(from: cursor, maxLength: maxLength)
        }
        var key = cursor
        key.chars = min(key.chars, 1)  // only "nothing yet" matters (no leading space)
        if let set = textSets.withLock({ $0[key] }) { return set }
        let set = walkText(from: key, maxLength: Int(Int16.max))
        textSets.withLock { $0[key] = set }
        return set
    }

    /// Computes the shared inside-text sets that free text starts from (first character, after a
    /// character, after a space), so no translation pays for them.
    public func prepareTextSets() {
        var after = TextCursor()
        after.chars = 1
        var space = after
        space.lastSpace = true
        for c in [TextCursor(), after, space] { _ = insideText(c, maxLength: Int(Int16.max)) }
    }

    private func walkText(from cursor: TextCursor, maxLength: Int) -> [Int32] {
        var out: [Int32] = []
        var stack: [(Int, TextCursor)] = [(0, cursor)]
        while let (node, c) = stack.popLast() {
            for (b, child) in edges[node] where b != TokenTrie.quote {
                var n = c
                guard n.take(b, maxLength: maxLength) else { continue }
                out += tokensAt[Int(child)]
                stack.append((Int(child), n))
            }
        }
        return out.sorted()
    }

    /// Tokens holding a quote that the grammar accepts from `state` (inside free text), sorted: only
    /// subtrees with a quote below are walked.
    private func closingText(_ state: GrammarState, _ g: PlanGrammar) -> [Int32] {
        var out: [Int32] = []
        var stack: [(Int, GrammarState, Bool)] = [(0, state, false)]
        while let (node, s, closed) = stack.popLast() {
            for (b, child) in edges[node] {
                guard closed || b == TokenTrie.quote || quoteBelow[Int(child)], let n = s.advance(b, g) else { continue }
                let nowClosed = closed || b == TokenTrie.quote
                if nowClosed { out += tokensAt[Int(child)] }
                stack.append((Int(child), n, nowClosed))
            }
        }
        return out.sorted()
    }

    /// The union of two sorted, disjoint token lists.
    private func merge(_ a: [Int32], _ b: [Int32]) -> [Int32] {
        if b.isEmpty { return a }
        var out: [Int32] = []
        out.reserveCapacity(a.count + b.count)
        var j = 0
        for t in a {
            while j < b.count, b[j] < t { out.append(b[j]); j += 1 }
            out.append(t)
        }
        out += b[j...]
        return out
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
        let key = state.cacheKey(grammar, linesPerToken: trie.linesPerToken)
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

    /// Computes the masks along plans ahead of time (at start-up, from plans the robot file and the
    /// world give), so translations find them cached. A plan stops at its first token the grammar refuses.
    /// - Returns: the number of masks computed.
    @discardableResult
    public func warm(plans: [[Int32]], tokenBytes: [[UInt8]]) -> Int {
        trie.prepareTextSets()
        let before = misses
        for plan in plans {
            var state = GrammarState()
            for t in plan {
                _ = mask(state)
                guard let next = state.advance(tokenBytes[Int(t)], grammar) else { break }
                state = next
            }
            _ = mask(state)
        }
        return misses - before
    }
}
