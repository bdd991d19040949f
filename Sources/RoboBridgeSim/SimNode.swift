import Foundation
import Logging
import RoboBridgeConfig
import RoboBridgeMessaging
import RoboBridgeProtocol
import ServiceLifecycle
import Synchronization

/// The simulator as a peer of the bridge, speaking the protocol as the robot's own driver would: it takes
/// `<robot>/action` and `<robot>/estop`, watches the bridge's `<robot>/heartbeat` (its watchdog), and
/// publishes `sensor/*` and `<robot>/action_status`. Its control endpoint (a ROUTER) answers `<robot>/sim`
/// requests: the true state, for mission checks and maps, and changes to the world.
///
/// One task owns the `Simulator`: it takes in what the sockets received, steps the clock, and publishes.
public final class SimNode: Service, Sendable {
    public struct Configuration: Sendable {
        public var robot: Robot
        public var world: World
        public var seed: UInt64 = 1
        /// Simulated seconds per wall-clock second.
        public var speed: Double = 1
        public var batteryPercent: Double?
        public var startPlace: String?
        /// Where the bridge takes messages in (the simulator connects a PUB) and publishes (it connects a SUB).
        public var bridgeInbound: Endpoint
        public var bridgeOutbound: Endpoint
        /// The simulator's own control endpoint (bound).
        public var control: Endpoint
        /// Pose readings per wall-clock second.
        public var poseRateHz: Double = 20
        public var socketOptions = SocketOptions()

        public init(robot: Robot, world: World, bridgeInbound: Endpoint, bridgeOutbound: Endpoint, control: Endpoint) {
            self.robot = robot
            self.world = world
            self.bridgeInbound = bridgeInbound
            self.bridgeOutbound = bridgeOutbound
            self.control = control
        }
    }

    public let configuration: Configuration
    private let context: MessagingContext
    private let logger: Logger
    private let sender: String
    private let boundControl = Mutex<Endpoint?>(nil)
    private let started = Mutex<(done: Bool, error: String?, waiters: [CheckedContinuation<Void, Never>])>((false, nil, []))

    /// Checks the robot can be simulated (its body and behaviours) before any socket opens.
    public init(configuration: Configuration, context: MessagingContext, logger: Logger = Logger(label: "robobridge.sim")) throws(SimError) {
        _ = try Simulator(robot: configuration.robot, world: configuration.world, seed: configuration.seed,
                          batteryPercent: configuration.batteryPercent, startPlace: configuration.startPlace)
        self.configuration = configuration
        self.context = context
        self.logger = logger
        sender = "sim-\(configuration.robot.id)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// The control endpoint as bound (with its real port), once `run` has bound it.
    public var controlEndpoint: Endpoint? { boundControl.withLock { $0 } }

    /// Waits until the sockets are up (or failed: the error).
    public func waitUntilStarted() async -> String? {
        await withCheckedContinuation { c in
            let done = started.withLock { s -> Bool in
                if s.done { return true }
                s.waiters.append(c)
                return false
            }
            if done { c.resume() }
        }
        return started.withLock { $0.error }
    }

    private func markStarted(_ error: String?) {
        let waiters = started.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.done = true
            s.error = error
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }

    public func run() async throws {
        let cfg = configuration
        let ctx = context
        let robotId = cfg.robot.id
        let pub: SocketWorker, sub: SocketWorker, router: SocketWorker
        do {
            pub = try await SocketWorker.start(name: "\(robotId).sim.pub", receives: false) { () throws(MessagingError) in
                let s = try Socket(ctx, .pub, options: cfg.socketOptions)
                try s.connect(cfg.bridgeInbound)
                return (s, nil)
            }
            sub = try await SocketWorker.start(name: "\(robotId).sim.sub") { () throws(MessagingError) in
                let s = try Socket(ctx, .sub, options: cfg.socketOptions)
                try s.connect(cfg.bridgeOutbound)
                for kind in ["action", "estop", "heartbeat"] { try s.subscribe("\(robotId)/\(kind)") }
                return (s, nil)
            }
            var o = cfg.socketOptions
            o.maxFrames = 6
            o.curve = nil  // the control endpoint is the simulator's own, bound: CURVE applies to its connections to the bridge
            let options = o
            router = try await SocketWorker.start(name: "\(robotId).sim.control") { () throws(MessagingError) in
                let s = try Socket(ctx, .router, options: options)
                return (s, try s.bind(cfg.control))
            }
        } catch {
            markStarted("\(error)")
            throw error
        }
        boundControl.withLock { $0 = router.boundEndpoint }
        logger.info("simulator up", metadata: ["robot.id": "\(robotId)", "control": "\(router.boundEndpoint?.description ?? "")",
                                                "speed": "\(cfg.speed)", "seed": "\(cfg.seed)"])
        markStarted(nil)

        let inbox = SimInbox()
        let collectors = [sub, router].map { worker in
            Task {
                for await item in worker.inbound {
                    guard case .message(let frames) = item else { continue }
                    inbox.items.withLock { $0.append((worker === router, frames, ContinuousClock.now)) }
                }
            }
        }
        let stop = StopFlag()
        await withGracefulShutdownHandler {
            await self.loop(pub: pub, router: router, inbox: inbox, stop: stop)
        } onGracefulShutdown: {
            stop.set()
        }
        for c in collectors { c.cancel() }
        await pub.shutdown()
        await sub.shutdown()
        await router.shutdown()
    }

    private func loop(pub: SocketWorker, router: SocketWorker, inbox: SimInbox, stop: StopFlag) async {
        let cfg = configuration
        guard let sim = try? Simulator(robot: cfg.robot, world: cfg.world, seed: cfg.seed, batteryPercent: cfg.batteryPercent,
                                       startPlace: cfg.startPlace) else { return }
        let robotId = cfg.robot.id
        var seq: UInt64 = 0
        func send(_ kind: Topic.Kind, _ payload: Payload, correlationId: String? = nil) {
            seq += 1
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            let m = Message(topic: Topic(robot: robotId, kind),
                            envelope: Envelope(id: "\(sender)-\(seq)", timestampNs: Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec),
                                               robot: robotId, sender: sender, seq: seq, correlationId: correlationId),
                            payload: payload)
            pub.send(m.frames)
        }
        let begin = ContinuousClock.now
        var lastHeartbeat: ContinuousClock.Instant?
        var watchdogFired = false
        var published = 0
        var nextPose = begin, nextSlow = begin, nextBeat = begin
        let posePeriod = Duration.seconds(1 / cfg.poseRateHz)
        let timeout = Duration.milliseconds(sim.body.watchdogTimeoutMs)
        while !stop.isSet && !Task.isCancelled {
            let now = ContinuousClock.now
            var changed = false
            for (isControl, frames, at) in inbox.items.withLock({ box in defer { box = [] }; return box }) {
                if isControl {
                    router.send(handleControl(frames, sim: sim))
                    changed = true
                    continue
                }
                guard frames.count == 2, let topic = Topic.parse(String(decoding: frames[0], as: UTF8.self)), topic.robot == robotId,
                      let body = try? JSONValue.parse(frames[1]) else { continue }
                switch topic.kind {
                case .heartbeat:
                    lastHeartbeat = at
                    if watchdogFired { logger.info("bridge heartbeat back") }
                    watchdogFired = false
                case .estop:
                    sim.emergencyStop(reason: body["reason"]?.stringValue ?? "estop topic")
                    changed = true
                case .action:
                    guard let id = body["id"]?.stringValue, let actions = body["actions"]?.arrayValue else { continue }
                    let command = body["correlation_id"]?.stringValue ?? id
                    let index = Int(body["index"]?.integerValue ?? 0)
                    let calls = actions.compactMap { a -> Simulator.Call? in
                        guard let name = a["name"]?.stringValue else { return nil }
                        return Simulator.Call(name: name, args: Dictionary(a["args"]?.objectValue ?? [], uniquingKeysWith: { x, _ in x }))
                    }
                    // The bridge's stop action for an e-stop: say so, not "superseded by a newer command".
                    if body["outcome"]?.stringValue == "estop" { sim.emergencyStop(reason: "e-stop") }
                    sim.receive(calls, messageId: id, commandId: command, index: index)
                    changed = true
                default: continue
                }
            }
            // Watchdog (wall-clock: it watches the bridge, not the simulated world).
            if let last = lastHeartbeat, !watchdogFired, now - last > timeout {
                watchdogFired = true
                let silent = Int((now - last) / .milliseconds(1))
                logger.warning("no bridge heartbeat: stopping the robot", metadata: ["silent_ms": "\(silent)"])
                sim.watchdogStop(silentForMs: silent)
                changed = true
            }
            // The clock.
            let target = Int(((now - begin) / .seconds(1)) * cfg.speed / Simulator.tickSeconds)
            var steps = 0
            while sim.tick < target && steps < 2000 {
                sim.step()
                steps += 1
            }
            // What happened to actions.
            while published < sim.log.count {
                let e = sim.log[published]
                published += 1
                send(.actionStatus, .actionStatus(index: e.index, status: e.status, detail: e.detail), correlationId: e.messageId)
                if e.status != "accepted" {
                    logger.info("\(e.action) #\(e.index) \(e.status)\(e.detail.map { ": \($0)" } ?? "")",
                                metadata: ["command.id": "\(e.commandId)", "sim.time_s": "\(fmt(e.timeS))"])
                }
                changed = true
            }
            if now >= nextPose || changed {
                for (name, data) in sim.sensors(includeSlow: changed || now >= nextSlow) { send(.sensor(name), .sensor(data: data)) }
                if now >= nextSlow { nextSlow = now + .milliseconds(250) }
                nextPose = now + posePeriod
            }
            if now >= nextBeat {
                let state = sim.watchdogStopped ? "stopped_by_watchdog" : (sim.idle ? "idle" : "busy")
                send(.sensor("heartbeat"), .sensor(data: .object([("state", .string(state)), ("sim_time_s", .number(sim.time)),
                                                                   ("speed", .number(cfg.speed))])))
                nextBeat = now + .milliseconds(500)
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Answers a control request: frames [client id, (delimiter), topic, body].
    private func handleControl(_ frames: [[UInt8]], sim: Simulator) -> [[UInt8]] {
        let head = Array(frames.prefix(frames.count - 2))
        let robotId = configuration.robot.id
        func reply(_ data: JSONValue, to id: String?) -> [[UInt8]] {
            let m = Message(topic: Topic(robot: robotId, .sim),
                            envelope: Envelope(id: "\(sender)-ctl-\(UUID().uuidString.prefix(8))", timestampNs: 0, robot: robotId, sender: sender, seq: 0,
                                               correlationId: id),
                            payload: .sim(data: data))
            return head + m.frames
        }
        guard frames.count >= 3, let body = try? JSONValue.parse(frames[frames.count - 1]) else {
            return reply(.object([("error", .string("expected frames [topic, JSON body]"))]), to: nil)
        }
        let id = body["id"]?.stringValue
        let data = body["data"] ?? .null
        switch data["op"]?.stringValue {
        case "state":
            return reply(SimState.json(sim, since: Int(data["since"]?.integerValue ?? 0), trajectory: data["trajectory"]?.boolValue ?? false), to: id)
        case "change":
            do throws(SimError) {
                for c in data["changes"]?.arrayValue ?? [] { try sim.apply(try WorldChange(json: c)) }
                return reply(.object([("ok", .bool(true)), ("time_s", .number(sim.time))]), to: id)
            } catch {
                return reply(.object([("error", .string(error.description))]), to: id)
            }
        case let op:
            return reply(.object([("error", .string("unknown op \(op.map { "\"\($0)\"" } ?? "(none)"); expected state or change"))]), to: id)
        }
    }
}

/// What the sockets received, waiting for the simulator's task.
final class SimInbox: Sendable {
    let items = Mutex<[(Bool, [[UInt8]], ContinuousClock.Instant)]>([])
}

final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .releasing) }
    var isSet: Bool { flag.load(ordering: .acquiring) }
}
