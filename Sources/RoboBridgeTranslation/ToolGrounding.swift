import RoboBridgeConfig
import RoboBridgeDecoding

/// For tool sets, arguments come from the request's own characters: a text argument is a run of the request's
/// words copied verbatim (`3x^2 + 2x - 1`, `2022/AL2562`, `Golden State Warriors`), a number one the request
/// writes, with its sign and decimals (`-3`, `0.3`, `12,000` → `12000`, `$500` → `500`, `5%` → `5`, "five" → `5`).
/// The grammar of each request is compiled with these as the only choices, so a model cannot garble a name,
/// swallow a sign or grow `5` into `500000`. Robots keep their own grammar: their numbers go through units and
/// word meanings ("turn around" is 180°) that no span of the text holds.
public enum ToolGrounding {
    /// The longest run of words a text argument may be (a quoted phrase may be longer).
    public static let maxWords = 12

    /// The request's runs of 1 to `maxWords` words, each as written and with surrounding punctuation trimmed,
    /// and every quoted phrase; none holding a double quote or a backslash (the plan's strings cannot).
    public static func spans(_ text: String) -> [[UInt8]] {
        let bytes = Array(text.utf8)
        var words: [Range<Int>] = []
        var i = 0
        while i < bytes.count {
            while i < bytes.count, isSpace(bytes[i]) { i += 1 }
            let start = i
            while i < bytes.count, !isSpace(bytes[i]) { i += 1 }
            if i > start { words.append(start..<i) }
        }
        var out: [[UInt8]] = []
        var seen = Set<[UInt8]>()
        // A quoted phrase is a value as a whole: no span takes a part of it ("Good" of 'Good morning').
        let quoted = quotedRanges(bytes)
        func add(_ r: Range<Int>) {
            guard !r.isEmpty, !quoted.contains(where: { $0 != r && $0.overlaps(r) }) else { return }
            let s = Array(bytes[r])
            guard !s.contains(UInt8(ascii: "\"")), !s.contains(UInt8(ascii: "\\")), !s.contains(where: { $0 < 0x20 }) else { return }
            if seen.insert(s).inserted { out.append(s) }
        }
        for a in words.indices {
            // A value does not start with a lower-case article or preposition ("in Nashville", "by Käärijä").
            if functionWords.contains(String(decoding: bytes[trimmed(words[a], bytes)], as: UTF8.self)) { continue }
            for b in a..<min(words.count, a + maxWords) {
                if b > a, endsPhrase(bytes[words[b - 1]], before: bytes[words[b]]) { break }
                // Nor into a new clause after a comma ("…, USA, and I can wait …", "…, then …").
                if b > a, bytes[words[b - 1]].last == UInt8(ascii: ","), startsClause(words[b...].prefix(2).map { String(decoding: bytes[$0], as: UTF8.self) }) { break }
                // Nor does it end with one ("… and I can wait up to").
                if b > a, functionWords.contains(String(decoding: bytes[trimmed(words[b], bytes)], as: UTF8.self)) { continue }
                let raw = words[a].lowerBound..<words[b].upperBound
                add(trimmed(raw, bytes))
            }
        }
        // Quoted phrases, whatever their length.
        quoted.forEach(add)
        return out
    }

    /// Whether a parameter names a place: its name or description says city, country, location, town, state, ...
    /// A place is a proper name ("Mumbai", "San Francisco, CA"). Measured on the leaderboard's live data
    /// (development): of the accepted values of such string parameters, 99% are capitalized (937 of 946 in
    /// live_multiple, 142 of 144 in live_simple). An example in the description ("e.g. 'Apple Inc.'") was no such
    /// sign: formats ('YYYY-MM-DD') and lower-case values share it (36 of 332 capitalized).
    public static func namesAPlace(_ name: String, description: String) -> Bool {
        !Set(contentWords(name + " " + description)).isDisjoint(with: placeWords)
    }

    /// Whether a parameter names a person by its own name (`cast`, `directed_by`, `starring`, `artist`, ...): a
    /// person is a proper name, written whole ("James Corden", not "James"). On the live development data, 196 of
    /// 205 accepted values of such parameters are capitalized (leaving out the leaderboard's 'dontcare'); the
    /// description is no sign here: it mentions artists for search queries ('track:X artist:Y').
    public static func namesAPerson(_ name: String) -> Bool {
        !Set(contentWords(name)).isDisjoint(with: personWords)
    }

    static let personWords = Set(["cast", "actor", "actors", "actress", "director", "directed", "starring", "artist", "artists", "author",
        "authors", "singer", "performer", "composer"].map(LexiconDrafter.stem))

    /// Of proper names, the whole ones: a name that a longer one extends by capitalized words only is part of it
    /// ("James" of "James Corden"; "Tom Hanks" stays beside "Tom Hanks and Meg Ryan").
    static func wholeNames(_ names: Set<[UInt8]>) -> Set<[UInt8]> {
        let split = names.map { n in (n, n.split(whereSeparator: isSpace).map(Array.init)) }
        return Set(split.filter { n, words in
            !split.contains { m, longer in
                longer.count > words.count && (0...(longer.count - words.count)).contains { i in
                    Array(longer[i..<(i + words.count)]) == words
                        && (longer[..<i] + longer[(i + words.count)...]).allSatisfy { $0.first.map { isUpper($0) || isDigit($0) } ?? false }
                }
            }
        }.map(\.0))
    }

    static let placeWords = Set(["city", "cities", "country", "countries", "location", "locations", "town", "towns", "province",
        "provinces", "state", "states", "region", "regions", "destination", "destinations", "origin", "origins", "place", "places",
        "airport", "airports", "venue", "venues"].map(LexiconDrafter.stem))

    /// Of a request's spans, those that read as proper names, and its quoted phrases: every word capitalized or
    /// led by a digit, a lower-case function word between ("Statue of Liberty"), at least one capitalized word. A
    /// sentence's first word is not a name by its capital ("Could", "Tickets for Mamma Mia"), unless a capitalized
    /// word follows it ("New York is ..."); nor is a span with the pronoun "I".
    public static func properNames(_ text: String, among spans: [[UInt8]]) -> Set<[UInt8]> {
        let bytes = Array(text.utf8)
        var out = Set(quotedRanges(bytes).map { Array(bytes[$0]) })
        for span in spans {
            let words = span.split(whereSeparator: isSpace).map { $0.drop { leading.contains($0) } }
            guard !words.contains(where: { Coordination.isPronounI(Substring(decoding: $0, as: UTF8.self)) }),
                  words.contains(where: { $0.first.map(isUpper) ?? false }),
                  words.allSatisfy({ w in w.first.map { isUpper($0) || isDigit($0) } ?? false || functionWords.contains(String(decoding: w, as: UTF8.self)) })
            else { continue }
            if !(words.count > 1 && words[1].first.map(isUpper) == true), opensSentence(span, in: bytes) { continue }
            out.insert(span)
        }
        return out
    }

    /// Whether every occurrence of `span` in `bytes` opens a sentence (nothing but spaces and quotes after a `.`,
    /// `?`, `!`, a line's start or the text's start before it).
    private static func opensSentence(_ span: [UInt8], in bytes: [UInt8]) -> Bool {
        let starts = occurrenceStarts(of: span, in: bytes)
        return !starts.isEmpty && starts.allSatisfy { i in
            var k = i - 1
            while k >= 0, isSpace(bytes[k]) || bytes[k] == UInt8(ascii: "\"") || bytes[k] == UInt8(ascii: "'") || bytes[k] == UInt8(ascii: "(") { k -= 1 }
            return k < 0 || [UInt8(ascii: "."), UInt8(ascii: "?"), UInt8(ascii: "!"), 0x0A].contains(bytes[k])
        }
    }

    /// Whether a value cannot run on from `word` into `next`: the end of a sentence ("… 2024. Can you …", "…? …")
    /// or the edge of a quoted phrase. Quoted phrases are taken whole apart from this.
    static func endsPhrase(_ word: ArraySlice<UInt8>, before next: ArraySlice<UInt8>) -> Bool {
        guard let last = word.last else { return false }
        if last == UInt8(ascii: "?") || last == UInt8(ascii: "!") || last == UInt8(ascii: ";") { return true }
        if last == UInt8(ascii: "."), let first = next.first, (0x41...0x5A).contains(first) {
            // Not an abbreviation ("St.", "e.g.", "U.S."): a word of four or more letters or digits, no inner dot.
            let body = word.dropLast()
            return body.count >= 4 && !body.contains(UInt8(ascii: ".")) && body.allSatisfy { isWordByte($0) || $0 == UInt8(ascii: ")") }
        }
        // The close of a quoted phrase ("'Good morning' into French"): the phrase is a value of its own.
        if word.count > 1, last == UInt8(ascii: "'") || last == UInt8(ascii: "\"") { return true }
        if let first = next.first, first == UInt8(ascii: "'") || first == UInt8(ascii: "\""), next.count > 1 { return true }
        return false
    }

    /// Whether the words after a comma start a clause: a joining word before a subject ("and I", "or you") or a
    /// word that always starts one ("then", "so", "which", "please").
    static func startsClause(_ words: [String]) -> Bool {
        guard let first = words.first else { return false }
        if ["then", "so", "which", "because", "please", "but"].contains(first) { return true }
        guard ["and", "or"].contains(first), words.count > 1 else { return false }
        return ["I", "you", "we", "they", "he", "she", "it", "then", "also", "please", "tell", "give", "show", "find", "let"].contains(words[1])
    }

    /// The insides of the phrases `bytes` quotes with '...' or "...": a quote opens after a non-word byte and closes
    /// before one.
    static func quotedRanges(_ bytes: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for q in [UInt8(ascii: "'"), UInt8(ascii: "\"")] {
            var open: Int?
            for (k, c) in bytes.enumerated() where c == q {
                let before = k == 0 ? UInt8(ascii: " ") : bytes[k - 1]
                if let o = open {
                    let after = k + 1 < bytes.count ? bytes[k + 1] : UInt8(ascii: " ")
                    if !isWordByte(after) { if k > o + 1 { out.append((o + 1)..<k) }; open = nil }
                } else if !isWordByte(before) {
                    open = k
                }
            }
        }
        return out
    }

    /// The numbers a request writes, as the plan writes them: sign, digits without group commas, decimals.
    /// A minus written apart from its number ("2x - 1") gives both readings.
    public static func numbers(_ text: String) -> [String] {
        var out: [String] = []
        for n in written(text) where !out.contains(n) { out.append(n) }
        return out
    }

    /// Every reading of every number written, in order, repeats included.
    static func written(_ text: String) -> [String] {
        let b = Array(text.utf8)
        var out: [String] = []
        func add(_ s: String) { out.append(s) }
        var i = 0
        while i < b.count {
            guard isDigit(b[i]), i == 0 || !(isDigit(b[i - 1]) || b[i - 1] == UInt8(ascii: ".") || isLetter(b[i - 1])) || b[i - 1] == UInt8(ascii: "$") else {
                i += 1
                continue
            }
            var digits: [UInt8] = []
            var j = i
            while j < b.count {
                if isDigit(b[j]) { digits.append(b[j]); j += 1; continue }
                // A group comma: followed by exactly three digits.
                if b[j] == UInt8(ascii: ","), j + 3 < b.count, (1...3).allSatisfy({ isDigit(b[j + $0]) }),
                   j + 4 == b.count || !isDigit(b[j + 4]) {
                    j += 1
                    continue
                }
                break
            }
            var fraction: [UInt8] = []
            if j + 1 < b.count, b[j] == UInt8(ascii: "."), isDigit(b[j + 1]) {
                j += 1
                while j < b.count, isDigit(b[j]) { fraction.append(b[j]); j += 1 }
            }
            // Leading zeros go ("007" → 7), as the plan writes numbers.
            while digits.count > 1, digits.first == UInt8(ascii: "0") { digits.removeFirst() }
            let magnitude = String(decoding: digits, as: UTF8.self) + (fraction.isEmpty ? "" : "." + String(decoding: fraction, as: UTF8.self))
            // The sign: a minus right before (or before a currency sign), not one joining two numbers ("2022-2023").
            var k = i - 1
            if k >= 0, [UInt8(ascii: "$")].contains(b[k]) { k -= 1 }
            let signed = k >= 0 && b[k] == UInt8(ascii: "-") && (k == 0 || !isDigit(b[k - 1]) && !isLetter(b[k - 1]))
            let apart = k >= 1 && b[k] == UInt8(ascii: " ") && b[k - 1] == UInt8(ascii: "-")
            let zero = magnitude.allSatisfy { $0 == "0" || $0 == "." }
            if signed, !zero { add("-" + magnitude) } else { add(magnitude) }
            if apart, !zero { add("-" + magnitude) }
            // A percentage also reads as a fraction: "50%" → 50 and 0.5.
            if j < b.count, b[j] == UInt8(ascii: "%"), let v = Double(magnitude) {
                add(PlanText.literal(.number((signed ? -v : v) / 100)))
            }
            i = j
        }
        return out
    }

    /// The grammar for one request: text parameters take its spans, number parameters the numbers it writes (in
    /// the parameter's range; integers only whole ones). A parameter left with no choice keeps its free form.
    /// An optional parameter the request says nothing about — no word of its name or description that is not
    /// also the function's — is left out ("the area of a circle of radius 10" gives no `units`).
    /// - Parameter valuesFrom: the text whose spans and numbers are offered, when not the request's own (a part of a
    ///   request that writes no value of its own, "Also find the mode of these points.", takes the whole request's).
    public static func grammar(_ base: PlanGrammar, robot: Robot, instruction: String, normalized: String,
                               valuesFrom: (instruction: String, normalized: String)? = nil) -> PlanGrammar {
        let source = valuesFrom ?? (instruction, normalized)
        let spans = spans(source.instruction)
        var numbers = numbers(source.instruction)
        for n in Self.numbers(source.normalized) where !numbers.contains(n) { numbers.append(n) }
        let requestWords = wordsOf(Array(instruction.lowercased().utf8))
        func writes(_ value: [UInt8]) -> Bool {
            let v = wordsOf(value)
            return v.joined().count >= 2 && holdsRun(requestWords, v)
        }
        func ground(_ kind: PlanGrammar.Param.Kind) -> PlanGrammar.Param.Kind {
            switch kind {
            case .text(let maxLength):
                let fit = spans.filter { String(decoding: $0, as: UTF8.self).count <= maxLength }
                return fit.isEmpty ? kind : .choice(fit)
            case .number(let lo, let hi, _):
                // A number the request writes keeps all its decimals ("37.8715"); `decimals` bounds free numbers only.
                let fit = numbers.filter { n in Double(n).map { $0 >= lo && $0 <= hi } ?? false }
                return fit.isEmpty ? kind : .literal(fit.map { Array($0.utf8) })
            case .integer(let lo, let hi):
                let fit = numbers.filter { n in !n.contains(".") && (Double(n).map { $0 >= Double(lo) && $0 <= Double(hi) } ?? false) }
                return fit.isEmpty ? kind : .literal(fit.map { Array($0.utf8) })
            case .list(let item, let minItems, let maxItems):
                return .list(item: ground(item), minItems: minItems, maxItems: maxItems)
            case .choice(let values):
                // Of an enum's values, those the request writes ("set cool mode": COOL; "in DMS format": DMS).
                let said = values.filter { writes(Array(String(decoding: $0, as: UTF8.self).lowercased().utf8)) }
                return said.isEmpty ? kind : .choice(said)
            case .boolean, .literal:
                return kind
            }
        }
        var g = base
        // A value goes once into a call, unless the request writes it twice.
        let counts = WrittenCounts(source.instruction)
        let writtenNumbers = counts.numbers
        var repeated = Set(Set(writtenNumbers).filter { counts.times(.number($0)) > 1 }.map { Array($0.utf8) })
        for span in spans where counts.times(.span(span)) > 1 { repeated.insert(span) }
        g.distinctValues = repeated
        let request = Set(contentWords(instruction))
        // The request's dates, by the format a description names (read once per format).
        var dates: [String: [String]] = [:]
        var names: Set<[UInt8]>?
        for c in g.calls.indices {
            // An optional choice of which the request writes some values but not all is given ("Temperatures in
            // Fahrenheit please": `unit`; "on clay": `surface`), unless what it writes is the function's own name
            // ("severe-weather warnings" to `severe_alerts` does not choose `severity="severe"`).
            let ownName = Set(wordsOf(Array(String(decoding: g.calls[c].name, as: UTF8.self).lowercased().utf8)))
            var saysChoice = Set<Int>()
            for p in g.calls[c].params.indices {
                let before = g.calls[c].params[p].kind
                g.calls[c].params[p].kind = ground(before)
                if case .choice(let all) = before, case .choice(let said) = g.calls[c].params[p].kind, said.count < all.count,
                   said.contains(where: { !Set(wordsOf(Array(String(decoding: $0, as: UTF8.self).lowercased().utf8))).isSubset(of: ownName) }) {
                    saysChoice.insert(p)
                }
            }
            guard let action = robot.action(named: String(decoding: g.calls[c].name, as: UTF8.self)) else { continue }
            let own = Set(contentWords(action.name + " " + action.description))
            // Numbers the required parameters cannot all take go somewhere: optional number parameters stay ("the
            // population of Brazil in 2000": `year`).
            let requiredNumbers = action.parameters.filter { $0.required && ($0.kind == .number || $0.kind == .integer) }.count
            let spareNumbers = writtenNumbers.count > requiredNumbers
            for p in saysChoice { g.calls[c].params[p].required = true }
            g.calls[c].params.removeAll { p in
                guard !p.required, !p.requiredWithLead, let param = action.parameter(named: String(decoding: p.name, as: UTF8.self)) else { return false }
                if spareNumbers, param.kind == .number || param.kind == .integer, param.list == nil { return false }
                let words = Set(contentWords(param.name + " " + param.description)).subtracting(own)
                return !words.isEmpty && words.isDisjoint(with: request)
            }
            for p in g.calls[c].params.indices {
                guard let param = action.parameter(named: String(decoding: g.calls[c].params[p].name, as: UTF8.self)) else { continue }
                // A parameter that names a place takes the request's proper names, when it writes any ("What movies
                // are playing today in Mumbai?": Mumbai, not "today in Mumbai").
                // A parameter that names a person takes them too, whole.
                let place = namesAPlace(param.name, description: param.description)
                if param.kind == .string, place || namesAPerson(param.name) {
                    if names == nil { names = properNames(source.instruction, among: spans) }
                    g.calls[c].params[p].kind = keeping(place ? names! : wholeNames(names!), in: g.calls[c].params[p].kind)
                }
                // A date or time parameter whose description names its format takes the request's dates in it
                // ("March 8th, 2023" → "2023-03-08" for "in the format YYYY-MM-DD"): see `WrittenDates`.
                if param.kind == .string, param.list == nil, let format = WrittenDates.format(in: param.description) {
                    if dates[format] == nil { dates[format] = WrittenDates.values(instruction, format: format) }
                    if let values = dates[format], !values.isEmpty { g.calls[c].params[p].kind = .choice(values.map { Array($0.utf8) }) }
                }
                // An optional parameter whose own name the request says is given ("directed by Tim Burton":
                // `directed_by`; "in DMS format": `coordinate_format`), when the request holds values for it.
                guard !g.calls[c].params[p].required else { continue }
                let named = Set(contentWords(param.name)).subtracting(contentWords(action.name))
                if !named.isEmpty, !named.isDisjoint(with: request), grounded(g.calls[c].params[p].kind) { g.calls[c].params[p].required = true }
            }
        }
        return g
    }

    /// A grounded grammar (`grammar`) without the functions that need a number the request does not write ("How many
    /// calories are in a Big Mac?" is no call of `calories_burned(activity, duration_minutes, weight_kg)`: its
    /// numbers would be made up), and each function left out with its first such parameter. A parameter whose
    /// description gives numbers their meanings ("1 for cleaning, 2 for ironing") is filled from words.
    public static func withoutUnfilled(_ grammar: PlanGrammar, robot: Robot) -> (grammar: PlanGrammar, unfilled: [(function: String, parameter: String)]) {
        var g = grammar
        var unfilled: [(function: String, parameter: String)] = []
        g.calls.removeAll { call in
            let name = String(decoding: call.name, as: UTF8.self)
            guard let action = robot.action(named: name) else { return false }
            let missing = call.params.first { p in
                guard p.required, freeNumber(p.kind), let param = action.parameter(named: String(decoding: p.name, as: UTF8.self)) else { return false }
                return !param.description.contains(where: \.isNumber)
            }
            if let missing { unfilled.append((name, String(decoding: missing.name, as: UTF8.self))) }
            return missing != nil
        }
        return (g, unfilled)
    }

    /// Whether a kind is a number (or a list of numbers) that no written number grounds.
    static func freeNumber(_ kind: PlanGrammar.Param.Kind) -> Bool {
        switch kind {
        case .number, .integer: true
        case .list(let item, _, _): freeNumber(item)
        default: false
        }
    }

    /// A choice of spans (or a list of them) narrowed to `kept`, unless none of its values is kept.
    static func keeping(_ kept: Set<[UInt8]>, in kind: PlanGrammar.Param.Kind) -> PlanGrammar.Param.Kind {
        switch kind {
        case .choice(let values):
            let narrowed = values.filter(kept.contains)
            return narrowed.isEmpty ? kind : .choice(narrowed)
        case .list(let item, let minItems, let maxItems):
            return .list(item: keeping(kept, in: item), minItems: minItems, maxItems: maxItems)
        default:
            return kind
        }
    }

    /// Runs of letters and digits, as strings ("AIR_DRY" → air, dry).
    static func wordsOf(_ bytes: [UInt8]) -> [String] {
        bytes.split { !isWordByte($0) }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether a parameter's values are the request's own (spans, written numbers) or closed (a choice, a boolean).
    static func grounded(_ kind: PlanGrammar.Param.Kind) -> Bool {
        switch kind {
        case .choice, .literal, .boolean: true
        case .list(let item, _, _): grounded(item)
        case .text, .number, .integer: false
        }
    }

    /// How a request relates to a tool set, by the words it shares with the functions (stemmed, common words
    /// left out): a request that uses a word of a function's name asks for a call; one that shares no word with any
    /// function's name, description or parameters asks for none of them; between the two, the model decides.
    public enum Relevance: Sendable, Equatable { case named, unrelated, unclear }

    public static func relevance(_ instruction: String, robot: Robot) -> Relevance {
        let request = Set(contentWords(instruction))
        var best = (name: 0, description: 0)
        for a in robot.actions {
            let name = Set(contentWords(a.name))
            let described = Set(contentWords(a.description + " " + a.parameters.map { $0.name + " " + $0.description }.joined(separator: " "))).union(name)
            let shared = (request.intersection(name).count, request.intersection(described).count)
            if shared > best { best = shared }
        }
        if best.name >= 1 { return .named }
        return best.description == 0 ? .unrelated : .unclear
    }

    /// Lower-case words of three letters or more, split at anything else and at a lower-to-upper case change
    /// (`find_restaurants`, `GetWeather` → find, restaurants, get, weather), stemmed, common words left out.
    static func contentWords(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var previousLower = false
        for ch in text {
            guard ch.isLetter, ch.isASCII else {
                if !current.isEmpty { words.append(current); current = "" }
                previousLower = false
                continue
            }
            if ch.isUppercase, previousLower, !current.isEmpty { words.append(current); current = "" }
            current.append(Character(ch.lowercased()))
            previousLower = ch.isLowercase
        }
        if !current.isEmpty { words.append(current) }
        return words.filter { $0.count > 2 && !commonWords.contains($0) }.map(LexiconDrafter.stem)
    }

    static let commonWords: Set<String> = ["the", "and", "for", "with", "from", "are", "its", "this", "that", "what", "which", "who", "how",
        "give", "get", "find", "you", "your", "can", "could", "would", "please", "calculate", "compute", "tell", "show", "use", "using",
        "given", "based", "some", "any", "all", "into", "per", "about", "than", "then", "also", "their", "there", "these", "those", "does",
        "did", "will", "was", "were", "has", "have", "had", "not", "specific", "specified", "provided", "particular", "certain", "value",
        "values", "number", "data", "information", "details", "list", "retrieve", "fetch", "return", "returns", "function", "want", "need"]

    /// Drops a call identical to an earlier one, and an item a list repeats, unless the request asks for a
    /// repetition ("twice", "again", "each", ...). A list keeps an item as many times as the request writes it
    /// ("the data points 3, 4, 5, 2, 8, 5").
    public static func droppingRepeats(_ calls: [ActionCall], normalized: String, instruction: String) -> [ActionCall] {
        guard !asksRepetition(normalized) else { return calls }
        let counts = WrittenCounts(instruction)
        func timesWritten(_ v: ConfigValue) -> Int {
            switch v {
            case .integer, .number: counts.times(.number(PlanText.literal(v)))
            case .string(let s) where !s.isEmpty: counts.times(.span(Array(s.utf8)))
            default: 0
            }
        }
        var out: [ActionCall] = []
        for var c in calls {
            for k in c.arguments.indices {
                // The columns of an array of objects keep their items: each column's item i is part of object i.
                guard case .list(let items) = c.arguments[k].value, ToolSet.column(c.arguments[k].name) == nil else { continue }
                var kept: [ConfigValue] = []
                for item in items {
                    let times = kept.filter { $0 == item }.count
                    if times == 0 || times < timesWritten(item) { kept.append(item) }
                }
                c.arguments[k].value = .list(kept)
            }
            if !out.contains(c) { out.append(c) }
        }
        return out
    }

    /// Whether an instruction asks for something more than once ("twice", "again", "each", ...).
    public static func asksRepetition(_ normalized: String) -> Bool {
        !Set(InstructionNormalizer.tokenize(normalized)).isDisjoint(with: repetitionWords)
    }

    static let repetitionWords: Set<String> = ["twice", "thrice", "again", "times", "repeat", "repeated", "repeatedly", "each", "every", "both"]

    /// How many times a request writes a number (every reading of it, `written`) or a span of its characters: the
    /// one count behind "a value goes once into a call" and "a list keeps an item as often as it is written".
    struct WrittenCounts {
        enum Value { case number(String), span([UInt8]) }
        let numbers: [String]
        private let text: [UInt8]

        init(_ instruction: String) {
            numbers = ToolGrounding.written(instruction)
            text = Array(instruction.utf8)
        }

        func times(_ value: Value) -> Int {
            switch value {
            case .number(let n): numbers.filter { $0 == n }.count
            case .span(let s): ToolGrounding.occurrences(of: s, in: text)
            }
        }
    }

    fileprivate static func occurrences(of needle: [UInt8], in hay: [UInt8]) -> Int { occurrenceStarts(of: needle, in: hay).count }

    /// Where `needle` starts in `hay`, every time.
    private static func occurrenceStarts(of needle: [UInt8], in hay: [UInt8]) -> [Int] {
        guard !needle.isEmpty, needle.count <= hay.count else { return [] }
        return (0...(hay.count - needle.count)).filter { hay[$0] == needle[0] && hay[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
    private static func isDigit(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) }
    private static func isUpper(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) }
    private static func isLetter(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) }
    private static func isWordByte(_ b: UInt8) -> Bool { isDigit(b) || isLetter(b) || b >= 0x80 }
    static let functionWords: Set<String> = ["a", "an", "the", "at", "by", "in", "on", "of", "for", "to", "from", "with", "into", "about",
        "and", "or", "is", "are", "my", "your", "our", "their", "its", "this", "that", "these", "those"]

    // ASCII only: trimming a byte of a multi-byte character would cut it.
    private static let leading = Set("\"'([{".utf8)
    private static let trailing = Set("\"')]}.,;:!?".utf8)
    /// Without surrounding quotes, brackets and punctuation (a quoted phrase keeps its own: see `spans`).
    private static func trimmed(_ r: Range<Int>, _ bytes: [UInt8]) -> Range<Int> {
        var lo = r.lowerBound, hi = r.upperBound
        while lo < hi, leading.contains(bytes[lo]) { lo += 1 }
        while hi > lo, trailing.contains(bytes[hi - 1]) { hi -= 1 }
        return lo..<hi
    }
}

extension ToolGrounding {
    /// `call` without an optional text argument that repeats a stretch of the request another argument already
    /// holds ("directed by James Gray" as `cast` beside `directed_by="James Gray"`): one stretch of the request is one
    /// argument. Of two optional ones, the longer goes; two required ones stay.
    public static func withoutOverlaps(_ call: ActionCall, robot: Robot) -> ActionCall {
        guard let action = robot.action(named: call.name) else { return call }
        var out = call
        var k = 0
        while k < out.arguments.count {
            guard case .string(let mine) = out.arguments[k].value, let p = action.parameter(named: out.arguments[k].name), !p.required else { k += 1; continue }
            let drops = out.arguments.indices.contains { j in
                guard j != k, case .string(let other) = out.arguments[j].value, let q = action.parameter(named: out.arguments[j].name),
                      mine != other, containsWords(mine, other) || containsWords(other, mine) else { return false }
                return q.required || mine.count > other.count
            }
            if drops { out.arguments.remove(at: k) } else { k += 1 }
        }
        return out
    }

    /// Whether `text` holds `part` as whole words.
    static func containsWords(_ text: String, _ part: String) -> Bool {
        holdsRun(wordsOf(Array(text.utf8)), wordsOf(Array(part.utf8)))
    }

    /// Whether `words` holds `run` (not empty) as consecutive words.
    static func holdsRun(_ words: [String], _ run: [String]) -> Bool {
        guard !run.isEmpty, run.count <= words.count else { return false }
        return (0...(words.count - run.count)).contains { words[$0..<($0 + run.count)].elementsEqual(run) }
    }

    /// A place written with its region ("Mariposa, CA", "Chennai, Tamil Nadu") where the parameter asks for that form:
    /// its description shows a name, a comma and another name ("The city and state, e.g. San Francisco, CA") or says
    /// "city and state/country". A small model copies the first name alone; the region the request writes right after
    /// it ("…at Mariposa, CA, and…") is added.
    public static func withRegions(_ call: ActionCall, instruction: String, robot: Robot) -> ActionCall {
        guard let action = robot.action(named: call.name) else { return call }
        var out = call
        for k in out.arguments.indices {
            guard case .string(let v) = out.arguments[k].value, !v.contains(","),
                  let p = action.parameter(named: out.arguments[k].name), p.kind == .string, asksRegion(p.description),
                  let r = instruction.range(of: v + ", ") else { continue }
            // The region: capitalized words (or an all-caps code) right after the comma.
            let rest = instruction[r.upperBound...].split(separator: " ", omittingEmptySubsequences: false)
            var region: [String] = []
            for w in rest.prefix(3) {
                var t = Substring(w), ends = false
                while let l = t.last, ",.;:!?)".contains(l) { t = t.dropLast(); ends = true }
                guard let f = t.first, f.isUppercase, t.allSatisfy({ $0.isLetter }) else { break }
                region.append(String(t))
                if ends { break }
            }
            guard !region.isEmpty else { continue }
            var candidate = out
            candidate.arguments[k].value = .string(v + ", " + region.joined(separator: " "))
            if action.problem(with: candidate, world: nil) == nil { out = candidate }
        }
        return out
    }

    /// Whether a parameter's description asks for a place with its region.
    static func asksRegion(_ description: String) -> Bool {
        let d = description.lowercased()
        if ["city and state", "city and country", "city, state", "city, country", "state or country"].contains(where: d.contains) { return true }
        // "e.g. San Francisco, CA": a capitalized word, a comma, a capitalized word.
        let words = description.split(separator: " ")
        return zip(words, words.dropFirst()).contains { a, b in
            a.hasSuffix(",") && a.first?.isUppercase == true && b.first?.isUppercase == true
        }
    }
}
