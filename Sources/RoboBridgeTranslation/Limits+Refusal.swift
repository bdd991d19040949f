import RoboBridgeDecoding
import RoboBridgeConfig

extension Limits {
    /// The robot with its numeric parameters' ranges widened for decoding: a hundred times their span past each
    /// end (a range that starts at 0 or above keeps 0 as its floor: no negative altitude or speed).
    static func widened(_ robot: Robot) -> Robot {
        var r = robot
        for i in r.actions.indices {
            for j in r.actions[i].parameters.indices {
                let p = r.actions[i].parameters[j]
                guard p.kind == .number || p.kind == .integer, p.minimum != nil || p.maximum != nil else { continue }
                let lo = p.minimum ?? -1e6, hi = p.maximum ?? 1e6
                let span = max(hi - lo, 1)
                r.actions[i].parameters[j].minimum = lo >= 0 ? 0 : lo - 100 * span
                r.actions[i].parameters[j].maximum = hi + 100 * span
            }
        }
        return r
    }

    /// The first number of a plan outside its parameter's range in the robot file, as a person reads it
    /// ("100 m is above the drone's limit of 30 m for takeoff.altitude_m"); nil when every number is within.
    static func violation(in calls: [ActionCall], robot: Robot) -> String? {
        for c in calls {
            guard let action = robot.action(named: c.name) else { continue }
            for a in c.arguments {
                guard let p = action.parameter(named: a.name), let v = a.value.numeric else { continue }
                let unit = p.unit.map { " \($0)" } ?? ""
                let value = PlanText.literal(.number(v))
                if let hi = p.maximum, v > hi {
                    return "\(value)\(unit) is above the \(robot.id)'s limit of \(PlanText.literal(.number(hi)))\(unit) for \(c.name).\(a.name)"
                }
                if let lo = p.minimum, v < lo {
                    return "\(value)\(unit) is below the \(robot.id)'s limit of \(PlanText.literal(.number(lo)))\(unit) for \(c.name).\(a.name)"
                }
            }
        }
        return nil
    }
}
