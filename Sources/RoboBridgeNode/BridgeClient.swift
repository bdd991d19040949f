import Foundation
import RoboBridgeMessaging
import RoboBridgeProtocol
import Synchronization

/// A peer of a bridge node, as an operator's console, a test or a benchmark uses it: publishes commands,
/// e-stops, confirmations and sensor readings, and receives everything the node publishes for the robot
/// (each message stamped with the time it came out of the socket). Requests go over a DEALER socket.
public final class BridgeClient: Sendable {
    /// A message from the bridge.
    public struct Received: Sendable {
        public var topic: Topic
        public var body: JSONValue
        /// When the client's socket thread handed it over.
        public var at: ContinuousClock.Instant

        public var correlationId: String? { body["correlation_id"]?.stringValue }
        public var event: String? { topic.kind == .event ? body["event"]?.stringValue : nil }
    }

    public let robot: String
    public let sender: String
    private let publisher: SocketWorker
    private let subscriber: SocketWorker
    private let collector: Task<Void, Never>
    private let inbox = Inbox()
    private let seq = Atomic<UInt64>(0)
    private let context: MessagingContext
    private let requests: Endpoint?
    private let options: SocketOptions

    /// Connects to a node's endpoints (it need not be up yet).
    public init(robot: String, context: MessagingContext, command: Endpoint, publish: Endpoint, requests: Endpoint? = nil,
                sender: String = "client-\(UUID().uuidString.prefix(8))", options: SocketOptions = SocketOptions()) async throws(MessagingError) {
        self.robot = robot
        self.sender = sender
        self.context = context
        self.requests = requests
        self.options = options
        publisher = try await SocketWorker.start(name: "\(sender).pub", receives: false) { () throws(MessagingError) in
            let s = try Socket(context, .pub, options: options)
            try s.connect(command)
            return (s, nil)
        }
        subscriber = try await SocketWorker.start(name: "\(sender).sub") { () throws(MessagingError) in
            let s = try Socket(context, .sub, options: options)
            try s.connect(publish)
            try s.subscribe("\(robot)/")
            return (s, nil)
        }
        let (sub, box) = (subscriber, inbox)
        collector = Task {
            for await inbound in sub.inbound {
                guard case .message(let frames) = inbound, frames.count == 2,
                      let topic = Topic.parse(String(decoding: frames[0], as: UTF8.self)),
                      let body = try? JSONValue.parse(frames[1]) else { continue }
                let item = Received(topic: topic, body: body, at: .now)
                box.items.withLock { $0.append(item) }
            }
        }
    }

    /// Waits for a heartbeat: from then on this client receives what the node publishes.
    /// - Parameter ready: wait for one that says `ready` (the model is loaded), not just any.
    /// - Returns: the heartbeat's body, or nil when none came in time.
    public func waitForHeartbeat(ready: Bool = true, timeout: Duration = .seconds(10)) async -> JSONValue? {
        await next(timeout: timeout) { $0.topic.kind == .heartbeat && (!ready || $0.body["state"] == .string("ready")) }?.body
    }

    /// Publishes a message to the node; returns it (its envelope's id is what answers correlate to).
    @discardableResult
    public func publish(_ kind: Topic.Kind, _ payload: Payload, id: String? = nil, correlationId: String? = nil) -> Message {
        let n = seq.add(1, ordering: .relaxed).newValue
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let envelope = Envelope(id: id ?? "\(sender)-\(n)", timestampNs: Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec), robot: robot,
                                sender: sender, seq: n, correlationId: correlationId)
        let m = Message(topic: Topic(robot: robot, kind), envelope: envelope, payload: payload)
        publisher.send(m.frames)
        return m
    }

    /// Sends a command, resending it (same id, a new sequence number) until the node acknowledges it —
    /// a fresh connection may still be joining (docs/protocol.md, "Delivery").
    /// - Returns: the command, or nil when no acknowledgement came within `timeout`.
    public func command(_ instruction: String, deadlineMs: Int? = nil, timeout: Duration = .seconds(5)) async -> Message? {
        let id = "\(sender)-cmd-\(UUID().uuidString.prefix(8))"
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            let m = publish(.command, .command(instruction: instruction, deadlineMs: deadlineMs), id: id)
            if await next(timeout: .milliseconds(300), consuming: false, where: { $0.event == "ack" && $0.correlationId == id }) != nil {
                return m
            }
        }
        return nil
    }

    /// The next message matching `predicate`, waiting up to `timeout`.
    /// - Parameter consuming: drop it and every earlier message from the inbox (default), or leave them.
    public func next(timeout: Duration, consuming: Bool = true, where predicate: (Received) -> Bool) async -> Received? {
        let end = ContinuousClock.now + timeout
        repeat {
            let found = inbox.items.withLock { box -> Received? in
                guard let i = box.firstIndex(where: predicate) else { return nil }
                let m = box[i]
                if consuming { box.removeFirst(i + 1) }
                return m
            }
            if let found { return found }
            try? await Task.sleep(for: .microseconds(200))
        } while ContinuousClock.now < end
        return nil
    }

    /// Removes and returns everything received so far.
    public func drain() -> [Received] { inbox.items.withLock { box in defer { box = [] }; return box } }

    /// A request on the node's ROUTER endpoint (`translate` or `stats`), answered on the same socket.
    /// - Returns: the reply, or nil when none came within `timeout`.
    public func request(_ kind: Topic.Kind, _ payload: Payload, timeout: Duration = .seconds(10)) async throws(MessagingError) -> Received? {
        guard let requests else { throw MessagingError(.invalidEndpoint, operation: "request", detail: "no request (translate) endpoint given") }
        let (ctx, o) = (context, options)
        let dealer = try await SocketWorker.start(name: "\(sender).dealer") { () throws(MessagingError) in
            let s = try Socket(ctx, .dealer, options: o)
            try s.connect(requests)
            return (s, nil)
        }
        let n = seq.add(1, ordering: .relaxed).newValue
        let m = Message(topic: Topic(robot: robot, kind), envelope: Envelope(id: "\(sender)-req-\(n)", timestampNs: 0, robot: robot, sender: sender, seq: n),
                        payload: payload)
        dealer.send(m.frames)
        let reply: Received? = await withTaskGroup(of: Received?.self) { group in
            group.addTask {
                for await inbound in dealer.inbound {
                    guard case .message(let frames) = inbound, frames.count == 2,
                          let topic = Topic.parse(String(decoding: frames[0], as: UTF8.self)),
                          let body = try? JSONValue.parse(frames[1]) else { continue }
                    return Received(topic: topic, body: body, at: .now)
                }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            dealer.requestShutdown()
            group.cancelAll()
            return first
        }
        await dealer.shutdown()
        return reply
    }

    /// Closes the sockets (pending messages are sent first, within the sockets' linger).
    public func close() async {
        await publisher.shutdown()
        await subscriber.shutdown()
        await collector.value
    }
}

/// Messages received and not yet taken, shared by the collector task and the client's callers.
private final class Inbox: Sendable {
    let items = Mutex<[BridgeClient.Received]>([])
}
