/// The robot's body, as the simulator plays it (and as a real robot's driver would describe it): its
/// kinematics, reach, sensors, battery and watchdog, and what each of its actions does.
public struct Body: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A wheeled base turning in place (speed and turn-rate limits), with a gripper of some reach.
        case differentialDrive = "differential_drive"
        /// A multirotor: a 3D point mass with a climb rate and a ceiling.
        case multirotor
        /// A fixed arm: a gripper moving inside a reach envelope around its base.
        case arm
    }

    /// What the simulator does for an action. Each takes the action's parameters in order (units
    /// converted from the parameter's `unit`).
    public enum Behaviour: String, Sendable, CaseIterable {
        /// Drive (a planned path around walls and obstacles) to a place: 1 entity parameter.
        case goTo = "go_to"
        /// Drive straight by a distance (negative: back): 1 number (length).
        case drive
        /// Turn in place by an angle (positive: counter-clockwise): 1 number (angle).
        case turn
        /// Pick an object within reach: 1 entity parameter.
        case pick
        /// Put the held object on a place or surface within reach: 1 entity parameter.
        case place
        /// Set the driving (or flying) speed: 1 number (speed).
        case setSpeed = "set_speed"
        /// Drive to the body's dock place and charge.
        case dock
        /// Take off to an altitude: 1 number (length).
        case takeoff
        /// Descend and land where the robot is.
        case land
        /// Fly to a waypoint at the current altitude: 1 entity parameter.
        case flyTo = "fly_to"
        /// Climb or descend to an altitude: 1 number (length).
        case changeAltitude = "change_altitude"
        /// Hold position for a time: 1 number (duration).
        case hover
        /// Record a photo of a subject with the position and time: 1 string.
        case photo
        /// Fly back to the start pose and land.
        case returnHome = "return_home"
        /// Move the gripper by an offset: up to 3 numbers (lengths: x, y, z).
        case moveBy = "move_by"
        /// Suction on (grip what is under the gripper) or off (release it): 1 boolean.
        case suction
        /// Motion profile (precise, normal, fast): 1 enum parameter.
        case setMode = "set_mode"
        /// Count the visible objects of a kind: 1 string.
        case count
        /// Move the gripper (or the robot) back to its start pose.
        case home
        /// Say something (recorded): 1 string.
        case say
        /// Stop all motion and drop every queued action.
        case stop

        /// What the behaviour makes true or false of the robot's state (the facts an action's `when` names), once it
        /// has run: a takeoff leaves the robot in the air, a pick holding something.
        public var effects: [String: Bool] {
            switch self {
            case .takeoff: ["airborne": true]
            case .land, .returnHome: ["airborne": false]
            case .pick: ["holding": true]
            case .place: ["holding": false]
            default: [:]
            }
        }
    }

    public var kind: Kind
    /// Footprint radius (ground robots) or rotor radius, for collisions.
    public var radiusM: Double = 0.25
    public var maxSpeedMps: Double = 0.5
    public var maxTurnRateDegS: Double = 90
    /// Vertical speed (multirotor) in m/s.
    public var climbRateMps: Double = 1.5
    /// Multirotor: the highest it may fly (nil: no limit beyond the actions' own).
    public var ceilingM: Double?
    /// The gripper's reach: from the robot's centre (ground robots) or from the base (arms).
    public var reachM: Double = 0.8
    /// Arms: the closest the gripper comes to its own base.
    public var minReachM: Double = 0
    /// Objects closer than this are reported on `sensor/objects`.
    public var sensorRangeM: Double = 4
    /// The place `dock` drives to (ground robots).
    public var dockPlace: String?
    public var battery: Battery?
    /// No bridge heartbeat for this long and the robot stops.
    public var watchdogTimeoutMs: Int = 1500
    /// Action name → what the simulator does for it.
    public var behaviours: [String: Behaviour] = [:]

    public init(kind: Kind) { self.kind = kind }

    public struct Battery: Sendable, Equatable {
        public var startPercent: Double = 100
        /// Drain per metre travelled.
        public var drainPercentPerM: Double = 0.2
        /// Drain per second, whatever the robot does (multirotors: per second in the air).
        public var drainPercentPerS: Double = 0.01
        /// Charge per second while docked.
        public var chargePercentPerS: Double = 1
        public init() {}
    }
}

extension Body.Behaviour {
    /// The body kinds that can do it (nil: every kind).
    public var kinds: Set<Body.Kind>? {
        switch self {
        case .goTo, .drive, .turn, .dock: [.differentialDrive]
        case .takeoff, .land, .flyTo, .changeAltitude, .returnHome: [.multirotor]
        case .moveBy, .suction: [.arm]
        case .setSpeed: [.differentialDrive, .multirotor]
        case .hover: [.multirotor]
        case .pick, .place: [.differentialDrive, .arm]
        case .photo, .setMode, .count, .home, .say, .stop: nil
        }
    }

    /// What the action's parameters must be, in order: "entity", "length", "angle", "speed", "duration",
    /// "string", "boolean", "enum".
    public var parameters: [String] {
        switch self {
        case .goTo, .pick, .place, .flyTo: ["entity"]
        case .drive, .takeoff, .changeAltitude: ["length"]
        case .turn: ["angle"]
        case .setSpeed: ["speed"]
        case .hover: ["duration"]
        case .photo, .count, .say: ["string"]
        case .moveBy: ["length", "length", "length"]
        case .suction: ["boolean"]
        case .setMode: ["enum"]
        case .dock, .land, .returnHome, .home, .stop: []
        }
    }
}

/// Units a parameter may carry, as the factor to the simulator's (metres, degrees, seconds, m/s).
public enum Units {
    public static let length: [String: Double] = ["m": 1, "meter": 1, "metre": 1, "cm": 0.01, "mm": 0.001, "km": 1000, "ft": 0.3048, "in": 0.0254]
    public static let angle: [String: Double] = ["deg": 1, "degree": 1, "°": 1, "rad": 180 / Double.pi]
    public static let duration: [String: Double] = ["s": 1, "sec": 1, "second": 1, "ms": 0.001, "min": 60, "h": 3600]
    public static let speed: [String: Double] = ["m/s": 1, "km/h": 1 / 3.6, "cm/s": 0.01, "mph": 0.44704]

    /// The table for a dimension name ("length", ...), nil for the others.
    public static func table(_ dimension: String) -> [String: Double]? {
        switch dimension {
        case "length": length
        case "angle": angle
        case "duration": duration
        case "speed": speed
        default: nil
        }
    }
}
