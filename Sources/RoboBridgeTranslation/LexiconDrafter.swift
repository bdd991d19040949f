import RoboBridgeDecoding
import RoboBridgeConfig

/// A fast deterministic parser of the (normalized) instruction that proposes whole plans, from what the
/// robot file and the world say — nothing tuned to a corpus:
///
/// - **Templates from examples**: every example (the robot file's and the bank's generated ones) is
///   abstracted into a template: its words with entities replaced by their class and numbers by `<n>`,
///   and its plan with the arguments that came from the instruction replaced by slots: the i-th entity
///   mentioned, where the i-th mentioned object lies, the i-th number (or its negation). An instruction
///   of the same shape instantiates the template with its own entities and numbers.
/// - **Near templates**: failing an exact shape, the templates with the same mentions in the same order
///   whose other words differ in at most two ("take the book to …" finds "bring the apple to …").
/// - **Prerequisites**: calls the examples always show before a call (`navigate_to` to where an object
///   lies before `pick`) are inserted where a parsed plan lacks them.
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
    public var draftsWholePlans: Bool { true }

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
    private var shaped: [(shape: [String], template: Template)] = []
    /// "`after` is preceded by `before`": learnt from consecutive calls of the examples whose arguments
    /// come from the same mention (`place(target=Y)` after `navigate_to(target=Y)`; `pick(object=X)`
    /// after `navigate_to(target=<where X lies>)`).
    struct Prerequisite: Hashable {
        var after: String, afterParam: String
        var before: String, beforeParam: String
        var viaLocation: Bool
    }
    private var prerequisites: [Prerequisite] = []
    /// Action → the action and object parameter the examples always call right before it ("drop_in" → pick's
    /// "part": what is dropped was picked first).
    private var takenFirst: [String: (action: String, parameter: String)] = [:]
    /// Words the examples use for an action: the words of an example (or of one of its clauses) that
    /// asks for that action alone, its entities, numbers and free-text argument left out.
    private var exampleWords: [String: Set<String>] = [:]
    private let texts: CandidateTexts
    /// The words that say a boolean parameter's value ("on", "off", "grip", "release"): a template that differs
    /// by one would copy the other value.
    private let booleanValueWords: Set<String>
    /// The values of the robot's choice parameters ("normal", "fast", "precise").
    private let choiceValues: Set<String>
    private static let filler: Set<String> = ["the", "a", "an", "please", "now", "can", "could", "you", "would", "kindly", "just", "then", "and", ",",
                                              "?", "!", "thanks", "thank", "cheers"]

    public init(robot: Robot, world: World?, examples: [(instruction: String, plan: [ActionCall])], tokenize: @escaping (String) -> [Int32]) {
        self.robot = robot
        self.world = world
        classOf = ExampleBank.entityClass(in: world)
        locationOf = world?.supports ?? [:]
        texts = CandidateTexts(tokenize: tokenize)
        choiceValues = Set(robot.actions.flatMap(\.parameters).filter { $0.entityClass == nil }.flatMap { $0.values ?? [] })
        booleanValueWords = Set(robot.actions.flatMap(\.parameters).filter { $0.kind == .boolean }.flatMap { p -> Set<String> in
            let (yes, no) = Self.booleanWords(p.description)
            return yes.union(no)
        })
        // The action before which the examples always take an object ("put the red block in the left bin": pick, then
        // drop_in): a plan that drops without picking picks the one object the request names.
        // (The robot file's own examples: the bank's one generated example per action shows it alone.)
        var before: [String: Set<String>] = [:]
        for plan in robot.examples.map(\.plan) {
            for (i, c) in plan.enumerated() { before[c.name, default: []].insert(i > 0 ? plan[i - 1].name : "") }
        }
        for (b, firsts) in before where firsts.count == 1 {
            guard let a = firsts.first, let taking = robot.action(named: a), a != b,
                  let p = taking.parameters.first(where: { $0.entityClass == "object" }) else { continue }
            takenFirst[b] = (a, p.name)
        }
        for (instruction, plan) in examples {
            // An example whose clauses match its calls one to one also teaches each clause on its own
            // ("go up to 20 m, hover for 30 seconds, then come back" → "go up to 20 m" is change_altitude).
            let clauses = Self.clauses(instruction)
            for (clause, call) in clauses.count == plan.count ? Array(zip(clauses, plan)) : [] {
                let text = Set(call.arguments.flatMap { a -> [String] in
                    if case .string(let v) = a.value { InstructionNormalizer.tokenize(v) } else { [] }
                })
                // (A word right after a number is its unit, not the action's.)
                let tokens = InstructionNormalizer.tokenize(clause)
                let words = tokens.enumerated().filter { i, w in
                    w.count > 2 && w.allSatisfy(\.isLetter) && classOf[w] == nil && !text.contains(w) && !Self.stop.contains(w)
                        && !Self.filler.contains(w) && !Self.prepositions.contains(w) && (i == 0 || InstructionNormalizer.number(tokens[i - 1]) == nil)
                }.map(\.1)
                exampleWords[call.name, default: []].formUnion(words.map(Self.stem))
            }
            if clauses.count > 1, clauses.count == plan.count {
                for (clause, call) in zip(clauses, plan) {
                    let (shape, entities, numbers) = analyse(clause)
                    guard let t = template([call], entities: entities, numbers: numbers) else { continue }
                    templates[shape, default: []].append(t)
                    shaped.append((shape, t))
                }
            }
            let (shape, entities, numbers) = analyse(instruction)
            guard let t = template(plan, entities: entities, numbers: numbers) else { continue }
            templates[shape, default: []].append(t)
            templateOf[instruction] = t
            shaped.append((shape, t))
            for (a, b) in zip(t.calls, t.calls.dropFirst()) {
                for (p, slot) in b.args {
                    guard case .entity(let j) = slot else { continue }
                    for (q, s2) in a.args {
                        var rule: Prerequisite?
                        if case .entity(j) = s2 { rule = Prerequisite(after: b.name, afterParam: p, before: a.name, beforeParam: q, viaLocation: false) }
                        if case .locationOf(j) = s2 { rule = Prerequisite(after: b.name, afterParam: p, before: a.name, beforeParam: q, viaLocation: true) }
                        if let rule, !prerequisites.contains(rule) { prerequisites.append(rule) }
                    }
                }
            }
        }
    }

    /// Inserts the calls the examples show before a call where the plan lacks them.
    public func withPrerequisites(_ plan: [ActionCall]) -> [ActionCall] {
        var out: [ActionCall] = []
        for call in plan {
            for rule in prerequisites where rule.after == call.name {
                guard case .string(let v)? = call[rule.afterParam] else { continue }
                guard let w = rule.viaLocation ? locationOf[v] : v, let action = robot.action(named: rule.before) else { continue }
                // Already there, or in the room the needed place is in ("go to the kitchen, pick up the apple").
                if let last = out.last, last.name == rule.before, case .string(let there)? = last[rule.beforeParam],
                   there == w || world?.place(named: w)?.room.map({ $0 == there && world?.place(named: there) != nil }) == true { continue }
                let needed = action.normalized(ActionCall(rule.before, [.init(rule.beforeParam, .string(w))]))
                if action.problem(with: needed, world: world) == nil { out.append(needed) }
            }
            out.append(call)
        }
        return out
    }

    /// `withPrerequisites`, with the object the request names taken first where the examples always take one
    /// (`withObjectsTaken`; the object's own prerequisites, such as the drive to it, then follow from the examples too).
    public func withPrerequisites(_ plan: [ActionCall], request: String) -> [ActionCall] {
        withPrerequisites(withObjectsTaken(plan, request: request))
    }

    /// A plan whose call the examples always precede by taking an object ("drop_in" after "pick"), where the plan has not
    /// taken one since, with that taking call put first: of the one object the request names that no call takes
    /// ("i'd like the green_gear in the right_bin" → pick(green_gear), drop_in(right_bin)).
    private func withObjectsTaken(_ plan: [ActionCall], request: String) -> [ActionCall] {
        guard plan.contains(where: { takenFirst[$0.name] != nil }) else { return plan }
        let used = Set(plan.flatMap { c in c.arguments.compactMap { a -> String? in if case .string(let s) = a.value { s } else { nil } } })
        let named = InstructionNormalizer.tokenize(request).filter { classOf[$0] == "object" && !used.contains($0) }
        var out: [ActionCall] = [], holding = false, inserted = false
        for call in plan {
            if let (a, p) = takenFirst[call.name] {
                if !holding, !inserted, Set(named).count == 1, let action = robot.action(named: a) {
                    let take = action.normalized(ActionCall(a, [.init(p, .string(named[0]))]))
                    if action.problem(with: take, world: world) == nil { out.append(take); inserted = true }
                }
                holding = false
            } else if takenFirst.values.contains(where: { $0.action == call.name }) {
                holding = true
            }
            out.append(call)
        }
        return out
    }

    private static let prepositions: Set<String> = ["to", "on", "onto", "in", "into", "at", "up", "of", "over", "by"]

    /// The templates whose mentions (entity classes and numbers, in order) match the text's and whose
    /// other words differ in at most two (prepositions aside); the nearest ones, when they agree.
    private func fromNearTemplates(_ text: String) -> [[ActionCall]] {
        let (shape, entities, numbers) = analyse(text)
        let slots = shape.filter { $0.hasPrefix("<") }
        let words = Set(shape.filter { !$0.hasPrefix("<") && !Self.prepositions.contains($0) })
        var best: (Int, [[ActionCall]]) = (3, [])
        var votes: [[ActionCall]: Int] = [:]
        // (A template learnt twice, from an example and from a clause of another, is one vote.)
        var counted = Set<String>()
        for (s, t) in shaped where s.filter({ $0.hasPrefix("<") }) == slots {
            let other = Set(s.filter { !$0.hasPrefix("<") && !Self.prepositions.contains($0) })
            // (Forms of one word are one word: "bringing" for "bring".)
            let d = Set(words.map(Self.stem)).symmetricDifference(Set(other.map(Self.stem))).count
            // A word of another action than the template's — its name's ("return" of return_home) or one
            // only its description has ("descend" of change_altitude against "take off to 10 meters") —
            // rules the template out, when that action could take what the text mentions ("move the keys
            // to the table" is no `move` of a distance: it names no number).
            let ownActions = Set(t.calls.map(\.0))
            if words.subtracting(other).contains(where: { w in
                actionWords.contains { a, aw in
                    !ownActions.contains(a.name) && aw.contains { Self.sameWord(Self.stem(w), $0.key) } && fits(a, entities: entities, numbers: numbers)
                }
            }) { continue }
            // A template with its own free text ("say hello") would copy that text: left to the action-word reading.
            if t.calls.contains(where: { c in c.args.contains { name, slot in
                if case .literal(.string) = slot, robot.action(named: c.name)?.parameter(named: name)?.kind == .string { return true }
                return false
            } }) { continue }
            // Direction words that differ may flip a number's sign: left to the action-word reading ("lift" for "raise"
            // is the same direction; "lower" is not).
            func directions(_ ws: Set<String>) -> Set<String> { Set(ws.compactMap(Self.direction)) }
            if directions(words.subtracting(other)) != directions(other.subtracting(words)) { continue }
            // So may the words of a boolean's value ("switch the suction off" against "turn on the suction"), and a
            // choice's ("set the mode to normal" against "set the mode to precise").
            if !words.symmetricDifference(other).map(Self.stem).allSatisfy({ !booleanValueWords.contains($0) }) { continue }
            if !words.symmetricDifference(other).isDisjoint(with: choiceValues) { continue }
            guard d <= best.0, let plan = instantiate(t, entities: entities, numbers: numbers) else { continue }
            let key = "\(s) \(t.calls)"
            if d < best.0 { best = (d, [plan]); votes = [plan: 1]; counted = [key] }
            else { if !best.1.contains(plan) { best.1.append(plan) }; if counted.insert(key).inserted { votes[plan, default: 0] += 1 } }
        }
        // Between plans one word away, the one more templates give ("kitchen please": "go to the kitchen" and "navigate to
        // the kitchen" against "place the kitchen"). (Further away, a tie says nothing: "order a pizza" is as far from
        // "dock" as from "stop".)
        guard best.0 <= 1 else { return best.1.count == 1 ? best.1 : [] }
        let most = votes.values.max() ?? 0
        let leaders = best.1.filter { votes[$0] == most }
        return leaders.count == 1 ? leaders : []
    }

    /// The templates learnt, for tests and diagnostics.
    public var templateCount: Int { templates.values.map(\.count).reduce(0, +) }

    /// Words of an instruction with entities → `<class>` and numbers → `<n>`, filler words dropped;
    /// plus the entities and numbers in order.
    func analyse(_ instruction: String) -> (shape: [String], entities: [String], numbers: [Double]) {
        var shape: [String] = [], entities: [String] = [], numbers: [Double] = []
        for w in InstructionNormalizer.tokenize(instruction) where !Self.filler.contains(w) {
            if let c = classOf[w] { shape.append("<\(c)>"); entities.append(w) }
            else if let d = InstructionNormalizer.number(w) { shape.append("<n>"); numbers.append(d) }
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
                if case .list = a.value { return nil }  // arrays vary in length: left to the action-word reading
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

    /// Words of an action: its name's (weight 2) and its and its parameters' descriptions' (weight 1,
    /// only where no other action's description has the word: a shared word tells nothing), stop words left out.
    private lazy var actionWords: [(Action, [String: Int])] = {
        let described: [(Action, Set<String>)] = robot.actions.map { a in
            (a, Set(([a.description] + a.parameters.map(\.description)).flatMap(InstructionNormalizer.tokenize)
                .filter { $0.count > 2 && !Self.stop.contains($0) }.map(Self.stem)).union(exampleWords[a.name] ?? []))
        }
        var actionsWith: [String: Int] = [:]
        for (_, words) in described { for w in words { actionsWith[w, default: 0] += 1 } }
        return described.map { a, words in
            var w: [String: Int] = [:]
            for d in words where actionsWith[d] == 1 { w[d] = 1 }
            // (Its short parts, the "to" of fly_to, count as a description's word.)
            // (A part that names what another action takes, the "parts" of count_parts beside pick's "part", is a thing
            // more often than the action: it counts as a description's word.)
            let others = otherParameters(a)
            for n in a.name.split(separator: "_") {
                let part = Self.stem(String(n))
                w[part] = n.count > 2 && !others.contains(part) ? 2 : 1
            }
            // Everyday synonyms of its words, where no other action has them ("announce" for say, "touch" for land).
            for (word, weight) in w {
                for syn in Self.synonyms[word] ?? [] where actionsWith[Self.stem(syn)] == nil && w[Self.stem(syn)] == nil { w[Self.stem(syn)] = weight }
            }
            return (a, w)
        }
    }()

    /// The directions an action's signed numbers go, both ways: a number parameter described as "up" is an offset that
    /// also goes down ("descend 15 cm" is the gripper's dz, negative), whatever the length of the word.
    private lazy var signedDirections: [String: Set<String>] = {
        var out: [String: Set<String>] = [:]
        for a in robot.actions {
            for p in a.parameters where p.kind == .number || p.kind == .integer {
                for d in InstructionNormalizer.tokenize(p.description).compactMap(Self.direction) {
                    out[a.name, default: []].insert(d)
                    if let o = Self.opposite[d].flatMap(Self.direction) { out[a.name, default: []].insert(o) }
                }
            }
        }
        return out
    }()

    /// The stems of the parameter names of the robot's other actions.
    private func otherParameters(_ action: Action) -> Set<String> {
        Set(robot.actions.filter { $0.name != action.name }.flatMap(\.parameters).map { Self.stem($0.name) })
    }

    /// Everyday English verbs for what robot actions are usually called (by the stem of the word a robot file uses).
    /// General language, not any corpus: a file that calls its action otherwise gets none of these.
    static let synonyms: [String: [String]] = [
        "say": ["announce", "speak", "utter", "shout", "declare"],
        "speak": ["say", "announce", "utter"],
        "land": ["touch", "touchdown", "alight"],
        "dock": ["charge", "recharge", "plug"],
        "navigate": ["head", "travel", "proceed", "swing", "visit", "roll"],
        "photo": ["photograph", "snap", "shoot", "capture", "picture", "shot", "snapshot", "pic", "image"],
        "picture": ["photograph", "snap", "shoot", "capture", "photo", "shot", "snapshot", "pic", "image"],
        "hover": ["hang", "linger", "loiter", "stay", "remain"],
        "count": ["tally", "many"],
        "pick": ["grab", "grasp", "collect", "lift", "hold", "seize", "snatch"],
        "suction": ["vacuum"],
        "place": ["put", "deposit", "set", "drop"],
        "drop": ["put", "place", "set", "deposit", "toss", "throw", "dump"],
        "release": ["let", "drop", "open"],
        "takeoff": ["launch", "liftoff", "airborne"],
        "speed": ["pace", "velocity", "faster", "slower"],
        "back": Array(backWords).sorted(),
    ]

    static let synonymStems = Set(synonyms.values.flatMap { $0.map(stem) })

    /// Words that open a question or a statement, not a command.
    static let questionWords: Set<String> = ["how", "what", "where", "when", "why", "who", "which", "is", "are", "do", "does", "did",
        "will", "i", "i'd", "i'm", "we", "we'd", "it", "there", "this", "that", "my", "our", "let's", "should", "must", "may", "might"]

    /// Whether an instruction word and an action word are forms of one word: equal stems, or one the
    /// start of the other with at least five letters in common ("photograph" / "photo"), or the same
    /// after a "re" prefix ("recharge" / "charging").
    static func sameWord(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        let (short, long) = a.count <= b.count ? (a, b) : (b, a)
        if short.count >= 5, long.hasPrefix(short) { return true }
        for (x, y) in [(a, b), (b, a)] where x.hasPrefix("re") && x.count >= 7 {
            let rest = stem(String(x.dropFirst(2)))
            if rest == y || (min(rest.count, y.count) >= 5 && (rest.hasPrefix(y) || y.hasPrefix(rest))) { return true }
        }
        return false
    }

    /// The words that mean true and false for a boolean parameter: "on"/"enable" and "off"/"disable",
    /// plus the word after "true to" / "false to" (or "true =", "true:") in its description.
    static func booleanWords(_ description: String) -> (Set<String>, Set<String>) {
        var yes: Set<String> = ["on", "enable", "activate", "engage"], no: Set<String> = ["off", "disable", "deactivate", "disengage", "cut", "kill"]
        let d = InstructionNormalizer.tokenize(description)
        for (i, w) in d.enumerated() where (w == "true" || w == "false") && i + 1 < d.count {
            var j = i + 1
            if ["to", "=", ":", "means", "for"].contains(d[j]), j + 1 < d.count { j += 1 }
            guard d[j].count > 2, d[j].allSatisfy(\.isLetter) else { continue }
            if w == "true" { yes.insert(stem(d[j])) } else { no.insert(stem(d[j])) }
        }
        // And their everyday synonyms ("let" go for release), where the other value has none of them.
        let yesSynonyms = Set(yes.flatMap { synonyms[$0] ?? [] }), noSynonyms = Set(no.flatMap { synonyms[$0] ?? [] })
        yes.formUnion(yesSynonyms.subtracting(noSynonyms).subtracting(no))
        no.formUnion(noSynonyms.subtracting(yesSynonyms).subtracting(yes))
        return (yes, no)
    }

    /// Whether a text speaks of an action: a word of its name, of its description that no other action's has, of
    /// an everyday synonym of those, or one its examples use for it ("come back" for `return_home`).
    public func speaks(of action: String, in text: String) -> Bool {
        guard let w = actionWords.first(where: { $0.0.name == action })?.1 else { return false }
        let stems = InstructionNormalizer.tokenize(text).map(Self.stem)
        return w.keys.contains { word in word.count > 2 && stems.contains { Self.sameWord($0, word) } }
    }

    /// Whether a word is a word of one of the robot's actions (see `speaks(of:in:)`): "land", "navigate", "grab".
    public func namesAction(_ word: String) -> Bool {
        let s = Self.stem(word)
        return actionWords.contains { _, w in w.keys.contains { $0.count > 2 && Self.sameWord(s, $0) } }
    }

    /// Whether nothing in the text points to the robot's actions: no entity, no number, no word of any
    /// action's name or description. Such a request ("play some music") gets "none" as its guide.
    /// - Parameter unitless: whether a number said without a unit counts as nothing (a whole request: a clause of one
    ///   number goes on the one before, "rotate by 30, then 60").
    public func isUnrelated(_ text: String, unitless: Bool = false) -> Bool {
        let (_, entities, numbers) = analyse(text)
        let tokens = InstructionNormalizer.tokenize(text)
        // (With `unitless`, a number with no unit says nothing by itself: "what's 15 times 3?" to a rover.)
        guard entities.isEmpty, numbers.isEmpty || unitless && Self.dimensionsSaid(tokens).isEmpty else { return false }
        let stems = tokens.map(Self.stem)
        // A value of a choice ("go fast") names its action.
        if tokens.contains(where: choiceValues.contains) { return false }
        // (Short name parts such as the "to" of navigate_to say nothing.)
        return !actionWords.contains { _, w in w.keys.contains { word in word.count > 2 && stems.contains { Self.sameWord($0, word) } } }
    }

    /// Whether an action's required parameters can all be filled from what a text mentions.
    private func fits(_ a: Action, entities: [String], numbers: [Double]) -> Bool {
        // An action of numbers only (all of them optional: "move the gripper by dx, dy, dz") needs one.
        let numeric = a.parameters.allSatisfy { $0.kind == .number || $0.kind == .integer }
        if numeric, !a.parameters.isEmpty, numbers.isEmpty { return false }
        return a.parameters.filter(\.required).allSatisfy { p in
            switch p.kind {
            case .number, .integer: !numbers.isEmpty
            case .enum: p.entityClass.map { namesMember(of: $0, entities) } ?? true
            case .string, .boolean: true
            }
        }
    }
    /// Whether the entities a text mentions include a member of a class.
    private func namesMember(of entityClass: String, _ entities: [String]) -> Bool {
        entities.contains { (world?.entityClasses[entityClass] ?? []).contains($0) }
    }

    /// Whether a text mentions an entity or a number.
    private func mentionsAnything(_ text: String) -> Bool {
        let a = analyse(text)
        return !a.entities.isEmpty || !a.numbers.isEmpty
    }

    private static let stop: Set<String> = ["the", "and", "for", "with", "its", "all", "once", "where", "what", "while", "into", "from",
        "that", "this", "are", "can", "out", "robot", "drone", "current", "new"]
    static func stem(_ w: String) -> String {
        for suffix in ["ing", "es", "s", "ed"] where w.count > suffix.count + 3 && w.hasSuffix(suffix) { return String(w.dropLast(suffix.count)) }
        return w
    }

    /// The direction a word says, as the word of `opposite` it shares a sense with ("lift" → "raise" → up).
    static func direction(_ w: String) -> String? {
        if backWords.contains(w) || w == "back" { return "back" }
        if ["forward", "forwards", "ahead"].contains(w) { return "forward" }
        if ["up", "raise", "lift", "higher", "ascend", "upward", "upwards"].contains(w) { return "up" }
        if ["down", "lower", "descend", "downward", "downwards"].contains(w) { return "down" }
        return opposite[w] != nil ? w : nil
    }

    /// The words that also say "back".
    private static let backWords: Set<String> = ["backward", "backwards", "reverse", "rearward", "rearwards"]

    /// Direction words: a number said with the opposite of a parameter's positive direction is negated.
    static let opposite: [String: String] = ["forward": "back", "forwards": "back", "ahead": "back", "back": "forward",
        "backward": "forward", "backwards": "forward", "left": "right", "right": "left", "up": "down", "down": "up",
        "clockwise": "counterclockwise", "counterclockwise": "clockwise", "raise": "lower", "lift": "lower", "lower": "raise",
        "ascend": "descend", "descend": "ascend", "higher": "lower"]

    /// The words that mean "negative" for a parameter: the directions its descriptions call negative,
    /// and the opposites of those they call positive.
    static func negativeWords(_ action: Action, _ p: Parameter) -> Set<String> {
        var out = Set<String>()
        for text in [action.description, p.description] {
            for part in text.lowercased().split(whereSeparator: { ".;,".contains($0) }) {
                let words = InstructionNormalizer.tokenize(part.replacingOccurrences(of: "counter-clockwise", with: "counterclockwise"))
                let dirs = words.filter { Self.opposite[$0] != nil }
                if words.contains("negative") {
                    // "ahead (positive) or back (negative)": the direction word right before "negative".
                    if let i = words.firstIndex(of: "negative"), i > 0, Self.opposite[words[i - 1]] != nil { out.insert(words[i - 1]) }
                    else if !words.contains("positive") { out.formUnion(dirs) }
                } else if words.contains("positive") {
                    for d in dirs { if let o = Self.opposite[d] { out.insert(o) } }
                }
            }
        }
        // "back" also covers "backward(s)"; "right" stays "right".
        if out.contains("back") { out.formUnion(Self.backWords) }
        if out.contains("forward") { out.formUnion(["forwards", "ahead"]) }
        return out
    }

    /// Which numbers of `words` (by their order among the numbers) go to which number parameter: the parameter whose
    /// own words (its name and description, less the words its sibling parameters share) stand nearest the number, at
    /// most four words away and not across "and" or a comma; a parameter described as "up" also reads "lift",
    /// "raise", and "down", "lower" as negative; "minus" right before the number negates it. Ambiguous numbers are
    /// left out.
    static func axisBinding(_ action: Action, _ words: [String]) -> [Int: (parameter: String, negative: Bool)] {
        let params = action.parameters.filter { ($0.kind == .number || $0.kind == .integer) && $0.list == nil }
        guard params.count >= 2 else { return [:] }
        let own = params.map { p in
            Set(InstructionNormalizer.tokenize(p.name.replacingOccurrences(of: "_", with: " ") + " " + p.description)).subtracting(filler)
        }
        let shared = own.dropFirst().reduce(own[0]) { $0.intersection($1) }
        var cues: [(positive: Set<String>, negative: Set<String>)] = own.map { ($0.subtracting(shared), []) }
        for k in cues.indices {
            for (dir, same, other) in directionWords where cues[k].positive.contains(dir) {
                cues[k].positive.formUnion(same)
                cues[k].negative.formUnion(other)
            }
            // An axis its description names by letter alone is the robot's frame as ROS has it (REP 103): x forward,
            // y left, z up.
            if cues[k].negative.isEmpty, let axis = Self.axes.first(where: { cues[k].positive.contains($0.letter) }) {
                cues[k].positive.formUnion(axis.positive)
                cues[k].negative.formUnion(axis.negative)
            }
            // Units and single letters that every parameter has are no cue; a unit of one parameter alone is.
            cues[k].positive.subtract(["cm", "m", "mm", "deg", "s", "offset", "along", "by"])
        }
        var out: [Int: (parameter: String, negative: Bool)] = [:]
        var taken = Set<String>()
        var k = 0
        for (i, w) in words.enumerated() where InstructionNormalizer.number(w) != nil {
            defer { k += 1 }
            var best: (param: Int, distance: Int, negative: Bool, at: Int)?
            var tie = false
            for dir in [-1, 1] {
                var j = i + dir, d = 1
                while j >= 0, j < words.count, d <= 4, !["and", ",", "then"].contains(words[j]), InstructionNormalizer.number(words[j]) == nil {
                    for (n, cue) in cues.enumerated() {
                        let pos = cue.positive.contains(words[j]), neg = cue.negative.contains(words[j])
                        guard pos || neg else { continue }
                        if let b = best, b.distance == d, b.param != n { tie = true }
                        if best == nil || d < best!.distance { best = (n, d, neg, j); tie = false }
                    }
                    j += dir
                    d += 1
                }
            }
            guard let b = best, !tie, !taken.contains(params[b.param].name) else { continue }
            taken.insert(params[b.param].name)
            // "minus 15", or "in negative y": the word before the number or before the cue that bound it.
            let minus = i > 0 && ["minus", "negative"].contains(words[i - 1]) || b.at > 0 && ["minus", "negative"].contains(words[b.at - 1])
            out[k] = (params[b.param].name, b.negative != minus)
        }
        return out
    }

    /// The axes of a robot's frame (REP 103), with the words of their positive and negative directions.
    static let axes: [(letter: String, positive: Set<String>, negative: Set<String>)] = [
        ("x", ["forward", "forwards", "ahead"], ["backward", "backwards", "back"]),
        ("y", ["left", "leftward", "leftwards"], ["right", "rightward", "rightwards"]),
        ("z", ["up", "upward", "upwards", "lift", "raise", "higher", "ascend"], ["down", "downward", "downwards", "lower", "descend"]),
    ]

    /// A direction a parameter's description may name, its everyday words, and the words of its opposite.
    static let directionWords: [(String, Set<String>, Set<String>)] = [
        ("up", ["lift", "raise", "higher", "upward", "upwards", "up", "ascend"], ["down", "lower", "downward", "downwards", "descend"]),
        ("down", ["lower", "down", "downward", "downwards", "descend"], ["lift", "raise", "higher", "upward", "upwards", "up", "ascend"]),
    ]

    /// The action the clause's words point to (action name words count double, description words
    /// once; a tie gives nothing), with its arguments from the clause.
    private func fromActionWords(_ text: String) -> [ActionCall]? { actionWordReadings(text).first }

    /// The readings of a clause by its action words: one, or one per twin when twins tie (the robot's state, or the
    /// model where the state is not known, chooses).
    private func actionWordReadings(_ text: String) -> [[ActionCall]] {
        let words = InstructionNormalizer.tokenize(text)
        let (_, entities, numbers) = analyse(text)
        let set = Set(words)
        // A name written as two words ("take off" for takeoff) says that action, and its words are no other's ("take"
        // of take_photo).
        var compound: [String: Int] = [:], used = Set<Int>()
        for a in robot.actions {
            for part in a.name.split(separator: "_").map(String.init) where part.count >= 5 {
                for i in words.indices.dropLast() where words[i] + words[i + 1] == part {
                    compound[a.name] = 4
                    used.formUnion([i, i + 1])
                }
            }
        }
        let stems = Set(words.indices.filter { !used.contains($0) }.map { Self.stem(words[$0]) })
        // Actions whose required parameters the clause cannot fill are not what it asks for.
        // A value of an action's choice parameter ("normal", "fast") points to that action as its name does. A word of
        // the same direction as one of the action's counts as that word ("down" for "descend", "lift" for "raise").
        let directions = Set(words.compactMap(Self.direction))
        // (A question's first word, "how many ...", is no verb.)
        let verbIndex = words.indices.first { !Self.filler.contains(words[$0]) && !["ok", "okay", "so", "first", "also", "next", "finally"].contains(words[$0]) }
            .flatMap { used.contains($0) || Self.questionWords.contains(words[$0]) ? nil : $0 }
        var scored: [(Action, Int)] = actionWords.filter { a, _ in fits(a, entities: entities, numbers: numbers) }.map { a, w in
            let valued = a.parameters.contains { p in p.entityClass == nil && (p.values ?? []).contains(where: set.contains) }
            let said = w.filter { word in stems.contains { Self.sameWord($0, word.key) } }
            // (Once per direction, and not for one its words already say.)
            let saidDirections = Set(said.keys.compactMap(Self.direction))
            // (A direction of a file's own words: "lift" as a verb of taking says no "up".)
            let alike = Set(w.keys.filter { !Self.synonymStems.contains($0) }.compactMap(Self.direction)).union(signedDirections[a.name] ?? [])
                .intersection(directions).subtracting(saidDirections)
            // The clause's verb, its first word, counts once more ("release the part": set_suction, not count_parts).
            let verb = verbIndex.map { v in w.keys.contains { Self.sameWord(Self.stem(words[v]), $0) } ? 1 : 0 } ?? 0
            return (a, said.values.reduce(valued ? 2 : 0, +) + alike.count + (compound[a.name] ?? 0) + verb)
        }
        // A number said with a unit ("14 metres", "30 s") is evidence as strong as a word of the action's name for the
        // actions that take a number of that dimension, and rules out those whose numbers are all of another one.
        let said = Self.dimensionsSaid(words)
        if !said.isEmpty {
            // (Only where the number has one place to go: the gripper's three offsets in cm are told apart by other words.)
            scored = scored.compactMap { a, score in
                let dims = a.parameters.compactMap { $0.unit.flatMap(Self.dimension(ofParameterUnit:)) }
                if !dims.isEmpty, Set(dims).isDisjoint(with: said) { return nil }
                // An action of no numbers leaves the measure unread ("lift it 10 cm" moves; it does not pick).
                if !a.parameters.contains(where: { $0.kind == .number || $0.kind == .integer }) { return (a, score - 1) }
                return (a, score + (said.contains(where: dims.contains) ? 2 : 0))
            }
        }
        // Between actions its words point to alike, the one that takes what the clause names ("go back to the
        // charging_dock": navigate_to, not dock).
        let names = { (a: Action) -> Bool in a.parameters.contains { p in p.entityClass.map { self.namesMember(of: $0, entities) } ?? false } }
        scored.sort { $0.1 != $1.1 ? $0.1 > $1.1 : names($0.0) && !names($1.0) }
        guard let (first, top) = scored.first, top >= 1 else { return [] }
        var action = first
        // A tie between twins (the same parameters; the robot's state tells them apart: "climb to 18 m" is takeoff
        // on the ground, change_altitude in the air) reads as each of them.
        var tied = scored.prefix { $0.1 == top && names($0.0) == names(action) }.map(\.0)
        // A tie of actions that take nothing the clause names, where one other action its words point to takes what it
        // names, is that one: "set the green_gear on the tray" (set_mode, set_suction; drop_in of the tray).
        if !tied.allSatisfy({ Self.twins(action, $0) }), !names(action) {
            let naming = scored.filter { $0.1 >= 1 && names($0.0) }
            if naming.count == 1 { action = naming[0].0; tied = [action] }
        }
        guard tied.allSatisfy({ Self.twins(action, $0) }) else { return [] }
        var call = ActionCall(action.name)
        var numberIndex = 0
        // Numbers said next to a word that tells one number parameter from its siblings ("10 cm along x", "5 cm
        // down", "lift the gripper 10 cm") go to it; the others fill the remaining parameters in order.
        let bound = Self.axisBinding(action, words)
        let free = numbers.indices.filter { bound[$0] == nil }.map { numbers[$0] }
        var boundHere: [String: Double] = [:]
        for (k, b) in bound { boundHere[b.parameter] = b.negative ? -numbers[k] : numbers[k] }
        for p in action.parameters {
            if let v = boundHere[p.name] {
                call.arguments.append(.init(p.name, p.kind == .integer ? .integer(Int(v)) : .number(v)))
                continue
            }
            switch p.kind {
            case .enum where p.list != nil:
                // An array of names: every one the instruction mentions, in its order.
                let members = p.entityClass.flatMap { world?.entityClasses[$0] } ?? p.values ?? []
                let named = words.filter(members.contains)
                if !named.isEmpty { call.arguments.append(.init(p.name, .list(named.map { .string($0) }))) }
            case .enum:
                if let cls = p.entityClass, let members = world?.entityClasses[cls], let e = entities.first(where: members.contains) {
                    call.arguments.append(.init(p.name, .string(e)))
                } else if let v = p.values?.first(where: set.contains) {
                    call.arguments.append(.init(p.name, .string(v)))
                }
            case .number where p.list != nil, .integer where p.list != nil:
                // An array of numbers: the ones not taken yet.
                let rest = numbers.dropFirst(numberIndex).map { p.kind == .integer ? ConfigValue.integer(Int($0)) : .number($0) }
                numberIndex = numbers.count
                if !rest.isEmpty { call.arguments.append(.init(p.name, .list(rest))) }
            case .number, .integer:
                if numberIndex < free.count {
                    var v = free[numberIndex]
                    numberIndex += 1
                    if !Self.negativeWords(action, p).isDisjoint(with: set) { v = -v }
                    call.arguments.append(.init(p.name, p.kind == .integer ? .integer(Int(v)) : .number(v)))
                }
            case .boolean:
                // "on"/"off", or the words the description gives each value ("true to grip, false to release").
                let (yes, no) = Self.booleanWords(p.description)
                let says = { (w: Set<String>) in words.contains { word in w.contains { Self.sameWord(Self.stem(word), $0) } } }
                if says(yes) { call.arguments.append(.init(p.name, .bool(true))) }
                else if says(no) { call.arguments.append(.init(p.name, .bool(false))) }
            case .string:
                // The words after the action's own ("take a photo of the barn" → "the barn", "say hello" → "hello").
                // The text starts after the last of the action's words ("take a picture of the tank" → "the tank").
                let weights = actionWords.first { $0.0.name == action.name }?.1 ?? [:]
                let anchor = words.lastIndex { w in weights.keys.contains { Self.sameWord(Self.stem(w), $0) } }
                guard let anchor else { break }
                var rest = Array(words[(anchor + 1)...])
                // A thing's name (not words to say) ends with its clause ("the gears, but stop at 12").
                // (A tool set's text is any span of the request: "Boston, MA".)
                if robot.kind != "tools", !VerbatimText.holdsSpeech(action, p),
                   let end = rest.firstIndex(where: { $0 == "," || VerbatimText.clauseStarts.contains($0) }) {
                    rest = Array(rest[..<end])
                }
                rest = rest.filter { !$0.allSatisfy(\.isPunctuation) }
                // A thing's name comes after the verb's particle ("tally up the blocks"), a limit another parameter
                // took ("count up to 8 blocks") and a quantifier ("count all the parts").
                if robot.kind != "tools", !VerbatimText.holdsSpeech(action, p) {
                    if rest.count > 1, ["up", "out", "down", "off", "over"].contains(rest[0]) { rest.removeFirst() }
                    if rest.count > 2, rest[0] == "to", InstructionNormalizer.number(rest[1]) != nil { rest.removeFirst(2) }
                    if rest.count > 1, ["all", "every", "each"].contains(rest[0]) { rest.removeFirst() }
                }
                if let first = rest.first, ["of", "that", "to", "saying"].contains(first) { rest.removeFirst() }
                if !rest.isEmpty { call.arguments.append(.init(p.name, .string(rest.joined(separator: " ").replacingOccurrences(of: "_", with: " ")))) }
            }
        }
        // Other array parameters take the single value found as their one item.
        call.arguments = call.arguments.map { arg in
            guard action.parameter(named: arg.name)?.list != nil else { return arg }
            if case .list = arg.value { return arg }
            return .init(arg.name, .list([arg.value]))
        }
        return tied.compactMap { a in
            let c = a.normalized(ActionCall(a.name, call.arguments))
            return a.problem(with: c, world: world) == nil ? [c] : nil
        }
    }

    /// Whether two actions take the same parameters (names and kinds), so that only the robot's state can tell which a
    /// request means.
    static func twins(_ a: Action, _ b: Action) -> Bool {
        a.name == b.name || !a.parameters.isEmpty && a.parameters.map(\.name) == b.parameters.map(\.name)
            && a.parameters.map(\.kind) == b.parameters.map(\.kind) && a.when != b.when
    }

    /// The dimension ("length", "angle", "duration", "speed") of a unit a robot file gives a parameter.
    static func dimension(ofParameterUnit unit: String) -> String? {
        ["length", "angle", "duration", "speed"].first { Units.table($0)?[unit] != nil }
    }

    /// The dimensions of the units said right after numbers ("14 metres" → length, "0.5 m s" → speed).
    public static func dimensionsSaid(_ words: [String]) -> Set<String> {
        var out = Set<String>()
        for (i, w) in words.enumerated() where i + 1 < words.count && InstructionNormalizer.number(w) != nil {
            let u = words[i + 1], next = i + 2 < words.count ? words[i + 2] : ""
            if Self.lengthUnits.contains(u), ["s", "sec", "second", "h", "hr", "hour", "per"].contains(next) || ["mps", "kph", "kmh", "mph"].contains(u) {
                out.insert("speed")
            } else if Self.lengthUnits.contains(u) {
                out.insert("length")
            } else if ["deg", "degree", "degrees", "°", "rad", "radian", "radians"].contains(u) {
                out.insert("angle")
            } else if ["s", "sec", "secs", "second", "seconds", "ms", "min", "mins", "minute", "minutes"].contains(u) {
                out.insert("duration")
            } else if ["am", "pm", "a.m", "p.m", "o'clock", "oclock"].contains(u) {
                // A time of day: no robot parameter's unit says one.
                out.insert("time of day")
            }
        }
        return out
    }
    private static let lengthUnits: Set<String> = ["m", "meter", "meters", "metre", "metres", "cm", "centimeter", "centimeters",
        "centimetre", "centimetres", "mm", "millimeter", "millimeters", "millimetre", "millimetres", "km", "ft", "feet", "foot", "inch", "inches"]

    /// Candidate plans for an instruction, most trusted first.
    /// - Parameter nearest: instructions of the examples retrieved for it, most similar first.
    /// - Parameter parsed: `parsed(instruction)`, when already at hand.
    public func candidates(for instruction: String, nearest: [String] = [], parsed: [[ActionCall]]? = nil) -> [[ActionCall]] {
        var out = parsed ?? self.parsed(instruction)
        let (_, entities, numbers) = analyse(instruction)
        out += nearest.compactMap { templateOf[$0] }.compactMap { instantiate($0, entities: entities, numbers: numbers) }
        var seen = Set<[ActionCall]>()
        return out.filter { !$0.isEmpty && $0.count <= robot.limits.maxPlanActions && seen.insert($0).inserted }
    }

    /// The plans the instruction's own words give: a template of the same shape, or one per clause.
    public func parsed(_ request: String) -> [[ActionCall]] {
        let instruction = Self.withoutAsking(request)
        var out = fromTemplates(instruction)
        // A clause that names nothing of the robot ("for the guests", "in the meantime") asks for nothing.
        // (A tool set's clauses are values as often as requests: "in Boston and Denver".)
        // Nor does one that tells, naming nothing ("we have guests coming over tonight", "I'm heading out soon").
        let clauses = Self.clauses(instruction).map(Self.withoutAsking).filter { c in
            robot.kind == "tools" || !isUnrelated(c) && !(Self.tells(c) && !mentionsAnything(c))
        }
        // A request said around words that ask for nothing ("I'm heading out soon - would you be a dear and bring the
        // keys to the hallway?") is read in its one clause that asks.
        let focus = clauses.count == 1 && robot.kind != "tools" ? clauses[0] : instruction
        if out.isEmpty, focus != instruction { out = fromTemplates(focus) }
        if out.isEmpty, clauses.count <= 1 { out = fromNearTemplates(focus) }
        if clauses.count <= 1, out.isEmpty { out += actionWordReadings(focus) }
        if clauses.count > 1 {
            var plan: [ActionCall] = []
            var previous: String?
            // Whether a clause read only with another's words (elided, or joined to its neighbour).
            var fragments = false
            var k = 0
            // (Each text read once: the same clause is tried alone, elided and joined.)
            var read: [String: [ActionCall]?] = [:]
            func reading(_ c: String) -> [ActionCall]? {
                if let r = read[c] { return r }
                let r = fromTemplates(c).first ?? fromNearTemplates(c).first ?? fromActionWords(c)
                read[c] = r
                return r
            }
            // (A tool set's clauses are values as often as requests: `Coordination` reads them.)
            let robotClauses = robot.kind != "tools"
            while k < clauses.count {
                var c = clauses[k]
                k += 1
                // "it" / "them" after a clause that picked an object is that object ("grab the book and bring it to the
                // coffee_table"); what its reading repeats of the plan so far is already done (the drive to it, the pick).
                var held: String?
                if robotClauses, let o = heldObject(plan), let named = Self.replacingPronoun(c, with: o), reading(named) != nil {
                    c = named
                    held = o
                }
                // A clause of one mention only ("go to the bathroom, then the hallway") asks for the one before again.
                var said = reading(c) != nil ? c : robotClauses ? previous.flatMap { elided(c, after: $0) } : nil
                // (A clause that starts with its number, "... and 5 cm down", goes on with the one before.)
                if said != c || k > 1 && InstructionNormalizer.tokenize(c).first.flatMap(InstructionNormalizer.number) != nil { fragments = true }
                // One that reads as nothing and names nothing may be half of one request with the next ("slow down a
                // little, to 0.4 m s", "take off and climb to 5 m").
                // (Or the direction of the next: "scoot back a little, like 0.2 m".)
                if said == nil, robotClauses, k < clauses.count, !mentionsAnything(c),
                   reading(clauses[k]) == nil || Self.sameCall(reading(c + " , " + clauses[k]), reading(clauses[k]))
                    || reading(c + " , " + clauses[k]).map { $0.map(\.name) } == reading(clauses[k]).map { $0.map(\.name) } {
                    let joined = c + " , " + clauses[k]
                    if reading(joined) != nil { said = joined; k += 1 }
                }
                // One that reads as nothing after one that read may be the same request going on ("count the blocks,
                // but max 12"): the two as one, when they read as the same calls with more said.
                if said == nil, robotClauses, let p = previous, let last = reading(p), let joined = reading(p + " , " + c),
                   joined.map(\.name) == last.map(\.name), joined != last, plan.suffix(last.count) == last {
                    plan.removeLast(last.count)
                    plan += joined
                    previous = p + " , " + c
                    continue
                }
                // One that tells, or of many words, that reads as nothing before the request is what led to it ("so my
                // sister is coming over later and she always loses her keys, ..., take the keys ...").
                if said == nil, robotClauses, k < clauses.count, plan.isEmpty,
                   Self.tells(c) || InstructionNormalizer.tokenize(c).filter({ !Self.filler.contains($0) }).count >= 5 { continue }
                guard let said, let part = reading(said) else { plan = []; break }
                plan += held.map { Self.withoutRepeats(part, after: plan, taking: $0) } ?? part
                previous = said
            }
            // "visit the kitchen, the garage and the office": one call whose array takes what the clauses
            // name, rather than a call per clause.
            let whole = fromActionWords(instruction)
            // "10 cm along x and 5 cm down", "by 1, 2 and 3 cm": the clauses are one call's numbers, not calls of their own
            // (when the clauses read as calls of that action only).
            let numbers = analyse(instruction).numbers
            let oneCall = whole.map { w in
                w.count == 1 && numbers.count >= 2 && (plan.isEmpty || fragments && plan.allSatisfy { $0.name == w[0].name })
                    && numbers.allSatisfy { n in w[0].arguments.contains { $0.value.numeric.map { abs(abs($0) - n) < 1e-9 } ?? false } }
            } ?? false
            if let whole, oneCall || whole.contains(where: { $0.arguments.contains { if case .list(let items) = $0.value { items.count > 1 } else { false } } }) {
                out.append(whole)
            } else if !plan.isEmpty {
                out.append(plan)
            }
        }
        out = out.map { withPrerequisites($0, request: instruction) }
        var seen = Set<[ActionCall]>()
        return out.filter { !$0.isEmpty && $0.count <= robot.limits.maxPlanActions && seen.insert($0).inserted }
    }

    /// The object the plan's last call that names one took ("pick(object=\"book\")"), if any.
    private func heldObject(_ plan: [ActionCall]) -> String? {
        let object = { (v: ConfigValue) -> String? in if case .string(let s) = v, self.classOf[s] == "object" { s } else { nil } }
        return plan.last(where: { c in c.arguments.contains { object($0.value) != nil } })?.arguments.lazy.compactMap { object($0.value) }.first
    }

    /// The clause with its first "it" / "them" as the object; nil when it has none.
    static func replacingPronoun(_ clause: String, with object: String) -> String? {
        var t = InstructionNormalizer.tokenize(clause)
        guard let i = t.firstIndex(where: { $0 == "it" || $0 == "them" }) else { return nil }
        t[i] = object
        return t.joined(separator: " ")
    }

    /// A part of a plan without what it says again of the plan so far: up to the call that took the object the plan
    /// already took (the drive to it and its pick, said again by "bring it to …").
    static func withoutRepeats(_ part: [ActionCall], after plan: [ActionCall], taking object: String) -> [ActionCall] {
        guard let taken = plan.last(where: { c in c.arguments.contains { $0.value == .string(object) } }),
              let i = part.lastIndex(of: taken) else { return part }
        return Array(part[(i + 1)...])
    }

    /// Whether a clause tells rather than asks: it opens with its subject ("we have guests", "I'm heading out").
    static func tells(_ clause: String) -> Bool {
        guard let first = InstructionNormalizer.tokenize(clause).first else { return false }
        return ["i", "i'm", "im", "i've", "we", "we're", "we've", "we'll", "it's", "there's", "they", "they're", "my", "our", "he", "she",
                "he's", "she's"].contains(first)
    }

    /// Whether two readings are one call each with the same arguments (to the same action, or to its twin).
    static func sameCall(_ a: [ActionCall]?, _ b: [ActionCall]?) -> Bool {
        guard let a, let b, a.count == 1, b.count == 1 else { return false }
        return a[0].arguments == b[0].arguments
    }

    /// A clause that says one entity or number and nothing else of its own ("then the hallway", "the bedroom too") as
    /// the clause before it with that mention in place of its own of the same kind; nil when it says more, or the
    /// clause before has no single such mention.
    func elided(_ clause: String, after previous: String) -> String? {
        let words = InstructionNormalizer.tokenize(clause).filter { !Self.filler.contains($0) && !Self.elliptical.contains($0) }
        // Its mentions, and prepositions between them ("the blue_block in the right_bin"), nothing else.
        let mentions = words.filter { !Self.prepositions.contains($0) }
        let kind = { (w: String) -> String? in self.classOf[w] ?? (InstructionNormalizer.number(w) != nil ? "<n>" : nil) }
        guard !mentions.isEmpty, mentions.allSatisfy({ kind($0) != nil }) else { return nil }
        let before = InstructionNormalizer.tokenize(previous)
        let at = before.indices.filter { kind(before[$0]) != nil }
        guard at.map({ kind(before[$0]) }) == mentions.map(kind) else { return nil }
        var out = before
        for (k, i) in at.enumerated() { out[i] = mentions[k] }
        return out.joined(separator: " ")
    }
    private static let elliptical: Set<String> = ["first", "too", "also", "finally", "lastly", "after", "that", "next", "as", "well", "again",
                                                  "afterwards", "last", "second", "third", "same", "with"]

    /// The words of asking that open a request ("I need you to", "would you mind", "could you please").
    static let askingOpeners: [[String]] = [["i", "need", "you", "to"], ["i'd", "like", "you", "to"], ["i", "would", "like", "you", "to"],
        ["i", "want", "you", "to"], ["would", "you", "mind"], ["would", "you", "please"], ["could", "you", "please"], ["can", "you", "please"],
        ["could", "you"], ["can", "you"], ["would", "you"], ["please"], ["kindly"], ["now"], ["be", "so", "kind", "as", "to"]]

    /// The words after "you" that end a request's asking ("if you could", "would you mind").
    static let askingAfterYou: Set<String> = ["could", "can", "would", "will", "mind", "please", "kindly"]

    /// A request without the words of asking it opens with.
    public static func withoutAsking(_ text: String) -> String {
        var words = text.split(separator: " ").map(String.init)
        while true {
            if let opener = askingOpeners.first(where: { o in words.count > o.count && zip(words, o).allSatisfy { $0.lowercased() == $1 } }) {
                words.removeFirst(opener.count)
            } else if words.count > 1, ["so", "and", "also", "but", "ok", "okay", "well", "alright", "anyway", "um", "uh", "er"].contains(words[0].lowercased()) {
                words.removeFirst()
            } else if let i = words.prefix(9).indices.dropLast().first(where: { words[$0].lowercased() == "you" && Self.askingAfterYou.contains(words[$0 + 1].lowercased()) }),
                      i + 2 < words.count, words[..<i].allSatisfy({ w in w.allSatisfy { $0.isLetter || $0 == "'" } }) {
                // "it'd be great if you could …", "would you be so kind as to …": asking, up to "you could", "you mind".
                words.removeFirst(i + 2)
                if ["to", "as"].contains(words.first?.lowercased() ?? "") { words.removeFirst() }
            } else {
                break
            }
        }
        return words.joined(separator: " ")
    }

    /// Splits at "and", "then", "and then", commas and semicolons.
    static func clauses(_ text: String) -> [String] {
        var out: [String] = [], current: [String] = []
        for w in InstructionNormalizer.tokenize(text) {
            // (And where speech falters: "fly to the pond uh hover there".)
            if ["and", "then", ",", ";", "after", "afterwards", "finally", "lastly", "uh", "um", "umm", "uhh", "er", "erm"].contains(w) {
                if !current.isEmpty { out.append(current.joined(separator: " ")); current = [] }
            } else {
                current.append(w)
            }
        }
        if !current.isEmpty { out.append(current.joined(separator: " ")) }
        return out
    }

    /// Sets the candidates to draft from, before decoding.
    public func reset(candidates: [[ActionCall]]) {
        texts.set(candidates.map(PlanText.render))
    }

    /// Parsed plans as a decoding guide (see `ConstrainedDecoder.decode`).
    /// - Parameter tokenize: a plan text → its tokens' bytes, so the bonus keeps to the tokenization the examples show.
    public static func guide(_ plans: [[ActionCall]], bonus: Float, tokenize: ((String) -> [[UInt8]])? = nil) -> Guide? {
        plans.isEmpty || bonus == 0 ? nil : Guide(plans: plans.map(PlanText.render), bonus: bonus, tokenize: tokenize)
    }

    public func propose(_ r: DraftRequest) -> [Int32] { texts.propose(r) }
}
