extension Mission {
    static let keys = ["id", "description", "robot", "robots", "world", "time_limit_s", "model", "model_reason", "speed", "start", "steps"]
    static let stepKeys = ["at_s", "instruction", "estop", "wait_s", "world", "robot", "until", "timeout_s", "deadline_ms", "expect"]
    static let expectKeys = ["outcome", "reason", "robot_at", "holding", "object_at", "altitude_m", "landed", "actions", "battery_above",
                             "photo_of", "within_s", "failure", "charging"]
    static let outcomes = ["ok", "no_action", "estop", "fallback", "deadline", "preempted", "rejected"]
    static let changeKeys = ["move_object", "remove_object", "add_object", "close_door", "open_door", "add_obstacle"]

    /// Reads a mission from YAML text (without loading its robot and world; see `ConfigLoader`).
    public static func parse(_ text: String, file: String) throws(ConfigError) -> Mission {
        let root = try YAMLValue.parse(text, file: file).object(keys)
        var mission = Mission(id: try root.required("id").identifier(), description: try root["description"]?.string() ?? "",
                              robots: [], worldFile: try root.required("world").string(), timeLimitS: 300, model: nil, modelReason: nil,
                              speed: nil, steps: [], file: file)
        switch (root["robot"], root["robots"]) {
        case (let r?, nil):
            var start = MissionRobot.Start()
            if let s = root["start"] { start = try readStart(s) }
            mission.robots = [MissionRobot(file: try r.string(), start: start)]
        case (nil, let list?):
            guard root["start"] == nil else { throw root["start"]!.error("with \"robots\", give each robot its own \"start\"") }
            for item in try list.list() {
                if case .scalar = item.node {
                    mission.robots.append(MissionRobot(file: try item.string(), start: MissionRobot.Start()))
                } else {
                    let o = try item.object(["file", "start"])
                    mission.robots.append(MissionRobot(file: try o.required("file").string(), start: try o["start"].map(readStart) ?? MissionRobot.Start()))
                }
            }
            guard !mission.robots.isEmpty else { throw list.error("expected at least one robot file") }
        case (nil, nil): throw root.value.error("a mission needs \"robot\" (a robot file) or \"robots\" (a list of them)")
        case (_?, _?): throw root["robots"]!.error("give either \"robot\" or \"robots\", not both")
        }
        if let v = root["model"] { mission.model = try v.string() }
        if let v = root["model_reason"] { mission.modelReason = try v.string() }
        if let v = root["speed"] {
            let s = try v.number()
            guard s > 0, s <= 1000 else { throw v.error("expected a speed above 0 and at most 1000 (× real time), got \(trim(s))") }
            mission.speed = s
        }
        if let v = root["time_limit_s"] {
            mission.timeLimitS = try v.number()
            guard mission.timeLimitS > 0 else { throw v.error("expected a time limit above 0 s, got \(trim(mission.timeLimitS))") }
        }
        let stepsValue = try root.required("steps")
        var lastAt = -Double.infinity
        for item in try stepsValue.list() {
            let o = try item.object(stepKeys)
            let kinds = ["instruction", "estop", "wait_s", "world"].filter { o[$0] != nil }
            guard kinds.count == 1 else {
                throw item.error("a step needs exactly one of \"instruction\", \"estop\", \"wait_s\" or \"world\"\(kinds.isEmpty ? "" : ", got \(kinds.joined(separator: " and "))")")
            }
            let kind: Step.Kind
            if let v = o["instruction"] {
                let text = try v.string()
                guard !text.trimmingCharacters(in: " ").isEmpty else { throw v.error("expected a non-empty instruction") }
                kind = .instruction(text)
            } else if let v = o["estop"] {
                guard try v.bool() else { throw v.error("expected true (an e-stop step), got false") }
                kind = .estop
            } else if let v = o["world"] {
                var changes: [WorldChange] = []
                for c in try v.list() { changes.append(try readChange(c)) }
                guard !changes.isEmpty else { throw v.error("expected at least one change") }
                kind = .world(changes)
            } else {
                let v = o["wait_s"]!
                let s = try v.number()
                guard s > 0 else { throw v.error("expected a wait above 0 s, got \(trim(s))") }
                kind = .wait(seconds: s)
            }
            let at = item.error("")
            var step = Step(atS: nil, kind: kind, timeoutS: 30, expect: [], location: "\(at.file):\(at.line):\(at.column)")
            if case .wait(let s) = kind { step.timeoutS = s }
            if let v = o["at_s"] {
                let at = try v.number()
                guard at >= 0 else { throw v.error("expected a time ≥ 0 s, got \(trim(at))") }
                guard at >= lastAt else { throw v.error("steps must be in time order: \(trim(at)) s comes after \(trim(lastAt)) s") }
                guard at <= mission.timeLimitS else { throw v.error("step at \(trim(at)) s is past the mission's time limit of \(trim(mission.timeLimitS)) s") }
                step.atS = at
                lastAt = at
            }
            if let v = o["robot"] { step.robot = try v.identifier() }
            if let v = o["until"] {
                let s = try v.string()
                guard let u = Step.Until(rawValue: s) else {
                    throw v.error("expected one of \(Step.Until.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(s)\"")
                }
                step.until = u
            }
            if let v = o["timeout_s"] {
                step.timeoutS = try v.number()
                guard step.timeoutS > 0 else { throw v.error("expected a timeout above 0 s, got \(trim(step.timeoutS))") }
            }
            if let v = o["deadline_ms"] {
                let ms = try v.integer()
                guard (1...600_000).contains(ms) else { throw v.error("expected 1 to 600000 ms, got \(ms)") }
                guard case .instruction = kind else { throw v.error("only an instruction step has a deadline") }
                step.deadlineMs = ms
            }
            if let e = o["expect"] { step.expect = try readExpectations(e) }
            mission.steps.append(step)
        }
        guard !mission.steps.isEmpty else { throw stepsValue.error("expected at least one step") }
        return mission
    }

    static func readStart(_ value: YAMLValue) throws(ConfigError) -> MissionRobot.Start {
        let o = try value.object(["battery_percent", "place"])
        var s = MissionRobot.Start()
        if let v = o["battery_percent"] {
            let b = try v.number()
            guard (0...100).contains(b) else { throw v.error("expected 0 to 100 percent, got \(trim(b))") }
            s.batteryPercent = b
        }
        if let v = o["place"] { s.place = try v.identifier() }
        return s
    }

    static func readChange(_ value: YAMLValue) throws(ConfigError) -> WorldChange {
        let o = try value.object(changeKeys)
        let given = changeKeys.filter { o[$0] != nil }
        guard given.count == 1 else {
            throw value.error("a change needs exactly one of \(changeKeys.joined(separator: ", "))\(given.isEmpty ? "" : ", got \(given.joined(separator: " and "))")")
        }
        let v = o[given[0]]!
        switch given[0] {
        case "move_object":
            let m = try v.object(["object", "to", "position"])
            let location: WorldObject.Location
            switch (m["to"], m["position"]) {
            case (let to?, nil): location = .on(try to.identifier())
            case (nil, let p?): location = .at(try World.readPosition(p))
            default: throw v.error("move_object needs exactly one of \"to\" (a place or surface) or \"position\"")
            }
            return .moveObject(object: try m.required("object").identifier(), to: location)
        case "remove_object": return .removeObject(try v.identifier())
        case "add_object":
            let m = try v.object(["name", "on", "position", "color", "graspable"])
            let location: WorldObject.Location
            switch (m["on"], m["position"]) {
            case (let on?, nil): location = .on(try on.identifier())
            case (nil, let p?): location = .at(try World.readPosition(p))
            default: throw v.error("add_object needs exactly one of \"on\" (a place or surface) or \"position\"")
            }
            return .addObject(WorldObject(name: try m.required("name").identifier(), location: location, color: try m["color"]?.string(),
                                          graspable: try m["graspable"]?.bool() ?? true))
        case "close_door": return .closeDoor(try v.identifier())
        case "open_door": return .openDoor(try v.identifier())
        default:
            let m = try v.object(["name", "position", "radius"])
            let r = try m.required("radius")
            let radius = try r.number()
            guard radius > 0 else { throw r.error("expected a radius above 0, got \(trim(radius))") }
            return .addObstacle(Obstacle(name: try m["name"]?.string() ?? "obstacle", position: try World.readPosition(try m.required("position")), radius: radius))
        }
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
            case "reason": out.append(.reason(try v.string()))
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
            case "battery_above":
                let b = try v.number()
                guard (0...100).contains(b) else { throw v.error("expected 0 to 100 percent, got \(trim(b))") }
                out.append(.batteryAbove(b))
            case "photo_of": out.append(.photoOf(try v.string()))
            case "within_s":
                let s = try v.number()
                guard s > 0 else { throw v.error("expected a time above 0 s, got \(trim(s))") }
                out.append(.withinS(s))
            case "failure": out.append(.failure(try v.string()))
            case "charging": out.append(.charging(try v.bool()))
            default: break
            }
        }
        return out
    }
}
