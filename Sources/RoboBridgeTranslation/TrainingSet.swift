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
            } else if kind < 5, singles.count > 1 {
                let a = singles[Int(rng.next() % UInt64(singles.count))], b = singles[Int(rng.next() % UInt64(singles.count))]
                guard let (ta, ca, _) = a.make(&rng), let (tb, cb, _) = b.make(&rng) else { continue }
                let joiner = ["and then", ", then", "and after that", "then"][Int(rng.next() % 4)]
                all.append(Example(instruction: Self.apply(frames[frame], "\(ta) \(joiner) \(tb)").replacingOccurrences(of: " ,", with: ","),
                                   plan: PlanText.render([ca, cb]), family: "two/\(frame)"))
            } else {
                let a = singles[Int(rng.next() % UInt64(singles.count))]
                guard let (text, call, verb) = a.make(&rng) else { continue }
                var instruction = Self.apply(frames[frame], text)
                if rng.next() % 8 == 0 { instruction = Self.typo(instruction, &rng) }
                all.append(Example(instruction: instruction, plan: PlanText.render([call]), family: "\(a.action.name)/\(verb)/\(frame)"))
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
            for w in words { verbs += LexiconDrafter.synonyms[w] ?? [] }
            // The verb alone reads well before an object ("go to" for a place target).
            if action.parameters.contains(where: { $0.entityClass == "place" }) { verbs = verbs.map { $0 + " to" } + ["go to", "head over to"] }
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
                    let whole = Int(lo.rounded(.up))...Int(hi.rounded(.down))
                    guard !whole.isEmpty else { return nil }
                    let v = Int.random(in: whole, using: &rng)
                    args.append(.init(p.name, p.kind == .integer ? .integer(v) : .number(Double(v))))
                    let number = rng.next() % 2 == 0 || v < 0 || v > 99 ? String(v) : Self.words(v)
                    text += " " + number + (p.unit.map { " " + (Self.unitWords[$0]?[Int(rng.next() % 2)] ?? $0) } ?? "")
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
