import Foundation
import RoboBridgeConfig
import RoboBridgeProtocol

/// The simulated robot and its world: a deterministic state machine stepped at a fixed rate. The same
/// seed and the same inputs at the same ticks give the same run (no clocks, no threads in here: `SimNode`
/// owns one and feeds it from its sockets).
public final class Simulator {
    public static let tickSeconds = 0.05

    public let robot: Robot
    public let body: Body
    /// The world as it is now (objects where they are, doors as they stand).
    public private(set) var world: World
    public private(set) var tick = 0
    public var time: Double { Double(tick) * Self.tickSeconds }

    // The robot. Ground robots and drones: position of the centre (z = altitude); arms: the gripper.
    public private(set) var position: Position
    public private(set) var headingDeg: Double
    public private(set) var airborne = false
    public private(set) var held: String?
    public private(set) var battery: Double
    public private(set) var charging = false
    public private(set) var odometerM = 0.0
    /// Driving or flying speed now (m/s); arms: a factor of the body's speed.
    public private(set) var speedSetting: Double
    public private(set) var mode = "normal"
    public private(set) var photos: [Photo] = []
    public private(set) var said: [String] = []
    public private(set) var trajectory: [TrajectoryPoint] = []
    /// Every action status so far, in order.
    public private(set) var log: [StatusEvent] = []
    /// Set while the watchdog holds the robot (cleared by the next action).
    public private(set) var watchdogStopped = false

    private var queue: [QueuedAction] = []
    private var current: Running?
    private var planner: PathPlanner?
    private var noise: SeededRandom
    private let start: Pose

    public struct Photo: Sendable, Equatable {
        public var subject: String
        public var position: Position
        public var timeS: Double
    }
    public struct TrajectoryPoint: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public var z: Double
        public var timeS: Double
    }
    /// An action's status, as published on `<robot>/action_status`.
    public struct StatusEvent: Sendable, Equatable {
        public var seq: Int
        /// The action message that carried it, and the command it answers.
        public var messageId: String
        public var commandId: String
        public var index: Int
        public var action: String
        public var status: String
        public var detail: String?
        public var timeS: Double
    }
    /// An action call as it arrives: name and JSON arguments.
    public struct Call: Sendable, Equatable {
        public var name: String
        public var args: [String: JSONValue]
        public init(name: String, args: [String: JSONValue] = [:]) {
            self.name = name
            self.args = args
        }
    }
    struct QueuedAction {
        var call: Call
        var messageId: String
        var commandId: String
        var index: Int
    }
    enum Phase {
        case follow([Vec2], goal: String)
        case straight(remaining: Double, sign: Double, total: Double)
        case turn(remaining: Double)
        case vertical(to: Double)
        case fly([Vec2])
        case gripper(to: Position)
        case wait(Double)
        case effect(() -> String?)
    }
    struct Running {
        var action: QueuedAction
        var phases: [Phase]
        var started = false
    }

    /// - Parameters:
    ///   - seed: the sensor noise's seed.
    ///   - batteryPercent, startPlace: a mission's start (nil: the body's and the world's).
    public init(robot: Robot, world: World, seed: UInt64 = 1, batteryPercent: Double? = nil, startPlace: String? = nil) throws(SimError) {
        guard let body = robot.body else {
            throw SimError("\(robot.file): the robot has no \"body\" section: the simulator needs its kind, speed and reach (docs/configuration.md, \"body\")")
        }
        let missing = robot.actions.map(\.name).filter { body.behaviours[$0] == nil }
        guard missing.isEmpty else {
            throw SimError("\(robot.file): body.behaviours says nothing of \(missing.joined(separator: ", ")): the simulator would not know what \(missing.count == 1 ? "it does" : "they do")")
        }
        self.robot = robot
        self.body = body
        self.world = world
        var pose = world.robotStart
        if let p = startPlace {
            guard let place = world.place(named: p) else { throw SimError("no place \"\(p)\" in the world \(world.id) to start at") }
            pose = Pose(place: p, position: place.position, headingDeg: pose.headingDeg)
        }
        start = pose
        position = pose.position
        if body.kind == .multirotor { position.z = 0 }
        headingDeg = pose.headingDeg
        battery = batteryPercent ?? body.battery?.startPercent ?? 100
        speedSetting = body.kind == .arm ? 1 : body.maxSpeedMps
        noise = SeededRandom(seed: seed)
        if body.kind == .differentialDrive { planner = PathPlanner(world: world, radius: body.radiusM) }
        record()
        if let dock = body.dockPlace, let d = world.place(named: dock), Vec2(d.position).distance(to: Vec2(position)) < 0.3 { charging = true }
    }

    // MARK: Inputs

    /// Actions of a command. The first actions of a new command replace whatever the robot was doing
    /// (a newer plan supersedes the old one); later ones of the same command queue behind.
    public func receive(_ calls: [Call], messageId: String, commandId: String, index: Int) {
        let runningCommand = current?.action.commandId ?? queue.last?.commandId
        if let runningCommand, runningCommand != commandId {
            cancelAll("superseded by a newer command")
        }
        watchdogStopped = false
        for (i, call) in calls.enumerated() {
            let a = QueuedAction(call: call, messageId: messageId, commandId: commandId, index: index + i)
            emit(a, "accepted", nil)
            if body.behaviours[call.name] == .stop {
                cancelAll("stopped")
                emit(a, "succeeded", "stopped")
                continue
            }
            queue.append(a)
        }
    }

    /// The e-stop topic: stop now, drop everything queued.
    public func emergencyStop(reason: String) { cancelAll("e-stop: \(reason)") }

    /// The watchdog: no heartbeat from the bridge for too long.
    public func watchdogStop(silentForMs: Int) {
        guard current != nil || !queue.isEmpty else {
            watchdogStopped = true
            return
        }
        cancelAll("watchdog: no bridge heartbeat for \(fmt(Double(silentForMs) / 1000)) s, stopped")
        watchdogStopped = true
    }

    /// Applies a change made by someone else (a person moves a mug, closes a door).
    public func apply(_ change: WorldChange) throws(SimError) {
        switch change {
        case .moveObject(let name, let to):
            guard let i = world.objects.firstIndex(where: { $0.name == name }) else { throw SimError("no object \"\(name)\" to move") }
            if held == name { held = nil }
            world.objects[i].location = to
        case .removeObject(let name):
            guard let i = world.objects.firstIndex(where: { $0.name == name }) else { throw SimError("no object \"\(name)\" to remove") }
            if held == name { held = nil }
            world.objects.remove(at: i)
        case .addObject(let o):
            guard !world.objects.contains(where: { $0.name == o.name }) else { throw SimError("there is already an object \"\(o.name)\"") }
            world.objects.append(o)
        case .closeDoor(let name), .openDoor(let name):
            guard let i = world.doors.firstIndex(where: { $0.name == name }) else { throw SimError("no door \"\(name)\"") }
            if case .closeDoor = change { world.doors[i].open = false } else { world.doors[i].open = true }
            rebuildPlanner()
        case .addObstacle(let o):
            world.obstacles.append(o)
            rebuildPlanner()
        }
    }

    private func rebuildPlanner() {
        if body.kind == .differentialDrive { planner = PathPlanner(world: world, radius: body.radiusM) }
    }

    // MARK: Stepping

    /// Advances the simulation by one tick.
    public func step() {
        tick += 1
        let dt = Self.tickSeconds
        if current == nil, !queue.isEmpty { startNext() }
        if var run = current {
            if let outcome = advance(&run, dt: dt) {
                current = nil
                switch outcome {
                case .success(let detail): emit(run.action, "succeeded", detail)
                case .failure(let e):
                    emit(run.action, "failed", e.description)
                    // The rest of the plan assumed this action worked.
                    for a in queue where a.commandId == run.action.commandId { emit(a, "cancelled", "an earlier action failed") }
                    queue.removeAll { $0.commandId == run.action.commandId }
                }
            } else {
                current = run
            }
        }
        if let b = body.battery {
            if charging {
                battery = min(100, battery + b.chargePercentPerS * dt)
            } else if body.kind != .multirotor || airborne {
                battery = max(0, battery - b.drainPercentPerS * dt)
            }
        }
        if tick % 10 == 0 { record() }
    }

    private func record() {
        let p = TrajectoryPoint(x: position.x, y: position.y, z: position.z, timeS: time)
        if let last = trajectory.last, abs(last.x - p.x) < 0.01, abs(last.y - p.y) < 0.01, abs(last.z - p.z) < 0.01 { return }
        trajectory.append(p)
    }

    /// Whether nothing is running or queued.
    public var idle: Bool { current == nil && queue.isEmpty }
    /// The action running now.
    public var running: (action: String, index: Int, commandId: String)? {
        current.map { ($0.action.call.name, $0.action.index, $0.action.commandId) }
    }

    private func cancelAll(_ why: String) {
        if let run = current { emit(run.action, "cancelled", why) }
        for a in queue { emit(a, "cancelled", why) }
        current = nil
        queue = []
        if body.kind == .multirotor, airborne { return }  // a multirotor holds position in the air
    }

    private func emit(_ a: QueuedAction, _ status: String, _ detail: String?) {
        log.append(StatusEvent(seq: log.count + 1, messageId: a.messageId, commandId: a.commandId, index: a.index, action: a.call.name,
                               status: status, detail: detail, timeS: time))
    }

    private func startNext() {
        let a = queue.removeFirst()
        switch plan(a) {
        case .success(let phases):
            current = Running(action: a, phases: phases)
            emit(a, "running", nil)
        case .failure(let e):
            emit(a, "running", nil)
            emit(a, "failed", e.description)
            for q in queue where q.commandId == a.commandId { emit(q, "cancelled", "an earlier action failed") }
            queue.removeAll { $0.commandId == a.commandId }
        }
    }

    // MARK: Actions → phases

    private func number(_ call: Call, _ i: Int, _ dimension: String) -> Double? {
        guard let action = robot.action(named: call.name), i < action.parameters.count else { return nil }
        let p = action.parameters[i]
        guard let v = call.args[p.name]?.numberValue ?? p.defaultValue.flatMap({ if case .number(let x) = $0 { x } else if case .integer(let n) = $0 { Double(n) } else { nil } }) else { return nil }
        let factor = p.unit.flatMap { Units.table(dimension)?[$0] } ?? 1
        return v * factor
    }
    private func argument(_ call: Call, _ i: Int) -> JSONValue? {
        guard let action = robot.action(named: call.name), i < action.parameters.count else { return nil }
        return call.args[action.parameters[i].name]
    }
    private func name(_ entity: String) -> String { entity.replacingOccurrences(of: "_", with: " ") }

    /// Where an object is now (nil: not in the world; held objects are where the gripper is).
    public func location(of object: String) -> Position? {
        if held == object { return position }
        guard let o = world.object(named: object) else { return nil }
        switch o.location {
        case .on(let place): return world.place(named: place)?.position
        case .at(let p): return p
        }
    }

    private func plan(_ a: QueuedAction) -> Result<[Phase], SimError> {
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
            let words = kind.split(whereSeparator: { !$0.isLetter }).map { w -> String in
                let s = String(w)
                return s.hasSuffix("s") && s.count > 3 ? String(s.dropLast()) : s
            }
            let n = world.objects.filter { o in
                let text = (o.name + " " + (o.color ?? "")).lowercased()
                return !words.isEmpty && words.allSatisfy { text.contains($0) || ["part", "thing", "item", "object"].contains($0) }
            }.count
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
    private func flyHome() -> Result<[Phase], SimError> {
        let home = Vec2(start.position)
        if !airborne {
            return Vec2(position).distance(to: home) < 1 ? .success([.effect { "already home" }])
                : .failure(SimError("on the ground away from home: take off first"))
        }
        return .success([.fly(airRoute(to: home)), .vertical(to: 0), .effect { [unowned self] in self.airborne = false; return "landed at home" }])
    }

    /// A point `tolerance` short of `goal` on the way from the robot (so it stops at the furniture's edge).
    private func approach(_ goal: Vec2, tolerance: Double) -> Vec2 {
        guard tolerance > 0 else { return goal }
        let from = Vec2(position)
        let d = from.distance(to: goal)
        guard d > tolerance else { return from }
        return goal + (from - goal) * (tolerance * 0.8 / d)
    }

    /// A straight flight, with a detour around obstacles the line passes too close to.
    private func airRoute(to goal: Vec2) -> [Vec2] {
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

    private func outOfEnvelope(_ p: Position) -> String? {
        let r = (p.x * p.x + p.y * p.y).squareRoot()
        if r > body.reachM { return "\(fmt(r, 2)) m from the base, reach \(fmt(body.reachM, 2)) m" }
        if r < body.minReachM { return "\(fmt(r, 2)) m from the base, closer than \(fmt(body.minReachM, 2)) m" }
        if p.z < 0 { return "\(fmt(-p.z * 100, 0)) cm below the bench" }
        if p.z > body.reachM { return "\(fmt(p.z, 2)) m above the bench" }
        return nil
    }

    private func pick(_ call: Call) -> Result<[Phase], SimError> {
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

    private func place(_ call: Call) -> Result<[Phase], SimError> {
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

    private func setLocation(_ object: String, _ l: WorldObject.Location) {
        if let i = world.objects.firstIndex(where: { $0.name == object }) { world.objects[i].location = l }
    }

    /// Arms: drop onto a bin under the gripper, else onto the bench.
    private func release(_ object: String) {
        held = nil
        let g = Vec2(position)
        if let bin = (world.places + world.surfaces).first(where: { Vec2($0.position).distance(to: g) < 0.12 }) {
            setLocation(object, .on(bin.name))
        } else {
            setLocation(object, .at(Position(x: position.x, y: position.y, z: 0.02)))
        }
    }

    // MARK: Motion

    /// Advances the running action; returns its result when it ends.
    private func advance(_ run: inout Running, dt: Double) -> Result<String?, SimError>? {
        var budget = dt
        var lastDetail: String?
        while budget > 1e-9 {
            guard !run.phases.isEmpty else { return .success(lastDetail) }
            switch run.phases[0] {
            case .effect(let f):
                lastDetail = f() ?? lastDetail
                run.phases.removeFirst()
                continue
            case .wait(let s):
                let used = min(s, budget)
                budget -= used
                if s - used <= 1e-9 { run.phases.removeFirst() } else { run.phases[0] = .wait(s - used) }
            case .turn(let remaining):
                let step = min(abs(remaining), body.maxTurnRateDegS * budget)
                headingDeg = wrapDegrees(headingDeg + (remaining < 0 ? -step : step))
                budget -= step / body.maxTurnRateDegS
                let left = remaining < 0 ? remaining + step : remaining - step
                if abs(left) < 1e-6 { run.phases.removeFirst() } else { run.phases[0] = .turn(remaining: left) }
            case .straight(let remaining, let sign, let total):
                if battery <= 0 { return .failure(SimError("the battery ran out after \(fmt(total - remaining)) m of \(fmt(total)) m")) }
                let step = min(remaining, speedSetting * budget)
                let h = headingDeg * .pi / 180
                let next = Vec2(position.x + cos(h) * step * sign, position.y + sin(h) * step * sign)
                if let hit = planner?.solids.collision(at: next, radius: body.radiusM) {
                    return .failure(SimError("bumped into \(hit) after \(fmt(total - remaining)) m of \(fmt(total)) m"))
                }
                moveTo(next, z: position.z)
                budget -= step / speedSetting
                if remaining - step < 1e-6 { run.phases.removeFirst() } else { run.phases[0] = .straight(remaining: remaining - step, sign: sign, total: total) }
            case .follow(var points, let goal):
                if battery <= 0 { return .failure(SimError("the battery ran out on the way to \(goal)")) }
                guard let target = points.first else { run.phases.removeFirst(); continue }
                let here = Vec2(position)
                let d = here.distance(to: target)
                if d < 0.02 {
                    points.removeFirst()
                    run.phases[0] = .follow(points, goal: goal)
                    continue
                }
                let want = atan2(target.y - here.y, target.x - here.x) * 180 / .pi
                let err = wrapDegrees(want - headingDeg)
                if abs(err) > 1 {
                    // Turn toward the next point first (in place when far off), at the turn-rate limit.
                    let turn = min(abs(err), body.maxTurnRateDegS * budget)
                    headingDeg = wrapDegrees(headingDeg + (err < 0 ? -turn : turn))
                    let used = turn / body.maxTurnRateDegS
                    budget -= used
                    if abs(err) > 25 { continue }
                }
                guard budget > 1e-9 else { break }
                let step = min(d, speedSetting * budget)
                let h = headingDeg * .pi / 180
                let next = Vec2(here.x + cos(h) * step, here.y + sin(h) * step)
                if let hit = planner?.solids.collision(at: next, radius: body.radiusM * 0.8) {
                    return .failure(SimError("bumped into \(hit) on the way to \(goal)"))
                }
                moveTo(next, z: position.z)
                budget -= step / speedSetting
                if step >= d - 1e-9 {
                    points.removeFirst()
                }
                run.phases[0] = .follow(points, goal: goal)
            case .vertical(let z):
                let step = min(abs(z - position.z), body.climbRateMps * budget)
                position.z += z > position.z ? step : -step
                budget -= step / body.climbRateMps
                if abs(z - position.z) < 1e-6 { position.z = z; run.phases.removeFirst() }
            case .fly(var points):
                if battery <= 0 { return .failure(SimError("the battery ran out in flight")) }
                guard let target = points.first else { run.phases.removeFirst(); continue }
                let here = Vec2(position)
                let d = here.distance(to: target)
                let step = min(d, speedSetting * budget)
                if d > 1e-9 {
                    headingDeg = atan2(target.y - here.y, target.x - here.x) * 180 / .pi
                    moveTo(here + (target - here) * (step / d), z: position.z)
                }
                budget -= step / speedSetting
                if step >= d - 1e-9 { points.removeFirst() }
                run.phases[0] = .fly(points)
            case .gripper(let to):
                let speed = 0.25 * speedSetting
                let dx = to.x - position.x, dy = to.y - position.y, dz = to.z - position.z
                let d = (dx * dx + dy * dy + dz * dz).squareRoot()
                let step = min(d, speed * budget)
                if d > 1e-9 {
                    position = Position(x: position.x + dx * step / d, y: position.y + dy * step / d, z: position.z + dz * step / d)
                    odometerM += step
                }
                budget -= step / speed
                if step >= d - 1e-9 { position = to; run.phases.removeFirst() }
            }
        }
        return run.phases.isEmpty ? .success(lastDetail) : nil
    }

    private func moveTo(_ p: Vec2, z: Double) {
        let d = p.distance(to: Vec2(position))
        position = Position(x: p.x, y: p.y, z: z)
        odometerM += d
        charging = false
        if let b = body.battery { battery = max(0, battery - b.drainPercentPerM * d) }
    }

    // MARK: Sensors

    /// The readings the robot's sensors give now, as `(sensor name, data)`: pose (with the seeded
    /// noise), objects within range, held, battery, flight.
    public func sensors(includeSlow: Bool = true) -> [(String, JSONValue)] {
        let sigma = body.kind == .arm ? 0.0005 : 0.01
        var out: [(String, JSONValue)] = [("pose", .object([
            ("x", .number(round3(position.x + noise.gaussian(sigma)))), ("y", .number(round3(position.y + noise.gaussian(sigma)))),
            ("z", .number(round3(position.z))), ("heading_deg", .number(round3(headingDeg))),
        ]))]
        guard includeSlow else { return out }
        out.append(("objects", .object([("objects", .array(visibleObjects().map { o -> JSONValue in
            var f: [(String, JSONValue)] = [("name", .string(o.name))]
            if let c = o.color { f.append(("class", .string(c))) }
            switch o.location {
            case .on(let s):
                f.append(("surface", .string(s)))
                if let p = world.place(named: s)?.position { f.append(("position", .object([("x", .number(p.x)), ("y", .number(p.y)), ("z", .number(p.z))]))) }
            case .at(let p): f.append(("position", .object([("x", .number(round3(p.x))), ("y", .number(round3(p.y))), ("z", .number(round3(p.z)))])))
            }
            return .object(f)
        }))])))
        out.append(("held", .object([("object", held.map { .string($0) } ?? .null)])))
        if body.battery != nil { out.append(("battery", .object([("percent", .number(round3(battery))), ("charging", .bool(charging))]))) }
        if body.kind == .multirotor { out.append(("flight", .object([("airborne", .bool(airborne)), ("altitude_m", .number(round3(position.z)))]))) }
        return out
    }

    /// Objects within sensor range (not the one held: `sensor/held` tells that).
    public func visibleObjects() -> [WorldObject] {
        let eye = body.kind == .arm ? Vec2(0, 0) : Vec2(position)
        return world.objects.filter { o in
            guard o.name != held, let p = location(of: o.name) else { return false }
            return Vec2(p).distance(to: eye) <= body.sensorRangeM
        }
    }

    private func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}

public struct SimError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
