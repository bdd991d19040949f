import Foundation
import Logging
import RoboBridgeConfig
import RoboBridgeMessaging
import RoboBridgeNode
import RoboBridgeProtocol
import RoboBridgeServe
import ServiceLifecycle
import Testing

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// A robot file written for a test: the rover's, with edits (the world path made absolute).
func roverFile(_ edit: (String) -> String = { $0 }) throws -> String {
    var text = try String(contentsOfFile: root + "/robots/rover.yaml", encoding: .utf8)
    text = text.replacingOccurrences(of: "world: ../simulator/worlds/apartment.yaml", with: "world: \(root)/simulator/worlds/apartment.yaml")
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("robobridge-serve-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent("rover.yaml").path
    try edit(text).write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// The bridge node with the translator on the real default model, over loopback TCP, and a client.
final class ServeHarness: Sendable {
    /// One loaded translator per robot file content (loading takes seconds); shared by the tests, which
    /// run one at a time.
    nonisolated(unsafe) static var planners: [String: TranslatorPlanner] = [:]

    let node: BridgeNode
    let group: ServiceGroup
    let runner: Task<Void, Error>
    let client: BridgeClient
    let robot: Robot

    init(robotFile: String? = nil, configure: (inout NodeConfiguration) -> Void = { _ in }) async throws {
        let path = try robotFile ?? roverFile()
        let robot = try ConfigLoader.loadRobot(path)
        let world = try ConfigLoader.loadWorld(ConfigLoader.resolve(robot.defaultWorld!, relativeTo: path))
        self.robot = robot
        let key = try String(contentsOfFile: path, encoding: .utf8)
        let planner = Self.planners[key] ?? TranslatorPlanner(.init(robot: robot, world: world))
        Self.planners[key] = planner
        let context = try MessagingContext()
        var cfg = NodeConfiguration(robot: robot.id, inbound: try Endpoint("tcp://127.0.0.1:*"), outbound: try Endpoint("tcp://127.0.0.1:*"),
                                    requests: try Endpoint("tcp://127.0.0.1:*"))
        cfg.stopWords = robot.stopWords
        cfg.stopAction = WireAction(name: robot.fallback.stopAction)
        cfg.defaultDeadline = .milliseconds(robot.latencyBudgetMs)
        cfg.rules = PlanRules(robot: robot)
        cfg.world = world
        cfg.heartbeatInterval = .milliseconds(100)
        configure(&cfg)
        node = BridgeNode(configuration: cfg, planner: planner, context: context, logger: Logger(label: "test.node"))
        group = ServiceGroup(services: [node], logger: Logger(label: "test"))
        let g = group
        runner = Task { try await g.run() }
        let bound = await node.ready()
        client = try await BridgeClient(robot: robot.id, context: context, command: bound.inbound, publish: bound.outbound,
                                        requests: bound.requests, sender: "test")
        for _ in 0..<1200 where !node.isReady { try await Task.sleep(for: .milliseconds(50)) }
        #expect(node.isReady)
        #expect(await client.waitForHeartbeat() != nil)
        // The node's subscription to the client is live once a reading of ours shows up.
        for _ in 0..<200 where node.latestSensor("probe") == nil {
            client.publish(.sensor("probe"), .sensor(data: .null))
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func stop() async throws {
        await client.close()
        await group.triggerGracefulShutdown()
        try await runner.value
    }

    /// Sends a command and collects everything about it up to its outcome.
    func run(_ instruction: String, deadlineMs: Int = 30_000) async throws -> (id: String, messages: [BridgeClient.Received]) {
        let id = try #require(await client.command(instruction, deadlineMs: deadlineMs)?.envelope.id)
        return (id, try await collect(id))
    }

    func collect(_ id: String, timeout: Duration = .seconds(60)) async throws -> [BridgeClient.Received] {
        try await collect([id], timeout: timeout)[id] ?? []
    }

    /// Everything about several commands, up to the outcome of each.
    func collect(_ ids: [String], timeout: Duration = .seconds(60)) async throws -> [String: [BridgeClient.Received]] {
        var got: [String: [BridgeClient.Received]] = [:]
        var open = Set(ids)
        while !open.isEmpty, let m = await client.next(timeout: timeout, where: { $0.correlationId.map(open.contains) ?? false }) {
            got[m.correlationId!, default: []].append(m)
            if m.event == "outcome" { open.remove(m.correlationId!) }
        }
        for id in open { Issue.record("no outcome for \(id)") }
        return got
    }
}

extension Array where Element == BridgeClient.Received {
    var actions: [JSONValue] { filter { $0.topic.kind == .action }.flatMap { $0.body["actions"]?.arrayValue ?? [] } }
    var outcome: BridgeClient.Received? { last { $0.event == "outcome" } }
    var actionNames: [String] { actions.compactMap { $0["name"]?.stringValue } }
}

func action(_ name: String, _ args: [(String, JSONValue)] = []) -> JSONValue {
    .object([("name", .string(name)), ("args", .object(args))])
}

@Suite("robobridge serve: the node with the translator, real model, real sockets", .serialized)
struct ServeTests {
    @Test func commandIsAcknowledgedStreamedAndDecidedOnce() async throws {
        let h = try await ServeHarness()
        let (id, messages) = try await h.run("bring the apple to the coffee table")
        #expect(messages.first?.event == "ack")
        let actionMessages = messages.filter { $0.topic.kind == .action }
        // Streamed: one message per action, in order, the last one final.
        #expect(actionMessages.count == 4)
        #expect(actionMessages.map { $0.body["index"] } == (0..<actionMessages.count).map { .integer(Int64($0)) })
        #expect(actionMessages.map { $0.body["final"] } == actionMessages.indices.map { .bool($0 == actionMessages.count - 1) })
        #expect(messages.actions == [action("navigate_to", [("target", .string("kitchen_counter"))]), action("pick", [("object", .string("apple"))]),
                                     action("navigate_to", [("target", .string("coffee_table"))]), action("place", [("target", .string("coffee_table"))])])
        let outcome = try #require(messages.outcome)
        #expect(outcome.body["outcome"] == .string("ok"))
        #expect(outcome.body["reason"] == nil)
        #expect(outcome.body["actions"] == .integer(4))
        // The first action went out before the plan was complete.
        let first = try #require(outcome.body["first_action_ms"]?.numberValue), total = try #require(outcome.body["latency_ms"]?.numberValue)
        #expect(first < total)
        #expect(messages.allSatisfy { $0.correlationId == id })
        #expect(messages.filter { $0.event == "outcome" }.count == 1)
        try await h.stop()
    }

    @Test func wholePlansArePublishedInOneMessage() async throws {
        let h = try await ServeHarness { $0.streamsActions = false }
        let (_, messages) = try await h.run("turn right 90 degrees and drive forward half a meter")
        let actionMessages = messages.filter { $0.topic.kind == .action }
        #expect(actionMessages.count == 1)
        #expect(actionMessages.first?.body["final"] == .bool(true))
        #expect(messages.actions == [action("rotate", [("angle_deg", .number(-90))]), action("move", [("distance_m", .number(0.5))])])
        try await h.stop()
    }

    @Test func estopDuringATranslationStopsItAndNothingOfItFollows() async throws {
        let h = try await ServeHarness()
        let command = try #require(await h.client.command("bring the apple to the coffee table, then go to the bedroom and say hello",
                                                          deadlineMs: 30_000))
        let estop = h.client.publish(.estop, .estop(reason: "test"))
        let stop = try #require(await h.client.next(timeout: .seconds(5), consuming: false) {
            $0.topic.kind == .action && $0.correlationId == estop.envelope.id
        })
        #expect(stop.body["actions"] == .array([action("stop")]))
        #expect(stop.body["outcome"] == .string("estop"))
        let messages = try await h.collect(command.envelope.id)
        #expect(messages.outcome?.body["outcome"] == .string("estop"))
        // Nothing of the stopped command after its outcome.
        try await Task.sleep(for: .milliseconds(800))
        #expect(h.client.drain().filter { $0.correlationId == command.envelope.id }.isEmpty)
        // The model is free again at once.
        let (_, next) = try await h.run("go to the kitchen")
        #expect(next.actions == [action("navigate_to", [("target", .string("kitchen"))])])
        try await h.stop()
    }

    @Test func aNewCommandPreemptsTheRunningOne() async throws {
        let h = try await ServeHarness()
        let first = try #require(await h.client.command("bring the apple to the coffee table, then bring the book to the kitchen counter",
                                                        deadlineMs: 30_000))
        let secondCommand = try #require(await h.client.command("go to the bathroom", deadlineMs: 30_000))
        let both = try await h.collect([first.envelope.id, secondCommand.envelope.id])
        let (firstMessages, second) = (both[first.envelope.id] ?? [], both[secondCommand.envelope.id] ?? [])
        // Nothing of the preempted plan went out.
        #expect(firstMessages.actions.isEmpty)
        let outcome = try #require(firstMessages.outcome)
        #expect(outcome.body["outcome"] == .string("preempted"))
        #expect(outcome.body["reason"]?.stringValue?.hasPrefix("superseded by command") == true)
        #expect(second.outcome?.body["outcome"] == .string("ok"))
        #expect(second.actions == [action("navigate_to", [("target", .string("bathroom"))])])
        #expect(h.node.stats.preempted == 1)
        try await h.stop()
    }

    @Test func anActionSentMoreOftenThanItsRateIsRejected() async throws {
        let h = try await ServeHarness()
        let (_, first) = try await h.run("go to the kitchen")
        #expect(first.outcome?.body["outcome"] == .string("ok"))
        let (_, second) = try await h.run("go to the bedroom")
        #expect(second.outcome?.body["outcome"] == .string("rejected"))
        let reason = try #require(second.outcome?.body["reason"]?.stringValue)
        #expect(reason.hasPrefix("navigate_to was sent ") && reason.hasSuffix(" ms ago; max_rate_hz 2 allows one every 500 ms"), "\(reason)")
        #expect(second.actions.isEmpty)
        try await Task.sleep(for: .milliseconds(600))
        let (_, third) = try await h.run("go to the bedroom")
        #expect(third.actions == [action("navigate_to", [("target", .string("bedroom"))])])
        try await h.stop()
    }

    @Test func aTinyBudgetGivesTheDeadlineFallback() async throws {
        let h = try await ServeHarness()
        let (_, messages) = try await h.run("bring the apple to the coffee table", deadlineMs: 5)
        let outcome = try #require(messages.outcome)
        #expect(outcome.body["outcome"] == .string("deadline"))
        #expect(outcome.body["reason"]?.stringValue?.contains("deadline of 5 ms") == true)
        #expect(messages.actions.last == action("stop"))
        // The model was aborted, not waited for: the next command is served normally.
        let (_, next) = try await h.run("go to the kitchen")
        #expect(next.outcome?.body["outcome"] == .string("ok"))
        try await h.stop()
    }

    @Test func confirmationGrantedAndExpired() async throws {
        let file = try roverFile {
            $0.replacingOccurrences(of: "    description: Pick up an object that is within reach.\n",
                                    with: "    description: Pick up an object that is within reach.\n    requires_confirmation: true\n")
              .replacingOccurrences(of: "  max_instruction_length: 300", with: "  max_instruction_length: 300\n  confirmation_timeout_ms: 1500")
        }
        let h = try await ServeHarness(robotFile: file)
        // Granted: the actions before the pick go out; the pick and what follows wait for the operator.
        let command = try #require(await h.client.command("bring the apple to the coffee table", deadlineMs: 30_000))
        let held = try #require(await h.client.next(timeout: .seconds(30), consuming: false) {
            $0.event == "confirmation_required" && $0.correlationId == command.envelope.id
        })
        #expect(held.body["action_index"] == .integer(1))
        #expect(held.body["held"]?.arrayValue?.first == action("pick", [("object", .string("apple"))]))
        h.client.publish(.confirm, .confirm(approve: true), correlationId: command.envelope.id)
        let granted = try await h.collect(command.envelope.id)
        #expect(granted.outcome?.body["outcome"] == .string("ok"))
        #expect(granted.actionNames == ["navigate_to", "pick", "navigate_to", "place"])
        // Expired: nothing after the held action is published. (Past navigate_to's max_rate_hz of 2 first: the plan
        // may drive to the keys, and a second navigate_to within 500 ms would be refused for its rate instead.)
        try await Task.sleep(for: .milliseconds(600))
        let (_, expired) = try await h.run("pick up the keys")
        #expect(expired.outcome?.body["outcome"] == .string("rejected"))
        #expect(expired.outcome?.body["reason"] == .string("confirmation timed out"))
        #expect(!expired.actionNames.contains("pick"))
        try await h.stop()
    }

    @Test func malformedAndOverlongCommandsAreRefusedWithAReason() async throws {
        let h = try await ServeHarness()
        let bad = h.client.publish(.command, .command(instruction: String(repeating: "go to the kitchen and ", count: 20), deadlineMs: 1000))
        let refused = try await h.collect(bad.envelope.id)
        #expect(refused.outcome?.body["outcome"] == .string("rejected"))
        #expect(refused.outcome?.body["reason"] == .string("the instruction has 440 characters; rover takes at most 300 (limits.max_instruction_length)"))
        h.client.publish(.sensor("objects"), .sensor(data: .object([("objects", .array([.object([("name", .string("Green Cup"))])]))])))
        let rejected = try #require(await h.client.next(timeout: .seconds(5)) { $0.event == "rejected" })
        #expect(rejected.body["reason"] == .string("invalid_field"))
        #expect(rejected.body["detail"]?.stringValue?.hasPrefix("sensor/objects: data.objects[0].name: expected an entity name") == true)
        // A request that names nothing the robot can do: no action, with the translator's reason.
        let (_, chat) = try await h.run("what is the weather in Paris?")
        #expect(chat.outcome?.body["outcome"] == .string("no_action"))
        #expect(chat.outcome?.body["reason"] == .string("nothing in the request is something rover can do here"))
        #expect(chat.actions.isEmpty)
        // A place the world lacks: refused with what is missing, never a plan for another place.
        let (_, garage) = try await h.run("go to the garage")
        #expect(garage.outcome?.body["outcome"] == .string("no_action"))
        #expect(garage.outcome?.body["reason"] == .string("there is no place called \"garage\" here"))
        #expect(garage.actions.isEmpty)
        // The node keeps serving.
        let (_, next) = try await h.run("go to the kitchen")
        #expect(next.outcome?.body["outcome"] == .string("ok"))
        try await h.stop()
    }

    @Test func aDetectedObjectBecomesAValidTarget() async throws {
        let h = try await ServeHarness()
        h.client.publish(.sensor("objects"), .sensor(data: .object([("objects", .array([
            .object([("name", .string("green_cup")), ("class", .string("cup")), ("surface", .string("coffee_table"))]),
        ]))])))
        for _ in 0..<100 where h.node.robotState.detections.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        let (_, messages) = try await h.run("bring the green cup to the kitchen counter")
        #expect(messages.outcome?.body["outcome"] == .string("ok"))
        #expect(messages.actions == [action("navigate_to", [("target", .string("coffee_table"))]), action("pick", [("object", .string("green_cup"))]),
                                     action("navigate_to", [("target", .string("kitchen_counter"))]),
                                     action("place", [("target", .string("kitchen_counter"))])])
        try await h.stop()
    }

    @Test func aMovedObjectIsApproachedWhereTheSensorSaysItIs() async throws {
        let h = try await ServeHarness()
        let (_, before) = try await h.run("bring the blue mug to the coffee table")
        #expect(before.actions.first == action("navigate_to", [("target", .string("dining_table"))]))
        h.client.publish(.sensor("objects"), .sensor(data: .object([("objects", .array([
            .object([("name", .string("blue_mug")), ("surface", .string("bedside_table"))]),
        ]))])))
        for _ in 0..<100 where h.node.robotState.detections.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(600))  // navigate_to's max_rate_hz is 2 in the rover file
        let (_, after) = try await h.run("bring the blue mug to the coffee table")
        #expect(after.outcome?.body["outcome"] == .string("ok"), "\(after.outcome?.body.description ?? "")")
        #expect(after.actions == [action("navigate_to", [("target", .string("bedside_table"))]), action("pick", [("object", .string("blue_mug"))]),
                                  action("navigate_to", [("target", .string("coffee_table"))]), action("place", [("target", .string("coffee_table"))])])
        try await h.stop()
    }

    @Test func staleSensorsMakeWorldDependentPlansFallBack() async throws {
        let file = try roverFile { $0.replacingOccurrences(of: "  max_instruction_length: 300", with: "  max_instruction_length: 300\n  max_sensor_age_ms: 2000") }
        let h = try await ServeHarness(robotFile: file)
        let (_, none) = try await h.run("go to the kitchen")
        #expect(none.outcome?.body["outcome"] == .string("fallback"))
        #expect(none.outcome?.body["reason"] == .string("navigate_to needs fresh sensor data: no sensor/pose reading yet (limits.max_sensor_age_ms is 2000)"))
        #expect(none.actions.isEmpty)
        // A plan that names nothing of the world does not depend on where things are.
        let (_, turn) = try await h.run("turn left 90 degrees")
        #expect(turn.outcome?.body["outcome"] == .string("ok"))
        // Fresh pose: planned; old pose: refused with its age.
        h.client.publish(.sensor("pose"), .sensor(data: .object([("x", .integer(0)), ("y", .integer(0)), ("heading_deg", .integer(90))])))
        for _ in 0..<100 where h.node.robotState.position == nil { try await Task.sleep(for: .milliseconds(5)) }
        let (_, fresh) = try await h.run("go to the kitchen")
        #expect(fresh.outcome?.body["outcome"] == .string("ok"))
        try await Task.sleep(for: .milliseconds(2100))
        let (_, stale) = try await h.run("go to the kitchen")
        #expect(stale.outcome?.body["outcome"] == .string("fallback"))
        #expect(stale.outcome?.body["reason"]?.stringValue?.hasPrefix("navigate_to needs fresh sensor data: sensor/pose is ") == true)
        try await h.stop()
    }

    @Test func theRobotsStateDecidesBetweenActionsThatShareAVerb() async throws {
        let h = try await ServeHarness(robotFile: root + "/robots/drone.yaml")
        func flight(_ airborne: Bool) async throws {
            h.client.publish(.sensor("flight"), .sensor(data: .object([("airborne", .bool(airborne)), ("altitude_m", .integer(airborne ? 12 : 0))])))
            for _ in 0..<100 where h.node.robotState.airborne != airborne { try await Task.sleep(for: .milliseconds(10)) }
            #expect(h.node.robotState.airborne == airborne)
        }
        try await flight(false)
        let (_, landed) = try await h.run("climb to 20 m")
        #expect(landed.actions == [action("takeoff", [("altitude_m", .number(20))])])
        try await flight(true)
        let (_, flying) = try await h.run("climb to 20 m")
        #expect(flying.actions == [action("change_altitude", [("altitude_m", .number(20))])])
        try await h.stop()
    }

    @Test func statsRequestGivesCountersAndPercentiles() async throws {
        let h = try await ServeHarness()
        _ = try await h.run("go to the kitchen")
        let reply = try #require(try await h.client.request(.stats, .stats(data: nil)))
        #expect(reply.topic == Topic(robot: "rover", .stats))
        let data = try #require(reply.body["data"])
        #expect(data["commands"] == .integer(1))
        #expect(data["outcomes"]?["ok"] == .integer(1))
        for stage in ["queue", "prefill", "decode", "validation", "publish", "first_action", "total"] {
            #expect(data["latency"]?[stage]?["count"]?.integerValue ?? 0 >= 1, "no samples for \(stage)")
        }
        #expect(data["latency"]?["total"]?["p50_ms"]?.numberValue ?? 0 > 0)
        try await h.stop()
    }
}

@Suite("A fleet through robobridge broker: two nodes with their translators, one client", .serialized)
struct FleetTests {
    @Test func roverAndDroneThroughOneBroker() async throws {
        let context = try MessagingContext()
        let any = try Endpoint("tcp://127.0.0.1:*")
        let broker = Broker(endpoints: .init(publishers: any, subscribers: any, requests: any, nodes: any), context: context)
        let brokerRunner = Task { try await ServiceGroup(services: [broker], logger: Logger(label: "test.broker")).run() }
        let b = try await broker.ready()
        var nodes: [BridgeNode] = []
        for (robotName, worldName) in [("rover", "apartment"), ("drone", "farm")] {
            let robot = try ConfigLoader.loadRobot(root + "/robots/\(robotName).yaml")
            let world = try ConfigLoader.loadWorld(root + "/simulator/worlds/\(worldName).yaml")
            var cfg = NodeConfiguration(robot: robot.id, inbound: b.subscribers, outbound: b.publishers, requests: b.nodes)
            cfg.connectsToBroker = true
            cfg.rules = PlanRules(robot: robot)
            cfg.world = world
            cfg.stopWords = robot.stopWords
            cfg.heartbeatInterval = .milliseconds(100)
            let node = BridgeNode(configuration: cfg, planner: TranslatorPlanner(.init(robot: robot, world: world)), context: context)
            nodes.append(node)
        }
        let group = ServiceGroup(services: nodes, logger: Logger(label: "test.fleet"))
        let runner = Task { try await group.run() }
        for node in nodes { _ = await node.ready() }
        for _ in 0..<1200 where !nodes.allSatisfy(\.isReady) { try await Task.sleep(for: .milliseconds(50)) }
        // One client process, one connection per robot it talks to, all to the broker's one address.
        let rover = try await BridgeClient(robot: "rover", context: context, command: b.publishers, publish: b.subscribers, requests: b.requests)
        let drone = try await BridgeClient(robot: "drone", context: context, command: b.publishers, publish: b.subscribers, requests: b.requests)
        #expect(await rover.waitForHeartbeat() != nil)
        #expect(await drone.waitForHeartbeat() != nil)

        let r = try #require(await rover.command("go to the kitchen", deadlineMs: 30_000))
        let d = try #require(await drone.command("fly to the barn", deadlineMs: 30_000))
        let roverAction = try #require(await rover.next(timeout: .seconds(30)) { $0.topic.kind == .action && $0.correlationId == r.envelope.id })
        let droneAction = try #require(await drone.next(timeout: .seconds(30)) { $0.topic.kind == .action && $0.correlationId == d.envelope.id })
        #expect(roverAction.body["actions"] == .array([action("navigate_to", [("target", .string("kitchen"))])]))
        #expect(droneAction.body["actions"] == .array([action("fly_to", [("waypoint", .string("barn"))])]))
        // Each robot's node saw only its own command.
        #expect(nodes[0].stats.commandsAcknowledged == 1 && nodes[1].stats.commandsAcknowledged == 1)
        #expect(nodes[0].stats.totalRejected == 0 && nodes[1].stats.totalRejected == 0)
        // Requests are routed by robot id.
        let reply = try #require(try await drone.request(.translate, .translate(instruction: "land now", deadlineMs: 30_000)))
        #expect(reply.topic == Topic(robot: "drone", .plan))
        #expect(reply.body["actions"] == .array([action("land")]))
        await rover.close()
        await drone.close()
        await group.triggerGracefulShutdown()
        try await runner.value
        brokerRunner.cancel()
        _ = try? await brokerRunner.value
    }
}

/// `robobridge serve` started as a separate process, driven by a Python script with plain pyzmq.
@Suite("robobridge serve as a process, driven from Python", .serialized)
struct ServeProcessTests {
    @Test func pythonOperatorDrivesServe() async throws {
        let executable = root + "/.build/release/robobridge"
        #expect(FileManager.default.isExecutableFile(atPath: executable), "build the package first (make test does)")
        // Below Linux's ephemeral range (32768–60999), where the other suites' connections take their local ports.
        let port = Int.random(in: 20_000..<32_000)
        let endpoints = (0..<3).map { "tcp://127.0.0.1:\(port + $0)" }
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: executable)
        serve.arguments = ["serve", "--robot", root + "/robots/rover.yaml", "--command", endpoints[0], "--publish", endpoints[1],
                           "--translate", endpoints[2]]
        // serve's log is drained as it comes (a full pipe would block it) and shown if the test fails.
        let serveErr = Pipe()
        serve.standardError = serveErr
        let serveLog = LockedBuffer()
        serveErr.fileHandleForReading.readabilityHandler = { h in serveLog.append(h.availableData) }
        try serve.run()
        defer { if serve.isRunning { serve.terminate() } }
        let (status, data, errors) = try await Self.pythonOperator(endpoints + ["rover"])
        #expect(status == 0, "python operator failed: \(errors); serve's log ends: \(serveLog.tail)")
        let summary = try JSONValue.parse(Array(data))
        #expect(summary["outcome"] == .string("ok"))
        #expect(summary["actions"] == .array(["navigate_to", "pick", "navigate_to", "place"].map { .string($0) }))
        #expect(summary["indices"] == .array((0..<4).map { .integer(Int64($0)) }))
        #expect(summary["finals"] == .array([false, false, false, true].map { .bool($0) }))
        #expect(summary["estop_actions"] == .array([.string("stop")]))
        #expect(summary["stats_topic"] == .string("rover/stats"))
        #expect(summary["stats_commands"] == .integer(1))
        // SIGTERM: a graceful stop, exit status 0, and the node says so on stderr.
        serve.terminate()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            Thread {
                serve.waitUntilExit()
                c.resume()
            }.start()
        }
        serveErr.fileHandleForReading.readabilityHandler = nil
        serveLog.append(serveErr.fileHandleForReading.readDataToEndOfFile())
        let log = serveLog.text
        #expect(serve.terminationStatus == 0, "serve exited with \(serve.terminationStatus): \(log)")
        #expect(log.contains("ready"))
        #expect(log.contains("bridge node down"))
    }
}

extension ServeProcessTests {
    /// Runs Tests/peers/python_operator.py with `arguments` (endpoints, robot, and key files for CURVE): its exit status,
    /// stdout (one JSON summary) and stderr.
    static func pythonOperator(_ arguments: [String]) async throws -> (Int32, Data, String) {
        var env = ProcessInfo.processInfo.environment
        env["PYTHONPATH"] = root + "/.deps/python" + (env["PYTHONPATH"].map { ":" + $0 } ?? "")
        let r = try await runToEnd("/usr/bin/env", ["python3", root + "/Tests/peers/python_operator.py"] + arguments, environment: env)
        return (r.status, r.out, String(decoding: r.err, as: UTF8.self))
    }
}

@Suite("robobridge serve refuses to start on a bad model file, before binding anything")
struct ServeStartTests {
    @Test(arguments: ["missing", "corrupt"])
    func aBadModelFileStopsTheStart(_ kind: String) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rb-serve-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = dir + "/model.gguf"
        if kind == "corrupt" { try Data("not a model at all".utf8).write(to: URL(fileURLWithPath: model)) }
        let (status, log) = try await Self.serveUntilExit(port: Int.random(in: 20_000..<32_000), ["--model", model])
        #expect(status != 0, "serve exited 0: \(log)")
        #expect(log.contains(model), "the error names the file: \(log)")
        #expect(log.contains(kind == "missing" ? "not found" : "not a GGUF model file"), "\(log)")
        #expect(!log.contains("bridge node up"), "no socket may be bound: \(log)")
    }
}

extension ServeStartTests {
    /// Runs `serve` for the rover on `port`, `port + 1` and `port + 2` with `extra` arguments until it exits: its exit
    /// status and its stderr.
    static func serveUntilExit(port: Int, _ extra: [String] = []) async throws -> (Int32, String) {
        let r = try await robobridge(["serve", "--robot", root + "/robots/rover.yaml"] + extra + ["--command", "tcp://127.0.0.1:\(port)",
                                      "--publish", "tcp://127.0.0.1:\(port + 1)", "--translate", "tcp://127.0.0.1:\(port + 2)"])
        return (r.status, r.err)
    }

    @Test func aPortInUseIsNamed() async throws {
        // Another program holds the command port (a plain TCP listener).
        let port = Int.random(in: 20_000..<32_000)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        try #require(bound == 0 && listen(fd, 1) == 0)
        let (status, log) = try await Self.serveUntilExit(port: port)
        #expect(status != 0, "serve exited 0: \(log)")
        #expect(log.contains("tcp://127.0.0.1:\(port)") && log.contains("Address already in use"), "\(log)")
    }
}

/// Bytes appended from a pipe's handler thread, read from the test.
final class LockedBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ d: Data) { lock.lock(); data.append(d); lock.unlock() }
    var tail: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data.suffix(2000), as: UTF8.self) }
    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
}
