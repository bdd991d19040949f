/// A scripted run in the simulator: timed steps with expected outcomes.
public struct Mission: Sendable, Equatable {
    public var id: String
    public var description: String
    /// Paths of the robot and world files, resolved relative to the mission file.
    public var robotFile: String
    public var worldFile: String
    public var timeLimitS: Double
    public var steps: [Step]
    public var file: String
}

public struct Step: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case instruction(String)
        case estop
        case wait(seconds: Double)
    }
    /// Seconds from the mission start at which the step begins (nil: right after the previous one).
    public var atS: Double?
    public var kind: Kind
    /// Seconds the step may take before its expectations are checked.
    public var timeoutS: Double
    public var expect: [Expectation]
}

public enum Expectation: Sendable, Equatable {
    case outcome(String)
    case robotAt(String)
    case holding(String?)
    case objectAt(object: String, place: String)
    case altitude(min: Double, max: Double)
    case landed(Bool)
    case actions([String])
}
