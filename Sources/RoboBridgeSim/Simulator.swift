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
    public internal(set) var world: World
    public internal(set) var tick = 0
    public var time: Double { Double(tick) * Self.tickSeconds }

    // The robot. Ground robots and drones: position of the centre (z = altitude); arms: the gripper.
    public internal(set) var position: Position
    public internal(set) var headingDeg: Double
    public internal(set) var airborne = false
    public internal(set) var held: String?
    public internal(set) var battery: Double
    public internal(set) var charging = false
    public internal(set) var odometerM = 0.0
    /// Driving or flying speed now (m/s); arms: a factor of the body's speed.
    public internal(set) var speedSetting: Double
    public internal(set) var mode = "normal"
    public internal(set) var photos: [Photo] = []
    public internal(set) var said: [String] = []
    public internal(set) var trajectory: [TrajectoryPoint] = []
    /// Every action status so far, in order.
    public internal(set) var log: [StatusEvent] = []
    /// Set while the watchdog holds the robot (cleared by the next action).
    public internal(set) var watchdogStopped = false

    var queue: [QueuedAction] = []
    /// Commands whose later actions must not run (one failed, or they were stopped), and why.
    var closed: [String: String] = [:]
    var current: Running?
    var planner: PathPlanner?
    var noise: SeededRandom
    let start: Pose

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
        let stops = calls.first.map { body.behaviours[$0.name] == .stop } ?? false
        if let runningCommand, runningCommand != commandId, !stops {
            cancelAll("superseded by a newer command")
        }
        watchdogStopped = false
        for (i, call) in calls.enumerated() {
            let a = QueuedAction(call: call, messageId: messageId, commandId: commandId, index: index + i)
            emit(a, "accepted", nil)
            // A streamed plan's later actions arrive after an earlier one failed or was stopped: they assumed it worked.
            if let why = closed[commandId], body.behaviours[call.name] != .stop {
                emit(a, "cancelled", why)
                continue
            }
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

    func rebuildPlanner() {
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
                    close(run.action.commandId, "an earlier action failed")
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

    func record() {
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

    func cancelAll(_ why: String) {
        if let run = current {
            emit(run.action, "cancelled", why)
            close(run.action.commandId, why)
        }
        for a in queue {
            emit(a, "cancelled", why)
            close(a.commandId, why)
        }
        current = nil
        queue = []
        if body.kind == .multirotor, airborne { return }  // a multirotor holds position in the air
    }

    func close(_ command: String, _ why: String) {
        if closed.count > 10_000 { closed.removeAll() }  // bounded: old commands never stream again
        closed[command] = why
    }

    func emit(_ a: QueuedAction, _ status: String, _ detail: String?) {
        log.append(StatusEvent(seq: log.count + 1, messageId: a.messageId, commandId: a.commandId, index: a.index, action: a.call.name,
                               status: status, detail: detail, timeS: time))
    }

    func startNext() {
        let a = queue.removeFirst()
        switch plan(a) {
        case .success(let phases):
            current = Running(action: a, phases: phases)
            emit(a, "running", nil)
        case .failure(let e):
            emit(a, "running", nil)
            emit(a, "failed", e.description)
            close(a.commandId, "an earlier action failed")
            for q in queue where q.commandId == a.commandId { emit(q, "cancelled", "an earlier action failed") }
            queue.removeAll { $0.commandId == a.commandId }
        }
    }
}

public struct SimError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
