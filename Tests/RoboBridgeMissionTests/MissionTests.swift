import Foundation
import RoboBridgeConfig
import RoboBridgeMessaging
import RoboBridgeMission
import RoboBridgeProtocol
import RoboBridgeSim
import ServiceLifecycle
import Testing

let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

func bundled(_ relative: String) -> String { repositoryRoot + "/" + relative }

let missionFiles: [String] = (try? FileManager.default.contentsOfDirectory(atPath: bundled("missions")))?
    .filter { $0.hasSuffix(".yaml") }.sorted() ?? []

/// Every bundled mission, with the default model (or the one its file names), at its speed: the simulator and the
/// bridge in this process, as `robobridge mission` runs them.
@Suite("Missions pass with the real model", .serialized)
struct MissionTests {
    @Test func thereAreEnoughMissions() { #expect(missionFiles.count >= 12) }

    @Test(arguments: missionFiles)
    func missionPasses(_ name: String) async throws {
        let runner = try MissionRunner(missionFile: bundled("missions/\(name)"))
        let report = try await runner.run()
        let failed = report.steps.filter { !$0.passed }.map { "step \($0.number) \($0.label): \($0.failures.joined(separator: "; "))" }
        #expect(report.passed, "\(name): \(failed.joined(separator: " | "))")
        #expect(report.steps.count == runner.mission.steps.count)
        // The report and the map are written, and the map shows the run.
        let dir = NSTemporaryDirectory() + "robobridge-mission-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (json, svg) = try report.write(to: dir)
        let parsed = try JSONValue.parse(String(contentsOfFile: json, encoding: .utf8))
        #expect(parsed["passed"] == .bool(report.passed))
        #expect(parsed["steps"]?.arrayValue?.count == report.steps.count)
        let map = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(map.hasPrefix("<svg"))
        #expect(map.contains("<polyline"))  // a trajectory
        for (i, _) in report.steps.enumerated() where report.steps[i].startPosition != nil {
            #expect(map.contains("step \(i + 1): "))
        }
    }

    @Test func aMissionFileErrorNamesTheLine() throws {
        let dir = NSTemporaryDirectory() + "robobridge-mission-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/m.yaml"
        try """
        id: broken
        robot: \(bundled("robots/rover.yaml"))
        world: \(bundled("simulator/worlds/apartment.yaml"))
        steps:
          - instruction: go to the kitchen
            expect: {robot_at: kitchenn}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try MissionRunner(missionFile: path)
            Issue.record("a broken mission loaded")
        } catch {
            #expect(error.description == "\(path):6:24 steps[0].expect.robot_at: unknown place \"kitchenn\" in the world apartment (did you mean \"kitchen\"?)")
        }
    }
}

/// The simulator over real sockets, against a stand-in bridge: actions in, statuses and sensors out, and the
/// watchdog stopping the robot when the bridge's heartbeats stop.
@Suite("Simulator node over ZeroMQ")
struct SimNodeTests {
    @Test func watchdogStopsTheRobotWhenTheBridgeGoesQuiet() async throws {
        let rover = try ConfigLoader.loadRobot(bundled("robots/rover.yaml"))
        let world = try ConfigLoader.loadWorld(bundled("simulator/worlds/apartment.yaml"))
        let ctx = try MessagingContext()
        let tag = UUID().uuidString.prefix(8)
        let inbound = try Endpoint.inproc("wd-\(tag)-in"), outbound = try Endpoint.inproc("wd-\(tag)-out")
        // The stand-in bridge: a bound SUB (what the robot publishes) and a bound PUB (actions, heartbeats).
        let bridgeSub = try await SocketWorker.start(name: "bridge.sub") { () throws(MessagingError) in
            let s = try Socket(ctx, .sub)
            let e = try s.bind(inbound)
            try s.subscribe("rover/")
            return (s, e)
        }
        let bridgePub = try await SocketWorker.start(name: "bridge.pub", receives: false) { () throws(MessagingError) in
            let s = try Socket(ctx, .pub)
            return (s, try s.bind(outbound))
        }
        var cfg = SimNode.Configuration(robot: rover, world: world, bridgeInbound: inbound, bridgeOutbound: outbound,
                                        control: try .inproc("wd-\(tag)-sim"))
        cfg.speed = 1
        let node = try SimNode(configuration: cfg, context: ctx)
        let group = ServiceGroup(configuration: .init(services: [node], logger: .init(label: "test")))
        let running = Task { try await group.run() }
        #expect(await node.waitUntilStarted() == nil)

        var seq: UInt64 = 0
        func publish(_ kind: Topic.Kind, _ payload: Payload, correlationId: String? = nil) -> String {
            seq += 1
            let m = Message(topic: Topic(robot: "rover", kind),
                            envelope: Envelope(id: "bridge-\(seq)", timestampNs: 0, robot: "rover", sender: "bridge", seq: seq, correlationId: correlationId),
                            payload: payload)
            bridgePub.send(m.frames)
            return m.envelope.id
        }
        var received: [(Topic, JSONValue, ContinuousClock.Instant)] = []
        let collector = Task { () -> [(Topic, JSONValue, ContinuousClock.Instant)] in
            var out: [(Topic, JSONValue, ContinuousClock.Instant)] = []
            for await item in bridgeSub.inbound {
                guard case .message(let f) = item, let t = Topic.parse(String(decoding: f[0], as: UTF8.self)), let b = try? JSONValue.parse(f[1]) else { continue }
                out.append((t, b, .now))
                if t.kind == .actionStatus, b["status"] == .string("cancelled") { break }
            }
            return out
        }
        // Heartbeats for a while, an action, then silence.
        for _ in 0..<6 {
            _ = publish(.heartbeat, .heartbeat(state: "ready", subscribed: [], uptimeMs: 0))
            try await Task.sleep(for: .milliseconds(100))
        }
        let actionId = publish(.action, .action(outcome: .ok, actions: [WireAction(name: "navigate_to", args: [("target", .string("kitchen"))])]),
                               correlationId: "cmd-1")
        try await Task.sleep(for: .milliseconds(300))
        _ = publish(.heartbeat, .heartbeat(state: "ready", subscribed: [], uptimeMs: 0))
        let silentFrom = ContinuousClock.now
        let finished = try await withThrowingTaskGroup(of: [(Topic, JSONValue, ContinuousClock.Instant)]?.self) { g in
            g.addTask { await collector.value }
            g.addTask { try await Task.sleep(for: .seconds(5)); return nil }
            let first = try await g.next() ?? nil
            g.cancelAll()
            return first
        }
        received = try #require(finished, "no cancelled status within 5 s of the bridge going quiet")
        let statuses = received.filter { $0.0.kind == .actionStatus }
        #expect(statuses.map { $0.1["status"]?.stringValue ?? "" }.prefix(2) == ["accepted", "running"])
        let cancelled = try #require(statuses.last)
        #expect(cancelled.1["correlation_id"] == .string(actionId))
        #expect(cancelled.1["detail"]?.stringValue?.hasPrefix("watchdog: no bridge heartbeat for") == true)
        let after = cancelled.2 - silentFrom
        #expect(after >= .milliseconds(rover.body!.watchdogTimeoutMs) && after < .milliseconds(rover.body!.watchdogTimeoutMs + 1000))
        // The robot published its pose and what it sees while it drove.
        #expect(received.contains { $0.0.kind == .sensor("pose") })
        #expect(received.contains { $0.0.kind == .sensor("battery") })
        // And it stands still now: two states 300 ms apart agree.
        let client = try await SimClient(robot: "rover", context: ctx, control: node.controlEndpoint!)
        let a = try await client.state()
        try await Task.sleep(for: .milliseconds(300))
        let b = try await client.state()
        #expect(a["position"] == b["position"])
        #expect(b["watchdog_stopped"] == .bool(true))
        await client.close()
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        await bridgeSub.shutdown()
        await bridgePub.shutdown()
    }
}
