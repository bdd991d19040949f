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
        // (With the words of the names it says: "count the blue_block" says "blue blocks".)
        said = Set(words + words.filter { $0.contains("_") }.flatMap { $0.split(separator: "_").map(String.init) })
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

    /// `calls` without those the request does not support, when one it supports remains; and without a call of no
    /// arguments that the call before it already does (`implies`).
    public func supported(_ calls: [ActionCall]) -> [ActionCall] {
        let v = calls.map(verdict)
        let kept = v.contains(true) && v.contains(false) ? zip(calls, v).filter { $0.1 != false }.map(\.0) : calls
        return Self.withoutImplied(kept, robot: robot)
    }

    /// Whether `a` does what `b` does, by `a`'s description: `b` takes no arguments and its name is a verb of that
    /// description after "and" ("return_home: Fly back to the home pad and land." → `land`).
    static func implies(_ a: Action, _ b: Action) -> Bool {
        guard a.name != b.name, b.parameters.isEmpty else { return false }
        let words = InstructionNormalizer.tokenize(a.description)
        let name = b.name.split(separator: "_").map(String.init)
        return words.indices.contains { i in
            i > 0 && words[i - 1] == "and" && i + name.count <= words.count && Array(words[i..<(i + name.count)]) == name
        }
    }

    /// The plan without a call its predecessor already does ("return_home(); land()" → "return_home()"), and with a
    /// call to the place an action of no arguments goes to followed by what that action does after it, as that action
    /// ("fly_to(home_pad); land()" → "return_home()": "Fly back to the home pad and land.").
    static func withoutImplied(_ calls: [ActionCall], robot: Robot) -> [ActionCall] {
        var out: [ActionCall] = []
        for c in calls {
            if let last = out.last, c.arguments.isEmpty, let b = robot.action(named: c.name) {
                if let a = robot.action(named: last.name), implies(a, b) { continue }
                if let whole = wholeAction(last, then: b, robot: robot) {
                    out[out.count - 1] = ActionCall(whole.name)
                    continue
                }
                // A call to the place the action goes to by itself ("navigate_to(charging_dock); dock()": "Drive to the
                // charging dock and start charging.").
                if goesBy(b, to: last) {
                    out[out.count - 1] = c
                    continue
                }
            }
            out.append(c)
        }
        return out
    }

    /// The action of no arguments whose description goes to the place `call` goes to and then does `then`.
    static func wholeAction(_ call: ActionCall, then: Action?, robot: Robot) -> Action? {
        guard call.arguments.count == 1, case .string(let place) = call.arguments[0].value else { return nil }
        let words = place.split(separator: "_").map(String.init)
        return robot.actions.first { a in
            a.parameters.isEmpty && a.name != call.name && (then.map { implies(a, $0) } ?? robot.actions.contains { implies(a, $0) })
                && Set(InstructionNormalizer.tokenize(a.description)).isSuperset(of: words)
        }
    }

    /// Whether an action of no arguments goes by itself to the place `call` goes to: its description names the place
    /// ("dock: Drive to the charging dock and …" for `navigate_to(target="charging_dock")`).
    static func goesBy(_ action: Action, to call: ActionCall) -> Bool {
        guard action.parameters.isEmpty, action.name != call.name, call.arguments.count == 1, case .string(let place) = call.arguments[0].value
        else { return false }
        let words = place.split(separator: "_").map(String.init)
        let described = InstructionNormalizer.tokenize(action.description)
        // The place's words one after another in the description, after a word of going ("to", "back to").
        return described.indices.contains { i in
            i > 0 && ["to", "at", "the"].contains(described[i - 1]) && i + words.count <= described.count && Array(described[i..<(i + words.count)]) == words
        }
    }

    /// Streamed calls hold back a last call that the next one may turn into another (`wholeAction`, `goesBy`).
    static func holdingBack(_ calls: [ActionCall], robot: Robot) -> [ActionCall] {
        guard let last = calls.last, wholeAction(last, then: nil, robot: robot) != nil || robot.actions.contains(where: { goesBy($0, to: last) })
        else { return calls }
        return Array(calls.dropLast())
    }

    /// What of a plan decoded so far can go out before the plan ends, so that it is a start of `supported(plan)`
    /// whatever comes next: with a supported call among them, the calls not unsupported; before one, the calls up to
    /// the first unsupported one (it stays or goes with the rest of the plan).
    public func reportable(_ calls: [ActionCall]) -> [ActionCall] {
        let v = calls.map(verdict)
        let kept = v.contains(true) ? zip(calls, v).filter { $0.1 != false }.map(\.0) : zip(calls, v).prefix { $0.1 != false }.map(\.0)
        return Self.holdingBack(Self.withoutImplied(kept, robot: robot), robot: robot)
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
            return w.isEmpty ? nil : w.filter { said.contains($0) || said.contains(Refusals.singular($0)) }.count * 2 >= w.count
        case .integer, .number:
            guard let v = value.numeric else { return nil }
            return numbers.contains { abs(abs($0) - abs(v)) < 0.0005 }
        case .list(let items): return items.compactMap { grounded($0, nil) }.contains(true)
        default: return nil
        }
    }
}
