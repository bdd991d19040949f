extension Robot {
    static let keys = ["id", "description", "kind", "world", "actions", "examples", "limits", "latency_budget_ms",
                       "model", "endpoints", "stop_words", "fallback", "body", "security"]

    /// Reads a robot from YAML text.
    /// - Throws: `ConfigError` naming the file, line:column and key path of the first mistake.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> Robot {
        let root = try YAMLValue.parse(text, file: file).object(keys)
        let id = try root.required("id").identifier()
        var actions: [Action] = []
        for item in try root.required("actions").list() {
            let action = try Action.read(item)
            if actions.contains(where: { $0.name == action.name }) {
                throw item.error("duplicate action \"\(action.name)\"")
            }
            actions.append(action)
        }
        guard !actions.isEmpty else { throw try root.required("actions").error("expected at least one action") }
        var robot = Robot(
            id: id, description: try root["description"]?.string() ?? "", kind: try root.required("kind").identifier(),
            defaultWorld: try root["world"]?.string(), actions: actions, examples: [], limits: Limits(),
            latencyBudgetMs: 500, model: ModelSettings(), endpoints: [:], stopWords: [], fallback: FallbackPolicy(), file: file)
        if let v = root["latency_budget_ms"] {
            robot.latencyBudgetMs = try v.integer()
            guard (1...60_000).contains(robot.latencyBudgetMs) else { throw v.error("expected 1 to 60000 ms, got \(robot.latencyBudgetMs)") }
        }
        if let v = root["limits"] { robot.limits = try Limits.read(v) }
        if let v = root["model"] { robot.model = try ModelSettings.read(v) }
        if let v = root["endpoints"] {
            for (name, value) in try v.entries() {
                let endpoint = try value.string()
                guard ["tcp://", "ipc://", "inproc://"].contains(where: endpoint.hasPrefix) else {
                    throw value.error("expected an endpoint starting with tcp://, ipc:// or inproc://, got \"\(endpoint)\"")
                }
                robot.endpoints[name] = endpoint
            }
        }
        if let v = root["stop_words"] {
            robot.stopWords = try v.stringList()
            for (i, w) in robot.stopWords.enumerated() where w.trimmingCharacters(in: " ").isEmpty {
                throw try v.list()[i].error("expected a non-empty stop word")
            }
        }
        if let v = root["fallback"] { robot.fallback = try FallbackPolicy.read(v) }
        if let v = root["security"] {
            let o = try v.object(["server_key", "allowed_clients", "client_key"])
            func path(_ value: YAMLValue) throws(ConfigError) -> String {
                let text = try value.string()
                guard !text.isEmpty else { throw value.error("expected a path") }
                return ConfigLoader.resolve(text, relativeTo: file)
            }
            robot.security = Security(serverKey: try path(try o.required("server_key")),
                                      allowedClients: try path(try o.required("allowed_clients")),
                                      clientKey: try o["client_key"].map { (v) throws(ConfigError) in try path(v) })
        }
        if let v = root["body"] { robot.body = try Body.read(v, actions: actions) }
        guard robot.action(named: robot.fallback.stopAction) != nil else {
            throw (root["fallback"] ?? root.value).error(
                "the stop action \"\(robot.fallback.stopAction)\" is not one of the robot's actions")
        }
        if let v = root["examples"] {
            for item in try v.list() {
                let o = try item.object(["instruction", "plan"])
                let instruction = try o.required("instruction").string()
                var plan: [ActionCall] = []
                for call in try o.required("plan").list() { plan.append(try robot.readCall(call, world: nil)) }
                robot.examples.append(Example(instruction: instruction, plan: plan))
            }
        }
        return robot
    }

    /// Reads `{action: name, args: {...}}` and checks it against the schema (entity values against
    /// `world` when given).
    func readCall(_ value: YAMLValue, world: World?) throws(ConfigError) -> ActionCall {
        let o = try value.object(["action", "args"])
        let nameValue = try o.required("action")
        let name = try nameValue.string()
        guard let action = action(named: name) else {
            let hint = closest(to: name, in: actions.map(\.name)).map { " (did you mean \"\($0)\"?)" } ?? ""
            throw nameValue.error("unknown action \"\(name)\"\(hint); expected one of: \(actions.map(\.name).joined(separator: ", "))")
        }
        var args: [ActionCall.Argument] = []
        if let a = o["args"] {
            for (key, v) in try a.entries() { args.append(ActionCall.Argument(key, try v.scalarValue())) }
        }
        let call = ActionCall(name, args)
        if let problem = action.problem(with: call, world: world) { throw (o["args"] ?? value).error(problem) }
        return action.normalized(call)
    }
}

extension Action {
    static let keys = ["name", "description", "parameters", "requires_confirmation", "max_rate_hz", "when"]

    static func read(_ value: YAMLValue) throws(ConfigError) -> Action {
        let o = try value.object(keys)
        var action = Action(name: try o.required("name").identifier(), description: try o["description"]?.string() ?? "",
                            parameters: [], requiresConfirmation: try o["requires_confirmation"]?.bool() ?? false, maxRateHz: nil)
        if let v = o["max_rate_hz"] {
            let rate = try v.number()
            guard rate > 0 else { throw v.error("expected a rate above 0, got \(rate)") }
            action.maxRateHz = rate
        }
        if let v = o["when"] {
            for (fact, value) in try v.entries() {
                guard Action.facts.contains(fact) else {
                    throw value.error("unknown state \"\(fact)\"; expected one of: \(Action.facts.sorted().joined(separator: ", "))")
                }
                action.when[fact] = try value.bool()
            }
        }
        if let params = o["parameters"] {
            for (name, spec) in try params.entries() {
                action.parameters.append(try Parameter.read(name: name, spec))
            }
        }
        return action
    }
}

extension Parameter {
    static let keys = ["type", "description", "unit", "min", "max", "max_length", "values", "entity_class", "required", "default"]

    static func read(name: String, _ value: YAMLValue) throws(ConfigError) -> Parameter {
        let o = try value.object(keys)
        let typeValue = try o.required("type")
        let typeName = try typeValue.string()
        guard let kind = Kind(rawValue: typeName) else {
            let hint = closest(to: typeName, in: Kind.allCases.map(\.rawValue)).map { " (did you mean \"\($0)\"?)" } ?? ""
            throw typeValue.error("unknown type \"\(typeName)\"\(hint); expected one of: number, integer, string, boolean, enum")
        }
        var p = Parameter(name: name, kind: kind, description: try o["description"]?.string() ?? "", unit: try o["unit"]?.string(),
                          minimum: nil, maximum: nil, maxLength: nil, values: nil, entityClass: nil, required: true, defaultValue: nil)
        func only(_ key: String, for kinds: [Kind]) throws(ConfigError) {
            if let v = o[key], !kinds.contains(kind) {
                throw v.error("\"\(key)\" applies to \(kinds.map(\.rawValue).joined(separator: " and ")) parameters, not \(kind.rawValue)")
            }
        }
        try only("min", for: [.number, .integer])
        try only("max", for: [.number, .integer])
        try only("max_length", for: [.string])
        try only("values", for: [.enum])
        try only("entity_class", for: [.enum])
        if kind == .integer {
            p.minimum = try o["min"].map { v throws(ConfigError) in Double(try v.integer()) }
            p.maximum = try o["max"].map { v throws(ConfigError) in Double(try v.integer()) }
        } else {
            p.minimum = try o["min"]?.number()
            p.maximum = try o["max"]?.number()
        }
        if let lo = p.minimum, let hi = p.maximum, lo > hi, let v = o["max"] {
            throw v.error("expected max ≥ min (\(trim(lo))), got \(trim(hi))")
        }
        if let v = o["max_length"] {
            p.maxLength = try v.integer()
            guard p.maxLength! > 0 else { throw v.error("expected a length above 0, got \(p.maxLength!)") }
        }
        if kind == .string, p.maxLength == nil {
            throw value.error("a string parameter needs \"max_length\" (plans must stay bounded)")
        }
        if let v = o["values"] {
            let values = try v.stringList()
            guard !values.isEmpty else { throw v.error("expected at least one value") }
            if let dup = values.firstDuplicate { throw v.error("duplicate value \"\(dup)\"") }
            p.values = values
        }
        if let v = o["entity_class"] { p.entityClass = try v.identifier() }
        if kind == .enum, (p.values == nil) == (p.entityClass == nil) {
            throw value.error("an enum parameter needs exactly one of \"values\" (a fixed list) or \"entity_class\" (world entities)")
        }
        if let v = o["required"] { p.required = try v.bool() }
        if let v = o["default"] {
            let d = try v.scalarValue()
            if let problem = p.problem(with: d, world: nil) { throw v.error("invalid default: \(problem)") }
            p.defaultValue = d
            if o["required"] == nil { p.required = false }
            if p.required { throw v.error("a required parameter cannot have a default") }
        }
        return p
    }
}

extension Limits {
    static func read(_ value: YAMLValue) throws(ConfigError) -> Limits {
        let o = try value.object(["max_plan_actions", "max_instruction_length", "max_sensor_age_ms", "confirmation_timeout_ms"])
        var l = Limits()
        if let v = o["max_sensor_age_ms"] {
            let ms = try v.integer()
            guard (1...3_600_000).contains(ms) else { throw v.error("expected 1 to 3600000 ms, got \(ms)") }
            l.maxSensorAgeMs = ms
        }
        if let v = o["confirmation_timeout_ms"] {
            l.confirmationTimeoutMs = try v.integer()
            guard (1...3_600_000).contains(l.confirmationTimeoutMs) else {
                throw v.error("expected 1 to 3600000 ms, got \(l.confirmationTimeoutMs)")
            }
        }
        if let v = o["max_plan_actions"] {
            l.maxPlanActions = try v.integer()
            guard (1...64).contains(l.maxPlanActions) else { throw v.error("expected 1 to 64, got \(l.maxPlanActions)") }
        }
        if let v = o["max_instruction_length"] {
            l.maxInstructionLength = try v.integer()
            guard (1...10_000).contains(l.maxInstructionLength) else { throw v.error("expected 1 to 10000, got \(l.maxInstructionLength)") }
        }
        return l
    }
}

extension ModelSettings {
    static func read(_ value: YAMLValue) throws(ConfigError) -> ModelSettings {
        let o = try value.object(["name", "draft_model", "context_length", "threads", "poll", "priority", "temperature", "max_tokens"])
        var m = ModelSettings()
        if let v = o["poll"] {
            let poll = try v.integer()
            guard (0...100).contains(poll) else { throw v.error("expected 0 (sleep) to 100 (spin), got \(poll)") }
            m.poll = poll
        }
        if let v = o["priority"] {
            let p = try v.string()
            let known = ["low", "normal", "medium", "high", "realtime"]
            guard known.contains(p) else { throw v.error("expected one of \(known.joined(separator: ", ")), got \"\(p)\"") }
            m.priority = p
        }
        if let v = o["name"] { m.name = try v.string() }
        if let v = o["draft_model"] { m.draftModel = try v.string() }
        if let v = o["context_length"] {
            m.contextLength = try v.integer()
            guard (256...131_072).contains(m.contextLength) else { throw v.error("expected 256 to 131072 tokens, got \(m.contextLength)") }
        }
        if let v = o["threads"] {
            m.threads = try v.integer()
            guard (1...256).contains(m.threads) else { throw v.error("expected 1 to 256 threads, got \(m.threads)") }
        }
        if let v = o["temperature"] {
            m.temperature = try v.number()
            guard (0...2).contains(m.temperature) else { throw v.error("expected 0 to 2, got \(m.temperature)") }
        }
        if let v = o["max_tokens"] {
            m.maxTokens = try v.integer()
            guard (1...4096).contains(m.maxTokens) else { throw v.error("expected 1 to 4096, got \(m.maxTokens)") }
        }
        return m
    }
}

extension FallbackPolicy {
    static func read(_ value: YAMLValue) throws(ConfigError) -> FallbackPolicy {
        let o = try value.object(["on_deadline", "stop_action"])
        var f = FallbackPolicy()
        if let v = o["on_deadline"] {
            let s = try v.string()
            guard let k = Kind(rawValue: s) else {
                throw v.error("expected one of: \(Kind.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(s)\"")
            }
            f.onDeadline = k
        }
        if let v = o["stop_action"] { f.stopAction = try v.identifier() }
        return f
    }
}

extension Array where Element: Hashable {
    var firstDuplicate: Element? {
        var seen = Set<Element>()
        return first { !seen.insert($0).inserted }
    }
}

extension String {
    /// The string without leading and trailing characters from `set`.
    package func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
