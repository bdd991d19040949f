/// The fields every message body carries.
public struct Envelope: Sendable, Equatable {
    /// The protocol version this code speaks.
    public static let protocolVersion = 1

    public var version: Int = Envelope.protocolVersion
    /// Unique per sender (a UUID, or `<sender>-<seq>`).
    public var id: String
    /// Nanoseconds since the Unix epoch, when the message was sent.
    public var timestampNs: Int64
    public var robot: String
    /// Who sent it; `seq` counts per sender.
    public var sender: String
    public var seq: UInt64
    /// The id of the message this one answers (an action answers a command).
    public var correlationId: String?

    public init(id: String, timestampNs: Int64, robot: String, sender: String, seq: UInt64, correlationId: String? = nil) {
        self.id = id
        self.timestampNs = timestampNs
        self.robot = robot
        self.sender = sender
        self.seq = seq
        self.correlationId = correlationId
    }
}

/// One action call on the wire: `{"name": "navigate_to", "args": {"target": "kitchen"}}`.
public struct WireAction: Sendable, Equatable {
    public var name: String
    public var args: [(String, JSONValue)]

    public init(name: String, args: [(String, JSONValue)] = []) {
        self.name = name
        self.args = args
    }

    public static func == (a: WireAction, b: WireAction) -> Bool { a.json == b.json }

    public var json: JSONValue { .object([("name", .string(name)), ("args", .object(args))]) }
}

/// What a message carries, by topic.
public enum Payload: Sendable, Equatable {
    case command(instruction: String, deadlineMs: Int?)
    case estop(reason: String?)
    case sensor(data: JSONValue)
    /// Actions for the robot, in plan order. Streamed plans send one message per action: `index` is
    /// the plan index of the first action here, `final` says no more follow for this command.
    case action(outcome: Outcome, actions: [WireAction], index: Int = 0, final: Bool = true)
    case actionStatus(index: Int, status: String, detail: String?)
    /// `event`: ack, outcome, rejected, gap, ... with its own fields.
    case event(kind: String, fields: [(String, JSONValue)])
    case heartbeat(state: String, subscribed: [String], uptimeMs: Int64)
    case translate(instruction: String, deadlineMs: Int?)
    case plan(outcome: String, actions: [WireAction], latencyMs: Double)
    /// An operator's answer to a held action: go ahead (`approve`) or not.
    case confirm(approve: Bool)
    /// A telemetry request (no data) or its answer.
    case stats(data: JSONValue?)
    /// A request to the simulator (`data.op`: state, change) or its answer.
    case sim(data: JSONValue)

    public static func == (a: Payload, b: Payload) -> Bool { a.kindName == b.kindName && JSONValue.object(a.fields) == JSONValue.object(b.fields) }

    /// The payload kind's name (`command`, `sensor`, ...).
    public var kindName: String {
        switch self {
        case .command: "command"
        case .estop: "estop"
        case .sensor: "sensor"
        case .action: "action"
        case .actionStatus: "action_status"
        case .event: "event"
        case .heartbeat: "heartbeat"
        case .translate: "translate"
        case .plan: "plan"
        case .confirm: "confirm"
        case .stats: "stats"
        case .sim: "sim"
        }
    }

    /// The payload's own JSON fields (after the envelope's).
    var fields: [(String, JSONValue)] {
        switch self {
        case .command(let instruction, let deadline), .translate(let instruction, let deadline):
            return [("instruction", .string(instruction))] + (deadline.map { [("deadline_ms", .integer(Int64($0)))] } ?? [])
        case .estop(let reason):
            return reason.map { [("reason", .string($0))] } ?? []
        case .sensor(let data):
            return [("data", data)]
        case .action(let outcome, let actions, let index, let final):
            return [("outcome", .string(outcome.rawValue)), ("actions", .array(actions.map(\.json))),
                    ("index", .integer(Int64(index))), ("final", .bool(final))]
        case .confirm(let approve):
            return [("approve", .bool(approve))]
        case .stats(let data):
            return data.map { [("data", $0)] } ?? []
        case .sim(let data):
            return [("data", data)]
        case .plan(let outcome, let actions, let latency):
            return [("outcome", .string(outcome)), ("actions", .array(actions.map(\.json))), ("latency_ms", .number(latency))]
        case .actionStatus(let index, let status, let detail):
            return [("action_index", .integer(Int64(index))), ("status", .string(status))] + (detail.map { [("detail", .string($0))] } ?? [])
        case .event(let kind, let fields):
            return [("event", .string(kind))] + fields
        case .heartbeat(let state, let subscribed, let uptime):
            return [("state", .string(state)), ("subscribed", .array(subscribed.map { .string($0) })), ("uptime_ms", .integer(uptime))]
        }
    }
}

/// A whole protocol message: topic frame + JSON body frame.
public struct Message: Sendable, Equatable {
    public var topic: Topic
    public var envelope: Envelope
    public var payload: Payload

    public init(topic: Topic, envelope: Envelope, payload: Payload) {
        self.topic = topic
        self.envelope = envelope
        self.payload = payload
    }

    /// The JSON body.
    public var body: JSONValue {
        var f: [(String, JSONValue)] = [
            ("version", .integer(Int64(envelope.version))), ("id", .string(envelope.id)),
            ("timestamp_ns", .integer(envelope.timestampNs)), ("robot", .string(envelope.robot)),
            ("sender", .string(envelope.sender)), ("seq", .integer(Int64(clamping: envelope.seq))),
        ]
        if let c = envelope.correlationId { f.append(("correlation_id", .string(c))) }
        return .object(f + payload.fields)
    }

    /// The two frames: topic, then UTF-8 JSON body.
    public var frames: [[UInt8]] { [Array(topic.description.utf8), body.utf8Bytes] }
}

/// How a command ended. Every command gets exactly one, on its `outcome` event.
public enum Outcome: String, Sendable, CaseIterable {
    /// The plan was published in full.
    case ok
    /// Nothing to do: the request names no action of the robot, or something the world lacks.
    case noAction = "no_action"
    /// An e-stop (topic or stop word) stopped the robot.
    case estop
    /// The planner gave up (stale sensors, a plan cut short, a model error): the fallback was sent.
    case fallback
    /// The deadline came before the plan: the deadline policy's action was sent.
    case deadline
    /// A newer command took over before this one was decided; its plan was not published.
    case preempted
    /// The plan broke a rule of the robot file (limits, rates, confirmation): not (all) published.
    case rejected
}
