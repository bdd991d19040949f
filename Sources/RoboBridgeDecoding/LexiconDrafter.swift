import RoboBridgeConfig

/// A fast deterministic parser of the (normalized) instruction that proposes whole plans, from what the
/// robot file and the world say — nothing tuned to a corpus:
///
/// - **Templates from examples**: every example (the robot file's and the bank's generated ones) is
///   abstracted into a template: its words with entities replaced by their class and numbers by `<n>`,
///   and its plan with the arguments that came from the instruction replaced by slots: the i-th entity
///   mentioned, where the i-th mentioned object lies, the i-th number (or its negation). An instruction
///   of the same shape instantiates the template with its own entities and numbers.
/// - **Clauses**: an instruction that matches no template whole is split at "and", "then" and commas,
///   and each clause is matched by itself.
/// - **Nearest examples**: the examples retrieved for the instruction (the ones the model sees and
///   tends to copy) are instantiated with the instruction's own entities and numbers even when the
///   words differ.
/// - **Action words**: a clause that matches no template proposes the action whose name words it
///   contains, with its entity, enum and number arguments taken from the clause.
///
/// Candidates are proposed as drafts; the model verifies them, so a wrong parse costs a little time only.
public final class LexiconDrafter: Drafter {
    public let name = "lexicon"

    enum Slot: Hashable {
        case literal(ConfigValue)
        case entity(Int)
        case locationOf(Int)
        case number(Int, negated: Bool)
    }
    struct Template {
        var calls: [(name: String, args: [(String, Slot)])]
    }

    private let robot: Robot
    private let world: World?
    private let classOf: [String: String]
    private let locationOf: [String: String]
    private var templates: [[String]: [Template]] = [:]
    private var templateOf: [String: Template] = [:]
    private let texts: CandidateTexts
    private static let filler: Set<String> = ["the", "a", "an", "please", "now", "can", "could", "you", "would", "kindly", "just", "then", "and", ","]

    public init(robot: Robot, world: World?, examples: [(instruction: String, plan: [ActionCall])], tokenize: @escaping (String) -> [Int32]) {
        self.robot = robot
        self.world = world
        var classOf: [String: String] = [:]
        for (cls, members) in (world?.entityClasses ?? [:]).sorted(by: { $0.key < $1.key }) where cls != "room" {
            for m in members where classOf[m] == nil || cls == "object" || cls == "waypoint" { classOf[m] = cls }
        }
        self.classOf = classOf
        var locationOf: [String: String] = [:]
        for o in world?.objects ?? [] { if case .on(let s) = o.location { locationOf[o.name] = s } }
        self.locationOf = locationOf
        texts = CandidateTexts(tokenize: tokenize)
        for (instruction, plan) in examples {
            let (shape, entities, numbers) = analyse(instruction)
            guard let t = template(plan, entities: entities, numbers: numbers) else { continue }
            templates[shape, default: []].append(t)
            templateOf[instruction] = t
        }
    }

    /// The templates learnt, for tests and diagnostics.
    public var templateCount: Int { templates.values.map(\.count).reduce(0, +) }

    /// Words of an instruction with entities → `<class>` and numbers → `<n>`, filler words dropped;
    /// plus the entities and numbers in order.
    func analyse(_ instruction: String) -> (shape: [String], entities: [String], numbers: [Double]) {
        var shape: [String] = [], entities: [String] = [], numbers: [Double] = []
        for w in InstructionNormalizer.tokenize(instruction) where !Self.filler.contains(w) {
            if let c = classOf[w] { shape.append("<\(c)>"); entities.append(w) }
            else if let d = Double(w) { shape.append("<n>"); numbers.append(d) }
            else { shape.append(w) }
        }
        return (shape, entities, numbers)
    }

    private func template(_ plan: [ActionCall], entities: [String], numbers: [Double]) -> Template? {
        var calls: [(String, [(String, Slot)])] = []
        for call in plan {
            var args: [(String, Slot)] = []
            for a in call.arguments {
                var slot = Slot.literal(a.value)
                if case .string(let s) = a.value {
                    if let i = entities.firstIndex(of: s) { slot = .entity(i) }
                    else if let i = entities.firstIndex(where: { locationOf[$0] == s }) { slot = .locationOf(i) }
                    else if classOf[s] != nil { return nil }  // an entity the instruction does not name: not a template
                } else if let v = a.value.numeric, !numbers.isEmpty {
                    if let i = numbers.firstIndex(where: { abs($0 - v) < 1e-9 }) { slot = .number(i, negated: false) }
                    else if let i = numbers.firstIndex(where: { abs($0 + v) < 1e-9 }) { slot = .number(i, negated: true) }
                }
                args.append((a.name, slot))
            }
            calls.append((call.name, args))
        }
        return Template(calls: calls)
    }

    private func instantiate(_ t: Template, entities: [String], numbers: [Double]) -> [ActionCall]? {
        var out: [ActionCall] = []
        for (name, args) in t.calls {
            guard let action = robot.action(named: name) else { return nil }
            var call = ActionCall(name)
            for (pname, slot) in args {
                let p = action.parameter(named: pname)
                let value: ConfigValue
                switch slot {
                case .literal(let v): value = v
                case .entity(let i): guard i < entities.count else { return nil }; value = .string(entities[i])
                case .locationOf(let i): guard i < entities.count, let l = locationOf[entities[i]] else { return nil }; value = .string(l)
                case .number(let i, let negated):
                    guard i < numbers.count else { return nil }
                    let v = negated ? -numbers[i] : numbers[i]
                    value = p?.kind == .integer ? .integer(Int(v)) : .number(v)
                }
                call.arguments.append(.init(pname, value))
            }
            call = action.normalized(call)
            guard action.problem(with: call, world: world) == nil else { return nil }
            out.append(call)
        }
        return out
    }

    /// Plans for a whole instruction or clause from the templates of its shape.
    private func fromTemplates(_ text: String) -> [[ActionCall]] {
        let (shape, entities, numbers) = analyse(text)
        return (templates[shape] ?? []).compactMap { instantiate($0, entities: entities, numbers: numbers) }
    }

    /// The action whose name words the clause holds, with arguments from the clause.
    private func fromActionWords(_ text: String) -> [ActionCall]? {
        let words = InstructionNormalizer.tokenize(text)
        let (_, entities, numbers) = analyse(text)
        let set = Set(words)
        var best: (Action, Int)?
        for a in robot.actions {
            let nameWords = a.name.split(separator: "_").map(String.init)
            let hits = nameWords.filter { set.contains($0) }.count
            if hits > 0, hits == nameWords.count || hits >= 2, best == nil || hits > best!.1 { best = (a, hits) }
        }
        guard let (action, _) = best else { return nil }
        var call = ActionCall(action.name)
        var numberIndex = 0
        for p in action.parameters {
            switch p.kind {
            case .enum:
                if let cls = p.entityClass, let members = world?.entityClasses[cls], let e = entities.first(where: members.contains) {
                    call.arguments.append(.init(p.name, .string(e)))
                } else if let v = p.values?.first(where: set.contains) {
                    call.arguments.append(.init(p.name, .string(v)))
                }
            case .number, .integer:
                if numberIndex < numbers.count {
                    let v = numbers[numberIndex]
                    numberIndex += 1
                    call.arguments.append(.init(p.name, p.kind == .integer ? .integer(Int(v)) : .number(v)))
                }
            case .boolean:
                if set.contains("on") || set.contains("enable") { call.arguments.append(.init(p.name, .bool(true))) }
                else if set.contains("off") || set.contains("disable") { call.arguments.append(.init(p.name, .bool(false))) }
            case .string:
                break
            }
        }
        call = action.normalized(call)
        return action.problem(with: call, world: world) == nil ? [call] : nil
    }

    /// Candidate plans for an instruction, most trusted first.
    /// - Parameter nearest: instructions of the examples retrieved for it, most similar first.
    public func candidates(for instruction: String, nearest: [String] = []) -> [[ActionCall]] {
        var out = parsed(instruction)
        let (_, entities, numbers) = analyse(instruction)
        out += nearest.compactMap { templateOf[$0] }.compactMap { instantiate($0, entities: entities, numbers: numbers) }
        if Self.clauses(instruction).count <= 1, let single = fromActionWords(instruction) { out.append(single) }
        var seen = Set<[ActionCall]>()
        return out.filter { !$0.isEmpty && $0.count <= robot.limits.maxPlanActions && seen.insert($0).inserted }
    }

    /// The plans the instruction's own words give: a template of the same shape, or one per clause.
    public func parsed(_ instruction: String) -> [[ActionCall]] {
        var out = fromTemplates(instruction)
        let clauses = Self.clauses(instruction)
        if clauses.count > 1 {
            var plan: [ActionCall] = []
            for c in clauses {
                guard let part = fromTemplates(c).first ?? fromActionWords(c) else { plan = []; break }
                plan += part
            }
            if !plan.isEmpty { out.append(plan) }
        }
        var seen = Set<[ActionCall]>()
        return out.filter { !$0.isEmpty && $0.count <= robot.limits.maxPlanActions && seen.insert($0).inserted }
    }

    /// Splits at "and", "then", "and then", commas and semicolons.
    static func clauses(_ text: String) -> [String] {
        var out: [String] = [], current: [String] = []
        for w in InstructionNormalizer.tokenize(text) {
            if ["and", "then", ",", ";", "after", "afterwards"].contains(w) {
                if !current.isEmpty { out.append(current.joined(separator: " ")); current = [] }
            } else {
                current.append(w)
            }
        }
        if !current.isEmpty { out.append(current.joined(separator: " ")) }
        return out
    }

    /// Parses the instruction before decoding.
    public func reset(instruction: String, nearest: [String] = []) {
        texts.set(candidates(for: instruction, nearest: nearest).map(PlanText.render))
    }

    /// The parsed plans as a decoding guide (see `ConstrainedDecoder.decode`).
    public func guide(for instruction: String, bonus: Float) -> Guide? {
        let plans = parsed(instruction)
        return plans.isEmpty || bonus == 0 ? nil : Guide(plans: plans.map(PlanText.render), bonus: bonus)
    }

    public func propose(_ r: DraftRequest) -> [Int32] { texts.propose(r) }
}
