/// A scripted run in the simulator: timed steps with expected outcomes.
public struct Mission: Sendable, Equatable {
    public var id: String
    public var description: String
    /// The robots taking part (one, or several each behind its own node, meeting through a broker).
    public var robots: [MissionRobot]
    /// Path of the world file, resolved relative to the mission file.
    public var worldFile: String
    public var timeLimitS: Double
    /// The model the mission needs, when not the robot file's (a bundled name or a GGUF path), and why.
    public var model: String?
    public var modelReason: String?
    /// Simulated seconds per wall-clock second the mission is meant to run at (the command line may override).
    public var speed: Double?
    public var steps: [Step]
    public var file: String

    /// Path of the first robot's file (missions with one robot).
    public var robotFile: String { robots[0].file }
}

/// A robot in a mission, and how it starts.
public struct MissionRobot: Sendable, Equatable {
    /// Path of the robot file, resolved relative to the mission file.
    public var file: String
    public var start: Start

    public struct Start: Sendable, Equatable {
        /// Battery charge at the start (nil: the body's `battery.start_percent`).
        public var batteryPercent: Double?
        /// Where it starts (nil: the world's `robot_start`).
        public var place: String?
        public init(batteryPercent: Double? = nil, place: String? = nil) {
            self.batteryPercent = batteryPercent
            self.place = place
        }
    }
}

public struct Step: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case instruction(String)
        case estop
        case wait(seconds: Double)
        /// Someone else changes the world: the robot finds out through its sensors.
        case world([WorldChange])
    }
    /// When the runner moves on to the next step.
    public enum Until: String, Sendable, Equatable, CaseIterable {
        /// The bridge decided and the robot finished every action (or the timeout passed).
        case done
        /// The bridge decided (the robot may still be moving).
        case outcome
        /// The robot started its first action.
        case started
        /// The bridge acknowledged the command: the next step starts at once (a newer command can preempt this
        /// one while it is translated); this step is checked when the next one ends.
        case sent
    }
    /// Seconds from the mission start at which the step begins (nil: right after the previous one).
    public var atS: Double?
    public var kind: Kind
    /// Which robot (its id) the step is for; nil: the mission's first robot.
    public var robot: String?
    public var until: Until = .done
    /// Seconds (simulated) the step may take before its expectations are checked.
    public var timeoutS: Double
    /// The command's deadline, when not the robot file's latency budget.
    public var deadlineMs: Int?
    public var expect: [Expectation]
    /// Where the step is in the file (`file:line:column`), for reports.
    public var location: String = ""
}

/// A change to the simulated world during a mission.
public enum WorldChange: Sendable, Equatable {
    case moveObject(object: String, to: WorldObject.Location)
    case removeObject(String)
    case addObject(WorldObject)
    case closeDoor(String)
    case openDoor(String)
    case addObstacle(Obstacle)
}

public enum Expectation: Sendable, Equatable {
    case outcome(String)
    /// The outcome's reason contains this text.
    case reason(String)
    case robotAt(String)
    case holding(String?)
    case objectAt(object: String, place: String)
    case altitude(min: Double, max: Double)
    case landed(Bool)
    /// The actions published for the command, by name, in order.
    case actions([String])
    case batteryAbove(Double)
    /// A photo whose subject contains this text was taken during the step.
    case photoOf(String)
    /// The step finished within this many simulated seconds.
    case withinS(Double)
    /// An action failed with a reason containing this text.
    case failure(String)
    /// The robot is charging (on its dock).
    case charging(Bool)
}
