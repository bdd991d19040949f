import RoboBridgeConfig

/// The plan syntax, compiled from a robot's actions and a world's entities:
///
///     plan  := "none" | call ("\n" call)*            then the end-of-generation token
///     call  := NAME "(" [arg (", " arg)*] ")"        arguments in declared order; optional ones may be left out
///     arg   := PARAM "=" value
///     value := number in [min, max] (≤ 3 decimals) | integer in [min, max] | true | false
///            | "\"" text of ≤ max_length characters, no quote or backslash "\""
///            | "\"" one of the enum's values or the world's entities of its class "\""
///            | one of a list of unquoted literals (numbers a request wrote, for tool sets)
///            | "[" [value (", " value)*] "]"             arrays: between min and max items of one scalar kind
///
/// An array of objects is written as columns (see `Parameter.ListShape`): a column after the first holds as
/// many items as the first, which the call must have given just before it (columns are declared together).
///
/// Everything the grammar lets through is a valid call of the robot with valid arguments.
public struct PlanGrammar: Sendable {
    public struct Param: Sendable {
        public enum Kind: Sendable {
            case number(min: Double, max: Double, decimals: Int)
            case integer(min: Int, max: Int)
            case boolean
            case text(maxLength: Int)
            case choice([[UInt8]])
            /// Unquoted literals, one of them (numbers as a request wrote them: `-3`, `0.05`, `12000`).
            case literal([[UInt8]])

            /// The values of a choice or literal kind.
            var values: [[UInt8]]? {
                switch self {
                case .choice(let v), .literal(let v): v
                default: nil
                }
            }
            /// An array: "[" items separated by ", " "]", between `minItems` and `maxItems` of them.
            indirect case list(item: Kind, minItems: Int, maxItems: Int)
        }
        public var name: [UInt8]
        public var kind: Kind
        public var required: Bool
        /// For a later column of an array of objects: the name of the first column, whose item count it shares
        /// (a name, not an index: grounding may leave parameters out); and whether it must be given once that
        /// column is.
        public var sameLengthAs: [UInt8]?
        public var requiredWithLead = false

        public init(name: [UInt8], kind: Kind, required: Bool, sameLengthAs: [UInt8]? = nil, requiredWithLead: Bool = false) {
            self.name = name
            self.kind = kind
            self.required = required
            self.sameLengthAs = sameLengthAs
            self.requiredWithLead = requiredWithLead
        }
    }

    public struct Call: Sendable {
        public var name: [UInt8]
        public var params: [Param]

        public init(name: [UInt8], params: [Param]) {
            self.name = name
            self.params = params
        }
    }

    public var calls: [Call]
    public var maxCalls: Int
    /// Calls (indices into `calls`) that may not start a plan: the robot's state rules them out now.
    public var notFirst: Set<Int> = []
    /// Whether "none" may be the plan (false: at least one call).
    public var allowsNone = true
    /// When set, a call gives each value of a choice or literal kind at most once (two parameters, or two items,
    /// with the same value), except the values listed here (a request that writes a value twice may use it twice).
    public var distinctValues: Set<[UInt8]>?

    /// The literal that stands for "no action".
    public static let none = Array("none".utf8)

    /// Compiles a robot's schema against a world.
    /// - Parameter entities: overrides the members of entity classes (grounding), by class name.
    public init(robot: Robot, world: World?, entities: [String: [String]]? = nil, maxCalls: Int? = nil) {
        let classes = entities ?? world?.entityClasses ?? [:]
        calls = robot.actions.map { action in
            Call(name: Array(action.name.utf8), params: action.parameters.map { p in
                let kind: Param.Kind = switch p.kind {
                case .number: .number(min: p.minimum ?? -1e6, max: p.maximum ?? 1e6, decimals: 3)
                case .integer: .integer(min: Int(p.minimum ?? -1_000_000), max: Int(p.maximum ?? 1_000_000))
                case .boolean: .boolean
                case .string: .text(maxLength: p.maxLength ?? 120)
                case .enum: .choice((p.values ?? p.entityClass.flatMap { classes[$0] } ?? []).map { Array($0.utf8) })
                }
                let shaped = p.list.map { Param.Kind.list(item: kind, minItems: $0.minItems, maxItems: $0.maxItems) } ?? kind
                return Param(name: Array(p.name.utf8), kind: shaped, required: p.required, sameLengthAs: p.list?.sameLengthAs.map { Array($0.utf8) },
                             requiredWithLead: p.list?.requiredWithLead ?? false)
            })
        }
        self.maxCalls = maxCalls ?? robot.limits.maxPlanActions
    }

    public init(calls: [Call], maxCalls: Int) {
        self.calls = calls
        self.maxCalls = maxCalls
    }
}

/// Where the parse of a plan stands: a small value, hashable so masks can be cached per state.
public struct GrammarState: Hashable, Sendable {
    enum Phase: Hashable, Sendable {
        /// At the start of a line: an action name, "none" (first line only) or the end.
        case lineStart
        /// Inside an action name (or "none"), `prefix` bytes so far.
        case name
        /// After "none": only the end.
        case noneDone
        /// Inside a parameter name.
        case paramName
        /// Inside a value.
        case value
        /// After a value: ", ", ")" .
        case afterValue
        /// After ", ": expecting the space.
        case comma
        /// After ")": "\n" or the end.
        case afterCall
    }

    var phase: Phase = .lineStart
    var prefix: [UInt8] = []
    /// The action being written, and the index of the parameter being written or last written.
    var call = -1
    var param = -1
    /// Calls completed so far.
    var calls = 0
    /// Inside a quoted value: whether the opening quote has been read.
    var quoted = false
    /// Inside free text: where the text stands (the text itself does not matter to the grammar, so
    /// states — and cached masks — are shared).
    var text = TextCursor()
    /// Inside an array value: 0 before "[", 1 at an item's start, 2 inside an item, 3 after an item,
    /// 4 after its ","; and the items completed.
    var listStep: UInt8 = 0
    var items: Int16 = 0
    /// The last array this call gave that later columns may follow (its parameter index), and its item count.
    var lead = -1
    var leadItems: Int16 = 0
    /// Choice and literal values given so far in this call (kept only with `PlanGrammar.distinctValues`).
    var used: [[UInt8]] = []

    public init() {}

    /// The key under which masks are cached. Inside free text, a state with more room left than any
    /// token can fill allows the same tokens as any other such state, so they share one key.
    /// - Parameter linesPerToken: the most plan lines one token can start (see `TokenTrie`).
    public func cacheKey(_ g: PlanGrammar, linesPerToken: Int) -> GrammarState {
        var k = self
        // The number of calls so far only matters where a token could reach the plan's limit or its
        // first line; between those, states differ in nothing a token can see.
        if calls > 0, calls + linesPerToken < g.maxCalls { k.calls = 1 }
        guard phase == .value, quoted, text.chars > 0, case .text(let maxLength) = scalarKind(g),
              maxLength - Int(text.chars) > GrammarState.longestTokenChars else { return k }
        k.text.chars = -1
        return k
    }

    /// Inside the quotes of a free-text value: where the text stands and its length limit.
    func openText(_ g: PlanGrammar) -> (cursor: TextCursor, maxLength: Int)? {
        guard phase == .value, quoted, case .text(let maxLength) = scalarKind(g) else { return nil }
        return (text, maxLength)
    }

    /// The kind of the scalar being written: the parameter's, or its item's inside an array item.
    func scalarKind(_ g: PlanGrammar) -> PlanGrammar.Param.Kind? {
        guard phase == .value else { return nil }
        let kind = g.calls[call].params[param].kind
        if case .list(let item, _, _) = kind { return listStep == 2 ? item : nil }
        return kind
    }

    /// More characters than any token of a vocabulary holds (tokens are short pieces of words).
    static let longestTokenChars = 48

    /// Whether the plan may end here.
    public func canEnd(_ g: PlanGrammar) -> Bool {
        switch phase {
        case .noneDone, .afterCall: true
        case .lineStart: calls > 0
        default: false
        }
    }

    /// The state after one more byte, or nil when the grammar forbids it.
    public func advance(_ b: UInt8, _ g: PlanGrammar) -> GrammarState? {
        var s = self
        switch phase {
        case .lineStart, .name:
            if phase == .lineStart, calls >= g.maxCalls { return nil }
            if b == UInt8(ascii: "(") {
                guard let i = g.calls.firstIndex(where: { $0.name == s.prefix }), calls > 0 || !g.notFirst.contains(i) else { return nil }
                s.call = i
                s.param = -1
                s.prefix = []
                s.used = []
                s.lead = -1
                // Straight to ")" when no parameter is required and there are none, else a parameter name.
                s.phase = .paramName
                return s
            }
            // Checked before anything is copied: most bytes are refused here.
            guard g.calls.indices.contains(where: { (calls > 0 || !g.notFirst.contains($0)) && GrammarState.extends(g.calls[$0].name, prefix, with: b) })
                || (calls == 0 && g.allowsNone && GrammarState.extends(PlanGrammar.none, prefix, with: b)) else { return nil }
            s.prefix.append(b)
            if calls == 0, s.prefix == PlanGrammar.none {
                s.phase = .noneDone
                s.prefix = []
                return s
            }
            s.phase = .name
            return s
        case .noneDone:
            return nil
        case .paramName:
            let call = g.calls[s.call]
            if s.prefix.isEmpty, b == UInt8(ascii: ")") {
                // ")" right after "(" (or after ", " — not allowed) closes a call whose remaining params are optional.
                guard s.param == -1, call.params.allSatisfy({ !$0.required }) else { return nil }
                s.phase = .afterCall
                s.calls += 1
                return s
            }
            if b == UInt8(ascii: "=") {
                guard let j = nextParam(named: s.prefix, call, g) else { return nil }
                s.param = j
                s.prefix = []
                s.quoted = false
                s.phase = .value
                return s
            }
            guard candidates(call, g).contains(where: { GrammarState.extends(call.params[$0].name, prefix, with: b) }) else { return nil }
            s.prefix.append(b)
            return s
        case .value:
            return advanceValue(b, g)
        case .afterValue:
            let call = g.calls[s.call]
            if b == UInt8(ascii: ")") {
                guard call.params.indices[(s.param + 1)...].allSatisfy({ !isRequired($0, call) }) else { return nil }
                s.phase = .afterCall
                s.calls += 1
                return s
            }
            if b == UInt8(ascii: ",") {
                // Only toward a parameter that may still come (no dead end after ", ").
                guard s.param + 1 < call.params.count, !candidates(call, g).isEmpty else { return nil }
                s.phase = .comma
                return s
            }
            return nil
        case .comma:
            guard b == UInt8(ascii: " ") else { return nil }
            s.phase = .paramName
            s.prefix = []
            return s
        case .afterCall:
            guard b == UInt8(ascii: "\n") else { return nil }
            s.phase = .lineStart
            s.prefix = []
            s.call = -1
            return s
        }
    }

    /// Whether `word` starts with `prefix` followed by `b`.
    @inline(__always)
    static func extends(_ word: [UInt8], _ prefix: [UInt8], with b: UInt8) -> Bool {
        let n = prefix.count
        guard word.count > n, word[n] == b else { return false }
        var i = 0
        while i < n { if word[i] != prefix[i] { return false }; i += 1 }
        return true
    }

    /// Digits, sign and point.
    @inline(__always)
    static func isNumberByte(_ b: UInt8) -> Bool {
        (0x30...0x39).contains(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
    }

    /// Parameters that may come next: the ones after the last written, skipping only optional ones; a later
    /// column of an array of objects only right after its first column's group; with distinct values, no optional
    /// one whose every value this call has given already (it would only repeat one).
    private func candidates(_ call: PlanGrammar.Call, _ g: PlanGrammar) -> LazyFilterSequence<Range<Int>> {
        let start = param + 1
        let firstRequired = call.params.indices[start...].first { isRequired($0, call) }
        return (start..<(firstRequired.map { $0 + 1 } ?? call.params.count)).lazy.filter { j in
            let p = call.params[j]
            guard p.sameLengthAs == nil || follows(p, call) else { return false }
            guard !isRequired(j, call), let values = p.kind.values else { return true }
            return hasFresh(values, g)
        }
    }

    /// Whether one of `values` may still be given without repeating one (always, without distinct values): not
    /// given yet in this call, or written twice by the request.
    private func hasFresh(_ values: [[UInt8]], _ g: PlanGrammar) -> Bool {
        guard let repeatable = g.distinctValues else { return true }
        return values.contains { !used.contains($0) || repeatable.contains($0) }
    }

    /// Whether `p` is a later column of the array whose first column this call gave last.
    private func follows(_ p: PlanGrammar.Param, _ call: PlanGrammar.Call) -> Bool {
        lead >= 0 && p.sameLengthAs == call.params[lead].name
    }

    /// Whether parameter `j` must still be given: required, or a column its objects need once their first is given.
    private func isRequired(_ j: Int, _ call: PlanGrammar.Call) -> Bool {
        let p = call.params[j]
        return p.required || (p.requiredWithLead && follows(p, call))
    }

    private func nextParam(named name: [UInt8], _ call: PlanGrammar.Call, _ g: PlanGrammar) -> Int? {
        candidates(call, g).first { call.params[$0].name == name }
    }

    private func advanceValue(_ b: UInt8, _ g: PlanGrammar) -> GrammarState? {
        let kind = g.calls[call].params[param].kind
        if case .list(let item, let minItems, let maxItems) = kind {
            return advanceList(b, item: item, minItems: minItems, maxItems: maxItems, g)
        }
        switch scalarByte(b, kind, end: UInt8(ascii: ")"), g) {
        case .refused: return nil
        case .inside(let s): return s
        case .closed(var t, let reprocess):
            t.phase = .afterValue
            return reprocess ? t.advance(b, g) : t
        }
    }

    private func advanceList(_ b: UInt8, item: PlanGrammar.Param.Kind, minItems: Int, maxItems: Int, _ g: PlanGrammar) -> GrammarState? {
        var s = self
        // A later column of an array of objects holds exactly as many items as the first.
        let isLaterColumn = g.calls[call].params[param].sameLengthAs != nil
        let (minItems, maxItems) = isLaterColumn ? (Int(leadItems), Int(leadItems)) : (minItems, maxItems)
        /// The array is complete: it leads the columns after it, if any.
        func close(_ s: inout GrammarState) {
            if !isLaterColumn { s.lead = s.param; s.leadItems = s.items }
            s.listStep = 0
            s.items = 0
            s.phase = .afterValue
        }
        switch listStep {
        case 0:
            guard b == UInt8(ascii: "[") else { return nil }
            s.listStep = 1
            return s
        case 1, 2:
            if listStep == 1, b == UInt8(ascii: "]") {
                guard items == 0, minItems == 0 else { return nil }
                close(&s)
                return s
            }
            if listStep == 1, Int(items) >= maxItems { return nil }  // an array of at most 0 items (a column of an empty one)
            s.listStep = 2
            switch s.scalarByte(b, item, end: UInt8(ascii: "]"), g) {
            case .refused: return nil
            case .inside(let t): return t
            case .closed(var t, let reprocess):
                t.items += 1
                t.listStep = 3
                return reprocess ? t.advance(b, g) : t
            }
        case 3:
            if b == UInt8(ascii: ",") {
                guard Int(items) < maxItems else { return nil }
                // No further item when every value an item could take is already given (distinct values), unless
                // the column must match its first column's count.
                if !isLaterColumn, let values = item.values, !hasFresh(values, g) { return nil }
                s.listStep = 4
                return s
            }
            guard b == UInt8(ascii: "]"), Int(items) >= minItems else { return nil }
            close(&s)
            return s
        default:
            guard b == UInt8(ascii: " ") else { return nil }
            s.listStep = 1
            return s
        }
    }

    /// One byte of a scalar value of `kind`. Unquoted values end at "," or `end` (the byte is then
    /// read again by what follows); quoted ones at their closing quote.
    private enum ScalarStep {
        case refused
        case inside(GrammarState)
        case closed(GrammarState, reprocess: Bool)
    }

    private func scalarByte(_ b: UInt8, _ kind: PlanGrammar.Param.Kind, end: UInt8, _ g: PlanGrammar) -> ScalarStep {
        var s = self
        /// Whether a complete choice or literal may be given here, noting it as used.
        func fresh(_ s: inout GrammarState, _ values: [[UInt8]]) -> Bool {
            guard g.distinctValues != nil else { return true }
            guard s.isAvailable(s.prefix, among: values, g) else { return false }
            s.used.append(s.prefix)
            return true
        }
        let ends = b == UInt8(ascii: ",") || b == end
        let closed = { () -> GrammarState in
            var t = s
            t.prefix = []
            t.quoted = false
            t.text = TextCursor()
            return t
        }
        switch kind {
        case .number(let lo, let hi, let decimals):
            if ends {
                return NumberPrefix.isComplete(s.prefix, lo, hi) ? .closed(closed(), reprocess: true) : .refused
            }
            guard GrammarState.isNumberByte(b) else { return .refused }
            s.prefix.append(b)
            return NumberPrefix.isViable(s.prefix, lo, hi, decimals: decimals) ? .inside(s) : .refused
        case .integer(let lo, let hi):
            if ends {
                return NumberPrefix.isComplete(s.prefix, Double(lo), Double(hi)) ? .closed(closed(), reprocess: true) : .refused
            }
            guard GrammarState.isNumberByte(b) else { return .refused }
            s.prefix.append(b)
            return NumberPrefix.isViable(s.prefix, Double(lo), Double(hi), decimals: 0) ? .inside(s) : .refused
        case .boolean:
            if ends {
                return s.prefix == Array("true".utf8) || s.prefix == Array("false".utf8) ? .closed(closed(), reprocess: true) : .refused
            }
            guard GrammarState.extends(Array("true".utf8), prefix, with: b) || GrammarState.extends(Array("false".utf8), prefix, with: b) else { return .refused }
            s.prefix.append(b)
            return .inside(s)
        case .text(let maxLength):
            if !s.quoted {
                guard b == UInt8(ascii: "\"") else { return .refused }
                s.quoted = true
                return .inside(s)
            }
            if b == UInt8(ascii: "\"") {
                return s.text.canClose ? .closed(closed(), reprocess: false) : .refused
            }
            return s.text.take(b, maxLength: maxLength) ? .inside(s) : .refused
        case .literal(let values):
            if ends {
                return values.contains(s.prefix) && fresh(&s, values) ? .closed(closed(), reprocess: true) : .refused
            }
            guard values.contains(where: { GrammarState.extends($0, prefix, with: b) && isAvailable($0, among: values, g) }) else { return .refused }
            s.prefix.append(b)
            return .inside(s)
        case .choice(let values):
            if !s.quoted {
                guard b == UInt8(ascii: "\"") else { return .refused }
                s.quoted = true
                return .inside(s)
            }
            if b == UInt8(ascii: "\"") {
                return values.contains(s.prefix) && fresh(&s, values) ? .closed(closed(), reprocess: false) : .refused
            }
            guard values.contains(where: { GrammarState.extends($0, prefix, with: b) && isAvailable($0, among: values, g) }) else { return .refused }
            s.prefix.append(b)
            return .inside(s)
        case .list:
            return .refused  // arrays hold scalars only
        }
    }

    /// With distinct values: a value not given yet in this call, or one the request writes twice, or any value once
    /// all are given (a parameter is never left with nothing to take: no dead end).
    func isAvailable(_ v: [UInt8], among values: [[UInt8]], _ g: PlanGrammar) -> Bool {
        guard let repeatable = g.distinctValues else { return true }
        return !used.contains(v) || repeatable.contains(v) || !hasFresh(values, g)
    }

    /// The state after a byte string, or nil.
    public func advance(_ bytes: [UInt8], _ g: PlanGrammar) -> GrammarState? {
        var s = self
        for b in bytes {
            guard let n = s.advance(b, g) else { return nil }
            s = n
        }
        return s
    }
}

/// Free text between quotes, byte by byte: printable, no quote or backslash, valid UTF-8 (checked as
/// the bytes come), at most `maxLength` characters, no leading, trailing or doubled spaces.
struct TextCursor: Hashable, Sendable {
    /// Characters so far (-1 in mask-cache keys: "any count with room for a whole token").
    var chars: Int16 = 0
    var lastSpace = false
    /// UTF-8 continuation bytes still owed.
    var owed: Int8 = 0
    /// The allowed range of the next continuation byte, where UTF-8 narrows it (no overlong forms, no
    /// surrogates, nothing above U+10FFFF): 0 any, 1 A0-BF, 2 80-9F, 3 90-BF, 4 80-8F.
    var nextRange: UInt8 = 0

    var canClose: Bool { chars > 0 && owed == 0 && !lastSpace }

    /// Takes one byte of text (not the closing quote); false when the byte is not allowed here.
    mutating func take(_ b: UInt8, maxLength: Int) -> Bool {
        guard b >= 0x20, b != UInt8(ascii: "\""), b != UInt8(ascii: "\\"), b != 0x7F else { return false }
        if b & 0xC0 == 0x80 {
            guard owed > 0 else { return false }
            switch nextRange {
            case 1: guard b >= 0xA0 else { return false }
            case 2: guard b <= 0x9F else { return false }
            case 3: guard b >= 0x90 else { return false }
            case 4: guard b <= 0x8F else { return false }
            default: break
            }
            nextRange = 0
            owed -= 1
        } else {
            guard owed == 0 else { return false }
            switch b {
            case 0x00..<0x80: break
            case 0xC2...0xDF: owed = 1
            case 0xE0: owed = 2; nextRange = 1
            case 0xED: owed = 2; nextRange = 2
            case 0xE1...0xEF: owed = 2
            case 0xF0: owed = 3; nextRange = 3
            case 0xF4: owed = 3; nextRange = 4
            case 0xF1...0xF3: owed = 3
            default: return false
            }
            chars += 1
            guard Int(chars) <= maxLength else { return false }
        }
        // No leading, trailing or doubled spaces: text stays tidy and short.
        if b == 0x20, chars == 1 || lastSpace { return false }
        lastSpace = b == 0x20
        return true
    }
}

/// Decimal numbers as text: which prefixes can still become a number in [lo, hi].
enum NumberPrefix {
    /// Parses `-?digits(.digits)?`; nil when the text is not of that shape (so far).
    static func parts(_ p: [UInt8]) -> (negative: Bool, integer: [UInt8], fraction: [UInt8]?)? {
        var i = 0
        let negative = p.first == UInt8(ascii: "-")
        if negative { i = 1 }
        var integer: [UInt8] = []
        while i < p.count, (0x30...0x39).contains(p[i]) { integer.append(p[i]); i += 1 }
        var fraction: [UInt8]?
        if i < p.count, p[i] == UInt8(ascii: ".") {
            guard !integer.isEmpty else { return nil }
            i += 1
            var f: [UInt8] = []
            while i < p.count, (0x30...0x39).contains(p[i]) { f.append(p[i]); i += 1 }
            fraction = f
        }
        guard i == p.count else { return nil }
        // No leading zeros: "0" may only be followed by "." .
        if integer.count > 1, integer.first == 0x30 { return nil }
        return (negative, integer, fraction)
    }

    static func value(_ digits: [UInt8]) -> Double { Double(String(decoding: digits, as: UTF8.self)) ?? 0 }

    /// A complete number (not ending in "-" or ".") within [lo, hi].
    static func isComplete(_ p: [UInt8], _ lo: Double, _ hi: Double) -> Bool {
        guard let (neg, int, frac) = parts(p), !int.isEmpty, frac.map({ !$0.isEmpty }) ?? true else { return false }
        guard let v = Double(String(decoding: p, as: UTF8.self)) else { return false }
        if neg, v == 0 { return false }  // no "-0"
        _ = int
        return v >= lo && v <= hi
    }

    /// Whether some completion of the prefix (≤ `decimals` decimals) is a number in [lo, hi].
    static func isViable(_ p: [UInt8], _ lo: Double, _ hi: Double, decimals: Int) -> Bool {
        guard let (neg, int, frac) = parts(p) else { return false }
        if let frac, frac.count > decimals { return false }
        if frac != nil, decimals == 0 { return false }
        // The set of values reachable from the prefix, as magnitude intervals [a, b].
        var intervals: [(Double, Double)] = []
        let step = pow10(-(decimals))
        if int.isEmpty {
            intervals = [(0, .infinity)]  // "-" alone (or empty): any magnitude
        } else if let frac {
            let base = value(int + (frac.isEmpty ? [] : [UInt8(ascii: ".")] + frac))
            let width = pow10(-frac.count)
            intervals = [(base, base + width - step)]
        } else {
            let n = value(int)
            if int == [0x30] {
                intervals = [(0, 1 - step)]
            } else {
                var scale = 1.0
                for _ in 0..<9 {
                    intervals.append((n * scale, (n + 1) * scale - step))
                    scale *= 10
                }
            }
        }
        for (a, b) in intervals {
            let (x, y) = neg ? (-b, -a) : (a, b)
            if neg, b <= 0 { continue }  // only "-0": not a number
            if y >= lo && x <= hi { return true }
        }
        return false
    }

    static func pow10(_ e: Int) -> Double {
        var r = 1.0
        if e >= 0 { for _ in 0..<e { r *= 10 } } else { for _ in 0..<(-e) { r /= 10 } }
        return r
    }
}
