import Foundation
import RoboBridgeConfig
import RoboBridgeMessaging
import RoboBridgeProtocol
import Synchronization

/// A client of a simulator's control endpoint: its true state, and changes to its world.
public final class SimClient: Sendable {
    public let robot: String
    private let dealer: SocketWorker
    private let replies = Replies()
    private let collector: Task<Void, Never>
    private let seq = Atomic<UInt64>(0)
    private let sender = "simclient-\(UUID().uuidString.prefix(8).lowercased())"

    public init(robot: String, context: MessagingContext, control: Endpoint) async throws(MessagingError) {
        self.robot = robot
        dealer = try await SocketWorker.start(name: "\(robot).simclient") { () throws(MessagingError) in
            let s = try Socket(context, .dealer)
            try s.connect(control)
            return (s, nil)
        }
        let (d, box) = (dealer, replies)
        collector = Task {
            for await item in d.inbound {
                guard case .message(let frames) = item, let last = frames.last, let body = try? JSONValue.parse(last),
                      let id = body["correlation_id"]?.stringValue else { continue }
                box.items.withLock { $0[id] = body["data"] ?? .null }
            }
        }
    }

    /// Sends a request (`{"op": ...}`) and waits for its answer.
    /// - Throws: `SimError` when no answer came in time or the simulator refused it.
    public func request(_ data: JSONValue, timeout: Duration = .seconds(5)) async throws(SimError) -> JSONValue {
        let n = seq.add(1, ordering: .relaxed).newValue
        let id = "\(sender)-\(n)"
        let m = Message(topic: Topic(robot: robot, .sim), envelope: Envelope(id: id, timestampNs: 0, robot: robot, sender: sender, seq: n),
                        payload: .sim(data: data))
        dealer.send(m.frames)
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if let r = replies.items.withLock({ $0.removeValue(forKey: id) }) {
                if let e = r["error"]?.stringValue { throw SimError("the simulator of \(robot) refused: \(e)") }
                return r
            }
            try? await Task.sleep(for: .milliseconds(1))
        }
        throw SimError("no answer from the simulator of \(robot) within \(timeout)")
    }

    /// The true state (`since`: only log entries after this sequence number).
    public func state(since: Int = 0, trajectory: Bool = false) async throws(SimError) -> JSONValue {
        try await request(.object([("op", .string("state")), ("since", .integer(Int64(since))), ("trajectory", .bool(trajectory))]))
    }

    public func change(_ changes: [WorldChange]) async throws(SimError) {
        _ = try await request(.object([("op", .string("change")), ("changes", .array(changes.map(\.json)))]))
    }

    public func close() async {
        await dealer.shutdown()
        await collector.value
    }
}

final class Replies: Sendable {
    let items = Mutex<[String: JSONValue]>([:])
}
