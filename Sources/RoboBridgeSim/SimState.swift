import RoboBridgeConfig
import RoboBridgeProtocol

/// The simulator's true state as JSON (the control endpoint's `state` answer), and back.
public enum SimState {
    static func position(_ p: Position) -> JSONValue { .object([("x", .number(p.x)), ("y", .number(p.y)), ("z", .number(p.z))]) }

    static func json(_ sim: Simulator, since: Int, trajectory: Bool) -> JSONValue {
        var f: [(String, JSONValue)] = [
            ("time_s", .number(sim.time)), ("idle", .bool(sim.idle)), ("position", position(sim.position)),
            ("heading_deg", .number(sim.headingDeg)), ("airborne", .bool(sim.airborne)), ("held", sim.held.map { .string($0) } ?? .null),
            ("battery_percent", .number(sim.battery)), ("charging", .bool(sim.charging)), ("odometer_m", .number(sim.odometerM)),
            ("watchdog_stopped", .bool(sim.watchdogStopped)),
        ]
        if let r = sim.running {
            f.append(("running", .object([("action", .string(r.action)), ("index", .integer(Int64(r.index))), ("command_id", .string(r.commandId))])))
        }
        f.append(("objects", .array(sim.world.objects.map { o in
            var of: [(String, JSONValue)] = [("name", .string(o.name))]
            switch o.location {
            case .on(let s): of.append(("on", .string(s)))
            case .at(let p): of.append(("position", position(p)))
            }
            if sim.held == o.name { of.append(("held", .bool(true))) }
            return .object(of)
        })))
        f.append(("doors", .array(sim.world.doors.map { .object([("name", .string($0.name)), ("open", .bool($0.open))]) })))
        f.append(("obstacles", .array(sim.world.obstacles.map {
            .object([("name", .string($0.name)), ("position", position($0.position)), ("radius", .number($0.radius))])
        })))
        f.append(("photos", .array(sim.photos.map {
            .object([("subject", .string($0.subject)), ("position", position($0.position)), ("time_s", .number($0.timeS))])
        })))
        f.append(("said", .array(sim.said.map { .string($0) })))
        f.append(("log", .array(sim.log.filter { $0.seq > since }.map { e in
            .object([("seq", .integer(Int64(e.seq))), ("message_id", .string(e.messageId)), ("command_id", .string(e.commandId)),
                     ("index", .integer(Int64(e.index))), ("action", .string(e.action)), ("status", .string(e.status)),
                     ("detail", e.detail.map { .string($0) } ?? .null), ("time_s", .number(e.timeS))])
        })))
        if trajectory {
            f.append(("trajectory", .array(sim.trajectory.map { .array([.number($0.x), .number($0.y), .number($0.z), .number($0.timeS)]) })))
        }
        return .object(f)
    }
}

extension WorldChange {
    /// The change as JSON, in the mission file's shape (`{"move_object": {"object": "mug", "to": "sink"}}`).
    public var json: JSONValue {
        func location(_ l: WorldObject.Location) -> (String, JSONValue) {
            switch l {
            case .on(let s): ("to", .string(s))
            case .at(let p): ("position", SimState.position(p))
            }
        }
        switch self {
        case .moveObject(let o, let to): return .object([("move_object", .object([("object", .string(o)), location(to)]))])
        case .removeObject(let o): return .object([("remove_object", .string(o))])
        case .addObject(let o):
            var f: [(String, JSONValue)] = [("name", .string(o.name))]
            switch o.location {
            case .on(let s): f.append(("on", .string(s)))
            case .at(let p): f.append(("position", SimState.position(p)))
            }
            if let c = o.color { f.append(("color", .string(c))) }
            f.append(("graspable", .bool(o.graspable)))
            return .object([("add_object", .object(f))])
        case .closeDoor(let d): return .object([("close_door", .string(d))])
        case .openDoor(let d): return .object([("open_door", .string(d))])
        case .addObstacle(let o):
            return .object([("add_obstacle", .object([("name", .string(o.name)), ("position", SimState.position(o.position)), ("radius", .number(o.radius))]))])
        }
    }

    public init(json: JSONValue) throws(SimError) {
        func pos(_ v: JSONValue?) throws(SimError) -> Position {
            guard let x = v?["x"]?.numberValue, let y = v?["y"]?.numberValue else { throw SimError("expected a position {x, y, z}") }
            return Position(x: x, y: y, z: v?["z"]?.numberValue ?? 0)
        }
        guard let (key, v) = json.objectValue?.first else { throw SimError("expected a change object") }
        switch key {
        case "move_object":
            guard let o = v["object"]?.stringValue else { throw SimError("move_object: expected \"object\"") }
            if let to = v["to"]?.stringValue { self = .moveObject(object: o, to: .on(to)) } else { self = .moveObject(object: o, to: .at(try pos(v["position"]))) }
        case "remove_object":
            guard let o = v.stringValue else { throw SimError("remove_object: expected an object name") }
            self = .removeObject(o)
        case "add_object":
            guard let n = v["name"]?.stringValue else { throw SimError("add_object: expected \"name\"") }
            let l: WorldObject.Location
            if let on = v["on"]?.stringValue { l = .on(on) } else { l = .at(try pos(v["position"])) }
            self = .addObject(WorldObject(name: n, location: l, color: v["color"]?.stringValue, graspable: v["graspable"]?.boolValue ?? true))
        case "close_door", "open_door":
            guard let d = v.stringValue else { throw SimError("\(key): expected a door name") }
            self = key == "close_door" ? .closeDoor(d) : .openDoor(d)
        case "add_obstacle":
            guard let r = v["radius"]?.numberValue else { throw SimError("add_obstacle: expected \"radius\"") }
            self = .addObstacle(Obstacle(name: v["name"]?.stringValue ?? "obstacle", position: try pos(v["position"]), radius: r))
        default: throw SimError("unknown change \"\(key)\"")
        }
    }
}
