import RoboBridgeDecoding
import RoboBridgeConfig

/// Few-shot examples chosen per instruction. Small models copy the pattern of the example nearest to
/// the question, so the examples most similar to the instruction go last, right before it.
///
/// The bank holds the robot file's examples plus examples generated from the schema and the world
/// (one per action, with the world's entities as arguments). Similarity is word overlap after entity
/// names are replaced by their class (`kitchen` and `bedroom` are both `<place>`), so "go to the
/// bedroom" finds "go to the kitchen".
public struct ExampleBank: Sendable {
    public struct Entry: Sendable {
        public var instruction: String
        public var plan: String
        let shape: Set<String>
    }

    public let entries: [Entry]
    private let classOf: [String: String]

    /// The entries with their plans parsed for `robot` (what a `LexiconDrafter` learns from).
    public func plans(for robot: Robot) -> [(instruction: String, plan: [ActionCall])] {
        entries.compactMap { e in PlanText.parse(e.plan, robot: robot).map { (e.instruction, $0) } }
    }

    public init(robot: Robot, world: World?, normalizer: InstructionNormalizer) {
        let classOf = Self.entityClass(in: world)
        self.classOf = classOf
        var entries: [(String, String)] = robot.examples.map { (normalizer.normalize($0.instruction), PlanText.render($0.plan)) }
        // One generated example per action: its name as words, with arguments from the world or the schema.
        let classes = world?.entityClasses ?? [:]
        for action in robot.actions {
            var words = action.name.split(separator: "_").map(String.init)
            var args: [ActionCall.Argument] = []
            var ok = true
            for p in action.parameters where p.required {
                switch p.kind {
                case .enum:
                    guard let v = p.values?.first ?? p.entityClass.flatMap({ classes[$0]?.last }) else { ok = false; break }
                    args.append(.init(p.name, .string(v)))
                    words.append(contentsOf: ["the", v])
                case .number, .integer:
                    let lo = p.minimum ?? 0, hi = p.maximum ?? 10
                    let v = max(lo, min(hi, (lo + hi) / 2 == 0 ? hi / 2 : (lo + hi) / 2)).rounded()
                    args.append(.init(p.name, p.kind == .integer ? .integer(Int(v)) : .number(v)))
                    words.append(contentsOf: [String(Int(v))] + (p.unit.map { [$0] } ?? []))
                case .boolean:
                    args.append(.init(p.name, .bool(true)))
                    words.append("on")
                case .string:
                    args.append(.init(p.name, .string("hello")))
                    words.append("hello")
                }
            }
            guard ok else { continue }
            // Array parameters get the value found as their items (as many as they need, at least one).
            args = args.map { arg in
                guard let shape = action.parameter(named: arg.name)?.list else { return arg }
                return .init(arg.name, .list(Array(repeating: arg.value, count: min(max(shape.minItems, 1), shape.maxItems))))
            }
            entries.append((words.joined(separator: " "), PlanText.render([action.normalized(ActionCall(action.name, args))])))
        }
        // Two-step examples from consecutive generated ones: "<first> and then <second>" → both calls.
        let generated = entries.suffix(robot.actions.count)
        for (x, y) in zip(generated, generated.dropFirst()) {
            entries.append(("\(x.0) and then \(y.0)", x.1 + "\n" + y.1))
        }
        // Requests that no action serves, for most robots: chit-chat, knowledge, other devices. One that
        // shares a word with an action's name or description (a tool set that sends messages) is left out.
        let actionWords = Set(robot.actions.flatMap { a in
            (a.name.split(separator: "_").map(String.init) + InstructionNormalizer.tokenize(a.description)).filter { $0.count > 3 }
        })
        for request in ["tell me a story", "what day is it today", "who made you", "send a text message to my friend",
                        "how tall is the eiffel tower", "book a table at a restaurant"]
        where InstructionNormalizer.tokenize(request).allSatisfy({ !actionWords.contains($0) }) {
            entries.append((request, "none"))
        }
        var seen = Set<String>()
        let classOfCopy = classOf
        self.entries = entries.filter { seen.insert($0.0).inserted }.map { Entry(instruction: $0.0, plan: $0.1, shape: Self.shape($0.0, classOfCopy)) }
    }

    /// Each entity's class for matching (`object` and `waypoint` win over `place`; rooms left out).
    static func entityClass(in world: World?) -> [String: String] {
        var classOf: [String: String] = [:]
        for (cls, members) in (world?.entityClasses ?? [:]).sorted(by: { $0.key < $1.key }) where cls != "room" {
            for m in members where classOf[m] == nil || cls == "object" || cls == "waypoint" { classOf[m] = cls }
        }
        return classOf
    }

    static func shape(_ text: String, _ classOf: [String: String]) -> Set<String> {
        Set(text.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" && $0 != "." }).map { w in
            let s = String(w)
            if let c = classOf[s] { return "<\(c)>" }
            if InstructionNormalizer.number(s) != nil { return "<number>" }
            return s
        })
    }

    /// The `k` entries most similar to a (normalized) instruction, least similar first.
    public func select(for instruction: String, k: Int) -> [Entry] {
        let q = Self.shape(instruction, classOf)
        let scored = entries.enumerated().map { (i, e) -> (Double, Int) in
            let inter = Double(q.intersection(e.shape).count)
            let union = Double(q.union(e.shape).count)
            return (union == 0 ? 0 : inter / union, i)
        }
        return scored.sorted { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }.prefix(k).reversed().map { entries[$0.1] }
    }
}
