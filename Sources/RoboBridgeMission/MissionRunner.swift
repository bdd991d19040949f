import Foundation
import Logging
import RoboBridgeConfig
import RoboBridgeMessaging
import RoboBridgeNode
import RoboBridgeProtocol
import RoboBridgeServe
import RoboBridgeSim
import ServiceLifecycle

/// Plays a mission: starts the simulator and the bridge for each robot (in this process, over inproc, or
/// connects to ones already running), sends each step, waits for it to finish in simulated time, and checks
/// its expectations against the simulator's true state.
public struct MissionRunner {
    public struct Options: Sendable {
        /// Simulated seconds per wall-clock second (nil: the mission's, else 10).
        public var speed: Double?
        public var seed: UInt64 = 1
        /// A bundled model or GGUF path for every robot (nil: the mission's, else each robot file's).
        public var model: String?
        public var speculative = true
        /// Drive a bridge and a simulator that already run (one robot): the bridge's command, publish
        /// endpoints and the simulator's control endpoint.
        public var external: External?
        public struct External: Sendable {
            public var command: Endpoint
            public var publish: Endpoint
            public var simControl: Endpoint
            /// CURVE client settings when the bridge uses CurveZMQ.
            public var curve: SocketOptions.Curve?
            public init(command: Endpoint, publish: Endpoint, simControl: Endpoint, curve: SocketOptions.Curve? = nil) {
                self.curve = curve
                self.command = command
                self.publish = publish
                self.simControl = simControl
            }
        }
        public init() {}
    }

    public let mission: Mission
    public let robots: [Robot]
    public let world: World
    /// Settable after loading: a client's CURVE settings come from the mission's robot file.
    public var options: Options
    private let logger: Logger

    /// Loads and checks the mission with its robots and world.
    /// - Throws: the mission's (or its files') first error, as `file:line:column: message`.
    public init(missionFile: String, options: Options = Options(), logger: Logger = Logger(label: "robobridge.mission")) throws(MissionError) {
        let errors = ConfigLoader.validate([missionFile])
        guard errors.isEmpty else { throw MissionError(errors.map(\.description).joined(separator: "\n")) }
        do {
            mission = try ConfigLoader.loadMission(missionFile)
            world = try ConfigLoader.loadWorld(ConfigLoader.resolve(mission.worldFile, relativeTo: missionFile))
            var rs: [Robot] = []
            for r in mission.robots { rs.append(try ConfigLoader.loadRobot(ConfigLoader.resolve(r.file, relativeTo: missionFile))) }
            robots = rs
        } catch {
            throw MissionError(error.description)
        }
        for r in robots where r.body == nil {
            throw MissionError("\(r.file): the robot has no \"body\" section, so the simulator cannot play it")
        }
        if options.external != nil, robots.count > 1 {
            throw MissionError("--bridge/--sim drive one robot; the mission \(mission.id) has \(robots.count)")
        }
        self.options = options
        self.logger = logger
    }

    public var speed: Double { options.speed ?? mission.speed ?? 10 }
    public var model: String? { options.model ?? mission.model }

    /// One robot's connections for the run.
    struct Crew {
        var robot: Robot
        var client: BridgeClient
        var sim: SimClient
        /// Everything the bridge published for this robot so far.
        var received: [BridgeClient.Received] = []
        var logSeen = 0
        var log: [JSONValue] = []
        /// The simulator's clock when the mission started (it ran while the model loaded): step times count from it.
        var epoch = 0.0
    }

    /// Runs the mission. `progress` gets one line per step as it ends.
    public func run(progress: @escaping @Sendable (String) -> Void = { _ in }) async throws(MissionError) -> MissionReport {
        let context: MessagingContext
        do { context = try MessagingContext() } catch { throw MissionError("\(error)") }
        var services: [any Service] = []
        var endpoints: [(command: Endpoint, publish: Endpoint, control: Endpoint)] = []
        let tag = "\(mission.id)-\(UUID().uuidString.prefix(6).lowercased())"
        do throws(MessagingError) {
            if let e = options.external {
                endpoints = [(e.command, e.publish, e.simControl)]
            } else if robots.count == 1 {
                let r = robots[0]
                let inbound = try Endpoint.inproc("\(tag)-\(r.id)-in"), outbound = try Endpoint.inproc("\(tag)-\(r.id)-out")
                let requests = try Endpoint.inproc("\(tag)-\(r.id)-req"), control = try Endpoint.inproc("\(tag)-\(r.id)-sim")
                services.append(node(r, inbound: inbound, outbound: outbound, requests: requests, viaBroker: false, context: context))
                services.append(try simNode(0, bridgeInbound: inbound, bridgeOutbound: outbound, control: control, context: context))
                endpoints = [(inbound, outbound, control)]
            } else {
                // Each robot behind its own node, all meeting through a broker, as a fleet would.
                let b = Broker.Endpoints(publishers: try .inproc("\(tag)-xsub"), subscribers: try .inproc("\(tag)-xpub"),
                                         requests: try .inproc("\(tag)-req"), nodes: try .inproc("\(tag)-nodes"))
                services.append(Broker(endpoints: b, context: context, logger: Logger(label: "robobridge.broker")))
                for (i, r) in robots.enumerated() {
                    let control = try Endpoint.inproc("\(tag)-\(r.id)-sim")
                    services.append(node(r, inbound: b.subscribers, outbound: b.publishers, requests: b.nodes, viaBroker: true, context: context))
                    services.append(try simNode(i, bridgeInbound: b.publishers, bridgeOutbound: b.subscribers, control: control, context: context))
                    endpoints.append((b.publishers, b.subscribers, control))
                }
            }
        } catch {
            throw MissionError("\(error)")
        }
        let group = ServiceGroup(configuration: .init(services: services, logger: logger))
        let running = Task { try await group.run() }
        defer { running.cancel() }
        var crews: [Crew] = []
        do {
            for (i, r) in robots.enumerated() {
                let e = endpoints[i]
                var clientOptions = SocketOptions()
                clientOptions.curve = options.external?.curve
                let client = try await BridgeClient(robot: r.id, context: context, command: e.command, publish: e.publish, sender: "mission-\(r.id)",
                                                    options: clientOptions)
                let sim = try await SimClient(robot: r.id, context: context, control: e.control)
                crews.append(Crew(robot: r, client: client, sim: sim))
            }
        } catch {
            throw MissionError("cannot connect: \(error)")
        }
        for c in crews {
            guard await c.client.waitForHeartbeat(ready: true, timeout: .seconds(180)) != nil else {
                throw MissionError("the bridge of \(c.robot.id) did not become ready within 180 s")
            }
        }
        let wallStart = ContinuousClock.now
        var report = MissionReport(mission: mission.id, file: mission.file, description: mission.description, speed: speed,
                                   model: model ?? robots[0].model.name, robots: robots.map(\.id), world: world)
        for i in crews.indices {
            if let s = try? await crews[i].sim.state(trajectory: false) {
                report.start[crews[i].robot.id] = s
                crews[i].epoch = s["time_s"]?.numberValue ?? 0
            }
        }
        var pending: (step: Step, crew: Int, report: StepReport)?
        for (n, step) in mission.steps.enumerated() {
            let index = crews.firstIndex { $0.robot.id == (step.robot ?? robots[0].id) } ?? 0
            var result: StepReport
            do {
                result = try await play(step, number: n + 1, index: index, crews: &crews)
            } catch {
                result = StepReport(number: n + 1, robot: crews[index].robot.id, label: step.label, location: step.location)
                result.failures = ["\(error)"]
            }
            if let t = result.simEndS, t > mission.timeLimitS {
                result.failures.append("past the mission's time limit of \(fmt(mission.timeLimitS)) s (sim time \(fmt(t)) s)")
            }
            if let p = pending {
                let settled = await settle(p.step, p.report, crew: &crews[p.crew])
                report.steps.append(settled)
                progress(settled.progressLine(of: mission.steps.count))
                pending = nil
            }
            if result.pendingCommand != nil, n + 1 < mission.steps.count {
                pending = (step, index, result)
                continue
            }
            if result.pendingCommand != nil { result = await settle(step, result, crew: &crews[index]) }
            report.steps.append(result)
            progress(result.progressLine(of: mission.steps.count))
        }
        report.wallS = (ContinuousClock.now - wallStart) / .seconds(1)
        for c in crews {
            if let s = try? await c.sim.state(trajectory: true) { report.end[c.robot.id] = s }
        }
        for c in crews {
            await c.client.close()
            await c.sim.close()
        }
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        return report
    }

    private func node(_ r: Robot, inbound: Endpoint, outbound: Endpoint, requests: Endpoint, viaBroker: Bool, context: MessagingContext) -> BridgeNode {
        var cfg = NodeConfiguration(robot: r.id, inbound: inbound, outbound: outbound, requests: requests)
        cfg.connectsToBroker = viaBroker
        cfg.configure(for: r, world: world)
        var settings = TranslatorPlanner.Settings(robot: r, world: world, model: model)
        settings.speculative = options.speculative
        let planner = TranslatorPlanner(settings, logger: Logger(label: "robobridge.planner"))
        return BridgeNode(configuration: cfg, planner: planner, context: context, logger: Logger(label: "robobridge.node"))
    }

    private func simNode(_ i: Int, bridgeInbound: Endpoint, bridgeOutbound: Endpoint, control: Endpoint, context: MessagingContext) throws(MessagingError) -> SimNode {
        var cfg = SimNode.Configuration(robot: robots[i], world: world, bridgeInbound: bridgeInbound, bridgeOutbound: bridgeOutbound, control: control)
        cfg.speed = speed
        cfg.seed = options.seed
        cfg.batteryPercent = mission.robots[i].start.batteryPercent
        cfg.startPlace = mission.robots[i].start.place
        do {
            return try SimNode(configuration: cfg, context: context, logger: Logger(label: "robobridge.sim"))
        } catch {
            throw MessagingError(.invalidEndpoint, operation: "sim", detail: error.description)
        }
    }

    // MARK: Steps

    /// Waits until the robot's simulated clock reaches `t`.
    private func waitForSimTime(_ t: Double, crew: Crew) async throws(SimError) -> JSONValue {
        while true {
            let s = try await crew.sim.state(since: Int.max)
            if (s["time_s"]?.numberValue ?? 0) - crew.epoch >= t { return s }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    private func play(_ step: Step, number: Int, index: Int, crews: inout [Crew]) async throws -> StepReport {
        var crew = crews[index]
        defer { crews[index] = crew }
        var r = StepReport(number: number, robot: crew.robot.id, label: step.label, location: step.location)
        if let at = step.atS {
            let now = try await waitForSimTime(at, crew: crew)
            // A step due at a time already past starts at once, and says so.
            let late = (now["time_s"]?.numberValue ?? 0) - crew.epoch - at
            if late > 0.5 { r.notes.append("due at \(fmt(at)) s, started \(fmt(late)) s late: the previous step ran past it") }
        }
        var state = try await crew.sim.state(since: Int.max)
        let t0 = (state["time_s"]?.numberValue ?? 0) - crew.epoch
        r.simStartS = t0
        r.startPosition = state["position"]
        let deadline = t0 + step.timeoutS
        var correlation: String?
        let wall0 = ContinuousClock.now
        // The wall-clock time a step may take: its simulated timeout at this speed, plus the bridge's time to decide.
        let wallLimit = Duration.seconds(step.timeoutS / speed) + .seconds(20)
        switch step.kind {
        case .instruction(let text):
            guard let m = await crew.client.command(text, deadlineMs: step.deadlineMs, timeout: .seconds(10)) else {
                r.failures.append("the bridge did not acknowledge the command within 10 s")
                return r
            }
            correlation = m.envelope.id
        case .estop:
            let m = crew.client.publish(.estop, .estop(reason: "mission \(mission.id), step \(number)"))
            correlation = m.envelope.id
        case .wait(let s):
            state = try await waitForSimTime(t0 + s, crew: crew)
        case .world(let changes):
            for c in crews where c.robot.id != crew.robot.id { try await c.sim.change(changes) }
            try await crew.sim.change(changes)
        }
        if let id = correlation, step.until == .sent {
            r.pendingCommand = id
            return r
        }
        if let id = correlation {
            await awaitOutcome(of: id, into: &r, crew: &crew, until: wall0 + wallLimit)
            // The robot's part: until it is done (or started), within the step's simulated timeout.
            let published = r.plan.count
            if step.until != .outcome {
                while true {
                    state = try await crew.sim.state(since: crew.logSeen)
                    absorb(state, into: &crew)
                    let mine = crew.log.filter { $0["command_id"]?.stringValue == id }
                    let now = (state["time_s"]?.numberValue ?? 0) - crew.epoch
                    if step.until == .started, mine.contains(where: { $0["status"]?.stringValue == "running" }) { break }
                    let accepted = mine.filter { $0["status"]?.stringValue == "accepted" }.count
                    if step.until == .done, state["idle"]?.boolValue == true, accepted >= published { break }
                    if now > deadline || ContinuousClock.now - wall0 > wallLimit {
                        if step.until == .done {
                            let what = state["running"]?["action"]?.stringValue.map { ", \($0) still running" } ?? ""
                            r.failures.append("not finished within \(fmt(step.timeoutS)) s of simulated time\(what)")
                        } else {
                            r.failures.append("the robot did not start within \(fmt(step.timeoutS)) s of simulated time")
                        }
                        break
                    }
                    try? await Task.sleep(for: .milliseconds(5))
                }
                r.statuses = statuses(of: id, crew: crew)
            }
        }
        state = try await crew.sim.state(since: Int.max)
        r.simEndS = state["time_s"]?.numberValue.map { $0 - crew.epoch }
        r.wallS = (ContinuousClock.now - wall0) / .seconds(1)
        r.endPosition = state["position"]
        r.failures += check(step.expect, state: state, report: r, robot: crew.robot, epoch: crew.epoch)
        return r
    }

    /// Waits for the command's outcome (the bridge's decision, exactly one per command) and collects the plan
    /// the bridge published for it.
    private func awaitOutcome(of id: String, into r: inout StepReport, crew: inout Crew, until end: ContinuousClock.Instant) async {
        while true {
            crew.received += crew.client.drain()
            if let o = crew.received.first(where: { $0.event == "outcome" && $0.correlationId == id }) {
                r.outcome = o.body["outcome"]?.stringValue
                r.reason = o.body["reason"]?.stringValue
                r.latencyMs = o.body["latency_ms"]?.numberValue
                r.firstActionMs = o.body["first_action_ms"]?.numberValue
                break
            }
            if ContinuousClock.now > end {
                r.failures.append("no outcome from the bridge")
                break
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
        r.plan = crew.received.filter { $0.topic.kind == .action && $0.correlationId == id }
            .sorted { ($0.body["index"]?.integerValue ?? 0) < ($1.body["index"]?.integerValue ?? 0) }
            .flatMap { $0.body["actions"]?.arrayValue ?? [] }
            .map(Self.callText)
    }

    /// A command's action statuses, their times on the mission's clock (like the steps').
    private func statuses(of id: String, crew: Crew) -> [JSONValue] {
        crew.log.filter { $0["command_id"]?.stringValue == id }.map { e in
            .object((e.objectValue ?? []).map { k, v in k == "time_s" ? (k, .number((v.numberValue ?? 0) - crew.epoch)) : (k, v) })
        }
    }

    /// Takes in the simulator's new action statuses.
    private func absorb(_ state: JSONValue, into crew: inout Crew) {
        for e in state["log"]?.arrayValue ?? [] {
            crew.log.append(e)
            crew.logSeen = max(crew.logSeen, Int(e["seq"]?.integerValue ?? 0))
        }
    }

    /// Checks a step that moved on at once (`until: sent`), now that the next one ended: its outcome, its plan and
    /// what the robot did with it, against the state now.
    private func settle(_ step: Step, _ report: StepReport, crew: inout Crew) async -> StepReport {
        var r = report
        guard let id = r.pendingCommand else { return r }
        await awaitOutcome(of: id, into: &r, crew: &crew, until: .now + .seconds(20))
        guard let state = try? await crew.sim.state(since: crew.logSeen) else {
            r.failures.append("no answer from the simulator")
            return r
        }
        absorb(state, into: &crew)
        r.statuses = statuses(of: id, crew: crew)
        r.simEndS = state["time_s"]?.numberValue.map { $0 - crew.epoch }
        r.endPosition = state["position"]
        r.failures += check(step.expect, state: state, report: r, robot: crew.robot, epoch: crew.epoch)
        return r
    }

    static func callText(_ a: JSONValue) -> String {
        let name = a["name"]?.stringValue ?? "?"
        let args = (a["args"]?.objectValue ?? []).map { k, v in "\(k)=\(v)" }.joined(separator: ", ")
        return "\(name)(\(args))"
    }

    // MARK: Expectations

    func check(_ expectations: [Expectation], state: JSONValue, report r: StepReport, robot: Robot, epoch: Double) -> [String] {
        var failures: [String] = []
        let pos = state["position"]
        let here = (x: pos?["x"]?.numberValue ?? 0, y: pos?["y"]?.numberValue ?? 0, z: pos?["z"]?.numberValue ?? 0)
        func objectPosition(_ name: String) -> (x: Double, y: Double, on: String?)? {
            guard let o = state["objects"]?.arrayValue?.first(where: { $0["name"]?.stringValue == name }) else { return nil }
            if o["held"]?.boolValue == true { return (here.x, here.y, nil) }
            if let on = o["on"]?.stringValue, let p = world.place(named: on) { return (p.position.x, p.position.y, on) }
            return (o["position"]?["x"]?.numberValue ?? 0, o["position"]?["y"]?.numberValue ?? 0, nil)
        }
        for e in expectations {
            switch e {
            case .outcome(let want):
                if r.outcome != want { failures.append("outcome \(r.outcome ?? "none"), expected \(want)\(r.reason.map { " (\($0))" } ?? "")") }
            case .reason(let text):
                if !(r.reason ?? "").lowercased().contains(text.lowercased()) { failures.append("reason \"\(r.reason ?? "")\" does not mention \"\(text)\"") }
            case .robotAt(let place):
                guard let p = world.place(named: place) else { failures.append("no place \(place)"); continue }
                let isSurface = world.surfaces.contains { $0.name == place }
                let isWaypoint = world.waypoints.contains { $0.name == place }
                let tolerance = isWaypoint ? 2.0 : isSurface ? 0.9 : 0.5
                let d = ((here.x - p.position.x) * (here.x - p.position.x) + (here.y - p.position.y) * (here.y - p.position.y)).squareRoot()
                if d > tolerance { failures.append("robot \(fmt(d)) m from \(place) (within \(fmt(tolerance)) m expected)") }
            case .holding(let want):
                let held = state["held"]?.stringValue
                if held != want { failures.append("holding \(held ?? "nothing"), expected \(want ?? "nothing")") }
            case .objectAt(let object, let place):
                guard let o = objectPosition(object) else { failures.append("\(object) is gone from the world"); continue }
                if o.on == place { continue }
                guard let p = world.place(named: place) else { continue }
                // On a surface or in a bin: on it. In a room: anywhere in the room (on its furniture, or on the floor
                // within 1.5 m of the place's point).
                let isRoom = !world.surfaces.contains { $0.name == place } && p.room != nil
                let sameRoom = isRoom && o.on.flatMap { world.place(named: $0)?.room } == p.room
                let d = ((o.x - p.position.x) * (o.x - p.position.x) + (o.y - p.position.y) * (o.y - p.position.y)).squareRoot()
                if !(sameRoom || (isRoom && o.on == nil && d <= 1.5)) {
                    failures.append("\(object) is \(o.on.map { "on \($0)" } ?? "at (\(fmt(o.x)), \(fmt(o.y)))"), expected at \(place)")
                }
            case .altitude(let lo, let hi):
                if here.z < lo - 1e-6 || here.z > hi + 1e-6 { failures.append("altitude \(fmt(here.z)) m, expected \(fmt(lo))–\(fmt(hi)) m") }
            case .landed(let want):
                let airborne = state["airborne"]?.boolValue ?? false
                if airborne == want { failures.append(want ? "still in the air at \(fmt(here.z)) m" : "on the ground") }
            case .actions(let names):
                let got = r.plan.map { String($0.prefix { $0 != "(" }) }
                if got != names { failures.append("actions [\(got.joined(separator: ", "))], expected [\(names.joined(separator: ", "))]") }
            case .batteryAbove(let b):
                let got = state["battery_percent"]?.numberValue ?? 0
                if got <= b { failures.append("battery \(fmt(got))%, expected above \(fmt(b))%") }
            case .photoOf(let subject):
                let photos = (state["photos"]?.arrayValue ?? []).filter { ($0["time_s"]?.numberValue ?? 0) >= (r.simStartS ?? 0) + epoch }
                if !photos.contains(where: { ($0["subject"]?.stringValue ?? "").lowercased().contains(subject.lowercased()) }) {
                    failures.append("no photo of \(subject) in this step (photos: \(photos.compactMap { $0["subject"]?.stringValue }.joined(separator: ", ")))")
                }
            case .withinS(let s):
                let took = (r.simEndS ?? 0) - (r.simStartS ?? 0)
                if took > s { failures.append("took \(fmt(took)) s, expected within \(fmt(s)) s") }
            case .failure(let text):
                let failed = r.statuses.filter { $0["status"]?.stringValue == "failed" }.compactMap { $0["detail"]?.stringValue }
                if !failed.contains(where: { $0.lowercased().contains(text.lowercased()) }) {
                    failures.append("no action failed with \"\(text)\"\(failed.isEmpty ? "" : " (failures: \(failed.joined(separator: "; ")))")")
                }
            case .charging(let want):
                if (state["charging"]?.boolValue ?? false) != want { failures.append(want ? "not charging" : "charging") }
            }
        }
        return failures
    }
}

public struct MissionError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

extension Step {
    /// What the step does, for a person.
    public var label: String {
        switch kind {
        case .instruction(let s): "\"\(s)\""
        case .estop: "e-stop"
        case .wait(let s): "wait \(fmt(s)) s"
        case .world(let changes): "world: " + changes.map { c in
            switch c {
            case .moveObject(let o, let to):
                if case .on(let s) = to { "\(o) moved to \(s)" } else { "\(o) moved" }
            case .removeObject(let o): "\(o) removed"
            case .addObject(let o): "\(o.name) added"
            case .closeDoor(let d): "\(d) closed"
            case .openDoor(let d): "\(d) opened"
            case .addObstacle(let o): "\(o.name) in the way"
            }
        }.joined(separator: ", ")
        }
    }
}
