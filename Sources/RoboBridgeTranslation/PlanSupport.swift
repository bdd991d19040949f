import RoboBridgeConfig
import RoboBridgeDecoding

/// Whether each call of a plan is something the request asked for. A small model shown examples may go on past
/// the request and write the example's next calls ("go up to 20 m" → `change_altitude(20); hover(30)`), or start
/// with a call for a place nobody named. A call whose every checkable argument is neither written in the request
/// nor follows from it is dropped, as long as a call that is so grounded remains: the plan never empties here.
public struct PlanSupport {
    private let robot: Robot
    private let said: Set<String>
    private let numbers: [Double]
    private let entities: Set<String>
    /// Places that follow from what the request names: where a named object lies.
    private let implied: Set<String>
    /// The words an entity may be spoken of by, besides its name: the parts of its name, its color.
    private let wordsOf: [String: Set<String>]

    /// Whether the request speaks of an action by its words (for calls with no arguments to check).
    private let speaks: (String) -> Bool?

    /// - Parameters:
    ///   - normalized: the request as the normalizer left it (entities by their names, numbers in the robot's units).
    ///   - speaks: whether the request speaks of an action (`LexiconDrafter.speaks`); nil: not checked.
    public init(normalized: String, robot: Robot, world: World?, speaks: @escaping (String) -> Bool? = { _ in nil }) {
        self.robot = robot
        self.speaks = speaks
        let words = InstructionNormalizer.tokenize(normalized)
        said = Set(words)
        numbers = words.compactMap { InstructionNormalizer.number($0) }
        entities = Set(world?.entityNames ?? [])
        var implied = Set<String>()
        for o in world?.objects ?? [] where words.contains(o.name) { if case .on(let s) = o.location { implied.insert(s) } }
        self.implied = implied
        var wordsOf: [String: Set<String>] = [:]
        for name in entities { wordsOf[name] = Set(name.split(separator: "_").map(String.init).filter { $0.count >= 3 }) }
        for o in world?.objects ?? [] { if let c = o.color { wordsOf[o.name, default: []].insert(c.lowercased()) } }
        self.wordsOf = wordsOf
    }

    /// `calls` without those the request does not support, when one it supports remains.
    public func supported(_ calls: [ActionCall]) -> [ActionCall] {
        let v = calls.map(verdict)
        guard v.contains(true), v.contains(false) else { return calls }
        return zip(calls, v).filter { $0.1 != false }.map(\.0)
    }

    /// What of a plan decoded so far can go out before the plan ends, so that it is a start of `supported(plan)`
    /// whatever comes next: with a supported call among them, the calls not unsupported; before one, the calls up to
    /// the first unsupported one (it stays or goes with the rest of the plan).
    public func reportable(_ calls: [ActionCall]) -> [ActionCall] {
        let v = calls.map(verdict)
        if v.contains(true) { return zip(calls, v).filter { $0.1 != false }.map(\.0) }
        return zip(calls, v).prefix { $0.1 != false }.map(\.0)
    }

    /// true: an argument is written in the request or follows from it (a call with none: the request speaks of it);
    /// false: none is, and one could be checked; nil: nothing to check (defaults, booleans, choices).
    func verdict(_ call: ActionCall) -> Bool? {
        let action = robot.action(named: call.name)
        if call.arguments.isEmpty { return speaks(call.name) }
        let checks = call.arguments.compactMap { grounded($0.value, action?.parameter(named: $0.name)) }
        return checks.isEmpty ? nil : checks.contains(true)
    }

    private func grounded(_ value: ConfigValue, _ p: Parameter?) -> Bool? {
        if let d = p?.defaultValue, d == value { return nil }
        switch value {
        case .string(let s) where entities.contains(s):
            return said.contains(s) || implied.contains(s) || !(wordsOf[s] ?? []).isDisjoint(with: said)
        case .string(let s) where p?.kind == .string:
            let w = InstructionNormalizer.tokenize(s)
            return w.isEmpty ? nil : w.filter(said.contains).count * 2 >= w.count
        case .integer, .number:
            guard let v = value.numeric else { return nil }
            return numbers.contains { abs(abs($0) - abs(v)) < 0.0005 }
        case .list(let items): return items.compactMap { grounded($0, nil) }.contains(true)
        default: return nil
        }
    }
}
