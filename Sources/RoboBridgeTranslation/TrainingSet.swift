import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeEngine

/// Instructions and their plans made from a robot file and its world alone, for fine-tuning the model on that robot:
/// every action with varied verbs (its name's words and everyday synonyms), entities by name and by the world's aliases,
/// word orders, politeness, indirect requests,
/// numbers in words and digits with their units, typos, two-step sequences, and refusals (`none`) for entities the world
/// lacks and requests no action serves. Each example belongs to a template family; the split keeps whole families out
/// of training, so validation measures phrasings the training never saw.
public struct TrainingSet: Sendable {
    public struct Example: Sendable, Equatable {
        public var instruction: String
        public var plan: String
        /// The template family (frame and verb) it was written from.
        public var family: String
    }

    public var train: [Example]
    public var validation: [Example]

    /// - Parameters:
    ///   - count: how many examples to make (before the split).
    ///   - validationShare: about this share of the families goes to validation.
    public init(robot: Robot, world: World?, count: Int = 2000, validationShare: Double = 0.2, seed: UInt64 = 1) {
        var rng = SplitMix64(seed: seed)
        let classes = world?.entityClasses ?? [:]
        // The world's other names for its entities ("lounge" for living_room): asked for by those too.
        var aliasesOf: [String: [String]] = [:]
        for (alias, name) in (world?.aliases ?? [:]).sorted(by: { $0.key < $1.key }) { aliasesOf[name, default: []].append(alias) }
        let singles = robot.actions.compactMap { Self.Phrasing(action: $0, classes: classes, aliasesOf: aliasesOf) }
        // Plans as the robot's examples make them: the calls they always show first (navigate_to where an object lies
        // before pick) are part of the plan.
        let bank = ExampleBank(robot: robot, world: world, normalizer: InstructionNormalizer(robot: robot, world: world))
        let lexicon = LexiconDrafter(robot: robot, world: world, examples: bank.plans(for: robot), tokenize: { _ in [] })
        var all: [Example] = []
        let frames = Self.frames
        var attempts = 0
        while all.count < count, attempts < count * 20, !singles.isEmpty {
            attempts += 1
            let kind = Int(rng.next() % 20)
            let frame = Int(rng.next() % UInt64(frames.count))
            if kind == 0 {
                // Something the world lacks, asked for with a real verb: refused.
                let missing = Self.absent[Int(rng.next() % UInt64(Self.absent.count))]
                guard let p = singles.first(where: { $0.takesPlace }) else { continue }
                let verb = p.verbs[Int(rng.next() % UInt64(p.verbs.count))]
                all.append(Example(instruction: Self.apply(frames[frame], "\(verb) the \(missing)"), plan: "none", family: "absent/\(frame)"))
            } else if kind == 1 {
                let request = Self.offTopic[Int(rng.next() % UInt64(Self.offTopic.count))]
                all.append(Example(instruction: Self.apply(frames[frame], request), plan: "none", family: "off-topic/\(frame)"))
            } else if kind < 10, let world, !robot.examples.isEmpty {
                // One of the robot's own examples, its entities swapped for others of their kind.
                let i = Int(rng.next() % UInt64(robot.examples.count))
                guard let (text, plan) = Self.refill(robot.examples[i], world: world, aliasesOf: aliasesOf, &rng) else { continue }
                all.append(Example(instruction: Self.apply(frames[frame], text), plan: PlanText.render(lexicon.withPrerequisites(plan)),
                                   family: "example\(i)/\(frame)"))
            } else if kind < 13, singles.count > 1 {
                let a = singles[Int(rng.next() % UInt64(singles.count))], b = singles[Int(rng.next() % UInt64(singles.count))]
                guard let (ta, ca, _) = a.make(&rng), let (tb, cb, _) = b.make(&rng) else { continue }
                let joiner = ["and then", ", then", "and after that", "then"][Int(rng.next() % 4)]
                all.append(Example(instruction: Self.apply(frames[frame], "\(ta) \(joiner) \(tb)").replacingOccurrences(of: " ,", with: ","),
                                   plan: PlanText.render(lexicon.withPrerequisites([ca, cb])), family: "two/\(frame)"))
            } else {
                let a = singles[Int(rng.next() % UInt64(singles.count))]
                guard let (text, call, verb) = a.make(&rng) else { continue }
                var instruction = Self.apply(frames[frame], text)
                if rng.next() % 8 == 0 { instruction = Self.typo(instruction, &rng) }
                all.append(Example(instruction: instruction, plan: PlanText.render(lexicon.withPrerequisites([call])), family: "\(a.action.name)/\(verb)/\(frame)"))
            }
        }
        var seen = Set<String>()
        all = all.filter { seen.insert($0.instruction).inserted }
        let families = Set(all.map(\.family)).sorted()
        var held = Set<String>()
        for f in families where Double(Self.hash(f) % 1000) / 1000 < validationShare { held.insert(f) }
        train = all.filter { !held.contains($0.family) }
        validation = all.filter { held.contains($0.family) }
    }

    /// How a request is framed: politeness, indirection, word order (`{}` is the request itself).
    static let frames = ["{}", "please {}", "{} please", "could you {}", "can you {}", "would you {}", "I need you to {}",
                         "I'd like you to {}", "{}, thanks", "hey robot, {}", "go ahead and {}", "you should {}",
                         "it would help if you could {}", "{} now", "quickly {}", "when you can, {}", "my request: {}"]
    static let absent = ["garage", "attic", "swimming pool", "basement", "office", "garden shed", "piano", "red bicycle", "toolbox"]
    static let offTopic = ["tell me a joke", "what time is it", "play some music", "order a pizza", "what's the weather tomorrow",
                           "turn on the television", "call my mother", "who won the game last night", "translate hello into French"]

    static func apply(_ frame: String, _ text: String) -> String { frame.replacingOccurrences(of: "{}", with: text) }

    /// A robot example with the entities its instruction names swapped for others of the same kind, the place an
    /// object lies on moving with it ("bring the apple to the coffee table" → "bring the keys to the bedroom":
    /// navigate_to(coffee_table), pick(keys), navigate_to(bedroom), place(bedroom)); nil when no consistent swap is
    /// found. Numbers and free text stay as the example has them.
    static func refill(_ example: RoboBridgeConfig.Example, world: World, aliasesOf: [String: [String]], _ rng: inout SplitMix64) -> (String, [ActionCall])? {
        var text = example.instruction.lowercased()
        var locationOf: [String: String] = [:]
        for o in world.objects { if case .on(let s) = o.location { locationOf[o.name] = s } }
        let kindOf: [String: String] = Dictionary(world.entityNames.map { name in
            (name, world.object(named: name) != nil ? "object" : world.surfaces.contains { $0.name == name } ? "surface" : "place")
        }, uniquingKeysWith: { a, _ in a })
        // The entities said, longest name first, each span once ("kitchen counter" before "kitchen").
        var said: [(name: String, range: Range<String.Index>)] = []
        for name in world.entityNames.sorted(by: { $0.count > $1.count }) {
            let words = name.replacingOccurrences(of: "_", with: " ")
            guard let r = text.range(of: words), !said.contains(where: { $0.range.overlaps(r) }) else { continue }
            let before = r.lowerBound == text.startIndex || !text[text.index(before: r.lowerBound)].isLetter
            let after = r.upperBound == text.endIndex || !text[r.upperBound].isLetter
            if before, after { said.append((name, r)) }
        }
        guard !said.isEmpty else { return nil }
        var map: [String: String] = [:]
        let used = Set(example.plan.flatMap { $0.arguments.compactMap { if case .string(let v) = $0.value { v } else { nil } } } + said.map(\.name))
        // Objects first: the place an object lies on follows it.
        for (name, _) in said.sorted(by: { kindOf[$0.name] == "object" && kindOf[$1.name] != "object" }) where map[name] == nil {
            let kind = kindOf[name]
            let others = world.entityNames.filter { kindOf[$0] == kind && $0 != name && !used.contains($0) && !map.values.contains($0) }
            guard !others.isEmpty else { return nil }
            let other = others[Int(rng.next() % UInt64(others.count))]
            map[name] = other
            // The place the object lies on moves with it, said or not.
            if let from = locationOf[name], let to = locationOf[other], from != to {
                if let earlier = map[from], earlier != to { return nil }
                if map.values.contains(to) && map[from] != to { return nil }
                map[from] = to
            }
        }
        // Every name still used must stay distinct from the ones swapped in.
        let kept = used.filter { map[$0] == nil }
        guard Set(map.values).isDisjoint(with: kept), Set(map.values).count == map.count else { return nil }
        for (name, range) in said.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
            guard let to = map[name] else { continue }
            let names = aliasesOf[to] ?? []
            let spoken = !names.isEmpty && rng.next() % 4 == 0 ? names[Int(rng.next() % UInt64(names.count))] : to
            text.replaceSubrange(range, with: spoken.replacingOccurrences(of: "_", with: " "))
        }
        let plan = example.plan.map { call in
            ActionCall(call.name, call.arguments.map { a in
                if case .string(let v) = a.value, let to = map[v] { .init(a.name, .string(to)) } else { a }
            })
        }
        return (text, plan)
    }

    static func typo(_ text: String, _ rng: inout SplitMix64) -> String {
        var words = text.split(separator: " ").map(String.init)
        let long = words.indices.filter { words[$0].count >= 5 && words[$0].allSatisfy(\.isLetter) }
        guard !long.isEmpty else { return text }
        let i = long[Int(rng.next() % UInt64(long.count))]
        var chars = Array(words[i])
        let j = 1 + Int(rng.next() % UInt64(chars.count - 2))
        chars.swapAt(j, j + 1)
        words[i] = String(chars)
        return words.joined(separator: " ")
    }

    static func hash(_ s: String) -> UInt64 {
        var h: UInt64 = 1469598103934665603
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return h
    }

    /// One action's ways of being asked for.
    struct Phrasing {
        let action: Action
        let verbs: [String]
        let classes: [String: [String]]
        let aliasesOf: [String: [String]]
        var takesPlace: Bool { action.parameters.contains { $0.entityClass == "place" } }

        init?(action: Action, classes: [String: [String]], aliasesOf: [String: [String]] = [:]) {
            self.action = action
            self.classes = classes
            self.aliasesOf = aliasesOf
            let words = action.name.split(separator: "_").map(String.init)
            var verbs = [words.joined(separator: " ")]
            if words.count >= 2, action.parameters.contains(where: { $0.kind == .number || $0.kind == .integer }),
               !action.parameters.contains(where: { $0.entityClass != nil }) {
                // A verb and what it sets ("set_speed"): "set the speed to 0.5 m/s", "set the pace to …"; comparatives
                // ("faster") are no nouns.
                let nouns = words.dropFirst().joined(separator: " ")
                verbs = ["\(words[0]) the \(nouns) to", "change the \(nouns) to"]
                for w in words.dropFirst() { verbs += (LexiconDrafter.synonyms[w] ?? []).filter { !$0.hasSuffix("er") }.map { "\(words[0]) the \($0) to" } }
            } else {
                for w in words { verbs += LexiconDrafter.synonyms[w] ?? [] }
            }
            // Before a place: a verb of going takes "to" ("drive to the kitchen", and "go to" too); any other verb acts
            // on what the robot holds ("put it on the dining table" is place, never "go to the dining table").
            if action.parameters.contains(where: { $0.entityClass == "place" }) {
                let going: Set<String> = ["go", "drive", "travel", "navigate", "head", "move", "fly", "walk", "roll", "proceed", "return"]
                verbs = verbs.contains { going.contains(String($0.prefix { $0 != " " })) }
                    ? verbs.map { $0.hasSuffix(" to") || $0 == "visit" ? $0 : $0 + " to" } + ["go to", "head over to"]
                    : verbs.map { $0 + " it on" }
            }
            self.verbs = Array(Set(verbs)).sorted()
        }

        /// An instruction for this action, its call and the verb used; nil when an argument has no value to take.
        func make(_ rng: inout SplitMix64) -> (String, ActionCall, String)? {
            let verb = verbs[Int(rng.next() % UInt64(verbs.count))]
            var text = verb
            var args: [ActionCall.Argument] = []
            for p in action.parameters where p.required || rng.next() % 2 == 0 {
                switch p.kind {
                case .enum:
                    let values = p.values ?? p.entityClass.flatMap { classes[$0] } ?? []
                    guard !values.isEmpty else { return nil }
                    let v = values[Int(rng.next() % UInt64(values.count))]
                    args.append(.init(p.name, .string(v)))
                    let names = aliasesOf[v] ?? []
                    let said = !names.isEmpty && rng.next() % 3 == 0 ? names[Int(rng.next() % UInt64(names.count))] : v
                    text += " the " + said.replacingOccurrences(of: "_", with: " ")
                case .number, .integer:
                    let lo = p.minimum ?? 0, hi = p.maximum ?? 10
                    // A narrow range of a real number takes tenths ("0.4 m/s" between 0.1 and 1).
                    let tenths = p.kind == .number && hi - lo <= 5
                    let whole = tenths ? Int((lo * 10).rounded(.up))...Int((hi * 10).rounded(.down)) : Int(lo.rounded(.up))...Int(hi.rounded(.down))
                    guard !whole.isEmpty else { return nil }
                    let drawn = Int.random(in: whole, using: &rng)
                    let value = tenths ? Double(drawn) / 10 : Double(drawn)
                    args.append(.init(p.name, p.kind == .integer ? .integer(drawn) : .number(value)))
                    // A signed quantity is said as people say it: its size and the direction its description names
                    // ("turn right 48 degrees" for -48 when positive turns left), not "-48".
                    let negative = LexiconDrafter.negativeWords(action, p).filter { LexiconDrafter.opposite[$0] != nil }.sorted()
                    let v = drawn
                    if !negative.isEmpty, v == 0 { return nil }  // "move 0 m" asks for nothing
                    let said = negative.isEmpty ? v : abs(v)
                    let number = tenths ? ConfigValue.number(negative.isEmpty ? value : abs(value)).description
                        : rng.next() % 2 == 0 || said < 0 || said > 99 ? String(said) : Self.words(said)
                    var phrase = number + (p.unit.map { " " + (Self.unitWords[$0]?[Int(rng.next() % 2)] ?? $0) } ?? "")
                    if !negative.isEmpty, case let word = negative[Int(rng.next() % UInt64(negative.count))],
                       let positive = LexiconDrafter.opposite[word], v != 0 {
                        let direction = v < 0 ? word : positive
                        phrase = rng.next() % 2 == 0 ? direction + " " + phrase : phrase + " " + direction
                    }
                    text += " " + phrase
                case .boolean:
                    let on = rng.next() % 2 == 0
                    args.append(.init(p.name, .bool(on)))
                    text += on ? " on" : " off"
                case .string:
                    let phrase = ["hello", "good morning", "dinner is ready", "I am on my way", "please wait"][Int(rng.next() % 5)]
                    args.append(.init(p.name, .string(phrase)))
                    text += " \"" + phrase + "\""
                }
            }
            if action.parameters.contains(where: { $0.list != nil }) { return nil }
            return (text, action.normalized(ActionCall(action.name, args)), verb)
        }

        static let unitWords: [String: [String]] = ["m": ["meters", "m"], "deg": ["degrees", "deg"], "m/s": ["meters per second", "m/s"],
                                                    "s": ["seconds", "s"], "cm": ["centimeters", "cm"], "%": ["percent", "%"]]

        static func words(_ n: Int) -> String {
            let units = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
            let tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
            if n < 20 { return units[n] }
            return tens[n / 10] + (n % 10 == 0 ? "" : "-" + units[n % 10])
        }
    }
}
