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

    static func literal(_ v: ConfigValue) -> String {
        switch v {
        case .number(let d):
            if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            var s = String(format3(d))
            while s.hasSuffix("0") { s.removeLast() }
            return s
        case .integer(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .string(let s): return "\"\(s)\""
        }
    }

    private static func format3(_ d: Double) -> String {
        let scaled = (d * 1000).rounded()
        let neg = scaled < 0
        let a = Int64(abs(scaled))
        let frac = String(a % 1000)
        return (neg ? "-" : "") + String(a / 1000) + "." + String(repeating: "0", count: 3 - frac.count) + frac
    }

    /// Parses text that the grammar accepted into calls, typed by the robot's schema.
    public static func parse(_ text: String, robot: Robot) -> [ActionCall]? {
        let trimmed = text.trimmingCharacters(in: "\n ")
        if trimmed == "none" { return [] }
        var calls: [ActionCall] = []
        for line in trimmed.split(separator: "\n") {
            guard let open = line.firstIndex(of: "("), line.hasSuffix(")") else { return nil }
            let name = String(line[..<open])
            guard let action = robot.action(named: name) else { return nil }
            let inner = line[line.index(after: open)..<line.index(before: line.endIndex)]
            var args: [ActionCall.Argument] = []
            var rest = Substring(inner)
            while !rest.isEmpty {
                guard let eq = rest.firstIndex(of: "=") else { return nil }
                let pname = String(rest[..<eq])
                guard let p = action.parameter(named: pname) else { return nil }
                rest = rest[rest.index(after: eq)...]
                let raw: Substring
                if rest.first == "\"" {
                    guard let close = rest.dropFirst().firstIndex(of: "\"") else { return nil }
                    raw = rest[rest.startIndex...close]
                    rest = rest[rest.index(after: close)...]
                } else {
                    let end = rest.firstIndex(of: ",") ?? rest.endIndex
                    raw = rest[..<end]
                    rest = rest[end...]
                }
                if rest.hasPrefix(", ") { rest = rest.dropFirst(2) } else if !rest.isEmpty { return nil }
                let value: ConfigValue
                switch p.kind {
                case .number: guard let d = Double(raw) else { return nil }; value = .number(d)
                case .integer: guard let i = Int(raw) else { return nil }; value = .integer(i)
                case .boolean: value = .bool(raw == "true")
                case .string, .enum: value = .string(String(raw.dropFirst().dropLast()))
                }
                args.append(.init(pname, value))
            }
            calls.append(action.normalized(ActionCall(name, args)))
        }
        return calls
    }
}
