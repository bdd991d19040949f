import RoboBridgeConfig
import RoboBridgeMessaging
import RoboBridgeProtocol

/// How a bridge node is wired.
public struct NodeConfiguration: Sendable {
    public var robot: String
    /// This node's sender id in envelopes; unique per process instance (a restarted node gets a new one).
    public var sender: String
    /// Bound SUB socket: `<robot>/command`, `<robot>/estop`, `<robot>/sensor/*`, `<robot>/action_status` come in here.
    public var inbound: Endpoint
    /// Bound PUB socket: `<robot>/action`, `<robot>/event`, `<robot>/heartbeat` go out here.
    public var outbound: Endpoint
    /// Bound ROUTER socket for synchronous `translate` requests (nil: none).
    public var requests: Endpoint?
    /// Instructions that bypass the planner and give the stop action at once (case and punctuation ignored).
    public var stopWords: [String] = ["stop", "halt", "freeze", "emergency stop"]
    /// What the robot is called (its id and kind): a stop word said with it ("halt the drone") is still one.
    public var robotNames: [String] = []
    /// The action sent on e-stop and by the `stop` deadline policy.
    public var stopAction = WireAction(name: "stop")
    /// Deadline for a command that gives none.
    public var defaultDeadline: Duration = .milliseconds(500)
    /// On a missed deadline: send the stop action (true) or nothing (false). Either way the outcome is reported.
    public var stopOnDeadline = true
    public var heartbeatInterval: Duration = .milliseconds(500)
    public var socketOptions = SocketOptions()
    public var limits = ProtocolLimits()
    /// The robot file's rules, checked on every action before it is published (nil: none; a bare node
    /// for transport tests).
    public var rules: PlanRules?
    /// The world file's world; `sensor/objects` detections update it before each command.
    public var world: World?
    /// Connect to a broker (`robobridge broker`) instead of binding: `inbound` is then the broker's
    /// subscribers (XPUB) endpoint, `outbound` its publishers (XSUB) endpoint and `requests` its nodes endpoint.
    public var connectsToBroker = false
    /// SCHED_FIFO priority of the command and publish sockets' threads (nil: normal), so an e-stop preempts
    /// the model's compute threads. They sleep in `poll` between messages. Needs CAP_SYS_NICE; without it
    /// they stay normal (logged at start).
    public var socketRealtimePriority: Int32? = 50
    /// Publish each action as soon as the planner knows it is final (true), or whole plans only.
    public var streamsActions = true
    /// CurveZMQ on every endpoint the node binds, with a ZAP handler admitting only the allowed keys
    /// (nil: plain ZeroMQ). Not with a broker (the node then binds nothing).
    public var security: NodeSecurity?

    public init(robot: String, sender: String? = nil, inbound: Endpoint, outbound: Endpoint, requests: Endpoint? = nil) {
        self.robot = robot
        self.sender = sender ?? "robobridge-\(robot)-\(UInt32.random(in: 0...UInt32.max))"
        self.inbound = inbound
        self.outbound = outbound
        self.requests = requests
    }
}

/// A node's CURVE settings: its key pair and the folder of clients' public keys it admits.
public struct NodeSecurity: Sendable {
    public var keyPair: CurveKeyPair
    public var allowedClients: String

    public init(keyPair: CurveKeyPair, allowedClients: String) {
        self.keyPair = keyPair
        self.allowedClients = allowedClients
    }
}

/// Counters of a running node.
public struct NodeStats: Sendable, Equatable {
    public var accepted: [String: Int] = [:]
    public var rejected: [String: Int] = [:]
    public var commandsAcknowledged = 0
    public var actionsPublished = 0
    public var deadlinesMissed = 0
    public var estops = 0
    public var gaps = 0
    public var requestsAnswered = 0
    public var preempted = 0
    public var totalRejected: Int { rejected.values.reduce(0, +) }
    public var totalAccepted: Int { accepted.values.reduce(0, +) }
}

extension NodeConfiguration {
    /// The node's settings from a robot file: stop words and action, deadline and its policy, the rules
    /// every published action is checked against, and the world sensors update.
    public mutating func configure(for robot: Robot, world: World?) {
        stopWords = robot.stopWords
        robotNames = [robot.id, robot.kind]
        stopAction = WireAction(name: robot.fallback.stopAction)
        defaultDeadline = .milliseconds(robot.latencyBudgetMs)
        stopOnDeadline = robot.fallback.onDeadline == .stop
        rules = PlanRules(robot: robot)
        self.world = world
    }
}
