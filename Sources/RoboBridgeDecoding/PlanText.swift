import RoboBridgeConfig

/// Reads and writes the plan syntax (see `PlanGrammar`).
public enum PlanText {
    /// Renders calls in the plan syntax (the form the model writes, and the few-shot examples use).
    public static func render(_ calls: [ActionCall]) -> String {
        guard !calls.isEmpty else { return "none" }
        return calls.map { c in
            c.name + "(" + c.arguments.map { "\($0.name)=\(literal($0.value))" }.joined(separator: ", ") + ")"
        }.joined(separator: "\n")
    }

    package static func literal(_ v: ConfigValue) -> String {
        switch v {
        case .number(let d):
            if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            var s = String(format3(d))
            while s.hasSuffix("0") { s.removeLast() }
            return s
        case .integer(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .string(let s): return "\"\(s)\""
        case .list(let items): return "[" + items.map(literal).joined(separator: ", ") + "]"
        }
    }

    private static func format3(_ d: Double) -> String {
        // Nothing the grammar writes is this large or not finite; a drafter's candidate might be: no trap for it.
        guard d.isFinite, abs(d) < 1e15 else { return "\(d)" }
        let scaled = (d * 1000).rounded()
        let neg = scaled < 0
        let a = Int64(abs(scaled))
        let frac = String(a % 1000)
        return (neg ? "-" : "") + String(a / 1000) + "." + String(repeating: "0", count: 3 - frac.count) + frac
    }

    /// Parses text that the grammar accepted into calls, typed by the robot's schema. Works on bytes,
    /// not characters: free text may start with a combining mark that would merge with its quote.
    /// - Parameter leading: read only this many calls (the rest of the text may be unfinished).
    public static func parse(_ text: String, robot: Robot, leading: Int? = nil) -> [ActionCall]? {
        var r = Reader(bytes: Array(text.utf8)[...])
        r.skip { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: " ") }
        var end = r.bytes.endIndex
        while end > r.bytes.startIndex, [UInt8(ascii: "\n"), UInt8(ascii: " ")].contains(r.bytes[end - 1]) { end -= 1 }
        r.bytes = r.bytes[..<end]
        if r.bytes.elementsEqual("none".utf8) { return [] }
        var calls: [ActionCall] = []
        while !r.bytes.isEmpty, calls.count < leading ?? .max {
            if !calls.isEmpty { guard r.take("\n") else { return nil } }
            guard let name = r.upTo(UInt8(ascii: "(")), let action = robot.action(named: name), r.take("(") else { return nil }
            var args: [ActionCall.Argument] = []
            while !r.take(")") {
                if !args.isEmpty { guard r.take(", ") else { return nil } }
                guard let pname = r.upTo(UInt8(ascii: "=")), let p = action.parameter(named: pname), r.take("=") else { return nil }
                let value: ConfigValue
                if p.list != nil {
                    guard r.take("[") else { return nil }
                    var items: [ConfigValue] = []
                    while !r.take("]") {
                        if !items.isEmpty { guard r.take(", ") else { return nil } }
                        guard let item = r.scalar(p.kind, end: UInt8(ascii: "]")) else { return nil }
                        items.append(item)
                    }
                    value = .list(items)
                } else {
                    guard let v = r.scalar(p.kind, end: UInt8(ascii: ")")) else { return nil }
                    value = v
                }
                args.append(.init(pname, value))
            }
            calls.append(action.normalized(ActionCall(name, args)))
        }
        return calls
    }

    private struct Reader {
        var bytes: ArraySlice<UInt8>

        mutating func skip(while p: (UInt8) -> Bool) { while let b = bytes.first, p(b) { bytes = bytes.dropFirst() } }

        mutating func take(_ literal: String) -> Bool {
            guard bytes.starts(with: literal.utf8) else { return false }
            bytes = bytes.dropFirst(literal.utf8.count)
            return true
        }

        /// The text before `stop` (not consumed), nil when `stop` never comes.
        mutating func upTo(_ stop: UInt8) -> String? {
            guard let i = bytes.firstIndex(of: stop) else { return nil }
            defer { bytes = bytes[i...] }
            return String(decoding: bytes[..<i], as: UTF8.self)
        }

        /// One scalar value: quoted text up to its closing quote (the grammar allows none inside), anything
        /// else up to "," or `end`.
        mutating func scalar(_ kind: Parameter.Kind, end: UInt8) -> ConfigValue? {
            let raw: String
            if bytes.first == UInt8(ascii: "\"") {
                bytes = bytes.dropFirst()
                guard let close = bytes.firstIndex(of: UInt8(ascii: "\"")) else { return nil }
                raw = String(decoding: bytes[..<close], as: UTF8.self)
                bytes = bytes[(close + 1)...]
                return kind == .string || kind == .enum ? .string(raw) : nil
            }
            let stop = bytes.firstIndex { $0 == UInt8(ascii: ",") || $0 == end } ?? bytes.endIndex
            raw = String(decoding: bytes[..<stop], as: UTF8.self)
            bytes = bytes[stop...]
            switch kind {
            case .number: return Double(raw).map { .number($0) }
            case .integer: return Int(raw).map { .integer($0) }
            case .boolean: return raw == "true" ? .bool(true) : raw == "false" ? .bool(false) : nil
            case .string, .enum: return nil
            }
        }
    }
}
