import RoboBridgeProtocol

/// The decision for one instruction.
public struct PlanResult: Sendable, Equatable {
    /// ok, no_action, estop, fallback or deadline.
    public var outcome: String
    public var actions: [WireAction]
    public init(outcome: String, actions: [WireAction]) {
        self.outcome = outcome
        self.actions = actions
    }
}

/// Turns an instruction into a plan. The bridge node calls it for every command and translate
/// request; it must return promptly when its task is cancelled (deadline passed, or e-stop).
public protocol Planner: Sendable {
    func plan(instruction: String, deadline: ContinuousClock.Instant) async -> PlanResult
}
