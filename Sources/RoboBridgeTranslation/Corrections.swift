/// What a request takes back before it is translated: a clause the speaker corrects ("go to the kitchen, no wait, the
/// bedroom"; "fly to the barn. actually, fly to the pond") and a clause that forbids ("don't go to the kitchen, go to the
/// bathroom instead"; "go to the dock but don't hurry"). A robot does what is left; a request that only forbids is no
/// request to act ("don't go to the kitchen" never drives there).
///
/// Plain English, read on the request as written: no robot file, only whether a word names one of the robot's actions
/// (`namesAction`), which tells a corrected clause ("no, land") from a corrected value ("no, the bedroom").
public enum Corrections {
    public enum Reading: Equatable, Sendable {
        /// Nothing taken back.
        case asWritten
        /// The request with what it took back removed or replaced.
        case revised(String)
        /// Every clause forbids: the reason names what the request says not to do.
        case forbidsAll(reason: String)
    }

    public static func read(_ request: String, namesAction: (String) -> Bool) -> Reading {
        let pieces = clauses(of: request)
        guard pieces.count > 1 || pieces.first.map({ forbids(words(of: $0.text)) }) == true else { return .asWritten }
        var kept: [Clause] = [], forbidden: [String] = []
        var correcting = false, changed = false
        for piece in pieces {
            var w = words(of: piece.text)
            while let f = w.first, leadIns.contains(f.lowercased()) { w.removeFirst() }
            if forbids(w) {
                forbidden.append(w.dropFirst(w.first?.lowercased() == "do" ? 2 : 1).joined(separator: " "))
                changed = true
                continue
            }
            // A marker of correction, alone ("no wait,") or opening the clause ("actually the bedroom").
            if let m = markers.first(where: { m in w.count >= m.count && zip(w, m).allSatisfy { $0.lowercased() == $1 } }),
               !kept.isEmpty, m.count > 1 || w.count == 1 || opensAnything.contains(m[0]) || fragmentOpeners.contains(w[1].lowercased()) || isNumber(w[1]) {
                w.removeFirst(m.count)
                correcting = true
                changed = true
                if w.isEmpty { continue }
            }
            guard correcting, let previous = kept.last else {
                kept.append(piece)
                continue
            }
            correcting = false
            if let first = w.first, !fragmentOpeners.contains(first.lowercased()), !isNumber(first), direction(first) == nil,
               w.count > 2 || namesAction(first.lowercased()) {
                // A whole clause in place of the one before ("no, go to the bedroom").
                kept[kept.count - 1] = Clause(text: w.joined(separator: " "), separator: piece.separator)
            } else {
                kept[kept.count - 1] = Clause(text: substituting(w, into: words(of: previous.text)).joined(separator: " "), separator: piece.separator)
            }
        }
        guard changed else { return .asWritten }
        if kept.isEmpty {
            guard !forbidden.isEmpty else { return .asWritten }
            return .forbidsAll(reason: "the request says not to " + forbidden.joined(separator: " or "))
        }
        var out = ""
        for (i, c) in kept.enumerated() {
            out += c.text
            if i + 1 < kept.count { out += c.separator.isEmpty ? ", " : c.separator }
        }
        return .revised(out)
    }

    /// A corrected value put where the clause before had its own: a number with its unit, a direction, a
    /// place after the same preposition, or the name after the last article.
    static func substituting(_ value: [String], into clause: [String]) -> [String] {
        var value = value
        // (Words that only point back at the correction: "the bedroom instead", "the bedroom please".)
        while let l = value.last, ["instead", "please", "then", "rather"].contains(l.lowercased()) { value.removeLast() }
        guard let first = value.first?.lowercased() else { return clause }
        if isNumber(first) {
            guard let i = clause.lastIndex(where: isNumber) else { return clause + value }
            // The number's unit goes too when the correction says its own.
            let hasUnit = value.count > 1 && value[1].allSatisfy(\.isLetter)
            let end = hasUnit && i + 1 < clause.count && clause[i + 1].allSatisfy(\.isLetter) && !fragmentOpeners.contains(clause[i + 1].lowercased()) ? i + 2 : i + 1
            return Array(clause[..<i]) + value + Array(clause[end...])
        }
        if let d = direction(first), let i = clause.lastIndex(where: { direction($0) != nil && direction($0) != d }) {
            return Array(clause[..<i]) + value + Array(clause[(i + 1)...])
        }
        if prepositions.contains(first), let i = clause.lastIndex(where: { $0.lowercased() == first }) {
            return Array(clause[..<i]) + value
        }
        let named = articles.contains(first) ? Array(value.dropFirst()) : value
        if let i = clause.lastIndex(where: { articles.contains($0.lowercased()) }) {
            return Array(clause[...i]) + named
        }
        if let i = clause.lastIndex(where: { prepositions.contains($0.lowercased()) }) {
            return Array(clause[...i]) + value
        }
        return value
    }

    /// Whether a clause forbids: "don't …", "do not …", "never …" — but not "don't forget to …", "never mind".
    static func forbids(_ words: [String]) -> Bool {
        var w = words.map { $0.lowercased().replacingOccurrences(of: "’", with: "'") }
        while let f = w.first, leadIns.contains(f) { w.removeFirst() }
        let rest: ArraySlice<String>
        if w.first == "don't" || w.first == "dont" || w.first == "never" { rest = w.dropFirst() }
        else if w.starts(with: ["do", "not"]) { rest = w.dropFirst(2) }
        else { return false }
        guard let next = rest.first else { return false }
        return !["forget", "hesitate", "worry", "mind", "fail", "wait", "you"].contains(next)
    }

    struct Clause { var text: String; var separator: String }

    /// The request cut at ",", ";", sentence ends, dashes and the words "but", "and", "then"; each clause with
    /// what ended it.
    static func clauses(of text: String) -> [Clause] {
        var out: [Clause] = []
        var current: [String] = []
        func close(_ separator: String) {
            // (Lead-in words alone go with the clause they open: "and then, no wait, land".)
            if current.allSatisfy({ leadIns.contains($0.lowercased()) }), !current.isEmpty, !separator.isEmpty { return }
            if !current.isEmpty { out.append(Clause(text: current.joined(separator: " "), separator: separator)) }
            else if let last = out.last, !separator.isEmpty { out[out.count - 1].separator = last.separator.isEmpty ? separator : last.separator }
            current = []
        }
        for raw in text.split(whereSeparator: \.isWhitespace).map(String.init) {
            if raw == "-" || raw == "—" || raw == "–" { close(", "); continue }
            if ["but", "and", "then"].contains(raw.lowercased()) { close(" "); current.append(raw); continue }
            var word = raw
            var mark = ""
            while let l = word.last, ",;.!?".contains(l) {
                // ("9.5" and "2." stay numbers; a full stop after a number still ends its sentence.)
                mark = String(l) + mark
                word.removeLast()
            }
            if !word.isEmpty { current.append(word) }
            if !mark.isEmpty { close(mark + " ") }
        }
        close("")
        return out
    }

    static func words(of text: String) -> [String] {
        text.split(whereSeparator: \.isWhitespace).map { w in String(w.filter { !",;!?".contains($0) }) }.filter { !$0.isEmpty }
    }

    static func isNumber(_ w: String) -> Bool {
        let l = w.lowercased()
        return l.first?.isNumber == true || InstructionNormalizer.units[l] != nil || InstructionNormalizer.tens[l] != nil
    }

    static func direction(_ w: String) -> String? {
        let l = w.lowercased()
        for (name, set) in directions where set.contains(l) { return name }
        return nil
    }

    private static let directions: [(String, Set<String>)] = [
        ("left", ["left", "counterclockwise", "anticlockwise"]), ("right", ["right", "clockwise"]),
        ("forward", ["forward", "forwards", "ahead"]), ("back", ["back", "backward", "backwards"]),
        ("up", ["up", "upward", "upwards"]), ("down", ["down", "downward", "downwards"]),
        ("north", ["north"]), ("south", ["south"]), ("east", ["east"]), ("west", ["west"]),
    ]

    /// Words that open a clause without saying anything of it.
    private static let leadIns: Set<String> = ["and", "but", "then", "so", "oh", "oops", "um", "uh", "er", "please", "just"]
    private static let articles: Set<String> = ["the", "a", "an", "my", "your", "our", "his", "her", "their", "this", "that"]
    private static let prepositions: Set<String> = ["to", "into", "onto", "on", "in", "at", "from", "over", "toward", "towards", "by", "near"]
    private static let fragmentOpeners: Set<String> = articles.union(prepositions)
    /// What a speaker says to take back what they just said.
    private static let markers: [[String]] = [
        ["no", "wait"], ["no", "actually"], ["no", "sorry"], ["no", "no"], ["wait", "no"], ["wait", "wait"], ["sorry", "i", "mean"],
        ["i", "mean"], ["i", "meant"], ["make", "that"], ["scratch", "that"], ["or", "rather"], ["correction"], ["sorry"],
        ["actually"], ["rather"], ["no"], ["oops"],
    ]
    /// The one-word markers that take back whatever follows them; "no" and "sorry" only a value ("no, the bedroom",
    /// not "no more than five").
    private static let opensAnything: Set<String> = ["actually", "rather", "correction", "oops"]
}
