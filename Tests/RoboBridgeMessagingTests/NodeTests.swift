import Foundation
import Logging
import RoboBridgeConfig
import RoboBridgeMessaging
import RoboBridgeNode
import RoboBridgeProtocol
import ServiceLifecycle
import Synchronization
import Testing

/// A planner for transport tests: answers from a table, after an optional delay; "slow ..." never
/// answers in time. Translation itself is not what these tests are about.
struct ScriptedPlanner: Planner {
    var table: [String: PlanResult]
    var delay: Duration = .zero

    func plan(_ request: PlanRequest, emit: @escaping @Sendable ([WireAction]) -> Void) async -> PlanResult {
        if request.instruction.hasPrefix("slow") { try? await Task.sleep(for: .seconds(30)) }
        if delay > .zero { try? await Task.sleep(for: delay) }
        return table[request.instruction] ?? PlanResult(outcome: .noAction, actions: [], reason: "not in the table")
    }
}

let kitchenPlan = PlanResult(outcome: .ok, actions: [WireAction(name: "navigate_to", args: [("target", .string("kitchen"))])])

/// A running node on loopback TCP, with a peer connected to it.
final class NodeHarness: @unchecked Sendable {
    let context: MessagingContext
    let node: BridgeNode
    let group: ServiceGroup
    let runner: Task<Void, Error>
    let publisher: Socket
    /// The peer's SUB socket, owned by its own thread: waiting for output never blocks Swift's
    /// cooperative pool, which the node itself runs on.
    let subscriber: SocketWorker
    let received = Inbox()
    let collector: Task<Void, Never>
    var seq: UInt64 = 0
    let sender = "test-\(UUID().uuidString.prefix(8))"

    init(planner: any Planner = ScriptedPlanner(table: ["go to the kitchen": kitchenPlan]), configure: (inout NodeConfiguration) -> Void = { _ in }) async throws {
        context = try MessagingContext()
        var cfg = NodeConfiguration(robot: "rover", inbound: try Endpoint("tcp://127.0.0.1:*"), outbound: try Endpoint("tcp://127.0.0.1:*"),
                                    requests: try Endpoint("tcp://127.0.0.1:*"))
        cfg.heartbeatInterval = .milliseconds(50)
        configure(&cfg)
        node = BridgeNode(configuration: cfg, planner: planner, context: context)
        group = ServiceGroup(services: [node], logger: Logger(label: "test"))
        let g = group
        runner = Task { try await g.run() }
        let bound = await node.ready()
        var o = SocketOptions()
        o.receiveTimeoutMs = 3000
        o.sendHighWaterMark = 0
        o.receiveHighWaterMark = 0
        publisher = try Socket(context, .pub, options: o)
        try publisher.connect(bound.inbound)
        let ctx = context
        let subOptions = o
        subscriber = try await SocketWorker.start(name: "peer.sub") { () throws(MessagingError) in
            let s = try Socket(ctx, .sub, options: subOptions)
            try s.connect(bound.outbound)
            try s.subscribe("rover/")
            return (s, nil)
        }
        let (sub, box) = (subscriber, received)
        collector = Task {
            for await inbound in sub.inbound {
                if case .message(let frames) = inbound, let m = try? ClientCodec.decode(frames) { box.items.withLock { $0.append(m) } }
            }
        }
        // Slow joiner: wait for a heartbeat (our subscription is live), then for our first message to
        // be seen (the node's subscription to us is live).
        _ = try await next(where: { $0.topic.kind == .heartbeat })
        for _ in 0..<500 where !node.isReady { try await Task.sleep(for: .milliseconds(2)) }
        for _ in 0..<100 {
            try send(.sensor("probe"), .sensor(data: .null))
            try await Task.sleep(for: .milliseconds(20))
            if node.latestSensor("probe") != nil { break }
        }
        #expect(node.latestSensor("probe") != nil)
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await runner.value
        await subscriber.shutdown()
        await collector.value
    }

    @discardableResult
    func send(_ kind: Topic.Kind, _ payload: Payload, id: String? = nil) throws -> Message {
        seq += 1
        let m = Message(topic: Topic(robot: "rover", kind),
                        envelope: Envelope(id: id ?? "\(sender)-\(seq)", timestampNs: 1, robot: "rover", sender: sender, seq: seq), payload: payload)
        try publisher.send(m.frames)
        return m
    }

    /// The next outbound message matching `predicate` (earlier ones are consumed), within 10 s.
    func next(where predicate: (Message) -> Bool) async throws -> Message {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let found = received.items.withLock { box -> Message? in
                guard let i = box.firstIndex(where: predicate) else { return nil }
                let m = box[i]
                box.removeFirst(i + 1)
                return m
            }
            if let found { return found }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw HarnessError.timeout
    }

    enum HarnessError: Error { case timeout }
}

/// Messages received by the peer, shared between its collector task and the test.
final class Inbox: Sendable {
    let items = Mutex<[Message]>([])
}

/// Decodes the bridge's outbound messages (the codec for inbound refuses outbound topics).
enum ClientCodec {
    static func decode(_ frames: [[UInt8]]) throws -> Message {
        let topic = Topic.parse(String(decoding: frames[0], as: UTF8.self))!
        let body = try JSONValue.parse(frames[1])
        let envelope = Envelope(id: body["id"]!.stringValue!, timestampNs: body["timestamp_ns"]!.integerValue!, robot: body["robot"]!.stringValue!,
                                sender: body["sender"]!.stringValue!, seq: UInt64(body["seq"]!.integerValue!), correlationId: body["correlation_id"]?.stringValue)
        let payload: Payload
        switch topic.kind {
        case .action, .plan:
            let actions = body["actions"]!.arrayValue!.map { WireAction(name: $0["name"]!.stringValue!, args: $0["args"]!.objectValue!) }
            payload = topic.kind == .action
                ? .action(outcome: Outcome(rawValue: body["outcome"]!.stringValue!)!, actions: actions, index: Int(body["index"]!.integerValue!),
                          final: body["final"]! == .bool(true))
                : .plan(outcome: body["outcome"]!.stringValue!, actions: actions, latencyMs: body["latency_ms"]!.numberValue!)
        case .event:
            payload = .event(kind: body["event"]!.stringValue!, fields: body.objectValue!.filter { !["version", "id", "timestamp_ns", "robot", "sender", "seq", "correlation_id", "event"].contains($0.0) })
        case .heartbeat:
            payload = .heartbeat(state: body["state"]!.stringValue!, subscribed: body["subscribed"]!.arrayValue!.compactMap(\.stringValue), uptimeMs: body["uptime_ms"]!.integerValue!)
        default:
            payload = .estop(reason: nil)
        }
        return Message(topic: topic, envelope: envelope, payload: payload)
    }
}

/// Receives without blocking Swift's cooperative pool (the node under test needs it): polls, then sleeps.
func receiveAsync(_ socket: Socket, timeout: Duration = .seconds(10)) async throws -> [[UInt8]]? {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let m = try socket.receive(wait: false) { return m }
        try await Task.sleep(for: .milliseconds(2))
    }
    return nil
}

extension Message {
    var eventKind: String? { if case .event(let k, _) = payload { k } else { nil } }
    func field(_ name: String) -> JSONValue? {
        if case .event(_, let f) = payload { return f.first { $0.0 == name }?.1 }
        return nil
    }
}

@Suite("Bridge node over real sockets", .serialized)
struct NodeTests {
    @Test func commandIsAcknowledgedAndAnswered() async throws {
        let h = try await NodeHarness()
        let command = try h.send(.command, .command(instruction: "go to the kitchen", deadlineMs: 1000))
        let ack = try await h.next { $0.eventKind == "ack" && $0.envelope.correlationId == command.envelope.id }
        #expect(ack.field("command_seq") == .integer(Int64(command.envelope.seq)))
        let action = try await h.next { $0.topic.kind == .action }
        #expect(action.envelope.correlationId == command.envelope.id)
        #expect(action.payload == .action(outcome: .ok, actions: kitchenPlan.actions))
        let outcome = try await h.next { $0.eventKind == "outcome" }
        #expect(outcome.field("outcome") == .string("ok"))
        try await h.stop()
    }

    @Test func missedDeadlineGivesTheFallbackInTime() async throws {
        let h = try await NodeHarness()
        let start = ContinuousClock.now
        let command = try h.send(.command, .command(instruction: "slow thinking", deadlineMs: 150))
        let action = try await h.next { $0.topic.kind == .action }
        let elapsed = ContinuousClock.now - start
        #expect(action.envelope.correlationId == command.envelope.id)
        #expect(action.payload == .action(outcome: .deadline, actions: [WireAction(name: "stop")]))
        #expect(elapsed < .milliseconds(1500), "fallback after \(elapsed)")
        #expect(h.node.stats.deadlinesMissed == 1)
        try await h.stop()
    }

    @Test func stopWordsAndEstopBypassThePlanner() async throws {
        let h = try await NodeHarness()
        _ = try h.send(.command, .command(instruction: "slow: a long task", deadlineMs: 5000))
        let halt = try h.send(.command, .command(instruction: "  HALT!! ", deadlineMs: nil))
        let stop = try await h.next { $0.topic.kind == .action && $0.envelope.correlationId == halt.envelope.id }
        #expect(stop.payload == .action(outcome: .estop, actions: [WireAction(name: "stop")]))
        let estop = try h.send(.estop, .estop(reason: "button"))
        let stop2 = try await h.next { $0.topic.kind == .action && $0.envelope.correlationId == estop.envelope.id }
        #expect(stop2.payload == .action(outcome: .estop, actions: [WireAction(name: "stop")]))
        #expect(h.node.stats.estops == 2)
        try await h.stop()
    }

    @Test func badInputIsDroppedCountedAndReported() async throws {
        let h = try await NodeHarness()
        try h.publisher.send(["rover/command", "{not json"])
        var e = try await h.next { $0.eventKind == "rejected" }
        #expect(e.field("reason") == .string("malformed_json"))
        try h.publisher.send([Array("rover/command".utf8), Array("{}".utf8), Array("extra".utf8)])
        e = try await h.next { $0.eventKind == "rejected" }
        #expect(e.field("reason") == .string("wrong_frame_count"))
        try h.publisher.send(["rover/teleport", "{}"])
        e = try await h.next { $0.eventKind == "rejected" }
        #expect(e.field("reason") == .string("unknown_topic"))
        try h.publisher.send(["rover/command", #"{"version":9,"id":"v9","timestamp_ns":1,"robot":"rover","sender":"x","seq":1,"instruction":"go"}"#])
        e = try await h.next { $0.eventKind == "rejected" }
        #expect(e.field("reason") == .string("wrong_version"))
        #expect(e.envelope.correlationId == "v9")
        try h.publisher.send([Array("rover/command".utf8), [UInt8](repeating: 0x41, count: 200_000)])
        e = try await h.next { $0.eventKind == "rejected" }
        #expect(e.field("reason") == .string("message_too_large"))
        #expect(h.node.stats.totalRejected == 5)
        try await h.stop()
    }

    @Test func sensorsKeepTheLatestValue() async throws {
        let h = try await NodeHarness()
        for i in 1...2000 {
            try h.send(.sensor("pose"), .sensor(data: .object([("x", .integer(Int64(i))), ("y", .integer(0))])))
            if i % 500 == 0 { try h.send(.command, .command(instruction: "go to the kitchen", deadlineMs: 2000)) }
        }
        let last = try h.send(.sensor("battery"), .sensor(data: .object([("percent", .integer(42))])))
        for _ in 0..<200 where h.node.latestSensor("battery") == nil { try await Task.sleep(for: .milliseconds(10)) }
        #expect(h.node.latestSensor("battery")?.envelope.id == last.envelope.id)
        #expect(h.node.latestSensor("pose")?.payload == .sensor(data: .object([("x", .integer(2000)), ("y", .integer(0))])))
        #expect(h.node.robotState.position == Position(x: 2000, y: 0))
        #expect(h.node.robotState.batteryPercent == 42)
        // Commands interleaved with the burst are never conflated: all four are answered (each with an
        // outcome; a command still undecided when the next arrives is preempted, which is an answer too).
        var answered = 0
        while answered < 4, (try? await h.next(where: { $0.eventKind == "outcome" })) != nil { answered += 1 }
        #expect(answered == 4)
        try await h.stop()
    }

    @Test func requestReplyWithDealerAndReq() async throws {
        let h = try await NodeHarness()
        let bound = await h.node.ready()
        var o = SocketOptions()
        o.receiveTimeoutMs = 3000
        for type in [SocketType.dealer, .req] {
            let client = try Socket(h.context, type, options: o)
            try client.connect(try #require(bound.requests))
            let request = Message(topic: Topic(robot: "rover", .translate), envelope: Envelope(id: "r-\(type)", timestampNs: 1, robot: "rover", sender: "cli", seq: 1),
                                  payload: .translate(instruction: "go to the kitchen", deadlineMs: 1000))
            try client.send(type == .req ? request.frames : request.frames)
            let reply = try #require(try await receiveAsync(client))
            let m = try ClientCodec.decode(reply)
            #expect(m.topic == Topic(robot: "rover", .plan))
            #expect(m.envelope.correlationId == "r-\(type)")
            guard case .plan(let outcome, let actions, _) = m.payload else { Issue.record("not a plan"); continue }
            #expect(outcome == "ok" && actions == kitchenPlan.actions)
            // A bad request gets an answer too.
            if type == .dealer {
                try client.send(["rover/translate", "{oops"])
                let bad = try ClientCodec.decode(try #require(try await receiveAsync(client)))
                #expect(bad.eventKind == "rejected" && bad.field("reason") == .string("malformed_json"))
            }
        }
        try await h.stop()
    }

    /// ≥ 10,000 random and mutated messages through a live socket, with valid commands among them:
    /// every valid one is accepted, every bad one is counted, nothing crashes.
    @Test func fuzzThroughALiveSocket() async throws {
        let h = try await NodeHarness(planner: ScriptedPlanner(table: [:]))
        var rng = SystemRandomNumberGenerator()
        let base = h.node.stats
        var valid = 0, garbage = 0
        for i in 0..<11_000 {
            if i % 10 == 0 {
                try h.send(.sensor("fuzz"), .sensor(data: .integer(Int64(i))))
                valid += 1
                continue
            }
            var f: [[UInt8]] = [Array("rover/command".utf8), Array(validCommand.utf8)]
            if i % 3 == 0 {
                f = (0..<Int.random(in: 1...3, using: &rng)).map { _ in (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) } }
            } else {
                let k = Int.random(in: 0..<f[1].count, using: &rng)
                f[1][k] = UInt8.random(in: 0...255, using: &rng)
                if f[1] == Array(validCommand.utf8) { f[1].removeLast() }
            }
            try h.publisher.send(f)
            garbage += 1
        }
        // Wait until the node has seen everything.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let s = h.node.stats
            if s.totalAccepted - base.totalAccepted + s.totalRejected - base.totalRejected >= valid + garbage { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let s = h.node.stats
        let acceptedValid = (s.accepted["sensor"] ?? 0) - (base.accepted["sensor"] ?? 0)
        let acceptedOther = s.totalAccepted - base.totalAccepted - acceptedValid
        // Every valid message arrived; every other message was either rejected with a reason or happened
        // to mutate into a valid one (a changed letter in the instruction is still a valid command).
        #expect(acceptedValid == valid)
        #expect(acceptedOther + s.totalRejected - base.totalRejected == garbage)
        #expect(s.totalRejected - base.totalRejected > garbage / 2)
        try await h.stop()
    }
}

/// A planner whose warm-up takes a while, as loading a model does.
struct SlowStartPlanner: Planner {
    func warmUp() async throws -> [(String, JSONValue)] {
        try await Task.sleep(for: .seconds(2))
        return [("model", .string("scripted"))]
    }
    func plan(_ request: PlanRequest, emit: @escaping @Sendable ([WireAction]) -> Void) async -> PlanResult { kitchenPlan }
}

@Suite("Bridge node while its planner warms up", .serialized)
struct WarmUpTests {
    @Test func commandsBeforeReadyAreRefusedAtOnceThenPlanned() async throws {
        let context = try MessagingContext()
        let cfg = NodeConfiguration(robot: "rover", inbound: try Endpoint("tcp://127.0.0.1:*"), outbound: try Endpoint("tcp://127.0.0.1:*"))
        let node = BridgeNode(configuration: cfg, planner: SlowStartPlanner(), context: context)
        let group = ServiceGroup(services: [node], logger: Logger(label: "test"))
        let runner = Task { try await group.run() }
        let bound = await node.ready()
        let client = try await BridgeClient(robot: "rover", context: context, command: bound.inbound, publish: bound.outbound)
        let starting = try #require(await client.waitForHeartbeat(ready: false))
        #expect(starting["state"] == .string("starting"))
        let early = try #require(await client.command("go to the kitchen", deadlineMs: 500))
        let refused = try #require(await client.next(timeout: .seconds(1)) { $0.event == "outcome" && $0.correlationId == early.envelope.id })
        #expect(refused.body["outcome"] == .string("rejected"))
        #expect(refused.body["reason"] == .string("not ready: the model is still loading (wait for a heartbeat with state ready)"))
        #expect((refused.body["latency_ms"]?.numberValue ?? .infinity) < 500)
        let ready = try #require(await client.next(timeout: .seconds(10)) { $0.event == "ready" })
        #expect(ready.body["model"] == .string("scripted"))
        #expect(await client.waitForHeartbeat() != nil)
        let later = try #require(await client.command("go to the kitchen", deadlineMs: 2000))
        let planned = try #require(await client.next(timeout: .seconds(5)) { $0.event == "outcome" && $0.correlationId == later.envelope.id })
        #expect(planned.body["outcome"] == .string("ok"))
        await client.close()
        await group.triggerGracefulShutdown()
        try await runner.value
    }
}
