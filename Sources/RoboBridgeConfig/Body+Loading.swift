extension Body {
    static let keys = ["kind", "radius_m", "max_speed_mps", "max_turn_rate_deg_s", "climb_rate_mps", "ceiling_m", "reach_m", "min_reach_m",
                       "sensor_range_m", "dock", "battery", "watchdog_timeout_ms", "behaviours"]

    /// Reads `body:` and checks it against the robot's actions.
    static func read(_ value: YAMLValue, actions: [Action]) throws(ConfigError) -> Body {
        let o = try value.object(keys)
        let kindValue = try o.required("kind")
        let kindName = try kindValue.string()
        guard let kind = Kind(rawValue: kindName) else {
            throw kindValue.error("unknown body kind \"\(kindName)\"; expected one of: \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var body = Body(kind: kind)
        func positive(_ key: String, _ into: WritableKeyPath<Body, Double>, allowZero: Bool = false) throws(ConfigError) {
            guard let v = o[key] else { return }
            let x = try v.number()
            guard allowZero ? x >= 0 : x > 0 else { throw v.error("expected a number \(allowZero ? "≥" : "above") 0, got \(trim(x))") }
            body[keyPath: into] = x
        }
        try positive("radius_m", \.radiusM)
        try positive("max_speed_mps", \.maxSpeedMps)
        try positive("max_turn_rate_deg_s", \.maxTurnRateDegS)
        try positive("climb_rate_mps", \.climbRateMps)
        if let v = o["ceiling_m"] {
            let c = try v.number()
            guard c > 0 else { throw v.error("expected a ceiling above 0 m, got \(trim(c))") }
            guard kind == .multirotor else { throw v.error("only a multirotor body has a ceiling") }
            body.ceilingM = c
        }
        try positive("reach_m", \.reachM)
        try positive("min_reach_m", \.minReachM, allowZero: true)
        try positive("sensor_range_m", \.sensorRangeM)
        if body.minReachM >= body.reachM, let v = o["min_reach_m"] {
            throw v.error("expected min_reach_m below reach_m (\(trim(body.reachM))), got \(trim(body.minReachM))")
        }
        if let v = o["dock"] { body.dockPlace = try v.identifier() }
        if let v = o["watchdog_timeout_ms"] {
            body.watchdogTimeoutMs = try v.integer()
            guard (100...600_000).contains(body.watchdogTimeoutMs) else { throw v.error("expected 100 to 600000 ms, got \(body.watchdogTimeoutMs)") }
        }
        if let v = o["battery"] {
            let b = try v.object(["start_percent", "drain_percent_per_m", "drain_percent_per_s", "charge_percent_per_s"])
            var battery = Battery()
            for (key, path) in [("start_percent", \Battery.startPercent), ("drain_percent_per_m", \Battery.drainPercentPerM),
                                ("drain_percent_per_s", \Battery.drainPercentPerS), ("charge_percent_per_s", \Battery.chargePercentPerS)] {
                guard let x = b[key] else { continue }
                let n = try x.number()
                guard (0...100).contains(n) else { throw x.error("expected 0 to 100 percent, got \(trim(n))") }
                battery[keyPath: path] = n
            }
            body.battery = battery
        }
        if let v = o["behaviours"] {
            for (name, b) in try v.entries() {
                guard let action = actions.first(where: { $0.name == name }) else {
                    let hint = closest(to: name, in: actions.map(\.name)).map { " (did you mean \"\($0)\"?)" } ?? ""
                    throw b.error("no action \"\(name)\" in this robot\(hint); expected one of: \(actions.map(\.name).joined(separator: ", "))")
                }
                let bName = try b.string()
                guard let behaviour = Behaviour(rawValue: bName) else {
                    let hint = closest(to: bName, in: Behaviour.allCases.map(\.rawValue)).map { " (did you mean \"\($0)\"?)" } ?? ""
                    throw b.error("unknown behaviour \"\(bName)\"\(hint); expected one of: \(Behaviour.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                if let kinds = behaviour.kinds, !kinds.contains(kind) {
                    throw b.error("this \(kind.rawValue) body cannot \(bName) (it is for \(kinds.map(\.rawValue).sorted().joined(separator: " and ")) bodies)")
                }
                if let problem = behaviour.problem(with: action) { throw b.error(problem) }
                body.behaviours[name] = behaviour
            }
        }
        if body.behaviours.values.contains(.dock), body.dockPlace == nil {
            throw value.error("an action docks: the body needs \"dock\", the place it drives to")
        }
        return body
    }
}

extension Body.Behaviour {
    /// Why `action`'s parameters do not fit this behaviour (nil: they do).
    func problem(with action: Action) -> String? {
        let wanted = parameters
        let given = action.parameters
        // Extra parameters are fine when optional (the simulator ignores them: count_parts' `max`).
        let fits: Bool = switch self {
        case .moveBy: !given.isEmpty && given.count <= 3
        default: given.count >= wanted.count && given.dropFirst(wanted.count).allSatisfy { !$0.required }
        }
        guard fits else {
            return "\(rawValue) takes \(wanted.isEmpty ? "no parameters" : wanted.joined(separator: ", ")) (and optional ones after), the action \(action.name) has \(given.count) parameter\(given.count == 1 ? "" : "s")\(given.count > wanted.count ? " of which some are required" : "")"
        }
        for (p, want) in zip(given.prefix(self == .moveBy ? 3 : wanted.count), self == .moveBy ? Array(repeating: "length", count: given.count) : wanted) {
            let ok: Bool
            switch want {
            case "entity": ok = p.kind == .enum && p.entityClass != nil
            case "string": ok = p.kind == .string
            case "boolean": ok = p.kind == .boolean
            case "enum": ok = p.kind == .enum
            default:
                guard p.kind == .number || p.kind == .integer else { ok = false; break }
                if let unit = p.unit, let table = Units.table(want), table[unit] == nil {
                    return "\(rawValue): parameter \(p.name) has unit \"\(unit)\", expected a \(want) unit (\(table.keys.sorted().joined(separator: ", ")))"
                }
                ok = true
            }
            if !ok { return "\(rawValue): parameter \(p.name) must be \(want == "entity" ? "an enum of world entities (entity_class)" : "a \(want)"), it is \(p.kind.rawValue)" }
        }
        return nil
    }
}
