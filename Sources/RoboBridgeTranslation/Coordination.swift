import RoboBridgeConfig
import RoboBridgeDecoding

/// A request that lists several values of one kind where a call takes one ("the weather in Boston and San
/// Francisco", "the diameter of a Proton and Neutron", "for Daft Punk and Blink 182, 30 and 45 minutes
/// respectively") asks for one call per value. A small model writes the first call and stops; this finds the
/// coordinated list each argument's value belongs to in the request's own characters and writes the other calls.
///
/// A list is values joined by `,`, `and`, `, and` or `&`: numbers (a unit word may follow each: "5 moles and 3
/// moles"), names (runs of capitalized words or words with digits: "Blink 182", "New York City") or quoted phrases.
/// Lists of lower-case words are read one word per member when the value is one such word ("apples and oranges");
/// not a pair after "between" or "from" (a range: both ends belong to one call). A follow-up clause ("Also for
/// Denver.", "What about 221 and 7919?") asks for the last call again with its own values (`followingUp`).
/// Arguments from lists of the same length are expanded together, member by member; a call that already holds two
/// members of a list is left as it is.
public enum Coordination {
    /// The coordinated list `value` is a member of in `text` (its members as written, in order), or nil.
    public static func list(containing value: String, in text: String) -> [String]? {
        let c = Array(text)
        if let v = Double(value) { return numberList(v, c) }
        let v = Array(value)
        guard !v.isEmpty, !value.contains(","), !value.contains(" and "), value.contains(where: \.isLetter) else { return nil }
        var from = 0
        while let r = find(v, in: c, from: from) {
            from = r.upperBound
            let quote: Character? = r.lowerBound > 0 && "'\"".contains(c[r.lowerBound - 1]) && r.upperBound < c.count
                && c[r.upperBound] == c[r.lowerBound - 1] ? c[r.lowerBound - 1] : nil
            // The members' shape: quoted phrases, names, or single lower-case words like the value ("apples and pears").
            let shape: Shape
            if let quote { shape = .quoted(quote) } else if isName(v) {
                shape = .name(codes: value.count <= 4 && value.allSatisfy { $0.isUppercase || $0.isNumber })
            } else if isWord(value) { shape = .word } else { continue }
            var members = [value]
            // A preposition before the value may come again before each member ("by Agatha Christie and by Stephen King").
            let lead = leadWord(c, before: r.lowerBound - (quote == nil ? 0 : 1))
            // Forward: separator, member, ... The last separator says whether this is a list ("and", "&").
            var end = r.upperBound + (quote == nil ? 0 : 1), lastJoins = true
            while let (s, and) = separatorEnd(c, at: end, lead: lead), let m = item(c, at: s, shape: shape) {
                members.append(String(c[m]))
                end = m.upperBound + (quote == nil ? 0 : 1)
                lastJoins = and
            }
            // Backward: ..., member, separator.
            var start = r.lowerBound - (quote == nil ? 0 : 1)
            while let (s, and) = separatorStart(c, before: start, lead: lead), let m = itemBefore(c, endingAt: s, shape: shape) {
                if members.count == 1 { lastJoins = and }
                members.insert(String(c[m]), at: 0)
                start = m.lowerBound - (quote == nil ? 0 : 1)
            }
            // "Paris, France", "Boston, MA": a comma alone qualifies a name rather than listing another.
            if members.count > 1, lastJoins, !(members.count == 2 && isRangeWord(c, before: start)) { return members }
        }
        return nil
    }

    /// `calls` with each call whose arguments are members of coordinated lists in `instruction` written once per
    /// member (lists of the same length zipped); calls already present are not repeated; at most `limit` calls.
    public static func expanding(_ calls: [ActionCall], instruction: String, robot: Robot, limit: Int) -> [ActionCall] {
        var out: [ActionCall] = []
        // A value the model wrote whole is not cut into a list ("Pacific Gas and Electric and Tesla").
        let written = calls.flatMap(\.arguments).compactMap { if case .string(let s) = $0.value { s } else { nil } }
        func cuts(_ members: [String]) -> Bool {
            written.contains { w in members.filter { $0 != w && w.contains($0) }.count >= 1 && !members.contains(w) }
        }
        for call in calls {
            var lists: [(argument: Int, members: [ConfigValue])] = []
            let action = robot.action(named: call.name)
            for (k, a) in call.arguments.enumerated() {
                guard let param = action?.parameter(named: a.name), param.list == nil, let shown = text(of: a.value) else { continue }
                // A value that holds a whole list ("AAPL, MSFT and AMZN", "technology, sports, and politics") is that
                // list, unless the parameter takes several things in one text (a plural name, "comma-separated").
                let inner = takesOne(param) ? innerList(shown) : nil
                guard let members = inner ?? list(containing: shown, in: instruction), inner != nil || !cuts(members) else { continue }
                let values = members.compactMap { value($0, like: a.value, param: param) }
                guard values.count == members.count else { continue }
                // A call holding two members of a list already uses the list itself ("the GCD of 96 and 128").
                let others = call.arguments.indices.filter { $0 != k }.map { call.arguments[$0].value }
                guard values.filter({ others.contains($0) }).isEmpty else { continue }
                lists.append((k, values))
            }
            guard let size = lists.map(\.members.count).max() else {
                if !out.contains(call) { out.append(call) }
                continue
            }
            for i in 0..<size {
                var expanded = call
                for l in lists where l.members.count == size { expanded.arguments[l.argument].value = l.members[i] }
                if !out.contains(expanded) { out.append(expanded) }
            }
        }
        return Array(out.prefix(max(limit, calls.count)))
    }

    /// The list a value holds whole: a comma in it, and a list (of `list(containing:in:)`'s shapes) that ends it.
    static func innerList(_ value: String) -> [String]? {
        guard value.contains(",") else { return nil }
        var last = Substring(value)
        if let r = value.range(of: " and ", options: .backwards), let k = value.range(of: ",", options: .backwards) {
            last = value[max(r.upperBound, k.upperBound)...]
        } else if let r = value.range(of: " and ", options: .backwards) ?? value.range(of: ",", options: .backwards) {
            last = value[r.upperBound...]
        }
        var member = String(last).trimmingSpaces
        if member.hasPrefix("and ") { member = String(member.dropFirst(4)).trimmingSpaces }
        if member.hasPrefix("the ") { member = String(member.dropFirst(4)) }
        while let l = member.last, ",.;:!?)'\"".contains(l) { member.removeLast() }
        guard !member.isEmpty, let members = list(containing: member, in: value), members.count >= 2, members.last == member else { return nil }
        return members
    }

    /// Whether a text parameter takes one thing: not a plural name ("ingredients") nor a description of several
    /// ("comma-separated", "list of").
    static func takesOne(_ param: Parameter) -> Bool {
        let last = param.name.split(whereSeparator: { !$0.isLetter }).last.map { $0.lowercased() } ?? ""
        let plural = last.count > 3 && last.hasSuffix("s") && !last.hasSuffix("ss") && !last.hasSuffix("us") && !last.hasSuffix("is")
        let d = param.description.lowercased()
        return !plural && !d.contains("separated") && !d.contains("list of") && !d.contains("multiple")
    }

    // MARK: - Follow-ups

    /// Words that open a clause asking for the same again with other values ("Also for Denver.", "What about 221?",
    /// "Do the same for India.", "Then convert 12 miles too.").
    static let followUpOpeners: [[String]] = [["also"], ["and", "also"], ["what", "about"], ["how", "about"], ["and", "what", "about"],
        ["do", "the", "same", "for"], ["same", "for"], ["the", "same", "for"], ["then"], ["and", "then"], ["and", "for"], ["now", "for"]]

    /// `calls` with one more call per follow-up clause of the request: the last call again, with the clause's values
    /// in place of its own — a name for its one name argument, a number for its one number argument (or for the
    /// parameter the clause names next to the number), one call per member where the clause lists several. A clause
    /// that opens otherwise, or whose values the calls already use, adds nothing.
    public static func followingUp(_ calls: [ActionCall], instruction: String, robot: Robot, limit: Int) -> [ActionCall] {
        guard var template = calls.last, let action = robot.action(named: template.name) else { return calls }
        let clauses = Self.clauses(instruction)
        guard clauses.count > 1 else { return calls }
        var out = calls
        let used = Set(calls.flatMap(\.arguments).map(\.value))
        for (n, clause) in clauses.enumerated().dropFirst() {
            let words = clause.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
            guard let opener = followUpOpeners.first(where: { words.starts(with: $0) }) ?? (words.suffix(1) == ["too"] ? [] : nil) else { continue }
            let earlier = clauses[..<n].joined(separator: " ")
            // A call that already took a value of this clause ("Palo Alto" → "Alto") is no template for it.
            let taken = template.arguments.contains { a in
                if case .string(let v) = a.value { clause.contains(v) && !earlier.contains(v) } else { false }
            }
            if taken { continue }
            // The clause's values: numbers, and names (capitalized runs) after its opener.
            let c = Array(clause)
            let numbers = Self.numbers(c).map(\.value)
            let names = nameRuns(c, skippingWords: opener.count)
            var replacements: [[(Int, ConfigValue)]] = []
            let nameArgs = template.arguments.indices.filter { k in
                if case .string(let v) = template.arguments[k].value { isName(Array(v)) && v.first!.isLetter && earlier.contains(v) } else { false }
            }
            let numberArgs = template.arguments.indices.filter { k in
                guard let p = action.parameter(named: template.arguments[k].name), p.list == nil else { return false }
                return p.kind == .number || p.kind == .integer
            }
            if nameArgs.count == 1, !names.isEmpty, numbers.isEmpty || numberArgs.isEmpty {
                replacements = names.map { [(nameArgs[0], .string($0))] }
            } else if numberArgs.count == 1, !numbers.isEmpty, names.isEmpty || nameArgs.isEmpty {
                let p = action.parameter(named: template.arguments[numberArgs[0]].name)!
                replacements = numbers.map { [(numberArgs[0], numberValue($0, kind: p.kind))] }
            }
            for r in replacements where out.count < limit {
                var call = template
                for (k, v) in r { call.arguments[k].value = v }
                guard !r.contains(where: { used.contains($0.1) }), action.problem(with: call, world: nil) == nil,
                      !out.contains(call) else { continue }
                out.append(call)
            }
            if let last = out.last { template = last }
        }
        return out
    }

    /// The request's sentences, and clauses joined by ", and also", "; ".
    public static func clauses(_ text: String) -> [String] {
        pieces(of: text, keepingMarks: true) { c, i in c[i] == "," && String(c[(i + 1)...].prefix(10)).lowercased().hasPrefix(" and also") }
    }

    /// `text` cut after every sentence end (".?!;" before a space or the end; "9.5" is a number, not two sentences)
    /// and at every character `cuts` also marks, trimmed of spaces; the marks themselves are kept or dropped.
    static func pieces(of text: String, keepingMarks: Bool, cuts: ([Character], Int) -> Bool) -> [String] {
        var out: [String] = [], current = ""
        let c = Array(text)
        for i in c.indices {
            let decimal = c[i] == "." && i > 0 && c[i - 1].isNumber && i + 1 < c.count && c[i + 1].isNumber
            let end = ".?!;".contains(c[i]) && (i + 1 == c.count || c[i + 1] == " ") && !decimal
            let cut = end || cuts(c, i)
            if !cut || keepingMarks { current.append(c[i]) }
            if cut {
                out.append(current.trimmingSpaces)
                current = ""
            }
        }
        out.append(current.trimmingSpaces)
        return out.filter { !$0.isEmpty }
    }

    /// A number as a parameter of `kind` takes it: an integer when it is whole and the parameter's kind is integer.
    static func numberValue(_ v: Double, kind: Parameter.Kind?) -> ConfigValue {
        kind == .integer ? (Int(exactly: v).map(ConfigValue.integer) ?? .number(v)) : .number(v)
    }

    /// Whether a word is the pronoun "I" ("I", "I'm", "I’d"): capitalized wherever it stands, so no name.
    static func isPronounI(_ w: Substring) -> Bool { w == "I" || w.hasPrefix("I'") || w.hasPrefix("I’") }

    /// The capitalized runs of a clause after its first `skippingWords` words, trimmed of punctuation.
    static func nameRuns(_ c: [Character], skippingWords: Int) -> [String] {
        let words = String(c).split(separator: " ").map(String.init)
        var out: [String] = [], run: [String] = []
        for (i, w) in words.enumerated() {
            var t = Substring(w), trailing = false
            while let l = t.last, ",.;:!?)'\"".contains(l) { t = t.dropLast(); trailing = true }
            while let f = t.first, "(\"'".contains(f) { t = t.dropFirst() }
            let nameWord = i >= skippingWords && t.first?.isUppercase == true && !isPronounI(t)
            if nameWord { run.append(String(t)) }
            if !nameWord || trailing, !run.isEmpty {
                out.append(run.joined(separator: " "))
                run = []
            }
        }
        if !run.isEmpty { out.append(run.joined(separator: " ")) }
        return out
    }

    // MARK: - Values

    private static func text(of value: ConfigValue) -> String? {
        switch value {
        case .string(let s): s
        case .integer(let i): String(i)
        case .number(let d): PlanText.literal(.number(d))
        case .bool, .list: nil
        }
    }

    /// A member as the argument's kind of value, if the parameter takes it.
    private static func value(_ member: String, like original: ConfigValue, param: Parameter) -> ConfigValue? {
        let v: ConfigValue
        switch original {
        case .string: v = .string(member)
        case .integer:
            guard let d = Double(member), let i = Int(exactly: d) else { return nil }
            v = .integer(i)
        case .number:
            guard let d = Double(member) else { return nil }
            v = .number(d)
        case .bool, .list: return nil
        }
        return param.problem(with: v, world: nil) == nil ? v : nil
    }

    // MARK: - Numbers

    /// The numbers written in `c`, with their ranges (sign, decimals; group commas read through).
    static func numbers(_ c: [Character]) -> [(value: Double, range: Range<Int>)] {
        var out: [(Double, Range<Int>)] = []
        var i = 0
        while i < c.count {
            guard c[i].isASCII, c[i].isNumber, i == 0 || !(c[i - 1].isLetter || c[i - 1].isNumber || c[i - 1] == ".") else {
                i += 1
                continue
            }
            var j = i, digits = ""
            while j < c.count {
                if c[j].isASCII, c[j].isNumber { digits.append(c[j]); j += 1; continue }
                if c[j] == ",", j + 3 < c.count, (1...3).allSatisfy({ c[j + $0].isASCII && c[j + $0].isNumber }),
                   j + 4 == c.count || !c[j + 4].isNumber {
                    j += 1
                    continue
                }
                break
            }
            if j + 1 < c.count, c[j] == ".", c[j + 1].isASCII, c[j + 1].isNumber {
                digits.append(".")
                j += 1
                while j < c.count, c[j].isASCII, c[j].isNumber { digits.append(c[j]); j += 1 }
            }
            var start = i
            if start > 0, c[start - 1] == "$" { start -= 1 }
            let negative = start > 0 && c[start - 1] == "-" && (start == 1 || !(c[start - 2].isLetter || c[start - 2].isNumber))
            if negative { start -= 1 }
            // A number after a capitalized word belongs to a name ("Blink 182", "Windows 10"): no member of a list of numbers.
            // (Not the first word of a sentence: "Convert 100 USD".)
            let earlier = String(c[..<start]).split(separator: " ")
            let previous = earlier.last
            let opensSentence = earlier.count == 1 || earlier.dropLast().last.map { w in ".?!".contains(w.last!) } == true
            let named = start > 0 && c[start - 1] == " " && previous?.first?.isUppercase == true && previous?.last?.isLetter == true && !opensSentence
            if let v = Double(digits), !named { out.append((negative ? -v : v, start..<j)) }
            i = j
        }
        return out
    }

    private static func numberList(_ v: Double, _ c: [Character]) -> [String]? {
        let found = numbers(c)
        for (n, x) in found.enumerated() where x.value == v {
            func join(_ k: Int) -> (unit: String, and: Bool)? {
                joins(c, found[k].range.upperBound, found[k + 1].range.lowerBound, lead: leadWord(c, before: found[k].range.lowerBound))
            }
            // Members share their unit word, when both have one ("2 bedrooms and 3 bathrooms" is no list).
            func unit(_ k: Int) -> String {
                var j = found[k].range.upperBound
                if j < c.count, c[j] == " " { j += 1 }
                let word = String(c[j...].prefix { $0.isLetter || "°%²³".contains($0) })
                return word == "and" ? "" : word
            }
            func joined(_ k: Int) -> Bool {
                guard join(k) != nil else { return false }
                let (u, v) = (unit(k), unit(k + 1))
                return u.isEmpty || v.isEmpty || u == v
            }
            var lo = n, hi = n
            while lo > 0, joined(lo - 1) { lo -= 1 }
            while hi + 1 < found.count, joined(hi) { hi += 1 }
            // The last separator has "and" or "&": "5, 11" alone lists nothing.
            guard hi > lo, join(hi - 1)?.and == true else { continue }
            if hi - lo == 1, isRangeWord(c, before: found[lo].range.lowerBound) { continue }
            return found[lo...hi].map { PlanText.literal(.number($0.value)) }
        }
        return nil
    }

    /// Whether the characters between two numbers join them into a list — a unit word may follow the first
    /// ("5 moles and 3", "10m, 5m") — with the unit and whether the separator has "and" or "&".
    private static func joins(_ c: [Character], _ from: Int, _ to: Int, lead: String? = nil) -> (unit: String, and: Bool)? {
        var between = String(c[from..<to]).trimmingSpaces
        if between.hasSuffix("$") { between = String(between.dropLast()).trimmingSpaces }
        if let lead, between.lowercased().hasSuffix(" " + lead) { between = String(between.dropLast(lead.count)).trimmingSpaces }
        func separator(_ s: String) -> Bool? {
            let s = s.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            return separators.contains(s) ? s != "," : nil
        }
        if let and = separator(between) { return ("", and) }
        let unit = String(between.prefix { $0.isLetter || "°%/²³".contains($0) })
        guard !unit.isEmpty, unit.count <= 12, let and = separator(String(between.dropFirst(unit.count)).trimmingSpaces) else { return nil }
        return (unit, and)
    }

    private static let separators: Set<String> = [",", ", and", ",and", "and", "&", ", &", "versus", "vs", "vs."]

    // MARK: - Names

    /// A name: every word starts with a capital or a digit, and some word has a letter.
    private static func isName(_ v: [Character]) -> Bool {
        String(v).split(separator: " ").allSatisfy { w in w.first.map { $0.isUppercase || $0.isNumber } ?? false }
    }

    /// Where a separator starting at `i` (after spaces) ends, with the spaces after it and an article, and
    /// whether it has "and" or "&".
    private static func separatorEnd(_ c: [Character], at i: Int, lead: String? = nil) -> (Int, Bool)? {
        var j = skipSpaces(c, i), consumed = false, and = false
        if j < c.count, c[j] == "," { j = skipSpaces(c, j + 1); consumed = true }
        for word in joiners where hasWord(c, word, at: j) {
            j = skipSpaces(c, j + word.count)
            consumed = true
            and = true
            break
        }
        guard consumed else { return nil }
        if let lead, hasWord(c, lead, at: j) { j = skipSpaces(c, j + lead.count) }
        if hasWord(c, "the", at: j) { j = skipSpaces(c, j + 3) }
        return (j, and)
    }

    /// Words that join the last member of a list ("and", "&"; "versus" compares members, one call each).
    private static let joiners = ["and", "&", "versus", "vs.", "vs"]

    /// Prepositions that may come again before each member of a list ("in 2000 and in 2020", "to London and to Tokyo").
    private static let leads: Set<String> = ["in", "for", "by", "to", "at", "on", "of", "from", "with", "about", "near", "into"]

    /// The preposition right before `i` (spaces between), if any.
    private static func leadWord(_ c: [Character], before i: Int) -> String? {
        var j = i
        while j > 0, c[j - 1] == " " { j -= 1 }
        var k = j
        while k > 0, c[k - 1].isLetter { k -= 1 }
        guard k < j, k == 0 || c[k - 1] == " " else { return nil }
        let w = String(c[k..<j]).lowercased()
        return leads.contains(w) ? w : nil
    }

    /// Where a separator ending at `i` (before spaces) starts, with an article before `i`, and whether it has
    /// "and" or "&".
    private static func separatorStart(_ c: [Character], before i: Int, lead: String? = nil) -> (Int, Bool)? {
        var j = i
        if j >= 4, String(c[(j - 4)..<j]) == "the " { j -= 4 }
        if let lead, j >= lead.count + 1, String(c[(j - lead.count - 1)..<j]).lowercased() == lead + " ",
           j == lead.count + 1 || c[j - lead.count - 2] == " " {
            j -= lead.count + 1
        }
        while j > 0, c[j - 1] == " " { j -= 1 }
        var consumed = false, and = false
        for word in joiners where j >= word.count && String(c[(j - word.count)..<j]) == word
            && (j == word.count || c[j - word.count - 1] == " ") {
            j -= word.count
            consumed = true
            and = true
            break
        }
        while j > 0, c[j - 1] == " " { j -= 1 }
        if j > 0, c[j - 1] == "," { j -= 1; consumed = true }
        return consumed ? (j, and) : nil
    }

    /// What a list's members look like, from the value found in it.
    enum Shape {
        case quoted(Character)
        /// Names; `codes`: the value is a code ("BTC"), so codes are members (elsewhere "CA" qualifies a name).
        case name(codes: Bool)
        /// Single lower-case words.
        case word
    }

    /// A single lower-case word that can be a value (not a function word, pronoun or adverb of a sentence).
    private static func isWord(_ s: String) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isLowercase || $0 == "-" } && s.count >= 3 && !notValues.contains(s)
    }

    private static let notValues: Set<String> = ["and", "the", "for", "with", "from", "into", "onto", "then", "also", "too", "them",
        "they", "you", "your", "our", "their", "this", "that", "these", "those", "some", "all", "any", "each", "both", "more", "less",
        "now", "here", "there", "please", "thanks", "get", "find", "show", "tell", "give", "make", "check", "look", "see", "let", "calculate"]

    /// The member starting at `i`: a quoted phrase when the list is quoted, a word, or a name of at most five words.
    private static func item(_ c: [Character], at i: Int, shape: Shape) -> Range<Int>? {
        switch shape {
        case .quoted(let quote):
            guard i < c.count, c[i] == quote, let close = c[(i + 1)...].firstIndex(of: quote), close > i + 1 else { return nil }
            return (i + 1)..<close
        case .word:
            var e = i
            while e < c.count, c[e].isLetter || c[e] == "-" { e += 1 }
            return e > i && isWord(String(c[i..<e])) && (e == c.count || !c[e].isNumber) ? i..<e : nil
        case .name:
            break
        }
        var j = i, end = i, words = 0
        while j < c.count, words < 5, c[j].isUppercase || c[j].isNumber {
            var k = j
            while k < c.count, c[k] != " " { k += 1 }
            var e = k
            while e > j, ",.;:!?)'\"".contains(c[e - 1]) { e -= 1 }
            end = e
            words += 1
            if e < k { break }
            j = skipSpaces(c, k)
        }
        guard case .name(let codes) = shape else { return nil }
        return end > i && isMember(c[i..<end], codes: codes) ? i..<end : nil
    }

    /// A name's words may be a list's member: not "I", nor a state's or country's code after a comma ("Berkeley,
    /// CA, and ...": qualifiers, not members).
    private static func isMember(_ m: ArraySlice<Character>, codes: Bool) -> Bool {
        let s = String(m)
        guard s.contains(where: \.isLetter), s != "I", !s.hasPrefix("I "), !s.hasPrefix("I'") else { return false }
        // "75 USD" is an amount and a code, not a name.
        if let first = s.split(separator: " ").first, first.allSatisfy(\.isNumber), s.contains(" ") { return false }
        return codes || !(s.count <= 3 && s.allSatisfy(\.isUppercase))
    }

    /// The member ending at `e` (exclusive): a quoted phrase or a name of at most five words.
    private static func itemBefore(_ c: [Character], endingAt e: Int, shape: Shape) -> Range<Int>? {
        switch shape {
        case .quoted(let quote):
            guard e > 0, c[e - 1] == quote, let open = c[..<(e - 1)].lastIndex(of: quote), open < e - 2 else { return nil }
            return (open + 1)..<(e - 1)
        case .word:
            var k = e
            while k > 0, c[k - 1].isLetter || c[k - 1] == "-" { k -= 1 }
            return k < e && isWord(String(c[k..<e])) ? k..<e : nil
        case .name:
            break
        }
        var start = e, j = e, words = 0
        while j > 0, words < 5 {
            var k = j
            while k > 0, c[k - 1] != " " { k -= 1 }
            guard k < j, c[k].isUppercase || c[k].isNumber, !c[k..<j].contains(where: { ",.;:!?()'\"".contains($0) }) else { break }
            start = k
            words += 1
            j = k
            while j > 0, c[j - 1] == " " { j -= 1 }
            if j > 0, c[j - 1] != " ", j < k, ",.;:!?".contains(c[j - 1]) { break }
        }
        guard case .name(let codes) = shape else { return nil }
        return start < e && isMember(c[start..<e], codes: codes) ? start..<e : nil
    }

    /// Whether the word before `i` makes a pair a range ("between 1 and 1000", "from 2010 and 2020").
    private static func isRangeWord(_ c: [Character], before i: Int) -> Bool {
        let words = String(c[..<i]).split(separator: " ").suffix(3).map { $0.lowercased() }
        return words.contains("between") || words.last == "from"
    }

    private static func hasWord(_ c: [Character], _ w: String, at i: Int) -> Bool {
        let w = Array(w)
        guard i + w.count <= c.count, Array(c[i..<(i + w.count)]) == w else { return false }
        return i + w.count == c.count || c[i + w.count] == " "
    }

    private static func skipSpaces(_ c: [Character], _ i: Int) -> Int {
        var j = i
        while j < c.count, c[j] == " " { j += 1 }
        return j
    }

    /// The first occurrence of `v` at or after `from`, at word boundaries.
    private static func find(_ v: [Character], in c: [Character], from: Int) -> Range<Int>? {
        guard v.count <= c.count, from <= c.count - v.count else { return nil }
        for i in from...(c.count - v.count) where c[i] == v[0] && Array(c[i..<(i + v.count)]) == v {
            let before = i == 0 || !(c[i - 1].isLetter || c[i - 1].isNumber)
            let after = i + v.count == c.count || !(c[i + v.count].isLetter || c[i + v.count].isNumber)
            if before && after { return i..<(i + v.count) }
        }
        return nil
    }
}

private extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
