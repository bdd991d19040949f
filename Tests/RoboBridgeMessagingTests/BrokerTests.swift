import Foundation
import Logging
import RoboBridgeMessaging
import RoboBridgeProtocol
import ServiceLifecycle
import Testing

/// One peer of a fleet, with all three sockets owned by the test's task: a PUB connected to the
/// broker's publishers, a SUB connected to its subscribers, and a DEALER connected to its nodes
/// endpoint with the robot id as routing id (a node) or to its requests endpoint (a client).
struct FleetPeer {
    let pub: Socket
    let sub: Socket
    let dealer: Socket

    init(_ context: MessagingContext, _ bound: Broker.Endpoints, subscribe prefixes: [String],
         node robot: String?) throws {
        var o = SocketOptions()
        o.receiveTimeoutMs = 2000
        pub = try Socket(context, .pub, options: o)
        try pub.connect(bound.publishers)
        sub = try Socket(context, .sub, options: o)
        try sub.connect(bound.subscribers)
        for prefix in prefixes { try sub.subscribe(prefix) }
        o.routingId = robot.map { Array($0.utf8) }
        dealer = try Socket(context, .dealer, options: o)
        try dealer.connect(robot == nil ? bound.requests : bound.nodes)
    }
}

/// A broker on loopback TCP, run by a `ServiceGroup`, with two nodes (rover, drone) and a client.
struct Fleet {
    let context: MessagingContext
    let broker: Broker
    let group: ServiceGroup
    let runner: Task<Void, Error>
    let bound: Broker.Endpoints
    let rover: FleetPeer
    let drone: FleetPeer
    let client: FleetPeer

    init() async throws {
        context = try MessagingContext()
        let any = try Endpoint("tcp://127.0.0.1:*")
        let endpoints = Broker.Endpoints(publishers: any, subscribers: any, requests: any, nodes: any)
        broker = Broker(endpoints: endpoints, context: context)
        group = ServiceGroup(services: [broker], logger: Logger(label: "test"))
        let g = group
        runner = Task { try await g.run() }
        bound = try await broker.ready()
        rover = try FleetPeer(context, bound, subscribe: ["rover/"], node: "rover")
        drone = try FleetPeer(context, bound, subscribe: ["drone/"], node: "drone")
        client = try FleetPeer(context, bound, subscribe: ["rover/", "drone/"], node: nil)
    }

    /// Triggers graceful shutdown; returns how long `run()` took to return.
    func stop() async throws -> Duration {
        let start = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await runner.value
        return .now - start
    }
}

func frames(_ texts: String...) -> [[UInt8]] { texts.map { Array($0.utf8) } }

/// Publishes until `sub` receives the message: the slow joiner — a subscription takes a moment to
/// travel from the SUB through the broker's XPUB and XSUB up to the publisher.
func publishUntilReceived(_ message: [[UInt8]], from pub: Socket, to sub: Socket) async throws -> Bool {
    for _ in 0..<300 {
        try pub.send(message)
        try await Task.sleep(for: .milliseconds(10))
        while let got = try sub.receive(wait: false) {
            if got == message { return true }
        }
    }
    return false
}

/// Sends a request until `node` receives it, and returns what the node received. A node's DEALER
/// is routable only once its handshake with the broker is done; until then each request gets a
/// `rejected` event instead, so every attempt ends one way or the other before the next.
func requestUntilReceived(_ request: [[UInt8]], from client: Socket, at node: Socket) async throws -> [[UInt8]]? {
    for _ in 0..<100 {
        try client.send(request)
        let deadline = ContinuousClock.now + .seconds(5)
        attempt: while ContinuousClock.now < deadline {
            if let got = try node.receive(wait: false) { return got }
            if let answer = try client.receive(wait: false) {
                #expect(answer.first.map { String(decoding: $0, as: UTF8.self).hasSuffix("/event") } == true)
                break attempt
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    return nil
}

/// Everything queued on `socket` right now.
func drain(_ socket: Socket) throws -> [[[UInt8]]] {
    var all: [[[UInt8]]] = []
    while let m = try socket.receive(wait: false) { all.append(m) }
    return all
}

@Suite("Broker: many robots and clients at one address", .serialized)
struct BrokerTests {
    @Test func publishedMessagesReachOnlyTheirRobotsSubscribers() async throws {
        let fleet = try await Fleet()
        let roverCommand = frames("rover/command", #"{"instruction":"go to the kitchen"}"#)
        let droneCommand = frames("drone/command", #"{"instruction":"take off"}"#)
        #expect(try await publishUntilReceived(roverCommand, from: fleet.client.pub, to: fleet.rover.sub))
        #expect(try await publishUntilReceived(droneCommand, from: fleet.client.pub, to: fleet.drone.sub))
        // Each node's own output reaches the client, which subscribes to both robots.
        let roverEvent = frames("rover/event", #"{"event":"ack"}"#)
        let droneEvent = frames("drone/event", #"{"event":"ack"}"#)
        #expect(try await publishUntilReceived(roverEvent, from: fleet.rover.pub, to: fleet.client.sub))
        #expect(try await publishUntilReceived(droneEvent, from: fleet.drone.pub, to: fleet.client.sub))
        // Whatever else arrived (resends while joining, the other node's events) is the robot's own.
        for message in try drain(fleet.rover.sub) { #expect(message == roverCommand || message == roverEvent) }
        for message in try drain(fleet.drone.sub) { #expect(message == droneCommand || message == droneEvent) }
        _ = try await fleet.stop()
        let stats = fleet.broker.stats
        #expect(stats.published >= 4)  // at least the four above; a resend may also have gone through
        #expect(stats.subscriptions == 2)  // "rover/" and "drone/": the XPUB passes each prefix up once
    }

    @Test func requestsReachOnlyTheirRobotsNodeAndRepliesComeBack() async throws {
        let fleet = try await Fleet()
        let request = frames("rover/translate", #"{"instruction":"go to the kitchen"}"#)
        let atRover = try #require(
            try await requestUntilReceived(request, from: fleet.client.dealer, at: fleet.rover.dealer))
        #expect(atRover.count == 3 && Array(atRover[1...]) == request)  // [client-id, topic, body]
        let plan = frames("rover/plan", #"{"outcome":"ok","actions":[]}"#)
        try fleet.rover.dealer.send([atRover[0]] + plan)
        #expect(try await receiveAsync(fleet.client.dealer, timeout: .seconds(5)) == plan)

        // A REQ client: its empty delimiter goes to the node and comes back in the reply.
        var o = SocketOptions()
        o.receiveTimeoutMs = 2000
        let req = try Socket(fleet.context, .req, options: o)
        try req.connect(fleet.bound.requests)
        try req.send(request)
        let viaReq = try #require(try await receiveAsync(fleet.rover.dealer, timeout: .seconds(5)))
        #expect(viaReq.count == 4 && viaReq[1].isEmpty && Array(viaReq[2...]) == request)
        try fleet.rover.dealer.send([viaReq[0], []] + plan)
        #expect(try await receiveAsync(req, timeout: .seconds(5)) == plan)

        #expect(try drain(fleet.drone.dealer).isEmpty)
        _ = try await fleet.stop()
        let stats = fleet.broker.stats
        #expect(stats.requests == 2 && stats.replies == 2 && stats.malformed == 0 && stats.undeliverable == 0)
    }

    @Test func aRequestForARobotWithNoNodeGetsARejectedEvent() async throws {
        let fleet = try await Fleet()
        try fleet.client.dealer.send(frames("tractor/translate", #"{"instruction":"plough the field"}"#))
        let reply = try #require(try await receiveAsync(fleet.client.dealer, timeout: .seconds(5)))
        #expect(reply.count == 2)
        #expect(reply.first == Array("tractor/event".utf8))
        let body = try JSONValue.parse(reply[1])
        let timestamp = try #require(body["timestamp_ns"]?.integerValue)
        #expect(timestamp > 1_700_000_000_000_000_000)
        let expected = #"{"version":1,"id":"broker-1","timestamp_ns":\#(timestamp),"robot":"tractor","#
            + #""sender":"broker","seq":1,"event":"rejected","reason":"unknown_topic","#
            + #""detail":"no node for robot \"tractor\" is connected to the broker"}"#
        #expect(String(decoding: reply[1], as: UTF8.self) == expected)
        // A protocol message like any other: the client decodes it with the protocol's types.
        let event = try ClientCodec.decode(reply)
        #expect(event.topic == Topic(robot: "tractor", .event) && event.eventKind == "rejected")
        #expect(event.field("reason") == .string(Violation.Reason.unknownTopic.rawValue))
        _ = try await fleet.stop()
        #expect(fleet.broker.stats.unroutable == 1 && fleet.broker.stats.requests == 0)
    }

    @Test func malformedRequestsAreDroppedAndCounted() async throws {
        let fleet = try await Fleet()
        try fleet.client.dealer.send(frames("rover-translate", "{}"))  // a topic with no '/'
        try fleet.client.dealer.send(frames("rover/translate"))  // no body
        try fleet.client.dealer.send(frames("/translate", "{}"))  // no robot id
        try fleet.client.dealer.send(frames("rover bot/translate", "{}"))  // not a robot id
        // The broker reads a client's messages in order: the answer to this one means all are handled.
        try fleet.client.dealer.send(frames("tractor/translate", "{}"))
        let reply = try #require(try await receiveAsync(fleet.client.dealer, timeout: .seconds(5)))
        #expect(reply.first == Array("tractor/event".utf8))
        #expect(fleet.broker.stats.malformed == 4)
        #expect(try drain(fleet.client.dealer).isEmpty)
        #expect(try drain(fleet.rover.dealer).isEmpty)
        _ = try await fleet.stop()
        #expect(fleet.broker.stats.malformed == 4 && fleet.broker.stats.unroutable == 1)
    }

    @Test func gracefulShutdownEndsRunWithinASecond() async throws {
        let fleet = try await Fleet()
        let command = frames("rover/command", "{}")
        #expect(try await publishUntilReceived(command, from: fleet.client.pub, to: fleet.rover.sub))
        let took = try await fleet.stop()
        #expect(took < .seconds(1))
        // The proxy's last count came in before it stopped.
        #expect(fleet.broker.stats.published >= 1)
    }

    @Test func aRestartedNodeTakesItsRobotIdBack() async throws {
        let fleet = try await Fleet()
        let request = frames("rover/translate", "{}")
        _ = try #require(try await requestUntilReceived(request, from: fleet.client.dealer, at: fleet.rover.dealer))
        var o = SocketOptions()
        o.routingId = Array("rover".utf8)
        let restarted = try Socket(fleet.context, .dealer, options: o)
        try restarted.connect(fleet.bound.nodes)
        // Until its handshake is done, requests still go to the old connection; then to the new one.
        var tookOver = false
        for _ in 0..<100 where !tookOver {
            try fleet.client.dealer.send(request)
            let deadline = ContinuousClock.now + .seconds(5)
            while ContinuousClock.now < deadline {
                if try restarted.receive(wait: false) != nil { tookOver = true; break }
                if try fleet.rover.dealer.receive(wait: false) != nil { break }
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        #expect(tookOver)
        try fleet.client.dealer.send(request)
        #expect(try await receiveAsync(restarted, timeout: .seconds(5)).map { Array($0[1...]) } == request)
        #expect(try drain(fleet.rover.dealer).isEmpty)
        _ = try await fleet.stop()
    }

    @Test func aBusyPortFailsRunAndReadyAtOnce() async throws {
        let context = try MessagingContext()
        let squatter = try Socket(context, .router)
        let taken = try squatter.bind(try Endpoint("tcp://127.0.0.1:*"))
        let any = try Endpoint("tcp://127.0.0.1:*")
        // The proxy is up before the nodes endpoint is bound: that failure must stop it too.
        let endpoints = Broker.Endpoints(publishers: any, subscribers: any, requests: any, nodes: taken)
        let broker = Broker(endpoints: endpoints, context: context)
        let start = ContinuousClock.now
        let expected = MessagingError(.zmq(errno: EADDRINUSE), operation: "zmq_bind", endpoint: taken.description,
                                      detail: "Address already in use")
        await #expect(throws: expected) { try await broker.run() }
        await #expect(throws: expected) { try await broker.ready() }
        #expect(ContinuousClock.now - start < .seconds(1))
    }
}
