/// A topic: the first frame of every message, `<robot>/<kind>`.
public struct Topic: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// A natural-language instruction, in.
        case command
        /// Emergency stop, in: bypasses everything, gives the stop action at once.
        case estop
        /// Sensor data (pose, battery, detected objects, ...), in. Latest value wins.
        case sensor(String)
        /// Structured action calls, out.
        case action
        /// Feedback on actions from the robot or the simulator, in.
        case actionStatus
        /// Bridge telemetry, out: acknowledgements, outcomes, latency, rejected input.
        case event
        /// The bridge is up and subscribed, out.
        case heartbeat
        /// Request/reply: a translation request (on the ROUTER endpoint).
        case translate
        /// Request/reply: the plan answering a `translate` request.
        case plan
        /// An operator's go-ahead for a held action (`correlation_id` = the command's id), in.
        case confirm
        /// Request/reply: a telemetry request, and its answer (counters and latency percentiles).
        case stats
        /// Request/reply with the simulator (on its own control endpoint): its state, world changes.
        case sim
    }

    public var robot: String
    public var kind: Kind

    public init(robot: String, _ kind: Kind) {
        self.robot = robot
        self.kind = kind
    }

    public var description: String {
        switch kind {
        case .command: "\(robot)/command"
        case .estop: "\(robot)/estop"
        case .sensor(let name): "\(robot)/sensor/\(name)"
        case .action: "\(robot)/action"
        case .actionStatus: "\(robot)/action_status"
        case .event: "\(robot)/event"
        case .heartbeat: "\(robot)/heartbeat"
        case .translate: "\(robot)/translate"
        case .plan: "\(robot)/plan"
        case .confirm: "\(robot)/confirm"
        case .stats: "\(robot)/stats"
        case .sim: "\(robot)/sim"
        }
    }

    /// Parses `<robot>/<kind>`; nil when the text is not a known topic.
    public static func parse(_ text: String) -> Topic? {
        let parts = text.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, isName(parts[0]) else { return nil }
        let robot = parts[0]
        if parts.count == 3 {
            guard parts[1] == "sensor", isName(parts[2]) else { return nil }
            return Topic(robot: robot, .sensor(parts[2]))
        }
        let kind: Kind? = switch parts[1] {
        case "command": .command
        case "estop": .estop
        case "action": .action
        case "action_status": .actionStatus
        case "event": .event
        case "heartbeat": .heartbeat
        case "translate": .translate
        case "plan": .plan
        case "confirm": .confirm
        case "stats": .stats
        case "sim": .sim
        default: nil
        }
        return kind.map { Topic(robot: robot, $0) }
    }

    /// Robot ids and sensor names: 1-64 of letters, digits, `_` and `-`.
    public static func isName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 64 && s.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D
        }
    }
}
