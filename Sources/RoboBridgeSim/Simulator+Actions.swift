import Foundation
import RoboBridgeConfig
import RoboBridgeProtocol

/// What each action does: its checks, then the phases the robot goes through.
extension Simulator {

    func number(_ call: Call, _ i: Int, _ dimension: String) -> Double? {
        guard let action = robot.action(named: call.name), i < action.parameters.count else { return nil }
        let p = action.parameters[i]
        guard let v = call.args[p.name]?.numberValue ?? p.defaultValue.flatMap({ if case .number(let x) = $0 { x } else if case .integer(let n) = $0 { Double(n) } else { nil } }) else { return nil }
        let factor = p.unit.flatMap { Units.table(dimension)?[$0] } ?? 1
        return v * factor
    }
    func argument(_ call: Call, _ i: Int) -> JSONValue? {
        guard let action = robot.action(named: call.name), i < action.parameters.count else { return nil }
        return call.args[action.parameters[i].name]
    }
    func name(_ entity: String) -> String { entity.replacingOccurrences(of: "_", with: " ") }

    /// Where an object is now (nil: not in the world; held objects are where the gripper is).
    public func location(of object: String) -> Position? {
        if held == object { return position }
        guard let o = world.object(named: object) else { return nil }
        switch o.location {
        case .on(let place): return world.place(named: place)?.position
        case .at(let p): return p
        }
    }

    func plan(_ a: QueuedAction) -> Result<[Phase], SimError> {
        let call = a.call
        guard let behaviour = body.behaviours[call.name] else {
            return .failure(SimError("the simulator does not know what \(call.name) does"))
        }
        if battery <= 0, [.goTo, .drive, .turn, .takeoff, .flyTo, .changeAltitude, .dock, .returnHome, .moveBy].contains(behaviour) {
            return .failure(SimError("the battery is empty"))
        }
        switch behaviour {
        case .goTo, .dock:
            let target = behaviour == .dock ? body.dockPlace! : (argument(call, 0)?.stringValue ?? "")
            guard let place = world.place(named: target) else { return .failure(SimError("no place called \(name(target)) here")) }
            let isSurface = world.surfaces.contains { $0.name == target }
            let tolerance = isSurface ? min(0.5, body.reachM * 0.6) : 0.15
            let goal = Vec2(place.position)
            var phases: [Phase] = []
            if Vec2(position).distance(to: goal) > tolerance {
                switch planner!.path(from: Vec2(position), to: approach(goal, tolerance: isSurface ? tolerance : 0), goalName: name(target)) {
                case .success(let points): phases.append(.follow(points, goal: name(target)))
                case .failure(let e): return .failure(SimError(e.description))
                }
            }
            if behaviour == .dock {
                phases.append(.effect { [unowned self] in
                    self.charging = true
                    return "docked, charging from \(fmt(self.battery, 0))%"
                })
            } else {
                phases.append(.effect { "at \(self.name(target))" })
            }
            return .success(phases)
        case .drive:
            guard let d = number(call, 0, "length") else { return .failure(SimError("\(call.name): no distance")) }
            return .success([.straight(remaining: abs(d), sign: d < 0 ? -1 : 1, total: abs(d))])
        case .turn:
            guard let d = number(call, 0, "angle") else { return .failure(SimError("\(call.name): no angle")) }
            return .success([.turn(remaining: d)])
        case .setSpeed:
            guard let s = number(call, 0, "speed") else { return .failure(SimError("\(call.name): no speed")) }
            guard s <= body.maxSpeedMps + 1e-9 else {
                return .failure(SimError("\(fmt(s, 2)) m/s is above the top speed of \(fmt(body.maxSpeedMps, 2)) m/s"))
            }
            return .success([.effect { [unowned self] in
                self.speedSetting = s
                return "speed \(fmt(s, 2)) m/s"
            }])
        case .pick: return pick(call)
        case .place: return place(call)
        case .takeoff, .changeAltitude:
            guard let alt = number(call, 0, "length") else { return .failure(SimError("\(call.name): no altitude")) }
            if behaviour == .takeoff, airborne { return .failure(SimError("already in the air at \(fmt(position.z)) m")) }
            if behaviour == .changeAltitude, !airborne { return .failure(SimError("on the ground: take off first")) }
            guard alt > 0 else { return .failure(SimError("\(fmt(alt)) m is not above the ground")) }
            if let ceiling = body.ceilingM, alt > ceiling {
                return .failure(SimError("\(fmt(alt)) m is above the ceiling of \(fmt(ceiling)) m"))
            }
            return .success([.effect { [unowned self] in self.airborne = true; self.charging = false; return nil }, .vertical(to: alt),
                             .effect { "at \(fmt(alt)) m" }])
        case .land:
            guard airborne else { return .failure(SimError("already on the ground")) }
            return .success([.vertical(to: 0), .effect { [unowned self] in self.airborne = false; return "landed" }])
        case .flyTo:
            let target = argument(call, 0)?.stringValue ?? ""
            guard let wp = world.place(named: target) else { return .failure(SimError("no waypoint called \(name(target)) here")) }
            guard airborne else { return .failure(SimError("on the ground: take off before flying to \(name(target))")) }
            return .success([.fly(airRoute(to: Vec2(wp.position))), .effect { "over \(self.name(target))" }])
        case .hover:
            guard let s = number(call, 0, "duration") else { return .failure(SimError("\(call.name): no duration")) }
            guard airborne else { return .failure(SimError("on the ground: cannot hover")) }
            return .success([.wait(s), .effect { "hovered \(fmt(s)) s" }])
        case .photo:
            let subject = argument(call, 0)?.stringValue ?? ""
            return .success([.effect { [unowned self] in
                self.photos.append(Photo(subject: subject, position: self.position, timeS: self.time))
                return "photo of \(subject) at (\(fmt(self.position.x)), \(fmt(self.position.y)), \(fmt(self.position.z)) m)"
            }])
        case .returnHome:
            return flyHome()
        case .moveBy:
            var offset = [0.0, 0.0, 0.0]
            for i in 0..<min(3, robot.action(named: call.name)?.parameters.count ?? 0) { offset[i] = number(call, i, "length") ?? 0 }
            let target = Position(x: position.x + offset[0], y: position.y + offset[1], z: position.z + offset[2])
            if let problem = outOfEnvelope(target) { return .failure(SimError("the gripper would leave its reach: \(problem)")) }
            return .success([.gripper(to: target), .effect { "moved" }])
        case .suction:
            let on = argument(call, 0)?.boolValue ?? false
            return .success([.effect { [unowned self] in
                if on {
                    guard self.held == nil else { return "suction on (already holding \(self.name(self.held!)))" }
                    let under = self.world.objects.filter { o in
                        guard let p = self.location(of: o.name) else { return false }
                        return Vec2(p).distance(to: Vec2(self.position)) < 0.04 && abs(p.z - self.position.z) < 0.06
                    }
                    if let o = under.first, o.graspable { self.held = o.name; return "holding \(self.name(o.name))" }
                    return "suction on, nothing under the cup"
                }
                guard let h = self.held else { return "suction off" }
                self.release(h)
                return "released \(self.name(h))"
            }])
        case .setMode:
            let m = argument(call, 0)?.stringValue ?? "normal"
            return .success([.effect { [unowned self] in
                self.mode = m
                self.speedSetting = ["precise": 0.4, "slow": 0.4, "fast": 1.6].first { m.contains($0.key) }?.value ?? 1
                return "mode \(m)"
            }])
        case .count:
            let kind = (argument(call, 0)?.stringValue ?? "").lowercased()
            let n = count(kind)
            return .success([.effect { "counted \(n) \(kind)" }])
        case .home:
            switch body.kind {
            case .arm: return .success([.gripper(to: start.position), .effect { "home" }])
            case .multirotor: return flyHome()
            case .differentialDrive:
                switch planner!.path(from: Vec2(position), to: Vec2(start.position), goalName: "home") {
                case .success(let points): return .success([.follow(points, goal: "home"), .effect { "home" }])
                case .failure(let e): return .failure(SimError(e.description))
                }
            }
        case .say:
            let text = argument(call, 0)?.stringValue ?? ""
            return .success([.effect { [unowned self] in self.said.append(text); return "said \"\(text)\"" }])
        case .stop:
            return .success([.effect { "stopped" }])
        }
    }

    /// Back to the start at the current altitude, then down.
    func flyHome() -> Result<[Phase], SimError> {
        let home = Vec2(start.position)
        if !airborne {
            return Vec2(position).distance(to: home) < 1 ? .success([.effect { "already home" }])
                : .failure(SimError("on the ground away from home: take off first"))
        }
        return .success([.fly(airRoute(to: home)), .vertical(to: 0), .effect { [unowned self] in self.airborne = false; return "landed at home" }])
    }

    /// A point `tolerance` short of `goal` on the way from the robot (so it stops at the furniture's edge).
    func approach(_ goal: Vec2, tolerance: Double) -> Vec2 {
        guard tolerance > 0 else { return goal }
        let from = Vec2(position)
        let d = from.distance(to: goal)
        guard d > tolerance else { return from }
        return goal + (from - goal) * (tolerance * 0.8 / d)
    }

    /// A straight flight, with a detour around obstacles the line passes too close to.
    func airRoute(to goal: Vec2) -> [Vec2] {
        let from = Vec2(position)
        var route: [Vec2] = []
        for o in world.obstacles {
            let c = Vec2(o.position)
            let clearance = o.radius + body.radiusM + 1
            guard distance(from: c, toSegment: from, goal) < clearance else { continue }
            let dir = goal - from
            let len = max(dir.length, 1e-9)
            var side = Vec2(-dir.y / len, dir.x / len)
            if (c - from).dot(side) > 0 { side = side * -1 }
            route.append(c + side * (clearance + 1))
        }
        return route + [goal]
    }

    func outOfEnvelope(_ p: Position) -> String? {
        let r = (p.x * p.x + p.y * p.y).squareRoot()
        if r > body.reachM { return "\(fmt(r, 2)) m from the base, reach \(fmt(body.reachM, 2)) m" }
        if r < body.minReachM { return "\(fmt(r, 2)) m from the base, closer than \(fmt(body.minReachM, 2)) m" }
        if p.z < 0 { return "\(fmt(-p.z * 100, 0)) cm below the bench" }
        if p.z > body.reachM { return "\(fmt(p.z, 2)) m above the bench" }
        return nil
    }

    func pick(_ call: Call) -> Result<[Phase], SimError> {
        let object = argument(call, 0)?.stringValue ?? ""
        guard let o = world.object(named: object), let where_ = location(of: object) else {
            return .failure(SimError("there is no \(name(object)) here"))
        }
        if held == object { return .failure(SimError("already holding \(name(object))")) }
        if let h = held { return .failure(SimError("the gripper is full: holding \(name(h))")) }
        guard o.graspable else { return .failure(SimError("\(name(object)) cannot be picked up")) }
        if body.kind == .arm {
            if let problem = outOfEnvelope(where_) { return .failure(SimError("\(name(object)) is not within reach (\(problem))")) }
            let above = Position(x: where_.x, y: where_.y, z: where_.z + 0.1)
            return .success([.gripper(to: above), .gripper(to: where_), .effect { [unowned self] in self.held = object; return nil },
                             .gripper(to: above), .effect { "holding \(self.name(object))" }])
        }
        let d = Vec2(where_).distance(to: Vec2(position))
        guard d <= body.reachM else {
            var detail = "\(name(object)) is not within reach (\(fmt(d)) m away"
            if case .on(let s) = o.location { detail += ", on the \(name(s))" }
            return .failure(SimError(detail + ")"))
        }
        return .success([.wait(2), .effect { [unowned self] in self.held = object; return "holding \(self.name(object))" }])
    }

    func place(_ call: Call) -> Result<[Phase], SimError> {
        let target = argument(call, 0)?.stringValue ?? ""
        guard let h = held else { return .failure(SimError("the gripper is empty: nothing to put on the \(name(target))")) }
        guard let p = world.place(named: target) else { return .failure(SimError("no place called \(name(target)) here")) }
        if body.kind == .arm {
            if let problem = outOfEnvelope(Position(x: p.position.x, y: p.position.y, z: 0.15)) {
                return .failure(SimError("the \(name(target)) is not within reach (\(problem))"))
            }
            return .success([.gripper(to: Position(x: p.position.x, y: p.position.y, z: 0.15)),
                             .effect { [unowned self] in self.setLocation(h, .on(target)); self.held = nil; return "\(self.name(h)) in the \(self.name(target))" }])
        }
        let d = Vec2(p.position).distance(to: Vec2(position))
        let isSurface = world.surfaces.contains { $0.name == target }
        guard d <= body.reachM + (isSurface ? 0 : 1) else {
            return .failure(SimError("the \(name(target)) is not within reach (\(fmt(d)) m away)"))
        }
        return .success([.wait(2), .effect { [unowned self] in
            if isSurface {
                self.setLocation(h, .on(target))
            } else {
                let ahead = Position(x: self.position.x + cos(self.headingDeg * .pi / 180) * 0.4, y: self.position.y + sin(self.headingDeg * .pi / 180) * 0.4)
                self.setLocation(h, .at(ahead))
            }
            self.held = nil
            return "put \(self.name(h)) on the \(self.name(target))"
        }])
    }

    func setLocation(_ object: String, _ l: WorldObject.Location) {
        if let i = world.objects.firstIndex(where: { $0.name == object }) { world.objects[i].location = l }
    }

    /// Arms: drop onto a bin under the gripper, else onto the bench.
    func release(_ object: String) {
        held = nil
        let g = Vec2(position)
        if let bin = (world.places + world.surfaces).first(where: { Vec2($0.position).distance(to: g) < 0.12 }) {
            setLocation(object, .on(bin.name))
        } else {
            setLocation(object, .at(Position(x: position.x, y: position.y, z: 0.02)))
        }
    }

    /// How many objects of a kind are in view: the words of `kind` that name or colour some object of the world
    /// ("the blocks on the bench" → block) must all fit it; "parts" and the like fit every object.
    public func count(_ kind: String) -> Int {
        let objects = visibleObjects()
        func text(_ o: WorldObject) -> String { (o.name.replacingOccurrences(of: "_", with: " ") + " " + (o.color ?? "")).lowercased() }
        let words = kind.split(whereSeparator: { !$0.isLetter }).map { w -> String in
            let s = String(w)
            return s.hasSuffix("s") && s.count > 3 ? String(s.dropLast()) : s
        }
        let known = words.filter { w in objects.contains { text($0).split(separator: " ").contains(Substring(w)) } }
        if known.isEmpty { return words.contains(where: { ["part", "thing", "item", "object", "piece"].contains($0) }) ? objects.count : 0 }
        return objects.filter { o in known.allSatisfy { text(o).split(separator: " ").contains(Substring($0)) } }.count
    }
}
