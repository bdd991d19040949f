import RoboBridgeConfig
import RoboBridgeProtocol

/// What the node asks a planner for one command.
public struct PlanRequest: Sendable {
    public var instruction: String
    /// The command's message id (the correlation id of everything the node publishes about it).
    public var commandId: String
    public var deadline: ContinuousClock.Instant
    /// The world as the robot's sensors see it now (the world file, updated by `sensor/objects`), if any.
    public var world: World?
    /// The robot's state from its sensors (pose, held object, battery, flight).
    public var state: RobotState

    public init(instruction: String, commandId: String, deadline: ContinuousClock.Instant, world: World? = nil,
                state: RobotState = RobotState()) {
        self.instruction = instruction
        self.commandId = commandId
        self.deadline = deadline
        self.world = world
        self.state = state
    }
}

/// The decision for one instruction.
public struct PlanResult: Sendable, Equatable {
    public var outcome: Outcome
    public var actions: [WireAction]
    /// Why, for a person, where the outcome is not `ok`.
    public var reason: String?
    /// Where the planner's time went (milliseconds), and how speculation fared.
    public var timing: PlanTiming

    public init(outcome: Outcome, actions: [WireAction], reason: String? = nil, timing: PlanTiming = PlanTiming()) {
        self.outcome = outcome
        self.actions = actions
        self.reason = reason
        self.timing = timing
    }
}

/// A planner's own account of its time, for telemetry.
public struct PlanTiming: Sendable, Equatable {
    /// Waiting for the model thread.
    public var queueMs: Double?
    /// Normalizing, grounding, retrieval before the model's first pass.
    public var prepareMs: Double?
    /// The model's first forward pass (the instruction's own turn, with the first draft).
    public var prefillMs: Double?
    /// The model's later passes.
    public var decodeMs: Double?
    /// Per drafter: tokens proposed and accepted.
    public var drafters: [String: DrafterCounts] = [:]

    public struct DrafterCounts: Sendable, Equatable {
        public var proposed: Int
        public var accepted: Int
        public init(proposed: Int, accepted: Int) {
            self.proposed = proposed
            self.accepted = accepted
        }
    }

    public init() {}
}

/// Turns an instruction into a plan. The node calls it for one command at a time and cancels the task
/// when the deadline passes, an e-stop arrives or a newer command takes over: a planner must then
/// return promptly (its result is ignored).
public protocol Planner: Sendable {
    /// Loads and warms whatever the planner needs; the node says `ready` once this returns.
    /// - Returns: fields for the `ready` event (the model, how long warming took, ...).
    func warmUp() async throws -> [(String, JSONValue)]

    /// Plans one instruction.
    /// - Parameter emit: called with the leading calls of the plan known to be final, as soon as they
    ///   are (each call repeats the earlier ones: the node publishes what is new). Optional: a planner
    ///   that never calls it has its plan published when it returns.
    func plan(_ request: PlanRequest, emit: @escaping @Sendable ([WireAction]) -> Void) async -> PlanResult
}

extension Planner {
    public func warmUp() async throws -> [(String, JSONValue)] { [] }
}
