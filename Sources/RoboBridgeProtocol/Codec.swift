/// Why an inbound message was dropped. Every violation is counted and reported on `<robot>/event`.
public struct Violation: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable, CaseIterable {
        case wrongFrameCount = "wrong_frame_count"
        case messageTooLarge = "message_too_large"
        case notUTF8 = "not_utf8"
        case unknownTopic = "unknown_topic"
        case wrongRobot = "wrong_robot"
        case malformedJSON = "malformed_json"
        case wrongVersion = "wrong_version"
        case missingField = "missing_field"
        case invalidField = "invalid_field"
        case duplicate = "duplicate"
    }

    public var reason: Reason
    public var detail: String
    /// The topic frame, when it was readable.
    public var topic: String?
    /// The message id, when it was readable.
    public var messageId: String?

    public init(_ reason: Reason, _ detail: String, topic: String? = nil, messageId: String? = nil) {
        self.reason = reason
        self.detail = detail
        self.topic = topic
        self.messageId = messageId
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}

/// Limits on inbound messages.
public struct ProtocolLimits: Sendable, Equatable {
    public var maxBodyBytes = 64 * 1024
    public var maxInstructionLength = 2000
    public var maxIdLength = 128
    public init() {}
}

/// Encodes and decodes protocol messages. Pure: no sockets, so it is fuzzed directly.
public struct Codec: Sendable {
    public var robot: String
    public var limits: ProtocolLimits

    public init(robot: String, limits: ProtocolLimits = ProtocolLimits()) {
        self.robot = robot
        self.limits = limits
    }

    /// Decodes a two-frame message addressed to this robot.
    /// - Throws: the `Violation` that makes it unacceptable.
    public func decode(_ frames: [[UInt8]]) throws(Violation) -> Message {
        guard frames.count == 2 else {
            throw Violation(.wrongFrameCount, "expected 2 frames (topic, JSON body), got \(frames.count)",
                            topic: frames.first.flatMap { String(validating: $0.prefix(200), as: UTF8.self) })
        }
        guard let topicText = String(validating: frames[0], as: UTF8.self) else {
            throw Violation(.notUTF8, "the topic frame is not UTF-8")
        }
        guard let topic = Topic.parse(topicText) else {
            throw Violation(.unknownTopic, "unknown topic \"\(topicText.prefix(120))\"", topic: String(topicText.prefix(200)))
        }
        guard topic.robot == robot else {
            throw Violation(.wrongRobot, "topic for robot \"\(topic.robot)\", this bridge is \"\(robot)\"", topic: topicText)
        }
        guard frames[1].count <= limits.maxBodyBytes else {
            throw Violation(.messageTooLarge, "body of \(frames[1].count) bytes exceeds \(limits.maxBodyBytes)", topic: topicText)
        }
        guard String(validating: frames[1], as: UTF8.self) != nil else {
            throw Violation(.notUTF8, "the body frame is not UTF-8", topic: topicText)
        }
        let body: JSONValue
        do throws(JSONParseError) {
            body = try JSONValue.parse(frames[1])
        } catch {
            throw Violation(.malformedJSON, "malformed JSON: \(error)", topic: topicText)
        }
        guard case .object = body else {
            throw Violation(.malformedJSON, "the body must be a JSON object, got \(body.typeName)", topic: topicText)
        }
        var reader = FieldReader(body: body, topic: topicText)
        reader.messageId = body["id"]?.stringValue
        let version = try reader.integer("version")
        guard version == Int64(Envelope.protocolVersion) else {
            throw Violation(.wrongVersion, "protocol version \(version), this bridge speaks \(Envelope.protocolVersion)",
                            topic: topicText, messageId: reader.messageId)
        }
        let envelope = Envelope(
            id: try reader.string("id", maxLength: limits.maxIdLength),
            timestampNs: try reader.integer("timestamp_ns"),
            robot: try reader.string("robot", maxLength: 64),
            sender: try reader.string("sender", maxLength: limits.maxIdLength),
            seq: UInt64(try reader.integer("seq", minimum: 0)),
            correlationId: try reader.optionalString("correlation_id", maxLength: limits.maxIdLength))
        guard envelope.robot == robot else {
            throw Violation(.wrongRobot, "body for robot \"\(envelope.robot)\", this bridge is \"\(robot)\"", topic: topicText, messageId: envelope.id)
        }
        let payload: Payload
        switch topic.kind {
        case .command:
            payload = .command(instruction: try reader.string("instruction", maxLength: limits.maxInstructionLength),
                               deadlineMs: try reader.optionalInteger("deadline_ms", minimum: 1).map(Int.init))
        case .translate:
            payload = .translate(instruction: try reader.string("instruction", maxLength: limits.maxInstructionLength),
                                 deadlineMs: try reader.optionalInteger("deadline_ms", minimum: 1).map(Int.init))
        case .estop:
            payload = .estop(reason: try reader.optionalString("reason", maxLength: 500))
        case .sensor:
            guard let data = body["data"] else { throw reader.missing("data") }
            payload = .sensor(data: data)
        case .actionStatus:
            let status = try reader.string("status", maxLength: 32)
            guard ["accepted", "running", "succeeded", "failed", "cancelled"].contains(status) else {
                throw reader.invalid("status", "one of accepted, running, succeeded, failed, cancelled")
            }
            payload = .actionStatus(index: Int(try reader.integer("action_index", minimum: 0)), status: status,
                                    detail: try reader.optionalString("detail", maxLength: 500))
        case .confirm:
            guard envelope.correlationId != nil else { throw reader.missing("correlation_id") }
            guard let v = body["approve"], v != .null else { payload = .confirm(approve: true); break }
            guard case .bool(let approve) = v else { throw reader.invalid("approve", "true or false") }
            payload = .confirm(approve: approve)
        case .stats:
            payload = .stats(data: nil)
        case .sim:
            throw Violation(.unknownTopic, "\"\(topicText)\" is the simulator's topic (its control endpoint), not the bridge's", topic: topicText, messageId: envelope.id)
        case .action, .event, .heartbeat, .plan:
            // Outbound topics: a bridge never accepts them.
            throw Violation(.unknownTopic, "\"\(topicText)\" is an outbound topic of the bridge", topic: topicText, messageId: envelope.id)
        }
        return Message(topic: topic, envelope: envelope, payload: payload)
    }
}

/// Reads typed fields out of a JSON body, with violations that name the field.
struct FieldReader {
    let body: JSONValue
    let topic: String
    var messageId: String?

    func missing(_ field: String) -> Violation {
        Violation(.missingField, "missing field \"\(field)\"", topic: topic, messageId: messageId)
    }
    func invalid(_ field: String, _ expected: String) -> Violation {
        Violation(.invalidField, "field \"\(field)\": expected \(expected), got \(body[field].map(describe) ?? "nothing")", topic: topic, messageId: messageId)
    }
    private func describe(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): "\"\(s.prefix(40))\"\(s.count > 40 ? "…" : "")"
        case .number, .integer, .bool, .null: v.description
        default: v.typeName
        }
    }

    func string(_ field: String, maxLength: Int) throws(Violation) -> String {
        guard let v = body[field] else { throw missing(field) }
        guard let s = v.stringValue, !s.isEmpty, s.count <= maxLength else { throw invalid(field, "a non-empty string of at most \(maxLength) characters") }
        return s
    }

    func optionalString(_ field: String, maxLength: Int) throws(Violation) -> String? {
        guard let v = body[field], v != .null else { return nil }
        guard let s = v.stringValue, s.count <= maxLength else { throw invalid(field, "a string of at most \(maxLength) characters") }
        return s
    }

    func integer(_ field: String, minimum: Int64 = .min) throws(Violation) -> Int64 {
        guard let v = body[field] else { throw missing(field) }
        guard let i = v.integerValue, i >= minimum else { throw invalid(field, minimum == .min ? "an integer" : "an integer ≥ \(minimum)") }
        return i
    }

    func optionalInteger(_ field: String, minimum: Int64) throws(Violation) -> Int64? {
        guard let v = body[field], v != .null else { return nil }
        guard let i = v.integerValue, i >= minimum else { throw invalid(field, "an integer ≥ \(minimum)") }
        return i
    }
}
