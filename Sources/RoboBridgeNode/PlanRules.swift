import RoboBridgeConfig
import RoboBridgeProtocol

extension WireAction {
    /// The wire form of a call.
    public init(_ call: ActionCall) {
        self.init(name: call.name, args: call.arguments.map { ($0.name, JSONValue($0.value)) })
    }
}

extension JSONValue {
    /// The JSON form of a configuration value.
    public init(_ v: ConfigValue) {
        switch v {
        case .number(let d): self = .number(d)
        case .integer(let i): self = .integer(Int64(i))
        case .string(let s): self = .string(s)
        case .bool(let b): self = .bool(b)
        case .list(let items): self = .array(items.map(JSONValue.init))
        }
    }

    /// The configuration value of a JSON scalar or array of scalars; nil for objects and null.
    var configValue: ConfigValue? {
        switch self {
        case .number(let d): .number(d)
        case .integer(let i): Int(exactly: i).map { .integer($0) }
        case .string(let s): .string(s)
        case .bool(let b): .bool(b)
        case .array(let items):
            items.reduce(into: [ConfigValue]?([])) { acc, item in
                guard let v = item.configValue else { acc = nil; return }
                acc?.append(v)
            }.map { .list($0) }
        case .null, .object: nil
        }
    }
}

/// The robot file's rules for what may be published, checked on every action before it goes out —
/// independently of the planner and its grammar: names, argument types, ranges and entities, the plan
/// length, rates, confirmation, and the age of the sensor data a call that names the world relies on.
public struct PlanRules: Sendable {
    public let robot: Robot

    public init(robot: Robot) { self.robot = robot }

    /// Why the action at `index` of a plan may not be published, or nil.
    public func problem(_ action: WireAction, index: Int, world: World?) -> String? {
        guard index < robot.limits.maxPlanActions else {
            return "the plan has more than \(robot.limits.maxPlanActions) actions (limits.max_plan_actions)"
        }
        guard let schema = robot.action(named: action.name) else {
            return "\"\(action.name)\" is not an action of \(robot.id)"
        }
        var args: [ActionCall.Argument] = []
        for (name, value) in action.args {
            guard let v = value.configValue else { return "\(action.name).\(name): expected a value, got \(value.typeName)" }
            args.append(.init(name, v))
        }
        return schema.problem(with: ActionCall(action.name, args), world: world)
    }

    /// Whether the action names something of the world (a place, an object, a waypoint): such calls
    /// rely on where things are, which the sensors say.
    public func namesTheWorld(_ action: WireAction) -> Bool {
        robot.action(named: action.name)?.parameters.contains { $0.entityClass != nil } ?? false
    }

    public func requiresConfirmation(_ action: WireAction) -> Bool {
        robot.action(named: action.name)?.requiresConfirmation ?? false
    }

    /// The shortest time between two commands whose plans send this action (from `max_rate_hz`).
    public func minimumInterval(_ name: String) -> Duration? {
        guard let hz = robot.action(named: name)?.maxRateHz, hz > 0 else { return nil }
        return .nanoseconds(Int64((1e9 / hz).rounded()))
    }

    /// Why the sensor data is too old for a call that names the world, or nil when it is fresh enough
    /// (or the robot file sets no `limits.max_sensor_age_ms`).
    public func staleness(_ state: RobotState, at now: ContinuousClock.Instant) -> String? {
        guard let maxMs = robot.limits.maxSensorAgeMs else { return nil }
        guard let pose = state.poseReceived else { return "no sensor/pose reading yet (limits.max_sensor_age_ms is \(maxMs))" }
        for (name, received) in [("pose", pose)] + (state.objectsReceived.map { [("objects", $0)] } ?? []) {
            let age = durationMs(now - received)
            if age > Double(maxMs) {
                return "sensor/\(name) is \(Int(age)) ms old (limits.max_sensor_age_ms is \(maxMs))"
            }
        }
        return nil
    }
}

/// A duration in milliseconds, fractions kept.
public func durationMs(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}
