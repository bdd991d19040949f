import RoboBridgeEngine

/// Something that runs the model: takes tokens in one forward pass, then tells the logits at the
/// positions asked for. The decoder reads logits only for the tokens its grammar allows.
public protocol LogitsSource {
    /// Appends tokens in one forward pass (the caller keeps batches within the model's batch size),
    /// with logits at `rows` of this batch (ascending): the model's output layer runs for those rows only.
    mutating func append(_ tokens: [Int32], logitsAt rows: [Int]) throws
    /// The logit of `token` after the token at `row` of the last batch (a row logits were asked for).
    func logit(_ token: Int32, row: Int) -> Float
    /// Drops the last `count` appended tokens (rejected draft tokens) from the model's cache.
    mutating func rollback(_ count: Int) throws
}

extension LogitsSource {
    /// Appends tokens in one forward pass with logits at rows `logitsFrom..<tokens.count`.
    public mutating func append(_ tokens: [Int32], logitsFrom: Int) throws {
        try append(tokens, logitsAt: Array(logitsFrom..<tokens.count))
    }
}

/// Counters of one decode.
public struct DecodeStats: Sendable, Equatable {
    /// Model forward passes (one per batch appended; the prompt batch included when one was given).
    public var forwardPasses = 0
    /// Tokens of the plan.
    public var tokens = 0
    /// Tokens appended without a choice (the grammar allowed only one): jump-forward.
    public var forcedTokens = 0
    /// Draft tokens proposed and accepted, over all drafters.
    public var draftTokens = 0
    public var acceptedTokens = 0
    /// Time of the first forward pass (the instruction's prefill, with the first draft).
    public var firstPassMs = 0.0
    /// Time in the model's forward passes, all of them (the rest of a decode is masks, drafts and choices).
    public var modelMs = 0.0
}

/// Greedy decoding under the plan grammar: at each step only tokens the grammar allows can be chosen.
///
/// - Jump-forward: runs of tokens the grammar forces are appended without consulting the logits, in
///   the same batch as the token chosen before them.
/// - Speculation (optional): drafters propose tokens; they go into the same batch with logits at every
///   position; the longest prefix in which every draft token equals the model's own constrained greedy
///   choice is kept, the model's token replaces the first mismatch, rejected positions are dropped
///   from the cache. The choice at every position is made exactly as without drafts, so the plan is
///   the same whenever the model's logits do not depend on how tokens were batched.
public struct ConstrainedDecoder {
    public let masks: MaskCache
    public let tokenBytes: [[UInt8]]
    public var maxTokens: Int
    /// Most tokens in one batch (the context's batch size).
    public var batchCapacity: Int

    public init(masks: MaskCache, tokenBytes: [[UInt8]], maxTokens: Int = 128, batchCapacity: Int = 512) {
        self.masks = masks
        self.tokenBytes = tokenBytes
        self.maxTokens = maxTokens
        self.batchCapacity = batchCapacity
    }

    public struct Result: Sendable {
        public var tokens: [Int32]
        public var bytes: [UInt8]
        /// False when the token budget ran out before the plan could end; the plan is then cut back
        /// to its last complete call.
        public var finished: Bool
        public var stats: DecodeStats
    }

    /// Decodes a plan.
    /// - Parameters:
    ///   - source: the model, already fed everything before `prompt`.
    ///   - prompt: tokens still to append before the plan (the instruction); they share the first
    ///     batch with the first draft. Empty when the source already has logits for the first choice.
    ///   - speculation: drafters to use, or nil for plain decoding.
    ///   - guide: plans a parser found in the instruction; tokens that continue one get a bonus on their
    ///     logit (in both decoding modes alike, so speculation stays lossless). The model still decides.
    ///   - stopsRepeats: end the plan, without it, where a call comes out identical to the one before it (a small
    ///     model's runaway repetition; pass false when the instruction asks for a repetition). The rule reads only
    ///     the plan's bytes, so both decoding modes stop at the same place.
    ///   - committed: called with the plan text so far and a number of calls, as soon as those calls are
    ///     known to be complete and followed by another (the next call's name has begun). Greedy decoding
    ///     never revises a token it took, and verification keeps only the model's own choices, so these
    ///     calls are final: they may be acted on while the rest decodes.
    public func decode<S: LogitsSource>(_ source: inout S, prompt: [Int32] = [], speculation: Speculation? = nil,
                                        guide: Guide? = nil, stopsRepeats: Bool = false,
                                        committed: (([UInt8], Int) -> Void)? = nil) throws -> Result {
        let g = masks.grammar
        var state = GrammarState()
        var out: [Int32] = []
        var bytes: [UInt8] = []
        var stats = DecodeStats()
        var lastComplete = (tokens: 0, bytes: 0)
        var reported = 0
        var repeated = false
        func take(_ t: Int32) {
            out.append(t)
            bytes += tokenBytes[Int(t)]
            state = state.advance(tokenBytes[Int(t)], g)!
            if state.canEnd(g) {
                if stopsRepeats, state.calls >= 2, lastTwoLinesEqual(bytes) { repeated = true; return }
                lastComplete = (out.count, bytes.count)
            } else if state.calls > reported, let committed {
                reported = state.calls
                committed(bytes, reported)
            }
        }
        /// The model's constrained greedy choice from the logits at `row`: a token, or nil for the end.
        func choose(_ mask: MaskCache.Mask, row: Int) -> Int32? {
            var best: Int32 = -1
            var bestScore = -Float.infinity
            let live = guide?.live(after: bytes) ?? []
            for t in mask.tokens {
                var l = source.logit(t, row: row)
                if !live.isEmpty, guide!.continues(live, bytes.count, tokenBytes[Int(t)]) { l += guide!.bonus }
                if l > bestScore { bestScore = l; best = t }
            }
            if mask.canEnd, var endScore = masks.trie.endTokens.map({ source.logit($0, row: row) }).max() {
                if guide?.ends(live, at: bytes.count) == true { endScore += guide!.bonus }
                if endScore >= bestScore { return nil }
            }
            return best >= 0 ? best : nil
        }
        func isForced(_ m: MaskCache.Mask) -> Bool { m.tokens.count == 1 && !m.canEnd }

        // Tokens chosen but not yet given to the model.
        var pending = prompt
        speculation?.begin()
        decoding: while out.count < maxTokens {
            // Jump-forward: the run the grammar forces joins the pending batch.
            var mask = masks.mask(state)
            while isForced(mask), out.count < maxTokens {
                take(mask.tokens[0])
                pending.append(mask.tokens[0])
                stats.forcedTokens += 1
                if repeated { break decoding }
                mask = masks.mask(state)
            }
            if mask.tokens.isEmpty || out.count >= maxTokens { break }  // only the end is left
            precondition(!pending.isEmpty, "the model has no logits for the next choice")
            // Drafts: grammar-checked token by token, so every draft token is one the decoder could choose.
            var draft: [Int32] = []
            // Per draft token: whether the choice after it needs the model's logits (not when the grammar forces
            // the next token or allows only the end): the output layer, a fifth of a small model's weights, runs
            // only for rows where a choice is made.
            var choiceAfter: [Bool] = []
            var drafter = -1
            if let speculation {
                let room = min(maxTokens - out.count, batchCapacity - 1 - (pending.count % batchCapacity))
                if room > 0, let (i, proposal) = speculation.propose(DraftRequest(planTokens: out, planBytes: bytes, limit: room)) {
                    var s = state
                    for t in proposal {
                        let m = masks.mask(s)
                        guard binarySearch(m.tokens, t), let n = s.advance(tokenBytes[Int(t)], g) else { break }
                        draft.append(t)
                        s = n
                        let next = masks.mask(s)
                        choiceAfter.append(!(isForced(next) || next.tokens.isEmpty))
                    }
                    drafter = i
                    if draft.isEmpty { speculation.record(i, proposed: 0, accepted: 0) }
                }
            }
            let rows = [pending.count - 1] + choiceAfter.indices.filter { choiceAfter[$0] }.map { pending.count + $0 }
            let t0 = monotonicMilliseconds()
            let (offset, passes) = try append(&source, pending + draft, logitsAt: rows)
            let t1 = monotonicMilliseconds()
            if stats.forwardPasses == 0 { stats.firstPassMs = t1 - t0 }
            stats.modelMs += t1 - t0
            stats.forwardPasses += passes
            stats.draftTokens += draft.count
            // Verify: walk the draft, choosing at each position as plain decoding would.
            var row = pending.count - 1 - offset
            pending = []
            var kept = 0  // draft tokens kept (forced by the grammar or equal to the model's choice)
            func settle() throws {
                try source.rollback(draft.count - kept)
                stats.acceptedTokens += kept
                if drafter >= 0, !draft.isEmpty { speculation?.record(drafter, proposed: draft.count, accepted: kept) }
            }
            while true {
                let m = masks.mask(state)
                if m.tokens.isEmpty || out.count >= maxTokens { try settle(); break decoding }
                if isForced(m) {
                    guard kept < draft.count else { try settle(); continue decoding }
                    take(m.tokens[0])  // drafts are grammar-checked: the draft token is this one
                    stats.forcedTokens += 1
                    kept += 1
                    row += 1
                    if repeated { try settle(); break decoding }
                    continue
                }
                guard let c = choose(m, row: row) else { try settle(); break decoding }
                take(c)
                if repeated {
                    if kept < draft.count, draft[kept] == c { kept += 1 }
                    try settle()
                    break decoding
                }
                if kept < draft.count, draft[kept] == c {
                    kept += 1
                    row += 1
                    continue
                }
                // The model's own token: after a mismatch, or the bonus after a fully accepted draft.
                try settle()
                pending = [c]
                break
            }
            if out.count >= maxTokens { break }
        }
        stats.tokens = out.count
        let finished = repeated || state.canEnd(g)
        if !finished || repeated {
            out = Array(out.prefix(lastComplete.tokens))
            bytes = Array(bytes.prefix(lastComplete.bytes))
        }
        return Result(tokens: out, bytes: bytes, finished: finished, stats: stats)
    }

    /// One forward pass for the rows that need logits; a longer prompt goes in first, in batches without
    /// logits. Returns the index of the last batch's first token, and the number of passes.
    private func append<S: LogitsSource>(_ source: inout S, _ tokens: [Int32], logitsAt rows: [Int]) throws -> (Int, Int) {
        let logitsFrom = rows.first ?? tokens.count
        var start = 0, passes = 1
        while tokens.count - start > batchCapacity {
            let end = min(logitsFrom, start + batchCapacity)
            precondition(end > start, "draft longer than a batch")
            try source.append(Array(tokens[start..<end]), logitsAt: [])
            start = end
            passes += 1
        }
        try source.append(Array(tokens[start...]), logitsAt: rows.map { $0 - start })
        return (start, passes)
    }
}

/// Whether the plan text ends with two identical lines.
func lastTwoLinesEqual(_ bytes: [UInt8]) -> Bool {
    var end = bytes.count
    while end > 0, bytes[end - 1] == UInt8(ascii: "\n") { end -= 1 }
    guard let split = bytes[..<end].lastIndex(of: UInt8(ascii: "\n")) else { return false }
    let last = bytes[(split + 1)..<end]
    let start = bytes[..<split].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
    return bytes[start..<split].elementsEqual(last)
}

/// Plans found in the instruction by a parser (`LexiconDrafter`), as plan text, and the logit bonus
/// given to tokens that continue one of them.
public struct Guide: Sendable {
    public var plans: [[UInt8]]
    /// Per plan, the byte offsets where its own tokens end — its tokenization as the prompt's examples show it to the
    /// model (nil: any token that continues the plan). The bonus goes to the token that keeps to that tokenization, not
    /// to every prefix of the plan: a bonus on all of them lifts the plan's spelling in fragments ("n", "avi", "g",
    /// "ate" for "navigate"), which the model writes when its own first choice was another action — slower (a pass per
    /// fragment, drafts rejected) and out of the distribution the examples set.
    public var boundaries: [Set<Int>?]
    public var bonus: Float

    /// - Parameter tokenize: a plan's text → its tokens' bytes (nil: no tokenization is preferred).
    public init(plans: [String], bonus: Float, tokenize: ((String) -> [[UInt8]])? = nil) {
        self.plans = plans.map { Array($0.utf8) }
        self.bonus = bonus
        boundaries = plans.map { text in
            guard let tokenize else { return nil }
            let tokens = tokenize(text)
            guard tokens.reduce(0, { $0 + $1.count }) == text.utf8.count else { return nil }
            var ends: Set<Int> = [0], end = 0
            for t in tokens { end += t.count; ends.insert(end) }
            return ends
        }
    }

    /// The plans (their indices) that continue the text so far.
    func live(after text: [UInt8]) -> [Int] {
        plans.indices.filter { plans[$0].count >= text.count && plans[$0].starts(with: text) }
    }

    /// Whether `token` continues one of the live plans at `offset` — by that plan's own tokenization where the text so
    /// far kept to it.
    func continues(_ live: [Int], _ offset: Int, _ token: [UInt8]) -> Bool {
        live.contains { i in
            let p = plans[i]
            guard p.count >= offset + token.count, p[offset..<(offset + token.count)].elementsEqual(token) else { return false }
            guard let ends = boundaries[i], ends.contains(offset) else { return true }
            return ends.contains(offset + token.count)
        }
    }

    /// Whether a live plan ends at `offset`.
    func ends(_ live: [Int], at offset: Int) -> Bool { live.contains { plans[$0].count == offset } }
}

func binarySearch(_ sorted: [Int32], _ x: Int32) -> Bool {
    var lo = 0, hi = sorted.count
    while lo < hi {
        let mid = (lo + hi) / 2
        if sorted[mid] < x { lo = mid + 1 } else { hi = mid }
    }
    return lo < sorted.count && sorted[lo] == x
}
