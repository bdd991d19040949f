import RoboBridgeConfig

extension Coordination {
    /// A request that says the same thing again for other values, clause by clause ("Convert 100 USD to EUR, 250
    /// USD to JPY, and 75 USD to GBP.", "the area of a triangle with base 6 and height 4. Then of one with base 10 and
    /// height 7."), asks for one call per clause. A small model writes the first call and stops; this writes the
    /// call again for every clause.
    ///
    /// The request's clauses (sentences, and parts between commas) that write numbers must each write as many as
    /// the call has number arguments, at least two clauses, and each position's number must have the same word beside
    /// it in every clause (a unit after it, a name before it: "100 USD", "250 USD"), so a single request whose
    /// numbers happen to stand in separate clauses ("$10000, at 5%, for 10 years") is no repetition. Each clause's
    /// numbers take the places the call's own numbers have in the clause that holds them (or the call's order), then
    /// go to the parameters named next to them (`NumberBinding`); a text argument the clause does not write takes the
    /// name the clause writes after the same word ("to EUR" → "to JPY"), or stays (shared: "USD").
    public static func repeatingGroups(_ calls: [ActionCall], instruction: String, robot: Robot, limit: Int) -> [ActionCall] {
        guard calls.count == 1, let call = calls.first, let action = robot.action(named: call.name) else { return calls }
        let slots = call.arguments.indices.filter { k in
            guard let p = action.parameter(named: call.arguments[k].name), p.list == nil else { return false }
            return p.kind == .number || p.kind == .integer
        }
        guard !slots.isEmpty else { return calls }
        let parts = segments(instruction).map { text in
            let chars = Array(text)
            return (text: text, chars: chars, numbers: numbers(chars))
        }.filter { !$0.numbers.isEmpty }
        guard parts.count >= 2, parts.count <= limit, parts.allSatisfy({ $0.numbers.count == slots.count }) else { return calls }
        for p in 0..<slots.count {
            let after = parts.map { word(after: $0.numbers[p].range.upperBound, in: $0.chars) }
            let before = parts.map { word(before: $0.numbers[p].range.lowerBound, in: $0.chars) }
            guard (after[0] != nil && Set(after).count == 1) || (before[0] != nil && Set(before).count == 1) else { return calls }
        }
        let values = slots.map { call.arguments[$0].value.numeric }
        let template = parts.firstIndex { part in values.allSatisfy { v in v.map { v in part.numbers.contains { $0.value == v } } ?? false } }
        let order = slots.indices.map { i in template.flatMap { t in parts[t].numbers.firstIndex { $0.value == values[i] } } ?? i }
        guard Set(order).count == order.count else { return calls }
        var out: [ActionCall] = []
        for part in parts {
            var c = call
            for (i, k) in slots.enumerated() {
                let v = part.numbers[order[i]].value
                c.arguments[k].value = numberValue(v, kind: action.parameter(named: c.arguments[k].name)?.kind)
            }
            c = NumberBinding.rebinding(c, instruction: part.text, robot: robot)
            for k in c.arguments.indices {
                guard case .string(let v) = call.arguments[k].value else { continue }
                let from = template.map { parts[$0].text } ?? parts.first { $0.text.contains(v) }?.text
                if let from, let replaced = counterpart(of: v, in: from, within: part.text) { c.arguments[k].value = .string(replaced) }
            }
            guard action.problem(with: c, world: nil) == nil, !out.contains(c) else { continue }
            out.append(c)
        }
        return out.count >= 2 ? out : calls
    }

    /// The request's sentences and the parts of them between commas (not a comma inside a number: "12,000").
    static func segments(_ text: String) -> [String] {
        pieces(of: text, keepingMarks: false) { c, i in c[i] == "," && (i + 1 == c.count || c[i + 1] == " ") }
            .map { $0.split(separator: " ").joined(separator: " ") }
    }

    /// The name `clause` writes where `from` writes `value`: after the same word ("to EUR" → "to JPY"), of the same
    /// shape (a run of capitalized words for a name, as many words otherwise). Nil when `clause` writes `value`
    /// itself, or nothing after that word.
    static func counterpart(of value: String, in from: String, within clause: String) -> String? {
        func words(_ s: String) -> [String] {
            s.split(separator: " ").map { w in
                var t = Substring(w)
                while let l = t.last, ",.;:!?)'\"".contains(l) { t = t.dropLast() }
                while let f = t.first, "(\"'$".contains(f) { t = t.dropFirst() }
                return String(t)
            }
        }
        func key(_ w: String) -> String { w.first?.isNumber == true ? "#" : w.lowercased() }
        let v = words(value), a = words(from), b = words(clause)
        guard !v.isEmpty, !clause.contains(value) else { return nil }
        guard let i = a.indices.first(where: { a[$0...].starts(with: v) }), i > 0 else { return nil }
        let k = key(a[i - 1])
        let name = v.allSatisfy { $0.first?.isUppercase == true || $0.first?.isNumber == true }
        guard let j = b.indices.dropFirst().first(where: { key(b[$0 - 1]) == k && (!name || b[$0].first?.isUppercase == true) }) else { return nil }
        var run = [b[j]]
        if name {
            while j + run.count < b.count, run.count < 5, b[j + run.count].first?.isUppercase == true { run.append(b[j + run.count]) }
        } else {
            run = Array(b[j..<min(b.count, j + v.count)])
        }
        let found = run.joined(separator: " ")
        return clause.contains(found) ? found : nil
    }

    private static func word(after i: Int, in c: [Character]) -> String? {
        var j = i
        while j < c.count, c[j] == " " { j += 1 }
        let w = String(c[j...].prefix { $0.isLetter || "%°/".contains($0) })
        return w.isEmpty || w == "and" ? nil : w.lowercased()
    }

    private static func word(before i: Int, in c: [Character]) -> String? {
        var j = i
        while j > 0, c[j - 1] == " " { j -= 1 }
        var k = j
        while k > 0, c[k - 1].isLetter { k -= 1 }
        let w = String(c[k..<j]).lowercased()
        return w.isEmpty || w == "and" ? nil : w
    }
}

extension Coordination {
    /// The parts of a request — sentences, and clauses opened by ", and", ", then", ", also", ", plus" or after ";" —
    /// that write values (numbers, names after the part's first word, quoted phrases) none of which `calls` took, or
    /// (after the first part) use a word of the name of a function of `robot` that no call is of and none of a called
    /// one's ("…prime numbers between 50 and 150. Then get the fibonacci series up to 150."). Each asks for something
    /// the calls do not do yet.
    public static func uncoveredParts(_ instruction: String, calls: [ActionCall], robot: Robot? = nil) -> [String] {
        let parts = requestParts(instruction)
        guard parts.count > 1 else { return [] }
        var taken: [String] = [], numbers: Set<Double> = []
        func collect(_ v: ConfigValue) {
            switch v {
            case .string(let s): taken.append(s.lowercased())
            case .integer(let i): numbers.insert(Double(i))
            case .number(let d): numbers.insert(d)
            case .list(let items): items.forEach(collect)
            case .bool: break
            }
        }
        calls.flatMap(\.arguments).forEach { collect($0.value) }
        return parts.enumerated().filter { n, part in
            if n > 0, let robot, !namedFunctions(part, robot: robot, besides: calls).isEmpty { return true }
            let (written, names) = values(of: part)
            guard !written.isEmpty || !names.isEmpty else { return false }
            let usesNumber = !written.isDisjoint(with: numbers)
            let usesName = names.contains { n in taken.contains { $0.contains(n) || n.contains($0) && $0.count > 2 } }
            return !usesNumber && !usesName
        }.map(\.element)
    }

    /// The functions no call of `calls` is of whose names share a word with `part` that the called functions' names
    /// do not have ("api" of `version_api` and `bom_api` tells neither).
    static func namedFunctions(_ part: String, robot: Robot, besides calls: [ActionCall]) -> [String] {
        let called = Set(calls.map(\.name))
        let calledWords = Set(calls.flatMap { ToolGrounding.contentWords($0.name) })
        let words = Set(ToolGrounding.contentWords(part))
        let named = robot.actions.filter { !words.isDisjoint(with: Set(ToolGrounding.contentWords($0.name)).subtracting(calledWords)) }.map(\.name)
        return called.isDisjoint(with: named) ? named : []
    }

    /// Whether a call made for `part` alone answers it, beside `calls` made before: it takes a value the part writes,
    /// or it is of a function the part names (`namedFunctions`). ("Provide the full API call" gives no
    /// `is_token_being_processed(uuid="full")` beside `get_version`.)
    public static func answers(_ call: ActionCall, part: String, robot: Robot, besides calls: [ActionCall] = []) -> Bool {
        if namedFunctions(part, robot: robot, besides: calls).contains(call.name) { return true }
        let (written, names) = values(of: part)
        func takes(_ v: ConfigValue) -> Bool {
            switch v {
            case .string(let s): let s = s.lowercased(); return !s.isEmpty && names.contains { $0.contains(s) || s.contains($0) }
            case .integer(let i): return written.contains(Double(i))
            case .number(let d): return written.contains(d)
            case .list(let items): return items.contains(where: takes)
            case .bool: return false
            }
        }
        return call.arguments.contains { takes($0.value) }
    }

    /// The values a part of a request writes: its numbers, and its names (capitalized runs after its first word,
    /// quoted phrases) in lower case.
    static func values(of part: String) -> (numbers: Set<Double>, names: [String]) {
        let c = Array(part)
        return (Set(numbers(c).map(\.value)), (nameRuns(c, skippingWords: 1) + quoted(part)).map { $0.lowercased() })
    }

    /// Sentences, and clauses a comma opens with "and", "then", "also", "plus" (or after ";").
    static func requestParts(_ text: String) -> [String] {
        var out: [String] = []
        for sentence in clauses(text) {
            var rest = Substring(sentence)
            while let r = [", and ", ", then ", ", also ", ", plus "].compactMap({ rest.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
                out.append(String(rest[..<r.lowerBound]))
                rest = rest[rest.index(after: r.lowerBound)...]
            }
            out.append(String(rest))
        }
        return out.map { $0.split(separator: " ").joined(separator: " ") }.filter { !$0.isEmpty }
    }

    /// The phrases quoted in `text` ('...' or "...").
    static func quoted(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        return ToolGrounding.quotedRanges(bytes).map { String(decoding: bytes[$0], as: UTF8.self) }
    }
}
