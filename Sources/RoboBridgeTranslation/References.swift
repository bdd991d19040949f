import Foundation
import RoboBridgeConfig

/// References that describe an entity instead of naming it, resolved from what the world file says of its
/// entities — for any world: an object by its color when one object alone has it ("the yellow fruit", "the green
/// thing"), a room by what is in it ("the room with the sofa", "the room where the dining table is"), a place by
/// what is on it ("wherever the towel is"). A description that fits several entities, or none, stays as written
/// (the model, and the refusals, see it).
struct References: Sendable {
    /// color → the objects of that color
    private let colors: [String: [String]]
    /// entity or obstacle name → the room it is in
    private let rooms: [String: String]
    /// room → the place that stands for it (the place named like the room, or the only place in it)
    private let roomPlaces: [String: String]
    /// object → what it is on
    private let supports: [String: String]
    /// Words of entity names: a noun that is one names, not describes ("the red block" is `red_block`'s business).
    private let nameWords: Set<String>
    /// The world's objects, and the places and surfaces an object can be put on or in.
    private let objects: Set<String>
    private let places: Set<String>
    /// Where the robot can be asked to go: places, surfaces and waypoints.
    private let destinations: Set<String>
    /// Entity → the words of its description that say what it is ("landing", "pad", "house" for "The landing pad by
    /// the house."), with its kind's noun ("waypoint").
    private let described: [(name: String, words: Set<String>)]
    private let describedWords: Set<String>

    /// Words that join the words of a description ("the pad *by the* house") and say nothing of the thing.
    /// The words that point at one thing before its noun ("the", "my", "that" thing).
    static let pointing: Set<String> = ["the", "a", "an", "my", "your", "that", "this"]
    static let joiners: Set<String> = ["the", "a", "an", "of", "by", "beside", "near", "next", "to", "at", "on", "in", "with", "and",
                                       "behind", "outside", "inside", "s", "its", "is", "are", "where"]

    /// Nouns that say nothing of what a thing is, and everyday kinds of things.
    static let vagueNouns: Set<String> = ["thing", "things", "one", "item", "object", "part", "piece", "stuff", "fruit", "food", "toy",
                                          "tool", "container", "device", "drink"]

    init(_ world: World) {
        colors = Dictionary(grouping: world.objects.filter { $0.color != nil }, by: { $0.color!.lowercased() }).mapValues { $0.map(\.name) }
        var rooms: [String: String] = [:]
        let located = world.places + world.surfaces + world.waypoints
        for p in located { if let r = p.room { rooms[p.name] = r } }
        let supports = world.supports
        for (o, s) in supports { if let r = rooms[s] { rooms[o] = r } }
        // An obstacle is in the room of the nearest place that has one.
        for o in world.obstacles {
            let near = located.filter { $0.room != nil }.min { a, b in
                hypot(a.position.x - o.position.x, a.position.y - o.position.y) < hypot(b.position.x - o.position.x, b.position.y - o.position.y)
            }
            if let r = near?.room { rooms[o.name] = r }
        }
        self.rooms = rooms
        self.supports = supports
        var roomPlaces: [String: String] = [:]
        for r in Set(rooms.values) {
            let inside = world.places.filter { $0.room == r }
            if let named = inside.first(where: { $0.name == r }) ?? (inside.count == 1 ? inside.first : nil) { roomPlaces[r] = named.name }
        }
        self.roomPlaces = roomPlaces
        nameWords = Set(world.entityNames.flatMap { $0.split(separator: "_").map(String.init) })
        objects = Set(world.objects.map(\.name))
        places = Set((world.places + world.surfaces).map(\.name))
        destinations = places.union(world.waypoints.map(\.name))
        var described: [(String, Set<String>)] = []
        let entries: [(String, String?, String?)] = world.places.map { ($0.name, $0.description, nil) } + world.surfaces.map { ($0.name, $0.description, "surface") }
            + world.waypoints.map { ($0.name, $0.description, "waypoint") } + world.objects.map { ($0.name, $0.description, "object") }
        for (name, description, kind) in entries {
            guard let description else { continue }
            let words = Set(InstructionNormalizer.tokenize(description.replacingOccurrences(of: "-", with: " "))).subtracting(Self.joiners)
            if words.count >= 2 { described.append((name, words.union(kind.map { [$0] } ?? []))) }
        }
        self.described = described
        describedWords = described.reduce(into: Set<String>()) { $0.formUnion($1.1) }
    }

    /// "the landing pad by the house", "the pad beside the house", "the waypoint by the house": a phrase after an
    /// article all of whose words are the words of one entity's description (or joiners), at least two of them, ending
    /// on one — that entity, when it is the only one whose description holds them all. The phrase's end and the entity.
    private func describedEntity(after i: Int, _ t: [String]) -> (end: Int, name: String)? {
        var end = i
        while end < t.count, end - i < 7, describedWords.contains(t[end]) || Self.joiners.contains(t[end]) { end += 1 }
        while end > i, Self.joiners.contains(t[end - 1]) { end -= 1 }
        guard end - i >= 2 else { return nil }
        let span = Set(t[i..<end].filter { !Self.joiners.contains($0) })
        guard span.count >= 2 else { return nil }
        let fits = described.filter { span.isSubset(of: $0.words) }
        guard fits.count == 1 else { return nil }
        return (end, fits[0].name)
    }

    /// A request that says where an object should be instead of asking to put it there ("the phone should be on the
    /// kitchen counter", "it would be great if the towel were in the bedroom", "the mug belongs on the coffee table"),
    /// as the request to put it there: "put the phone on the kitchen_counter". What follows the place is kept when it
    /// goes on with another request ("and then ...") and dropped otherwise (", not on the nightstand").
    func placement(_ t: [String]) -> [String]? {
        for (i, w) in t.enumerated() where objects.contains(w) {
            // Not what the robot is asked to say, nor words after a request of their own ("fetch the phone, put it on
            // the coffee_table and say your phone is on the coffee_table"): before the object, no name and no speech.
            guard !t[..<i].contains(where: { objects.contains($0) || places.contains($0) || Self.speechWords.contains($0) }) else { return nil }
            // "i'd like the phone on the dining_table": wanting it there says it as well.
            let article = i > 0 && ["the", "my", "your", "that", "this"].contains(t[i - 1]) ? 1 : 0
            let wanted = i - article > 0 && ["like", "want", "need", "love", "prefer"].contains(t[i - article - 1])
            var k = i + 1, said = wanted
            while k < t.count, k <= i + 4, Self.placementWords.contains(t[k]) { said = true; k += 1 }
            guard said, k + 1 < t.count, ["on", "in", "onto", "into", "at"].contains(t[k]) else { continue }
            var j = k + 1
            if t[j] == "the" { j += 1 }
            guard j < t.count, places.contains(t[j]) else { continue }
            var rest = Array(t[(j + 1)...])
            if rest.first == "," { rest.removeFirst() }
            let goesOn = rest.first.map { ["and", "then"].contains($0) } ?? false
            return ["put", "the", w, t[k], "the", t[j]] + (goesOn ? rest : [])
        }
        return nil
    }

    /// Wanting the robot somewhere is asking it to go there: "i need you in the bedroom", "we want you over at the
    /// barn" → "go to the bedroom". What follows the place is kept.
    func summons(_ t: [String]) -> [String]? {
        for i in t.indices.dropFirst() where t[i] == "you" && ["need", "want", "needs", "wants"].contains(t[i - 1]) {
            var k = i + 1
            if k < t.count, ["over", "back", "up", "down", "out"].contains(t[k]) { k += 1 }
            guard k < t.count, ["in", "at", "on", "by", "to"].contains(t[k]) else { continue }
            k += 1
            if k < t.count, t[k] == "the" { k += 1 }
            guard k < t.count, destinations.contains(t[k]) else { continue }
            return ["go", "to", "the", t[k]] + t[(k + 1)...]
        }
        return nil
    }

    /// A verb's particle between the object and where it goes ("set the keys down on the dining_table", "put it back in
    /// the box") says nothing of either: the request without it.
    func withoutParticles(_ t: [String]) -> [String] {
        var out: [String] = []
        for (i, w) in t.enumerated() {
            if ["down", "back", "away"].contains(w), i > 0, i + 1 < t.count, objects.contains(t[i - 1]) || ["it", "them"].contains(t[i - 1]),
               ["on", "onto", "in", "into", "inside"].contains(t[i + 1]) { continue }
            out.append(w)
        }
        return out
    }

    /// An object said with where it already lies, as the world has it ("the phone from the bedside_table", "the keys off
    /// the coffee_table", "the apple in the kitchen to the table"): the object alone. Said where it is not, the place
    /// stays (the one asking may know better); "put the mug on the table", where the place is the goal, stays.
    func withoutOwnPlace(_ t: [String]) -> [String] {
        var out: [String] = [], i = 0
        while i < t.count {
            out.append(t[i])
            guard objects.contains(t[i]), i + 2 < t.count else { i += 1; continue }
            var k = i + 1
            let source = ["from", "off"].contains(t[k])
            guard source || ["in", "on", "at"].contains(t[k]) else { i += 1; continue }
            k += 1
            if k < t.count, ["of", "off"].contains(t[k]) { k += 1 }
            if k < t.count, ["the", "your"].contains(t[k]) { k += 1 }
            guard k < t.count, t[k] == supports[t[i]] || t[k] == rooms[t[i]] else { i += 1; continue }
            // "in/on/at" only where another goal follows ("the apple on the counter to the table", "over to"), or after a
            // verb of taking with nothing after the place ("grab the towel in the bathroom": where it lies, no goal).
            let goal = k + 1 < t.count && ["over", "across", "back"].contains(t[k + 1]) ? k + 2 : k + 1
            let taken = goal >= t.count || [",", "and", "then", "please", "!", "?"].contains(t[goal])
            let taking = t[max(0, i - 4)..<i].contains(where: Self.takingVerbs.contains)
            guard source || goal < t.count && ["to", "into", "onto"].contains(t[goal]) || taking && taken else { i += 1; continue }
            i = k + 1
        }
        return out
    }

    /// Verbs of taking a thing from where it lies.
    static let takingVerbs: Set<String> = ["grab", "pick", "get", "fetch", "collect", "take", "snatch", "seize", "grasp", "bring"]

    /// Words that say where a thing should be rather than ask for an action.
    static let speechWords: Set<String> = ["say", "says", "tell", "announce", "speak", "shout", "utter", "declare", "saying", "telling"]
    static let placementWords: Set<String> = ["should", "belongs", "belong", "goes", "were", "was", "be", "must", "needs", "need", "to",
                                              "ought", "is", "are", "supposed", "really"]

    /// A name said by its head noun with the room it is in, where the one the head noun stands for is elsewhere ("the
    /// table in the living_room", the world's "table" being the dining_table in the kitchen): the one entity with that
    /// head noun in that room, the room phrase dropped. As written when no entity, or several, fit.
    func inItsRoom(_ t: [String]) -> [String] {
        var out: [String] = [], i = 0
        while i < t.count {
            let w = t[i]
            if let head = w.split(separator: "_").last.map(String.init), rooms[w] != nil, i + 2 < t.count, ["in", "inside"].contains(t[i + 1]) {
                let k = t[i + 2] == "the" && i + 3 < t.count ? i + 3 : i + 2
                if let room = rooms[t[k]], rooms[w] != room {
                    let fits = rooms.keys.filter { $0 != w && $0.split(separator: "_").last.map(String.init) == head && rooms[$0] == room && places.contains($0) == places.contains(w) }
                    if fits.count == 1 {
                        out.append(fits[0])
                        i = k + 1
                        continue
                    }
                }
            }
            out.append(w)
            i += 1
        }
        return out
    }

    /// The tokens with described entities replaced by their names.
    func resolve(_ t: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        func at(_ k: Int) -> String? { k < t.count ? t[k] : nil }
        while i < t.count {
            // An entity by the words of its description, after an article.
            if i > 0, ["the", "a", "an", "your"].contains(t[i - 1]), let (end, name) = describedEntity(after: i, t) {
                out.append(name)
                i = end
                continue
            }
            // "the thing you change channels with", "what I open the front door with" → the one object of the world that
            // everyday English says is for that (`objectUses`).
            if let (name, next) = objectByUse(at: i, t) {
                if !(i > 0 && Self.pointing.contains(t[i - 1])) { out.append("the") }
                out.append(name)
                i = next
                continue
            }
            // "the part that's green", "the thing which is red" → the one object of that color.
            if Self.vagueNouns.contains(t[i]), i > 0, ["the", "a", "an"].contains(t[i - 1]) {
                var k = i + 1
                if at(k) == "that's" || at(k) == "which's" { k += 1 } else if ["that", "which"].contains(at(k) ?? ""), at(k + 1) == "is" { k += 2 }
                if k > i + 1, let c = at(k), let objects = colors[c], objects.count == 1 {
                    out.append(objects[0])
                    i = k + 1
                    continue
                }
            }
            // "the white towel", where the towel is white: the color says nothing more than the name.
            if let objects = colors[t[i]], let next = at(i + 1), objects.contains(next) {
                i += 1
                continue
            }
            // "the fruit on the counter": a kind alone, of one member in the world or where the words after say it lies.
            if let kind = Self.kinds[t[i]], i > 0, ["the", "a", "an", "some"].contains(t[i - 1]) {
                let members = Self.members(of: objects, ofKind: kind).sorted()
                // (The place stays: where it lies, or where it goes, is for what comes after to read.)
                var k = i + 1, here = members
                if members.count > 1, let p = at(k), ["on", "in", "from", "off", "at"].contains(p) {
                    k += 1
                    if at(k) == "the" { k += 1 }
                    here = at(k).map { lying(members, at: $0) } ?? []
                }
                if here.count == 1 {
                    out.append(here[0])
                    i += 1
                    continue
                }
            }
            // "<color> <vague noun>" → the one object of that color; of several, the one where the words after say it
            // lies ("the black thing on the coffee_table", "the black one in the bedroom": the place is then said).
            if var objects = colors[t[i]], let noun = at(i + 1), Self.vagueNouns.contains(noun), !nameWords.contains(noun) {
                // A kind narrows them: "the red fruit" is the apple, not the red cup.
                if let kind = Self.kinds[noun] { objects = Self.members(of: objects, ofKind: kind) }
                if objects.count == 1 {
                    out.append(objects[0])
                    i += 2
                    continue
                }
                var k = i + 2
                if let p = at(k), ["on", "in", "from", "off", "at"].contains(p) {
                    k += 1
                    if at(k) == "the" { k += 1 }
                    let here = at(k).map { lying(objects, at: $0) } ?? []
                    if here.count == 1 {
                        out.append(here[0])
                        i = k + 1
                        continue
                    }
                }
            }
            // "room with (the) X", "room where (the) X is|are" → X's room.
            if t[i] == "room", let (x, next) = thing(after: i + 1, t, joiners: ["with", "where", "containing", "that has"]),
               let room = rooms[x], let place = roomPlaces[room] {
                if out.last == "the" { out.removeLast() }
                out.append(place)
                i = next
                continue
            }
            // "room with (the) toilet", "room where I sleep" → the room of that name, where the world has one: what rooms
            // of the usual names hold and are for, in everyday English.
            if t[i] == "room", let (room, next) = roomByUse(after: i + 1, t), let place = roomPlaces[room] {
                if out.last == "the" { out.removeLast() }
                out.append(place)
                i = next
                continue
            }
            // "wherever (the) X is|are", "where (the) X is|are" (after a verb of motion) → what X is on.
            if t[i] == "wherever" || t[i] == "where" && ["to", "go", "drive", "head", "move"].contains(out.last ?? ""),
               let (x, next) = thing(after: i, t, joiners: [t[i]]), let support = supports[x] ?? rooms[x].flatMap({ roomPlaces[$0] }) {
                out.append(support)
                i = next
                continue
            }
            out.append(t[i])
            i += 1
        }
        return out
    }

    /// What rooms of the usual names hold and what people do in them, in everyday English (not any world's).
    static let roomUses: [String: Set<String>] = [
        "bedroom": ["bed", "beds", "wardrobe", "dresser", "pillows", "sleep", "sleeps", "sleeping", "slept", "nap"],
        "bathroom": ["toilet", "shower", "bath", "bathtub", "tub", "loo", "bathe", "shave", "showers"],
        "kitchen": ["fridge", "refrigerator", "stove", "oven", "cooker", "microwave", "dishwasher", "cook", "cooks", "cooking", "bake"],
        "living_room": ["tv", "television", "couch", "fireplace", "relax"],
        "dining_room": ["dine", "dinner"],
        "garage": ["car", "cars"],
        "office": ["desk", "computer"],
    ]

    /// Everyday kinds of things, by the words of the names of their members (general English, not any world's).
    static let kinds: [String: Set<String>] = [
        "fruit": ["apple", "banana", "orange", "pear", "lemon", "lime", "peach", "plum", "mango", "grapes", "cherry", "kiwi"],
        "drink": ["water", "juice", "soda", "milk", "coffee", "tea", "beer", "wine"],
        "tool": ["screwdriver", "hammer", "wrench", "pliers", "drill", "saw"],
    ]

    /// What things of the usual names are for, in everyday English (not any world's): by a word of the object's name.
    static let objectUses: [String: Set<String>] = [
        "remote": ["channel", "channels", "tv", "television", "zap"],
        "towel": ["dry", "drying", "dries", "hands"],
        "keys": ["door", "lock", "unlock", "locks"],
        "key": ["door", "lock", "unlock", "locks"],
        "book": ["read", "reading", "reads"],
        "phone": ["call", "calling", "calls", "text", "texting", "ring", "phoning"],
        "umbrella": ["rain"],
        "charger": ["charge", "charging"],
    ]

    /// The objects whose name has a word of a kind ("fruit": apple, banana, ...).
    private static func members<C: Collection<String>>(of objects: C, ofKind kind: Set<String>) -> [String] {
        objects.filter { o in o.split(separator: "_").contains { kind.contains(String($0)) } }
    }

    /// The objects that lie at a place the request names: on that support, or in that room (by its name or its place).
    private func lying(_ objects: [String], at place: String) -> [String] {
        objects.filter { supports[$0] == place || rooms[$0].map { $0 == place || roomPlaces[$0] == place } ?? false }
    }

    /// At `i`, a vague noun after an article ("the thing") or "what", said with a use (`objectUses`) of one object of
    /// the world alone, within a few words: that object and the index after the phrase (through a closing "with", up to
    /// where it goes: "to", "into", "on", or the clause's end).
    private func objectByUse(at i: Int, _ t: [String]) -> (String, Int)? {
        let articled = i > 0 && Self.pointing.contains(t[i - 1])
        let handed = i > 0 && (Self.takingVerbs.contains(t[i - 1]) || ["hand", "give", "pass", "put", "me", "us"].contains(t[i - 1]))
        guard articled && ["thing", "something", "one", "stuff", "item", "object", "device", "gadget"].contains(t[i]) || t[i] == "what" && handed
        else { return nil }
        let stops: Set<String> = [",", "and", "then", "to", "into", "onto", "on", "please", "!", "?"]
        var k = i + 1
        var found: (name: String, at: Int)?
        while k < t.count, k <= i + 8, !(stops.contains(t[k]) && found != nil), ![",", "and", "then"].contains(t[k]) {
            let fits = objects.filter { o in o.split(separator: "_").contains { Self.objectUses[String($0)]?.contains(t[k]) ?? false } }
            if fits.count == 1, found == nil || found!.name == fits.first! { found = (fits.first!, k) }
            else if fits.count > 1 || found != nil && !fits.isEmpty { return nil }
            k += 1
        }
        guard let found else { return nil }
        // (Not past more than four words after the use: "... with" and a few words of when or why.)
        return (found.name, k - found.at <= 5 ? k : found.at + 1)
    }

    /// After "with", "containing", "that has", "where" (at `i`): within a few words, a thing or a use of one room name
    /// alone ("with the toilet", "where i sleep"); that room and the index after the word.
    private func roomByUse(after i: Int, _ t: [String]) -> (String, Int)? {
        guard i < t.count, ["with", "containing", "where", "that", "which"].contains(t[i]) else { return nil }
        var k = i + 1
        while k < t.count, k <= i + 4, ![",", "and", "then"].contains(t[k]) {
            let fits = Self.roomUses.filter { $0.value.contains(t[k]) }.map(\.key)
            if fits.count == 1 { return (fits[0], k + 1) }
            k += 1
        }
        return nil
    }

    /// After one of `joiners` at `i`: an optional article, an entity or obstacle name, an optional "is"/"are";
    /// the name and the index after the phrase.
    private func thing(after i: Int, _ t: [String], joiners: [String]) -> (String, Int)? {
        var k = i
        guard let joiner = joiners.first(where: { j in
            let w = j.split(separator: " ").map(String.init)
            return k + w.count <= t.count && Array(t[k..<(k + w.count)]) == w
        }) else { return nil }
        k += joiner.split(separator: " ").count
        if k < t.count, ["the", "a", "an", "my", "your"].contains(t[k]) { k += 1 }
        guard k < t.count, rooms[t[k]] != nil || supports[t[k]] != nil else { return nil }
        let x = t[k]
        k += 1
        if k < t.count, ["is", "are", "sits", "stands"].contains(t[k]) { k += 1 }
        return (x, k)
    }
}
