extension Mission {
    static let keys = ["id", "description", "robot", "world", "time_limit_s", "steps"]
    static let stepKeys = ["at_s", "instruction", "estop", "wait_s", "timeout_s", "expect"]
    static let expectKeys = ["outcome", "robot_at", "holding", "object_at", "altitude_m", "landed", "actions"]
    static let outcomes = ["ok", "no_action", "estop", "fallback", "deadline"]

    /// Reads a mission from YAML text (without loading its robot and world; see `ConfigLoader`).
    public static func parse(_ text: String, file: String) throws(ConfigError) -> Mission {
        let root = try YAMLValue.parse(text, file: file).object(keys)
        var mission = Mission(id: try root.required("id").identifier(), description: try root["description"]?.string() ?? "",
                              robotFile: try root.required("robot").string(), worldFile: try root.required("world").string(),
                              timeLimitS: 300, steps: [], file: file)
        if let v = root["time_limit_s"] {
            mission.timeLimitS = try v.number()
            guard mission.timeLimitS > 0 else { throw v.error("expected a time limit above 0 s, got \(trim(mission.timeLimitS))") }
        }
        let stepsValue = try root.required("steps")
        var lastAt = -Double.infinity
        for item in try stepsValue.list() {
            let o = try item.object(stepKeys)
            let kinds = ["instruction", "estop", "wait_s"].filter { o[$0] != nil }
            guard kinds.count == 1 else {
                throw item.error("a step needs exactly one of \"instruction\", \"estop\" or \"wait_s\"\(kinds.isEmpty ? "" : ", got \(kinds.joined(separator: " and "))")")
            }
            let kind: Step.Kind
            if let v = o["instruction"] {
                let text = try v.string()
                guard !text.trimmingCharacters(in: " ").isEmpty else { throw v.error("expected a non-empty instruction") }
                kind = .instruction(text)
            } else if let v = o["estop"] {
                guard try v.bool() else { throw v.error("expected true (an e-stop step), got false") }
                kind = .estop
            } else {
                let v = o["wait_s"]!
                let s = try v.number()
                guard s > 0 else { throw v.error("expected a wait above 0 s, got \(trim(s))") }
                kind = .wait(seconds: s)
            }
            var step = Step(atS: nil, kind: kind, timeoutS: 30, expect: [])
            if let v = o["at_s"] {
                let at = try v.number()
                guard at >= 0 else { throw v.error("expected a time ≥ 0 s, got \(trim(at))") }
                guard at >= lastAt else { throw v.error("steps must be in time order: \(trim(at)) s comes after \(trim(lastAt)) s") }
                guard at <= mission.timeLimitS else { throw v.error("step at \(trim(at)) s is past the mission's time limit of \(trim(mission.timeLimitS)) s") }
                step.atS = at
                lastAt = at
            }
            if let v = o["timeout_s"] {
                step.timeoutS = try v.number()
                guard step.timeoutS > 0 else { throw v.error("expected a timeout above 0 s, got \(trim(step.timeoutS))") }
            }
            if let e = o["expect"] { step.expect = try readExpectations(e) }
            mission.steps.append(step)
        }
        guard !mission.steps.isEmpty else { throw stepsValue.error("expected at least one step") }
        return mission
    }

    static func readExpectations(_ value: YAMLValue) throws(ConfigError) -> [Expectation] {
        let o = try value.object(expectKeys)
        var out: [Expectation] = []
        for key in expectKeys {
            guard let v = o.fields[key] else { continue }
            switch key {
            case "outcome":
                let s = try v.string()
                guard outcomes.contains(s) else { throw v.error("expected one of \(outcomes.joined(separator: ", ")), got \"\(s)\"") }
                out.append(.outcome(s))
            case "robot_at": out.append(.robotAt(try v.identifier()))
            case "holding": out.append(.holding(v.isNull ? nil : try v.identifier()))
            case "object_at":
                let items = if case .sequence = v.node { try v.list() } else { [v] }
                for item in items {
                    let p = try item.object(["object", "place"])
                    out.append(.objectAt(object: try p.required("object").identifier(), place: try p.required("place").identifier()))
                }
            case "altitude_m":
                if case .mapping = v.node {
                    let r = try v.object(["min", "max"])
                    let lo = try r.required("min").number(), hi = try r.required("max").number()
                    guard lo <= hi else { throw v.error("expected min ≤ max, got \(trim(lo)) > \(trim(hi))") }
                    out.append(.altitude(min: lo, max: hi))
                } else {
                    let x = try v.number()
                    out.append(.altitude(min: x - 0.5, max: x + 0.5))
                }
            case "landed": out.append(.landed(try v.bool()))
            case "actions": out.append(.actions(try v.stringList()))
            default: break
            }
        }
        return out
    }
}
