/// What a drafter sees when asked for a draft: the plan decoded so far.
public struct DraftRequest {
    public var planTokens: [Int32]
    public var planBytes: [UInt8]
    /// The most tokens the decoder can take now.
    public var limit: Int

    public init(planTokens: [Int32], planBytes: [UInt8], limit: Int) {
        self.planTokens = planTokens
        self.planBytes = planBytes
        self.limit = limit
    }
}

/// Proposes the tokens that probably come next. A drafter may be wrong: every draft is checked by the
/// grammar and verified by the model, so drafters only change speed, never the plan.
public protocol Drafter: AnyObject {
    /// Its name in statistics (`lexicon`, `prompt_lookup`, `plan_cache`, `draft_model`).
    var name: String { get }
    /// Up to `request.limit` tokens that might follow the plan so far (empty: nothing to propose).
    func propose(_ request: DraftRequest) -> [Int32]
    /// Whether its drafts are whole candidate plans, almost always right (the plan cache, the lexicon):
    /// its first draft of an instruction is then the whole candidate, not `Speculation.initialLength` tokens.
    var draftsWholePlans: Bool { get }
}

extension Drafter {
    public var draftsWholePlans: Bool { false }
}

/// Draft and acceptance counts of one drafter.
public struct DrafterStats: Sendable, Equatable {
    public var drafts = 0
    public var proposed = 0
    public var accepted = 0
    public init(drafts: Int = 0, proposed: Int = 0, accepted: Int = 0) {
        self.drafts = drafts
        self.proposed = proposed
        self.accepted = accepted
    }
}

/// The drafters of one decode, in order of preference, with adaptive draft lengths: a drafter's
/// length doubles after a fully accepted draft and shrinks to just past what was accepted after a
/// rejection; a drafter whose drafts are rejected outright twice in a row is skipped for the rest of
/// the instruction (a wasted draft costs about a third of a decoded token per draft token on a CPU).
/// A drafter of whole plans starts at the longest draft: a four-call plan is then one forward pass, not
/// two (each pass costs a fixed ~100 ms at the prompt's depth on a 2-core AVX2 machine).
public final class Speculation {
    public let drafters: [Drafter]
    public private(set) var stats: [DrafterStats]
    private var length: [Int]
    private var misses: [Int]
    public let initialLength: Int
    public let maxLength: Int
    /// The drafters to ask, by name (nil: all).
    public var enabled: Set<String>?

    public init(drafters: [Drafter], initialLength: Int = 16, maxLength: Int = 64) {
        self.drafters = drafters
        self.initialLength = initialLength
        self.maxLength = maxLength
        stats = Array(repeating: DrafterStats(), count: drafters.count)
        length = Self.startLengths(drafters, initial: initialLength, max: maxLength)
        misses = Array(repeating: 0, count: drafters.count)
    }

    /// Each drafter's first draft length: the longest for a drafter of whole plans, else the initial one.
    private static func startLengths(_ drafters: [Drafter], initial: Int, max: Int) -> [Int] {
        drafters.map { $0.draftsWholePlans ? max : initial }
    }

    /// Starts an instruction: lengths and skips are per instruction, statistics add up.
    public func begin() {
        length = Self.startLengths(drafters, initial: initialLength, max: maxLength)
        misses = Array(repeating: 0, count: drafters.count)
    }

    /// The first non-empty proposal, from the preferred drafters not skipped.
    func propose(_ request: DraftRequest) -> (Int, [Int32])? {
        for (i, d) in drafters.enumerated() where misses[i] < 2 && enabled.map({ $0.contains(d.name) }) ?? true {
            var r = request
            r.limit = min(request.limit, length[i])
            let p = d.propose(r)
            if !p.isEmpty { return (i, Array(p.prefix(r.limit))) }
        }
        return nil
    }

    func record(_ i: Int, proposed: Int, accepted: Int) {
        stats[i].drafts += 1
        stats[i].proposed += proposed
        stats[i].accepted += accepted
        if accepted == proposed, proposed > 0 {
            length[i] = min(maxLength, length[i] * 2)
            misses[i] = 0
        } else {
            length[i] = max(4, min(maxLength, accepted * 2 + 2))
            misses[i] = accepted == 0 ? misses[i] + 1 : 0
        }
    }

    /// Statistics by drafter name.
    public var statsByName: [(String, DrafterStats)] { zip(drafters.map(\.name), stats).map { ($0, $1) } }
}

/// Proposes the rest of candidate plan texts that continue the plan so far. Used by the plan cache and
/// the lexicon drafter. A candidate's tokens are its natural tokenization (the one the prompt's
/// examples show the model); when the plan so far left that tokenization, the remaining text is
/// tokenized afresh. When no candidate continues the whole plan, a candidate line that continues the
/// current line is proposed with the lines after it (the drafter resynchronizes after a call it did not
/// foresee).
package final class CandidateTexts {
    private let tokenize: (String) -> [Int32]
    private var candidates: [(bytes: [UInt8], tokens: [Int32])] = []

    package init(tokenize: @escaping (String) -> [Int32]) { self.tokenize = tokenize }

    package func set(_ texts: [String]) {
        candidates = texts.map { (Array($0.utf8), tokenize($0)) }
    }

    package var isEmpty: Bool { candidates.isEmpty }

    package func propose(_ r: DraftRequest) -> [Int32] {
        for c in candidates where c.bytes.count > r.planBytes.count && c.bytes.starts(with: r.planBytes) {
            if c.tokens.count > r.planTokens.count, c.tokens.starts(with: r.planTokens) {
                return Array(c.tokens[r.planTokens.count...].prefix(r.limit))
            }
            return Array(tokenize(String(decoding: c.bytes[r.planBytes.count...], as: UTF8.self)).prefix(r.limit))
        }
        // Resynchronize on the current line.
        let lineStart = (r.planBytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }) ?? 0
        let line = r.planBytes[lineStart...]
        guard !line.isEmpty || lineStart > 0 else { return [] }
        for c in candidates {
            var start = 0
            while start < c.bytes.count {
                let end = c.bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? c.bytes.count
                if end - start > line.count, c.bytes[start..<end].starts(with: line) {
                    return Array(tokenize(String(decoding: c.bytes[(start + line.count)...], as: UTF8.self)).prefix(r.limit))
                }
                start = end + 1
            }
        }
        return []
    }
}

/// Prompt lookup: the plan often copies what the prompt holds (entity names from the instruction and
/// the world, call patterns from the examples). The last n tokens of the plan (n = 3, 2, 1) are looked
/// up in the prompt and the plan; the tokens that followed the latest match are proposed. (Proposing
/// the latest example's plan before the first token was measured and dropped: acceptance fell from 67%
/// to 49% and the p50 speedup from 1.27× to 1.21×.)
public final class PromptLookupDrafter: Drafter {
    public let name = "prompt_lookup"
    private var history: [Int32] = []
    public var maxGram = 3

    public init() {}

    /// The prompt tokens the plan may copy from.
    public func reset(prompt: [Int32]) { history = prompt }

    public func propose(_ r: DraftRequest) -> [Int32] {
        let text = history + r.planTokens
        guard !r.planTokens.isEmpty else { return [] }
        for n in stride(from: min(maxGram, r.planTokens.count), through: 1, by: -1) {
            let gram = text.suffix(n)
            var i = text.count - n - 1
            while i >= 0 {
                if text[i..<(i + n)].elementsEqual(gram) {
                    let follow = text[(i + n)...].prefix(r.limit)
                    if !follow.isEmpty { return Array(follow) }
                }
                i -= 1
            }
        }
        return []
    }
}

/// Plans of earlier instructions, by normalized instruction: a repeated command is drafted whole.
public final class PlanCacheDrafter: Drafter {
    public let name = "plan_cache"
    public var draftsWholePlans: Bool { true }
    private var plans: [String: String] = [:]
    private var order: [String] = []
    private let texts: CandidateTexts
    public let capacity: Int

    public init(capacity: Int = 1024, tokenize: @escaping (String) -> [Int32]) {
        self.capacity = capacity
        texts = CandidateTexts(tokenize: tokenize)
    }

    /// Looks the instruction up before decoding.
    public func reset(instruction: String) { texts.set(plans[instruction].map { [$0] } ?? []) }

    /// Remembers a decoded plan (least recently added goes first when full).
    public func remember(instruction: String, plan: String) {
        if plans[instruction] == nil {
            order.append(instruction)
            if order.count > capacity { plans[order.removeFirst()] = nil }
        }
        plans[instruction] = plan
    }

    public var count: Int { plans.count }

    public func propose(_ r: DraftRequest) -> [Int32] { texts.propose(r) }
}
