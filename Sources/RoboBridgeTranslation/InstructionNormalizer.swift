import RoboBridgeDecoding
import Foundation
import RoboBridgeConfig

/// Rewrites an instruction before the model sees it, with mechanisms that hold for any robot file and
/// any world: world aliases and multi-word entity names become the entities' canonical names; number
/// words become digits ("ninety" → 90, "half a" → 0.5); lengths in other units are converted to the
/// unit of the robot's length parameters ("20 cm" → "0.2 m"); misspelt words close to a known word
/// (entity names, aliases, action and parameter words) are corrected.
public struct InstructionNormalizer: Sendable {
    /// phrase (lowercased words) → canonical entity name
    private let phrases: [[String]: String]
    /// The words of three letters of the robot's action names ("say", "fly").
    private let actionVerbs: Set<String>
    /// The words of a name of several words run together → the name.
    private let joinedNames: [String: String]
    private let longestPhrase: Int
    /// Words known to the robot and world, for typo correction.
    private let known: Set<String>
    /// Words of the file's descriptions and examples and everyday words of commands: typos of them are corrected only
    /// where the slip is plain (two letters swapped, or one letter in a word of five or more: "trun", "degres").
    private let everyday: Set<String>
    /// Real words (the model vocabulary's whole-word tokens): never taken for a typo ("make" is not "lake").
    private let dictionary: Set<String>
    /// What the world says of its entities, for references that describe instead of naming (`References`).
    private let references: References?
    private let targetLengthUnit: String?
    private let hasSpeed: Bool
    private let turnsInDegrees: Bool
    /// The verb of the robot's speech action ("say"), if it has one: an action of a text parameter named by a word of
    /// speaking.
    private let speechVerb: String?
    /// Whether the robot is a tool set (its numbers are bound from the request as written: no rewriting of fractions).
    private let isToolSet: Bool

    /// - Parameter dictionary: real words, lower-case, that are never corrected (see `words(ofVocabulary:)`).
    public init(robot: Robot, world: World?, dictionary: Set<String> = []) {
        self.dictionary = dictionary
        isToolSet = robot.kind == "tools"
        var phrases: [[String]: String] = [:]
        var known = Set<String>()
        func words(_ s: String) -> [String] {
            s.lowercased().split(whereSeparator: { $0 == "_" || $0 == " " || $0 == "-" }).map(String.init)
        }
        if let world {
            for name in world.entityNames {
                phrases[words(name)] = name
                known.formUnion(words(name))
            }
            for (alias, target) in world.aliases {
                phrases[words(alias)] = target
                known.formUnion(words(alias))
            }
        }
        for a in robot.actions {
            known.formUnion(words(a.name))
            for p in a.parameters {
                known.formUnion(words(p.name))
                if let values = p.values { for v in values { phrases[words(v)] = v; known.formUnion(words(v)) } }
            }
        }
        // Everyday words for the usual names of modes ("carefully" for precise, "quickly" for fast), where the
        // world and the file use them for nothing else.
        for a in robot.actions {
            for p in a.parameters {
                for v in p.values ?? [] {
                    for synonym in Self.valueSynonyms[v] ?? [] where phrases[words(synonym)] == nil && !known.isSuperset(of: words(synonym)) {
                        phrases[words(synonym)] = v
                        // A phrasal verb takes its object between verb and particle ("speed things up").
                        let w = words(synonym)
                        if w.count == 2, ["up", "down"].contains(w[1]) {
                            for object in ["it", "things", "them", "this"] { phrases[[w[0], object, w[1]]] = v }
                        }
                    }
                }
            }
        }
        // A single word that names one of the robot's actions stays a verb ("dock", "return home"),
        // even where the world has an entity or alias of that name.
        let actionWords = Set(robot.actions.flatMap { words($0.name) })
        actionVerbs = actionWords.filter { $0.count == 3 }
        self.phrases = phrases.filter { $0.key.count > 1 || !actionWords.contains($0.key[0]) || $0.key[0] == $0.value }
        longestPhrase = phrases.keys.map(\.count).max() ?? 1
        // A name of several words written as one ("livingroom", "waterbottle").
        var joined: [String: String] = [:]
        for (key, name) in self.phrases where key.count > 1 { joined[key.joined()] = name }
        joinedNames = joined
        // Typos are also corrected towards the words of the file's descriptions and examples and everyday words of
        // commands ("trun rigth 90 degres", "rasie the gripper").
        var targets = Self.common
        for a in robot.actions { targets.formUnion(([a.description] + a.parameters.map(\.description)).flatMap(Self.tokenize)) }
        for e in robot.examples { targets.formUnion(Self.tokenize(e.instruction)) }
        self.known = known.filter { $0.count >= 3 && $0.allSatisfy(\.isLetter) }
        everyday = targets.filter { $0.count >= 4 && $0.allSatisfy(\.isLetter) }.subtracting(self.known)
        inflectionStems = Set(self.known.compactMap { k in
            let s = LexiconDrafter.stem(k)
            return s != k && s.count >= 5 ? s : nil
        })
        references = world.map(References.init)
        let units = robot.actions.flatMap(\.parameters).compactMap(\.unit)
        targetLengthUnit = units.first { ["m", "cm", "mm"].contains($0) }
        hasSpeed = units.contains("m/s")
        turnsInDegrees = units.contains("deg")
        speechVerb = robot.actions.first { a in
            a.parameters.contains { $0.kind == .string } && ["say", "speak", "announce", "utter"].contains(String(a.name.prefix { $0 != "_" }))
        }.map { String($0.name.prefix { $0 != "_" }) }
    }

    public func normalize(_ instruction: String) -> String {
        var tokens = Self.tokenize(isToolSet ? instruction : Self.fractionsAsDecimals(instruction))
        // A capitalized word after the first is a proper name ("fly to Rome"): never corrected.
        let names = Set(instruction.split(whereSeparator: { !$0.isLetter }).dropFirst()
            .filter { $0.first?.isUppercase == true && $0.dropFirst().allSatisfy(\.isLowercase) }.map { $0.lowercased() })
        tokens = tokens.map { names.contains($0) ? $0 : correct($0) }
        tokens = Self.numbers(tokens)
        tokens = convertUnits(tokens)
        tokens = Self.maxima(tokens)
        tokens = tokens.map { w in Self.compassAdjectives[w].map { known.contains($0) ? $0 : w } ?? w }
        tokens = canonicalEntities(tokens)
        if let speechVerb { tokens = Self.tellingEveryone(tokens, verb: speechVerb) }
        if let references {
            tokens = references.inItsRoom(references.resolve(tokens))
            tokens = references.placement(tokens) ?? references.summons(tokens) ?? tokens
            tokens = references.withoutOwnPlace(references.withoutParticles(tokens))
        }
        return tokens.joined(separator: " ").replacingSpaceBeforePunctuation()
    }

    /// "1/2 m", "3/4 of a turn": a fraction of a small denominator as the decimal it is ("1/2" → "0.5").
    static func fractionsAsDecimals(_ s: String) -> String {
        guard s.contains("/") else { return s }
        let c = Array(s)
        var out = "", i = 0
        while i < c.count {
            // digits "/" digit, not inside a longer run of digits and slashes (a date: "12/25", "1/2/2024").
            if c[i].isNumber, i == 0 || !(c[i - 1].isNumber || c[i - 1] == "/" || c[i - 1] == "."), i + 2 < c.count, c[i + 1] == "/",
               let d = c[i + 2].wholeNumberValue, (2...4).contains(d), i + 3 == c.count || !(c[i + 3].isNumber || c[i + 3] == "/"),
               let n = c[i].wholeNumberValue, n < d {
                out += format(Double(n) / Double(d))
                i += 3
                continue
            }
            out.append(c[i])
            i += 1
        }
        return out
    }

    /// "tell everyone (that) X", "let everybody know (that) X" → "say X": words for all who hear, not for the one
    /// asking ("tell me a joke" stays).
    static func tellingEveryone(_ t: [String], verb: String) -> [String] {
        let audience: Set<String> = ["everyone", "everybody", "them", "people", "all", "guests", "family", "kids", "room", "house", "visitors"]
        var out: [String] = [], i = 0
        while i < t.count {
            if ["tell", "let", "telling", "letting"].contains(t[i]) {
                var k = i + 1
                if k < t.count, t[k] == "to", !t[i].hasPrefix("let") { k += 1 }  // "tell to them"
                if k < t.count, t[k] == "the" { k += 1 }
                if k < t.count, audience.contains(t[k]) {
                    k += 1
                    let lets = t[i].hasPrefix("let")
                    if lets, k < t.count, t[k] == "know" { k += 1 } else if lets { out.append(t[i]); i += 1; continue }
                    if k < t.count, t[k] == "that" { k += 1 }
                    if k < t.count {
                        out.append(verb)
                        i = k
                        continue
                    }
                }
            }
            out.append(t[i])
            i += 1
        }
        return out
    }

    /// A number as an instruction writes it: digits with an optional sign and decimals ("12", "-3", "0.5"), finite.
    /// Not what `Double.init` also reads — "nan", "inf", "infinity", "1e308", hex floats — which a request can
    /// write as words.
    package static func number(_ word: some StringProtocol) -> Double? {
        var digits = 0, dots = 0
        for (i, c) in word.utf8.enumerated() {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: "."): dots += 1
            case UInt8(ascii: "-"), UInt8(ascii: "+"): if i != 0 { return nil }
            default: return nil
            }
        }
        guard digits > 0, dots <= 1, word.count <= 24, let v = Double(String(word)), v.isFinite else { return nil }
        return v
    }

    /// Words, numbers and punctuation, lowercased.
    static func tokenize(_ s: String) -> [String] {
        var out: [String] = []
        var current = ""
        // A hyphen inside a word joins it ("counter-clockwise" is "counterclockwise", not "counter").
        let chars = Array(s.lowercased())
        for (i, ch) in chars.enumerated() {
            if ch == "-", i > 0, i + 1 < chars.count, chars[i - 1].isLetter, chars[i + 1].isLetter { continue }
            // A minus sign before a number's digits, not between two words or numbers, is the number's ("move -5 cm").
            if ch == "-", current.isEmpty, i + 1 < chars.count, chars[i + 1].isNumber, i == 0 || chars[i - 1] == " " {
                current = "-"
                continue
            }
            if ch.isLetter || ch.isNumber || ch == "." && !current.isEmpty && current.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) || ch == "'" || ch == "_" {
                current.append(ch)
            } else {
                if !current.isEmpty { out.append(current); current = "" }
                if ch == "-" || ch == "," || ch == "!" || ch == "?" { out.append(String(ch)) }
                // (A semicolon parts clauses as a comma does.)
                if ch == ";" { out.append(",") }
            }
        }
        if !current.isEmpty { out.append(current) }
        // A trailing "." of a number at the end of a sentence is punctuation.
        return out.map { $0.hasSuffix(".") && $0.count > 1 ? String($0.dropLast()) : $0 }
    }

    /// Stems of known words that carry an inflection ("charging" → "charg").
    private let inflectionStems: Set<String>

    /// The whole lower-case words of a vocabulary (tokens that are a space and three or more letters): a dictionary of
    /// the language the model was trained on, for telling a typo from a word.
    public static func words(ofVocabulary tokenBytes: [[UInt8]]) -> Set<String> {
        Set(tokenBytes.compactMap { b in
            guard b.count >= 4, b[0] == 0x20, b.dropFirst().allSatisfy({ (0x61...0x7A).contains($0) }) else { return nil }
            return String(decoding: b.dropFirst(), as: UTF8.self)
        })
    }

    private func correct(_ word: String) -> String {
        if let s = swapped(word) { return s }
        guard word.count >= 4, word.allSatisfy(\.isLetter), !known.contains(word), !everyday.contains(word), !Self.common.contains(word),
              !dictionary.contains(word) else {
            return word
        }
        // Another inflection of a known word is no typo: "charge" beside "charging" (stem "charg").
        if inflectionStems.contains(where: { word.hasPrefix($0) }) { return word }
        // The nearest of the robot's and world's words; failing one, of the everyday words where the slip is plain.
        // (A four-letter word that is none of the vocabulary's with a letter left out is plain too: "rase" for raise.
        // Without a vocabulary to tell, "head" could be "ahead".)
        let near = nearest(word, in: known) { d in d <= (word.count >= 7 ? 2 : 1) }
            ?? nearest(word, in: everyday) { k, d in d == 1 && (word.count >= 5 || k.count == word.count && k.sorted() == word.sorted() || k.count == 5 && !dictionary.isEmpty) }
        return near ?? word
    }

    /// A word of three letters with two swapped ("sya" for say, "tkae"), of the robot's own words, where the model's
    /// vocabulary has no such word.
    private func swapped(_ word: String) -> String? {
        guard word.count == 3, word.allSatisfy(\.isLetter), !dictionary.contains(word), !known.contains(word), !Self.common.contains(word) else { return nil }
        return nearest(word, in: actionVerbs) { k, d in d == 1 && k.count == 3 && k.sorted() == word.sorted() }
    }

    /// The candidate within the edits `allowed` accepts (by its distance); among equally near ones, the one with the same
    /// first letter, then the same length, then the first in alphabetical order (the same answer on every run).
    private func nearest(_ word: String, in candidates: Set<String>, allowed: (String, Int) -> Bool) -> String? {
        var best: (rank: (Int, Int, Int), word: String)?
        for k in candidates where abs(k.count - word.count) <= 1 {
            let d = Self.distance(word, k)
            guard allowed(k, d) else { continue }
            let rank = (d, k.first == word.first ? 0 : 1, k.count == word.count ? 0 : 1)
            if let b = best, rank > b.rank || rank == b.rank && k > b.word { continue }
            best = (rank, k)
        }
        return best?.word
    }
    private func nearest(_ word: String, in candidates: Set<String>, allowed: (Int) -> Bool) -> String? {
        nearest(word, in: candidates) { _, d in allowed(d) }
    }

    private static let common: Set<String> = ["then", "there", "where", "what", "please", "with", "from", "into", "onto", "back",
        "turn", "left", "right", "forward", "forwards", "backward", "backwards", "meter", "meters", "metre", "metres", "degrees",
        "seconds", "take", "bring", "grab", "fetch", "drive", "move", "come", "photo", "picture", "land", "slow", "fast", "faster",
        "slower", "half", "quarter", "around", "about", "that", "this", "them", "it's", "your", "you", "tell", "time", "weather",
        "more", "most", "less", "least", "than", "much", "many", "some", "such", "very", "once", "twice", "raise", "lower", "lift",
        "rotate", "drop", "put", "place", "pick", "speed", "stop", "wait", "towards", "toward", "along", "down", "could", "would",
        "should", "centimetres", "centimeters", "minutes", "first", "after", "before", "table", "room", "uturn",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty",
        "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred"]

    /// Edit distance with adjacent transpositions ("blcok" is one edit from "block").
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }

    static let units: [String: Int] = ["zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
        "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
        "seventeen": 17, "eighteen": 18, "nineteen": 19]
    static let tens: [String: Int] = ["twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90]

    /// Words after which "one" is a thing ("the blue one", "this one", "the other one").
    static let beforeOneAsThing: Set<String> = ["the", "this", "that", "other", "another", "which", "last", "next", "big", "small",
        "little", "new", "old", "red", "blue", "green", "yellow", "orange", "purple", "pink", "black", "white", "grey", "gray",
        "brown", "silver", "gold", "left", "right", "middle", "empty", "full"]

    /// "the southern field" is the south_field, where the world names things by the compass.
    static let compassAdjectives = ["southern": "south", "northern": "north", "eastern": "east", "western": "west"]

    /// Words after which "one" is a number ("left one metre", "one hundred", "one and a half turns").
    static let afterOneAsNumber: Set<String> = ["hundred", "thousand", "m", "meter", "metre", "cm", "centimeter", "centimetre", "mm",
        "millimeter", "millimetre", "foot", "inch", "km", "degree", "deg", "second", "sec", "minute", "min", "hour", "turn", "revolution",
        "rotation", "full", "whole", "more", "time", "of", "quarter", "third", "half", "percent", "step", "meters", "metres", "degrees"]

    /// Number words → digits: "ninety" → 90, "forty five" → 45, "one hundred and eighty" → 180,
    /// "half a" / "half" → 0.5, "a quarter" → 0.25, "one and a half" → 1.5, "a meter" → "1 meter".
    static func numbers(_ words: [String]) -> [String] {
        // "twenty-five" arrives joined ("twentyfive"): the tens and the units apart again; so do a number and its unit
        // ("2.0m", "7.5m", "20cm").
        var t = words.flatMap { w -> [String] in
            if let split = gluedUnit(w) { return split }
            guard let ten = tens.keys.first(where: { w.hasPrefix($0) && w.count > $0.count }),
                  let u = units[String(w.dropFirst(ten.count))], u > 0, u < 10 else { return [w] }
            return [ten, String(w.dropFirst(ten.count))]
        }
        // "a hundred" is one hundred.
        for k in t.indices.dropLast() where t[k] == "a" && t[k + 1] == "hundred" { t[k] = "one" }
        var out: [String] = []
        var i = 0
        func value(at j: Int) -> (Double, Int)? {
            var k = j, total = 0.0, found = false
            if k < t.count, let u = units[t[k]] { total = Double(u); k += 1; found = true }
            else if k < t.count, let d = tens[t[k]] {
                total = Double(d); k += 1; found = true
                if k < t.count, let u = units[t[k]], u < 10 { total += Double(u); k += 1 }
            }
            if found, k < t.count, t[k] == "hundred" {
                total *= 100; k += 1
                if k < t.count, t[k] == "and" { k += 1 }
                if let (rest, n) = value(at: k), rest < 100 { total += rest; k += n }
            }
            return found ? (total, k - j) : nil
        }
        /// A fraction said in words at `j` ("a quarter", "half", "a third", "three quarters") and how many words it takes.
        func fraction(at j: Int) -> (Double, Int)? {
            let parts: [String: Double] = ["half": 0.5, "third": 1.0 / 3, "quarter": 0.25, "quarters": 0.25, "thirds": 1.0 / 3,
                                           "fifth": 0.2, "fifths": 0.2, "tenth": 0.1, "tenths": 0.1]
            if j < t.count, t[j] == "half" { return (0.5, 1) }
            if j + 1 < t.count, ["a", "one"].contains(t[j]), let p = parts[t[j + 1]] { return (p, 2) }
            if j + 1 < t.count, let u = units[t[j]], let p = parts[t[j + 1]] { return (Double(u) * p, 2) }
            return nil
        }
        while i < t.count {
            // "a couple of seconds", "a dozen", "half a dozen": two, twelve, six.
            if ["a", "one"].contains(t[i]) || t[i] == "half" && i + 1 < t.count && t[i + 1] == "a", i + 1 < t.count {
                let k = t[i] == "half" ? i + 2 : i + 1
                if k < t.count, let n = ["couple": 2, "dozen": 12][t[k]], t[i] != "half" || t[k] == "dozen" {
                    out.append(String(t[i] == "half" ? n / 2 : n))
                    i = k + 1
                    if i < t.count, t[i] == "of" { i += 1 }
                    continue
                }
            }
            // "a quarter of a minute", "half of an hour", "three quarters of a turn": that part of one.
            if let (f, n) = fraction(at: i), i + n + 1 < t.count, t[i + n] == "of", ["a", "an", "one"].contains(t[i + n + 1]) {
                out.append(format(f)); i += n + 2; continue
            }
            if t[i] == "half", i + 1 < t.count, t[i + 1] == "a" || t[i + 1] == "an" { out.append("0.5"); i += 2; continue }
            if t[i] == "half" { out.append("0.5"); i += 1; continue }
            if t[i] == "a", i + 1 < t.count, t[i + 1] == "quarter" { out.append("0.25"); i += 2; continue }
            // "metres a second", "km an hour": per.
            if t[i] == "a" || t[i] == "an", i > 0, i + 1 < t.count, Self.lengthWords.contains(t[i - 1]), ["second", "hour", "minute"].contains(t[i + 1]) {
                out.append("per"); i += 1; continue
            }
            // "a meter", "an hour", "a full minute", "a whole turn": one of the unit ("a metre and a half": one and a half).
            if t[i] == "a" || t[i] == "an", i + 1 < t.count {
                let whole = ["full", "whole", "single"].contains(t[i + 1]) ? 1 : 0
                let u = i + 1 + whole
                if u < t.count, Self.singleUnits.contains(t[u]) {
                    if u + 3 < t.count, t[(u + 1)...(u + 3)].elementsEqual(["and", "a", "half"]) {
                        out += ["1.5", t[u]]; i = u + 4; continue
                    }
                    out.append("1"); i += 1 + whole; continue
                }
            }
            // "the blue one", "that one": a thing, not a number.
            if t[i] == "one", i > 0, Self.beforeOneAsThing.contains(t[i - 1]),
               i + 1 >= t.count || !Self.afterOneAsNumber.contains(t[i + 1]) && !(t[i + 1] == "and" && i + 2 < t.count && t[i + 2] == "a") {
                out.append(t[i]); i += 1; continue
            }
            // "too metres" as a speech-to-text writes "two".
            if t[i] == "too", i + 1 < t.count, Self.singleUnits.contains(Self.singularUnit(t[i + 1])) { out.append("2"); i += 1; continue }
            // "zero point four", "1 point 5": the digits said one by one after "point".
            if let (v, n) = value(at: i) ?? Self.number(t[i]).map({ ($0, 1) }), i + n + 1 < t.count, t[i + n] == "point", v == v.rounded(), v >= 0 {
                var digits = "", j = i + n + 1
                while j < t.count, let d = units[t[j]] ?? (t[j].count == 1 ? Int(t[j]) : nil), d < 10 { digits += String(d); j += 1 }
                if !digits.isEmpty, let f = Double("\(Int(v)).\(digits)") { out.append(format(f)); i = j; continue }
            }
            if let (v, n) = value(at: i) {
                var v = v
                var k = i + n
                if k + 2 < t.count, t[k] == "and", t[k + 1] == "a", t[k + 2] == "half" { v += 0.5; k += 3 }
                // "two metres and a half".
                if k + 3 < t.count, Self.singleUnits.contains(Self.singularUnit(t[k])), t[(k + 1)...(k + 3)].elementsEqual(["and", "a", "half"]) {
                    out += [format(v + 0.5), t[k]]; i = k + 4; continue
                }
                out.append(format(v))
                i = k
                continue
            }
            if let d = Self.number(t[i]), i + 3 < t.count, t[i + 1] == "and", t[i + 2] == "a", t[i + 3] == "half" {
                out.append(format(d + 0.5)); i += 4; continue
            }
            out.append(t[i])
            i += 1
        }
        return out
    }

    /// Everyday words for the usual names of a mode, by the name (general English, not any robot's).
    static let valueSynonyms: [String: [String]] = [
        "precise": ["careful", "carefully", "accurate", "accurately", "precisely", "precision"],
        "fast": ["quick", "quickly", "faster", "rapid", "rapidly", "speed up", "speedy", "full speed", "top speed", "max speed",
                 "maximum speed"],
        "slow": ["slowly", "slower", "slow down"],
        "normal": ["regular", "default", "standard", "usual", "ordinary"],
    ]

    /// A number glued to its unit ("2.0m", "20cm", "30s"), apart; nil for any other word.
    static func gluedUnit(_ w: String) -> [String]? {
        guard let first = w.first, first.isNumber, let split = w.firstIndex(where: { $0.isLetter }) else { return nil }
        let n = String(w[..<split]), u = String(w[split...])
        guard number(n) != nil, gluable.contains(u) else { return nil }
        return [n, u]
    }
    private static let gluable: Set<String> = ["m", "cm", "mm", "km", "ft", "s", "sec", "secs", "ms", "min", "mins", "h", "hr", "hrs",
                                               "deg", "degs", "mps", "kph", "kmh", "mph", "meter", "meters", "metre", "metres", "seconds"]
    /// Words of lengths that "a second", "an hour" make a speed of.
    static let lengthWords: Set<String> = ["m", "meter", "meters", "metre", "metres", "km", "kilometer", "kilometers", "kilometre",
                                           "kilometres", "feet", "foot", "ft", "mile", "miles", "cm", "centimetres", "centimeters"]
    static func singularUnit(_ w: String) -> String { w == "feet" ? "foot" : w == "inches" ? "inch" : w.hasSuffix("s") ? String(w.dropLast()) : w }

    /// Units "a"/"an" counts one of.
    static let singleUnits: Set<String> = ["meter", "metre", "centimeter", "centimetre", "millimeter", "millimetre", "foot", "inch",
                                           "yard", "second", "minute", "hour", "degree", "turn", "revolution", "rotation"]

    /// "up to 5", "no more than 10", "not more than 3", "at most 4" — a number with no unit after it — is a maximum:
    /// "max 5" (not a direction: "climb up to 20 m" keeps its "up").
    static func maxima(_ t: [String]) -> [String] {
        var out: [String] = [], i = 0
        while i < t.count {
            let lead: Int? = t[i...].starts(with: ["up", "to"]) || t[i...].starts(with: ["at", "most"]) ? 2
                : t[i...].starts(with: ["no", "more", "than"]) || t[i...].starts(with: ["not", "more", "than"]) ? 3 : nil
            if let lead, i + lead < t.count, Self.number(t[i + lead]) != nil,
               i + lead + 1 == t.count || !t[i + lead + 1].first!.isLetter || ["and", "then", "of", "items", "parts", "things", "times"].contains(t[i + lead + 1]) {
                out += ["max", t[i + lead]]
                i += lead + 1
                continue
            }
            out.append(t[i])
            i += 1
        }
        return out
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(v)
    }

    /// Units converted to the robot's: lengths to the unit of its length parameters ("20 cm" → "0.2 m", "0.1 m" →
    /// "10 cm", "2 inches" → "5.08 cm"), speeds to m/s ("1.8 km/h" → "0.5 m s"), minutes to seconds, and turns to
    /// degrees where it turns in degrees ("a quarter turn" → "90 degrees", "turn around" → "turn 180 degrees").
    private func convertUnits(_ t: [String]) -> [String] {
        var out = t
        let metres: [String: Double] = ["m": 1, "meter": 1, "meters": 1, "metre": 1, "metres": 1,
                                        "cm": 0.01, "centimeter": 0.01, "centimeters": 0.01, "centimetre": 0.01, "centimetres": 0.01,
                                        "mm": 0.001, "millimeter": 0.001, "millimeters": 0.001, "millimetre": 0.001, "millimetres": 0.001,
                                        "feet": 0.3048, "foot": 0.3048, "ft": 0.3048, "inch": 0.0254, "inches": 0.0254]
        let target: [String: Double] = ["m": 1, "cm": 0.01, "mm": 0.001]
        var i = 0
        while i + 1 < out.count {
            defer { i += 1 }
            guard let v = Self.number(out[i]) else { continue }
            let unit = out[i + 1]
            let next = i + 2 < out.count ? out[i + 2] : ""
            // Speeds: "km/h" (tokenized "km h"), "kph", "kmh", "mph" → m/s.
            if hasSpeed, unit == "km" && ["h", "hr", "hour"].contains(next) || ["kph", "kmh", "mph"].contains(unit) {
                let mps = unit == "mph" ? v * 0.44704 : v / 3.6
                out[i] = Self.format((mps * 1000).rounded() / 1000)
                out[i + 1] = "m"
                if unit == "km" { out[i + 2] = "s" } else { out.insert("s", at: i + 2) }
                continue
            }
            if let to = targetLengthUnit, let scale = target[to], let f = metres[unit], f != scale, !(next == "s" || next == "per") || to == "m" {
                out[i] = Self.format((v * f / scale * 1000).rounded() / 1000)
                out[i + 1] = to
            } else if ["minute", "minutes", "min", "mins"].contains(unit) {
                out[i] = Self.format(v * 60)
                out[i + 1] = "seconds"
            } else if ["hour", "hours", "hr", "hrs"].contains(unit) {
                out[i] = Self.format(v * 3600)
                out[i + 1] = "seconds"
            } else if turnsInDegrees, ["turn", "turns", "revolution", "revolutions", "rotation", "rotations"].contains(unit) {
                out[i] = Self.format(v * 360)
                out[i + 1] = "degrees"
            }
        }
        // "turn around", "spin around", "about face", "u turn": half a turn.
        if turnsInDegrees {
            var k = 0
            while k < out.count {
                // (Not when the clause gives its own angle: "spin around to the left by 90 degrees".)
                // ("turn all the way around", "spin completely around").
                let around = out[(k + 1)...].prefix { ["all", "the", "way", "completely", "fully", "right"].contains($0) }.count + k + 1
                if k + 1 < out.count, ["turn", "spin", "rotate"].contains(out[k]), around < out.count, out[around] == "around",
                   !out[(around + 1)...].prefix(while: { !["and", "then", ",", "-"].contains($0) }).contains(where: { Self.number($0) != nil }) {
                    out.replaceSubrange(k...around, with: [out[k], "180", "degrees"])
                } else if k + 1 < out.count, ["about", "u"].contains(out[k]), ["face", "turn"].contains(out[k + 1]) {
                    out.replaceSubrange(k...(k + 1), with: ["turn", "180", "degrees"])
                }
                // "a U-turn" (tokenized "uturn"); "a U-turn to the left, 180 degrees" gives its own angle.
                if out[k] == "uturn" {
                    let ownAngle = out[(k + 1)...].prefix(while: { !["and", "then"].contains($0) }).contains(where: { Self.number($0) != nil })
                    out.replaceSubrange(k...k, with: ownAngle ? ["turn"] : ["turn", "180", "degrees"])
                }
                k += 1
            }
        }
        return out
    }

    /// The entity a phrase names with one word misspelt, too short for `correct` to tell from a word: "the blu block"
    /// (blue_block: the other words as the name has them), "the bok" (book: one letter left out of a name's word, where
    /// the model's vocabulary has no such word).
    private func misspelled(_ words: [String]) -> String? {
        // (Only a window with a word that could be the slip is compared with the names: this runs per window of every request.)
        let couldSlip = { (w: String) in w.count >= 3 && w.allSatisfy(\.isLetter) && !known.contains(w) && !Self.common.contains(w) && !everyday.contains(w) }
        guard words.contains(where: couldSlip) else { return nil }
        var found: String?
        for (key, name) in phrases where key.count == words.count {
            let differing = key.indices.filter { key[$0] != words[$0] }
            // A name of several words, each written as it sounds ("the livving rum", "the wotter towr": the same
            // consonants in the same order), where one word at least is the name's own or one slip from it.
            if key.count > 1, differing.count >= 1, differing.allSatisfy({ couldSlip(words[$0]) && Self.soundsAlike(words[$0], key[$0]) }),
               key.indices.contains(where: { key[$0] == words[$0] || Self.distance(words[$0], key[$0]) == 1 }) {
                if let f = found, f != name { return nil }
                found = name
                continue
            }
            guard differing.count == 1, let i = differing.first else { continue }
            let w = words[i], k = key[i]
            guard couldSlip(w), Self.distance(w, k) == 1 else { continue }
            // A word alone: only a letter left out ("bok" for book), of a word the vocabulary does not have.
            if key.count == 1, !(w.count == 3 && k.count == 4 && !dictionary.contains(w)) { continue }
            // Two names as near: neither.
            if let f = found, f != name { return nil }
            found = name
        }
        return found
    }

    /// Whether a word could be another as it sounds: the same first letter and the same consonants in the same order
    /// (doubled letters once), within two edits ("rum" / "room", "wotter" / "water", "towr" / "tower").
    static func soundsAlike(_ w: String, _ k: String) -> Bool {
        func consonants(_ s: String) -> [Character] {
            var out: [Character] = []
            for c in s.dropFirst() where !"aeiouy".contains(c) && out.last != c { out.append(c) }
            return out
        }
        return w.first == k.first && consonants(w) == consonants(k) && !consonants(k).isEmpty && distance(w, k) <= 2
    }

    /// Longest match of entity and alias phrases → canonical names ("coffee table" → coffee_table, "lounge" → living_room).
    private func canonicalEntities(_ t: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < t.count {
            var matched = false
            for n in stride(from: min(longestPhrase, t.count - i), through: 1, by: -1) {
                let words = Array(t[i..<i + n])
                // A direction word that a world uses as a name ("left" for left_bin) is a direction next to a
                // number: "10 cm to the left", "left 10 cm", "left by 6 cm".
                if n == 1, LexiconDrafter.opposite[words[0]] != nil,
                   t[max(0, i - 4)..<i].contains(where: { Self.number($0) != nil })
                    || (i + 1 < t.count && Self.number(t[i + 1]) != nil)
                    || (i + 2 < t.count && ["by", "about", "around"].contains(t[i + 1]) && Self.number(t[i + 2]) != nil) { continue }
                if let name = phrases[words] ?? phrases[words.map { $0.hasSuffix("s") && $0.count > 3 ? String($0.dropLast()) : $0 }]
                    ?? (n == 1 ? joinedNames[words[0]] : nil) ?? misspelled(words) {
                    out.append(name)
                    i += n
                    matched = true
                    break
                }
            }
            if !matched { out.append(t[i]); i += 1 }
        }
        return out
    }
}

extension String {
    /// Punctuation against the word before it; a dash before a number is its sign ("move -3 m"), one between
    /// words a pause ("the hallway - go there" → "the hallway, go there").
    func replacingSpaceBeforePunctuation() -> String {
        var s = self
        for p in [" ,", " !", " ?"] { s = s.replacingOccurrences(of: p, with: String(p.last!)) }
        var out = "", rest = Substring(s)
        while let r = rest.range(of: " - ") {
            out += rest[..<r.lowerBound]
            let after = rest[r.upperBound...]
            out += after.first?.isNumber == true ? " -" : (out.last.map { ",!?".contains($0) } ?? true) ? " " : ", "
            rest = after
        }
        return out + rest
    }
}
