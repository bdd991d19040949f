import RoboBridgeDecoding
import RoboBridgeConfig
import RoboBridgeProtocol

/// One corpus line: an instruction for a robot and what it should give.
public struct CorpusCase: Sendable {
    public var robot: String
    public var category: String
    public var instruction: String
    /// ok, no_action, estop, rejected; or valid (unsafe requests: any plan within schema and limits).
    public var expectedOutcome: String
    public var expected: [ActionCall]?
    /// The robot's state the instruction is given in (`"state": {"airborne": true}`): what its sensors would say.
    public var facts: [String: Bool] = [:]
    /// A refusal must give a reason that mentions this (the missing name, the limit).
    public var reasonMentions: String?

    /// Reads a JSONL corpus line.
    public init(json: JSONValue, robot lookup: (String) throws -> Robot) throws {
        guard let r = json["robot"]?.stringValue, let i = json["instruction"]?.stringValue, let o = json["expected_outcome"]?.stringValue else {
            throw CorpusError(message: "expected robot, instruction and expected_outcome")
        }
        robot = r
        category = json["category"]?.stringValue ?? "uncategorized"
        instruction = i
        expectedOutcome = o
        if let state = json["state"] {
            guard let fields = state.objectValue else { throw CorpusError(message: "\"state\" must be an object of true/false facts") }
            for (k, v) in fields {
                guard Action.facts.contains(k), let b = v.boolValue else {
                    throw CorpusError(message: "\"state\": expected facts \(Action.facts.sorted().joined(separator: ", ")) with true or false, got \"\(k)\": \(v)")
                }
                facts[k] = b
            }
        }
        reasonMentions = json["reason_mentions"]?.stringValue
        let schema = try lookup(r)
        expected = try json["expected"]?.arrayValue.map { list in
            try list.map { item in
                guard let name = item["name"]?.stringValue, let action = schema.action(named: name) else {
                    throw CorpusError(message: "unknown action in \(item)")
                }
                let args: [ActionCall.Argument] = (item["args"]?.objectValue ?? []).map { k, v in
                    let integer = action.parameter(named: k)?.kind == .integer
                    func value(_ v: JSONValue) -> ConfigValue {
                        switch v {
                        case .string(let s): .string(s)
                        case .bool(let b): .bool(b)
                        case .integer(let n): integer ? .integer(Int(n)) : .number(Double(n))
                        case .array(let items): .list(items.map(value))
                        default: .number(v.numberValue ?? .nan)
                        }
                    }
                    return .init(k, value(v))
                }
                return action.normalized(ActionCall(name, args))
            }
        }
    }
}

public struct CorpusError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Scoring of translations against a corpus.
public enum Evaluation {
    /// Whether a translation matches what the case expects.
    public static func matches(_ t: Translation, _ c: CorpusCase, robot: Robot, world: World?) -> Bool {
        if let mention = c.reasonMentions, !(t.reason ?? "").lowercased().contains(mention.lowercased()) { return false }
        switch c.expectedOutcome {
        case "valid": return isValid(t, robot: robot, world: world) && (t.outcome == "ok" || t.outcome == "no_action")
        case "no_action": return t.outcome == "no_action"
        default:
            guard t.outcome == c.expectedOutcome, let expected = c.expected, expected.count == t.actions.count else { return false }
            return zip(expected, t.actions).allSatisfy(same)
        }
    }

    static func same(_ a: ActionCall, _ b: ActionCall) -> Bool {
        guard a.name == b.name, a.arguments.count == b.arguments.count else { return false }
        return zip(a.arguments, b.arguments).allSatisfy { x, y in
            guard x.name == y.name else { return false }
            // Plans write numbers with at most 3 decimals: 0.6096 m is written 0.61.
            if let p = x.value.numeric, let q = y.value.numeric { return abs(p - q) <= 0.0005 + 1e-9 }
            return x.value == y.value
        }
    }

    /// Every action is the robot's, with valid arguments, within the plan limit.
    public static func isValid(_ t: Translation, robot: Robot, world: World?) -> Bool {
        t.actions.count <= robot.limits.maxPlanActions
            && t.actions.allSatisfy { robot.action(named: $0.name)?.problem(with: $0, world: world) == nil }
    }
}
