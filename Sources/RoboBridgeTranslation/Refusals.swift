import RoboBridgeDecoding
import RoboBridgeConfig

/// Requests a plan must not answer: one that names something the world lacks ("go to the garage" in an apartment
/// without one) or asks for a kind of action the robot lacks ("fly" to a rover). A small model tends to answer them
/// with a plan for something else (`dock()`, another object); the check turns that into `no_action` with a reason
/// a person can act on. It reads only the robot file, the world and the instruction, so it holds for any robot.
public struct Refusals {
    /// Words the robot file and the world use: a word outside them (and outside plain English function words)
    /// names something neither knows.
    private let known: Set<String>
    /// Capability groups the robot has (an action name, description or example uses one of their verbs).
    private let capabilities: Set<String>
    private let robotId: String
    /// Entity name → its class's word ("place", "object", "waypoint").
    private let classOf: [String: String]
    /// The world's entity names and aliases, as words.
    private let entityNames: [[String]]
    /// A head noun of the world's entity names and aliases ("bin" of left_bin, right_bin) → the words each entity
    /// with that head is called or described by (its name, aliases, color, description).
    private let headWords: [String: [Set<String>]]
    /// Object → the place or surface it lies on.
    private let supportOf: [String: String]

    public init(robot: Robot, world: World?) {
        robotId = robot.id
        var texts: [String] = [robot.description, robot.kind] + robot.stopWords
        for a in robot.actions {
            texts += [a.name.replacingOccurrences(of: "_", with: " "), a.description]
            for p in a.parameters {
                texts += [p.name.replacingOccurrences(of: "_", with: " "), p.description, p.unit ?? ""] + (p.values ?? [])
            }
        }
        texts += robot.examples.map(\.instruction)
        // What the robot can do is read from its own file (a world's "water tower" is no watering), with the
        // everyday synonyms of its words ("release" is also "drop").
        var robotWords = Set(texts.flatMap { InstructionNormalizer.tokenize($0.replacingOccurrences(of: "_", with: " ")) }.map(Self.stem))
        for (word, synonyms) in LexiconDrafter.synonyms where robotWords.contains(Self.stem(word)) { robotWords.formUnion(synonyms.map(Self.stem)) }
        var classes: [String: String] = [:]
        if let world {
            texts += [world.description]
            for (cls, members) in world.entityClasses {
                for m in members where classes[m] == nil { classes[m] = cls == "waypoint" ? "waypoint" : cls == "object" ? "object" : "place" }
                texts += members.map { $0.replacingOccurrences(of: "_", with: " ") }
            }
            texts += world.aliases.keys.map { $0.replacingOccurrences(of: "_", with: " ") }
            texts += world.objects.compactMap(\.color) + world.objects.compactMap(\.description)
            texts += (world.places + world.surfaces + world.waypoints).compactMap(\.description)
            texts += world.obstacles.map { $0.name.replacingOccurrences(of: "_", with: " ") }
        }
        let words = Set(texts.flatMap { InstructionNormalizer.tokenize($0.replacingOccurrences(of: "_", with: " ")) }.map(Self.stem))
        // Nouns that only describe ("the yellow fruit", "the green thing") name nothing missing: `References` resolves them.
        known = words.union(Self.english.map(Self.stem)).union(References.vagueNouns.map(Self.stem))
        classOf = classes
        var heads: [String: [Set<String>]] = [:]
        if let world {
            let descriptions = Dictionary((world.places + world.surfaces + world.waypoints).map { ($0.name, $0.description ?? "") }, uniquingKeysWith: { a, _ in a })
                .merging(world.objects.map { ($0.name, ($0.description ?? "") + " " + ($0.color ?? "")) }, uniquingKeysWith: { a, b in a + " " + b })
            let namesOf = Dictionary(grouping: world.aliases, by: \.value).mapValues { $0.map(\.key) }
            for name in classes.keys {
                let names = [name] + (namesOf[name] ?? [])
                let said = Set(InstructionNormalizer.tokenize((names + [descriptions[name] ?? ""]).joined(separator: " ").replacingOccurrences(of: "_", with: " ")))
                for n in names { if let head = n.split(separator: "_").last { heads[String(head), default: []].append(said) } }
            }
        }
        headWords = heads
        supportOf = world?.supports ?? [:]
        entityNames = (Array(classes.keys) + (world.map { Array($0.aliases.keys) } ?? [])).map { $0.split(separator: "_").map(String.init) }
        capabilities = Set(Self.capabilityVerbs.compactMap { group, verbs in verbs.contains { robotWords.contains(Self.stem($0)) } ? group : nil })
    }

    /// Why the request gets no plan, or nil when nothing in it is missing.
    /// - Parameters:
    ///   - normalized: the instruction as the normalizer left it (aliases and typos of entities resolved).
    ///   - calls: the plan decoded for it.
    public func reason(instruction: String, normalized: String, calls: [ActionCall]) -> String? {
        missingAction(instruction, calls: calls) ?? missingEntity(instruction: instruction, normalized: normalized, calls: calls)
    }

    /// Why the request asks for a kind of action this robot has none of ("drone cannot record a video"), or nil.
    /// Words of the plan's free text are what it says, not what it asks ("announce that the lounge is clean").
    public func missingAction(_ instruction: String, calls: [ActionCall] = []) -> String? {
        let words = InstructionNormalizer.tokenize(instruction)
        let text = Set(calls.flatMap { $0.arguments.flatMap { a -> [String] in
            if case .string(let s) = a.value, classOf[s] == nil { InstructionNormalizer.tokenize(s) } else { [] }
        } })
        for (i, w) in words.enumerated() where !text.contains(w) {
            let next = Array(words[(i + 1)...].prefix(3))
            // A light use of the verb: "bring it down", "grab a shot of", "take a picture": another kind the robot has.
            if next.count >= 2, ["it", "yourself", "her", "him", "them"].contains(next[0]),
               ["down", "up", "back", "over", "around", "lower", "higher", "home", "in"].contains(next[1]) { continue }
            if next.contains(where: { n in Self.capabilityVerbs.contains { capabilities.contains($0.0) && $0.1.contains(n) } }) { continue }
            // A word of something the world names, said as its name ("the screw box", "the water bottle"), is no verb.
            if entityNames.contains(where: { name in
                name.indices.contains { k in name[k] == w && i >= k && i - k + name.count <= words.count && Array(words[(i - k)..<(i - k + name.count)]) == name }
                    || name.count == 1 && name[0] == w
            }) { continue }
            for (group, verbs) in Self.capabilityVerbs where !capabilities.contains(group) && verbs.contains(w) {
                // "take off" is a flight verb, "take" alone is not one.
                if group == "fly", w == "take", i + 1 >= words.count || words[i + 1] != "off" { continue }
                // And so are "lift off", "blast off" ("lift" is no pick there).
                if i + 1 < words.count, words[i + 1] == "off", capabilities.contains("fly") { continue }
                // A verb of acting on a thing asks for it with the thing after it ("drop the package", not "drop to 5 m").
                if Self.transitive.contains(group), !Self.nouns.contains(w), !(next.first.map { Self.determiners.contains($0) || ["a", "an", "it", "them", "its"].contains($0) } ?? false) { continue }
                // The thing it would act on, when the request says "a …" ("record a video").
                var phrase = w == "take" ? "take off" : next.count >= 2 && ["a", "an"].contains(next[0]) ? "\(w) \(next[0]) \(next[1])" : w
                // A noun with its verb: "film a video".
                if Self.nouns.contains(w), i >= 2, ["a", "an"].contains(words[i - 1]) { phrase = "\(words[i - 2]) \(words[i - 1]) \(w)" }
                return "\(robotId) cannot \(phrase): none of its actions does that"
            }
        }
        return nil
    }

    /// Why the request names a place or object the world lacks ("there is no place called \"garage\" here"), or nil.
    func missingEntity(instruction: String, normalized: String, calls: [ActionCall]) -> String? {
        let words = InstructionNormalizer.tokenize(instruction)
        // A kind the world has, with a color, place or size none of its members has ("the middle bin" beside the
        // left, right and reject bins; "the yellow block" beside red and blue ones).
        for i in words.indices.dropLast(2) where Self.determiners.contains(words[i]) {
            let adjective = words[i + 1], head = words[i + 2]
            guard Self.distinguishing.contains(adjective), let members = headWords[head] ?? headWords[Self.singular(head)],
                  !members.contains(where: { $0.contains(adjective) }) else { continue }
            let kind = i > 0 && Self.prepositions.contains(words[i - 1]) ? "place" : "object"
            return "there is no \(kind) called \"\(adjective) \(head)\" here"
        }
        let normalizedWords = Set(InstructionNormalizer.tokenize(normalized))
        let planWords = Set(calls.flatMap(\.arguments).flatMap { a -> [String] in
            if case .string(let s) = a.value, classOf[s] != nil { s.split(separator: "_").map(String.init) } else { [] }
        })
        let text = calls.flatMap { $0.arguments.compactMap { a -> String? in if case .string(let s) = a.value { s.lowercased() } else { nil } } }
        // Entity arguments the instruction never names: the model put something else in their place. (Where a named
        // object lies is named with it: the drive there comes before the pick.)
        let supportsNamed = Set(normalizedWords.compactMap { supportOf[$0] })
        let substituted = calls.flatMap(\.arguments).contains { a in
            guard case .string(let s) = a.value, classOf[s] != nil, !supportsNamed.contains(s) else { return false }
            return !normalizedWords.contains(s) && !s.split(separator: "_").allSatisfy { normalizedWords.contains(String($0)) }
        }
        // Phrases after a preposition first ("fly to the city" names the city, not "your rules").
        // ("after that", "before this": a time, not a thing.)
        let slots = words.indices.filter { Self.determiners.contains(words[$0]) && !(["that", "this"].contains(words[$0]) && $0 > 0 && ["after", "before", "like", "than"].contains(words[$0 - 1])) }
        let ordered = slots.filter { $0 > 0 && Self.prepositions.contains(words[$0 - 1]) } + slots.filter { $0 == 0 || !Self.prepositions.contains(words[$0 - 1]) }
        for i in ordered {
            var phrase = Array(words[(i + 1)...].prefix { $0.allSatisfy(\.isLetter) && !Self.english.contains($0) }.prefix(3))
            guard !phrase.isEmpty else { continue }
            // With the noun of a place that ends its name ("the parking lot", "the storage room").
            if i + 1 + phrase.count < words.count, Self.placeNouns.contains(words[i + 1 + phrase.count]) { phrase.append(words[i + 1 + phrase.count]) }
            let unknown = phrase.filter { !isKnown($0, planWords: planWords) }
            guard !unknown.isEmpty else { continue }
            // A phrase with a whole entity of the world in it names that entity ("the bathroom instead"); a part of
            // one's name ("blue" of blue_block in "the blue crate") does not.
            if entityNames.contains(where: { name in name.allSatisfy(phrase.contains) }) { continue }
            let said = phrase.joined(separator: " ")
            if text.contains(where: { $0.contains(said) || unknown.allSatisfy($0.contains) }) { continue }  // it is free text ("say ...")
            let afterPreposition = i > 0 && Self.prepositions.contains(words[i - 1])
            // Named after a preposition ("to the garage"), or the plan names something else instead, or the model found
            // nothing to do and the phrase is what a fetching verb asks for ("grab the purple vase").
            let before = i > 0 && words[i - 1] == "up" && i > 1 ? words[i - 2] : i > 0 ? words[i - 1] : ""
            let fetched = Self.fetchVerbs.contains(before)
            // The thing a verb of handling is to handle ("bring the laptop to the bedroom") is what the plan lacks,
            // whatever else it does.
            let handled = fetched || Self.handlingVerbs.contains(before)
            guard afterPreposition || substituted || handled else { continue }
            let kind = afterPreposition ? "place" : handled ? "object"
                : calls.flatMap(\.arguments).compactMap { a -> String? in if case .string(let s) = a.value { classOf[s] } else { nil } }.first ?? "object"
            return "there is no \(kind) called \"\(said)\" here"
        }
        return nil
    }

    /// Whether a word is one the robot or the world uses, or a typo of one: within one edit (a swap of neighbours
    /// counts as one) of a word of the plan's own entities, or of any known word of five letters or more.
    private func isKnown(_ word: String, planWords: Set<String>) -> Bool {
        // ("the southern field" is the south field.)
        let w = InstructionNormalizer.compassAdjectives[word] ?? word
        let s = Self.stem(w)
        if known.contains(s) || InstructionNormalizer.number(w) != nil { return true }
        if planWords.contains(where: { Self.withinOneEdit($0, w) }) { return true }
        // Part of a compound the robot or world uses ("bench" of "workbench").
        if s.count >= 4, known.contains(where: { $0.count >= s.count + 3 && ($0.hasSuffix(s) || $0.hasPrefix(s)) }) { return true }
        return s.count >= 5 && known.contains { abs($0.count - s.count) <= 1 && Self.withinOneEdit($0, s) }
    }

    /// (A past participle keeps its ending: the arm "bolted to a workbench" knows no "bolt".)
    static func stem(_ w: String) -> String { w.hasSuffix("ed") ? w : LexiconDrafter.stem(w) }

    static func withinOneEdit(_ a: String, _ b: String) -> Bool {
        let x = Array(a), y = Array(b)
        if x.count == y.count {
            let diff = (0..<x.count).filter { x[$0] != y[$0] }
            // One substitution, or two neighbours swapped ("hallwya").
            return diff.count <= 1 || (diff.count == 2 && diff[1] == diff[0] + 1 && x[diff[0]] == y[diff[1]] && x[diff[1]] == y[diff[0]])
        }
        let (s, l) = x.count < y.count ? (x, y) : (y, x)
        guard l.count == s.count + 1 else { return false }
        var i = 0, j = 0, skipped = false
        while i < s.count && j < l.count {
            if s[i] == l[j] { i += 1; j += 1 } else if skipped { return false } else { skipped = true; j += 1 }
        }
        return true
    }

    static let determiners: Set<String> = ["the", "my", "your", "this", "that", "our", "his", "her", "their"]
    static let prepositions: Set<String> = ["to", "into", "onto", "on", "in", "at", "from", "near", "towards", "toward", "inside",
                                            "under", "behind", "beside", "by", "over", "off", "out", "through", "across", "around"]

    /// Kinds of action, each by the verbs that ask for it; a robot has a kind when its file uses one of the verbs.
    static let capabilityVerbs: [(String, Set<String>)] = [
        ("fly", ["fly", "flying", "soar", "take"]),
        ("drive", ["drive", "driving", "roll", "walk"]),
        ("swim", ["swim", "swimming", "dive"]),
        ("jump", ["jump", "hop", "leap"]),
        ("cook", ["cook", "bake", "fry", "boil", "grill"]),
        ("clean", ["clean", "vacuum", "mop", "sweep", "wash", "wipe", "scrub", "dust"]),
        ("pick", ["pick", "grab", "grasp", "fetch", "bring", "carry", "lift", "collect"]),
        ("photo", ["photo", "photograph", "picture", "snapshot", "film", "shot", "pic", "snap"]),
        ("speak", ["say", "speak", "talk", "announce", "tell", "sing", "shout", "greet"]),
        ("spray", ["spray", "sprinkle", "irrigate", "fertilize", "fertilise", "squirt", "pour", "water"]),
        ("paint", ["paint", "draw", "sketch"]),
        ("join", ["weld", "solder", "glue", "hammer", "drill", "assemble", "tighten", "loosen", "screw", "unscrew", "nail"]),
        ("fold", ["fold", "unfold", "iron"]),
        ("open", ["open", "close", "shut", "unlock", "lock"]),
        ("video", ["record", "video", "stream", "livestream"]),
        ("follow", ["follow", "chase", "escort", "accompany", "track"]),
        ("deliver", ["deliver", "drop", "release", "throw", "toss", "dump", "unload", "place", "put"]),
        ("rotate", ["rotate", "twist", "swivel", "spin"]),
        ("climb", ["climb", "clamber"]),
    ]

    /// Words of a kind that name what it makes ("a video of the pond"), not how: they ask for it wherever they stand.
    static let nouns: Set<String> = ["video", "livestream"]

    /// The kinds whose verbs act on a thing: they ask for it only with the thing after them.
    static let transitive: Set<String> = ["spray", "paint", "join", "open", "video", "follow", "deliver", "fold"]

    /// Words that tell members of a kind apart: colors, places, sizes.
    static let distinguishing: Set<String> = ["red", "blue", "green", "yellow", "orange", "purple", "pink", "black", "white", "grey",
        "gray", "brown", "left", "right", "middle", "center", "centre", "front", "rear", "top", "bottom", "upper", "lower", "north",
        "south", "east", "west", "big", "small", "large", "little", "tiny", "huge"]

    static func singular(_ w: String) -> String { w.hasSuffix("s") && w.count > 3 ? String(w.dropLast()) : w }

    /// Nouns that end a place's name ("parking lot", "laundry room") and are plain English alone.
    static let placeNouns: Set<String> = ["lot", "room", "area", "spot", "place", "side", "corner", "yard", "field", "station"]

    /// Verbs whose object is a thing to move: it must be one the world has.
    static let handlingVerbs: Set<String> = ["put", "place", "drop", "throw", "toss", "hand", "deliver", "move", "take"]

    /// The verbs that ask for an object to be fetched (the "pick" kind).
    static let fetchVerbs = capabilityVerbs.first { $0.0 == "pick" }!.1

    /// Plain English words that name nothing: articles, pronouns, prepositions, auxiliaries, politeness, time,
    /// quantities, and the verbs of asking.
    static let english: Set<String> = [
        "a", "an", "the", "my", "your", "this", "that", "these", "those", "our", "his", "her", "their", "its", "it", "them", "me",
        "you", "we", "i", "he", "she", "they", "us", "him", "there", "here", "where", "what", "which", "who", "how", "when", "why",
        "to", "into", "onto", "on", "in", "at", "from", "near", "towards", "toward", "inside", "under", "behind", "beside", "by",
        "over", "off", "out", "through", "across", "around", "up", "down", "of", "for", "with", "without", "about", "after", "before",
        "and", "or", "but", "then", "also", "too", "again", "next", "first", "finally", "now", "right", "left", "back", "away",
        "please", "pls", "plz", "kindly", "could", "would", "can", "will", "shall", "should", "may", "might", "must", "do", "does",
        "did", "be", "is", "are", "was", "were", "been", "am", "have", "has", "had", "get", "go", "going", "make", "let", "lets",
        "want", "need", "like", "love", "thanks", "thank", "ok", "okay", "hey", "hi", "hello", "yes", "no", "not", "dont", "don't",
        "just", "only", "all", "some", "any", "every", "each", "both", "one", "two", "three", "four", "five", "six", "seven",
        "eight", "nine", "ten", "half", "quarter", "few", "more", "less", "much", "many", "bit", "little", "lot", "again", "once",
        "twice", "very", "really", "quickly", "slowly", "carefully", "gently", "fast", "slow", "way", "thing", "things", "stuff",
        "robot", "it's", "i'd", "i'm", "you're", "we're", "there's", "that's", "so", "if", "as", "than", "while", "until",
        "minute", "minutes", "second", "seconds", "meter", "meters", "metre", "metres", "m", "cm", "degree", "degrees", "deg",
        "percent", "place", "spot", "area", "room", "side", "end", "top", "bottom", "front", "middle", "corner", "over", "there",
        "something", "anything", "everything", "nothing", "someone", "anyone", "everyone", "good", "great", "nice", "same",
        // Time, manner and company: nouns a polite or indirect request uses that name nothing to act on.
        "meantime", "moment", "morning", "afternoon", "evening", "night", "today", "tonight", "tomorrow", "time", "day", "week",
        "weekend", "rest", "while", "chance", "favor", "favour", "hurry", "guests", "guest", "kids", "family", "friend", "friends",
        "boss", "team", "everybody", "somebody", "way", "meanwhile", "sake", "record", "future", "past", "plan", "idea", "job",
        "convenience", "behalf", "leisure", "pace", "discretion", "earliest", "instead", "actually", "anyway", "already",
        "still", "soon", "later", "last", "position", "pose", "location", "direction", "distance", "height", "usual",
        "minus", "plus", "negative", "positive",
        // Directions: how to move, not what to.
        "forward", "forwards", "backward", "backwards", "ahead", "sideways", "upward", "upwards", "downward", "downwards",
        "clockwise", "counterclockwise", "anticlockwise", "higher", "lower", "further", "farther",
    ]
}
