extension PlanGrammar {
    /// The same plan syntax as a GBNF grammar for llama.cpp's grammar sampler — the reference the
    /// masks are benchmarked against. Equivalent except where GBNF cannot follow: numbers are not
    /// bounded to their ranges (GBNF has no numeric ranges) and free text is not checked for doubled
    /// spaces, and the columns of an array of objects
    /// are not held to one length; so the reference's work is, if anything, lighter.
    public var gbnf: String {
        func lit(_ bytes: [UInt8]) -> String {
            "\"" + String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        var rules: [String] = []
        var callRules: [String] = []
        for (ci, call) in calls.enumerated() {
            var paramRules: [String] = []
            for (pi, p) in call.params.enumerated() {
                func value(_ kind: Param.Kind) -> String {
                    switch kind {
                    case .number: "\"-\"? [0-9]+ (\".\" [0-9] [0-9]? [0-9]?)?"
                    case .integer: "\"-\"? [0-9]+"
                    case .boolean: "(\"true\" | \"false\")"
                    case .text(let maxLength): "\"\\\"\" [^\"\\\\\\x00-\\x1F\\x7F]{1,\(maxLength)} \"\\\"\""
                    case .choice(let values): "(" + values.map { "\"\\\"\" " + lit($0) + " \"\\\"\"" }.joined(separator: " | ") + ")"
                    case .literal(let values): "(" + values.map(lit).joined(separator: " | ") + ")"
                    case .list(let item, _, _): "\"[\" (" + value(item) + " (\", \" " + value(item) + ")*)? \"]\""
                    }
                }
                let value = value(p.kind)
                let name = "c\(ci)p\(pi)"
                rules.append("\(name) ::= \(lit(p.name + Array("=".utf8))) \(value)")
                paramRules.append(name)
            }
            // Every subset in declared order that keeps the required parameters.
            var alternatives: [String] = []
            let optional = call.params.indices.filter { !call.params[$0].required }
            for mask in 0..<(1 << optional.count) {
                let kept = call.params.indices.filter { call.params[$0].required || (mask >> optional.firstIndex(of: $0)!) & 1 == 1 }
                alternatives.append(kept.isEmpty ? "\"\"" : kept.map { paramRules[$0] }.joined(separator: " \", \" "))
            }
            let name = "c\(ci)"
            rules.append("\(name) ::= \(lit(call.name + Array("(".utf8))) (\(alternatives.joined(separator: " | "))) \")\"")
            callRules.append(name)
        }
        let more = maxCalls > 1 ? " (\"\\n\" call){0,\(maxCalls - 1)}" : ""
        return (["root ::= \"none\" | call\(more)", "call ::= " + callRules.joined(separator: " | ")] + rules).joined(separator: "\n") + "\n"
    }
}
