import RoboBridgeConfig
import RoboBridgeDecoding

/// A robot's free-text arguments as the request wrote them. The model sees the request normalized — aliases by
/// their entity names, numbers in the robot's units, lower case — and copies its text arguments from that: "say I
/// will be back in five minutes" would say "i will be back in 300 seconds". Each text argument that is the
/// normalized form of a run of the request's words becomes that run, as written.
public struct VerbatimText {
    private let robot: Robot
    private let normalize: (String) -> String
    /// The request's words, each with where it stands in the request.
    private let words: [Range<String.Index>]
    private let request: String

    public init(request: String, robot: Robot, normalize: @escaping (String) -> String) {
        self.robot = robot
        self.normalize = normalize
        self.request = request
        var words: [Range<String.Index>] = []
        var i = request.startIndex
        while i < request.endIndex {
            while i < request.endIndex, request[i].isWhitespace { i = request.index(after: i) }
            let start = i
            while i < request.endIndex, !request[i].isWhitespace { i = request.index(after: i) }
            if start < i { words.append(start..<i) }
        }
        self.words = words
    }

    /// `calls` with each text argument that a run of the request's words normalizes to replaced by that run, and
    /// a thing's name ended where the request goes on to something else (`phrase`).
    public func restoring(_ calls: [ActionCall]) -> [ActionCall] {
        calls.map { call in
            guard let action = robot.action(named: call.name) else { return call }
            var out = call
            for k in out.arguments.indices {
                guard let p = action.parameter(named: out.arguments[k].name), p.kind == .string,
                      case .string(let v) = out.arguments[k].value else { continue }
                let written = Self.unquoted(Self.phrase(run(normalizingTo: v) ?? v, action: action, parameter: p))
                guard written != v, !written.isEmpty else { continue }
                var candidate = out
                candidate.arguments[k].value = .string(written)
                if action.problem(with: candidate, world: nil) == nil { out = candidate }
            }
            return out
        }
    }

    /// The words of a text parameter's action and its own name and description.
    private static func about(_ action: Action, _ p: Parameter) -> [String] {
        InstructionNormalizer.tokenize([action.name.replacingOccurrences(of: "_", with: " "), action.description,
                                        p.name.replacingOccurrences(of: "_", with: " "), p.description].joined(separator: " "))
    }

    /// Whether a text parameter holds words to speak or show (its action's or its own name or description says so).
    static func holdsSpeech(_ action: Action, _ p: Parameter) -> Bool { about(action, p).contains(where: speech.contains) }

    /// A text parameter that names a thing (a subject, a kind — not words to speak) takes the thing's words only: the
    /// text ends before a word that starts another clause ("the cows if you don't mind", "gears can you see", "blocks
    /// are on the bench"), and a kind takes no article and no place ("the gears" → "gears", "blocks on the bench" → "blocks").
    static func phrase(_ text: String, action: Action, parameter p: Parameter) -> String {
        let about = about(action, p)
        guard !about.contains(where: speech.contains) else { return text }
        var words = text.split(separator: " ").map(String.init)
        if let cut = words.indices.dropFirst().first(where: { clauseStarts.contains(words[$0].lowercased()) }) { words = Array(words[..<cut]) }
        // Nor whom it is for ("the greenhouse roof for me").
        while words.count > 2, ["me", "us"].contains(words[words.count - 1].lowercased()), words[words.count - 2].lowercased() == "for" {
            words.removeLast(2)
        }
        if about.contains(where: ["kind", "kinds", "type", "category"].contains) {
            if words.count > 1, ["the", "a", "an"].contains(words[0].lowercased()) { words.removeFirst() }
            // A kind is no place: "blocks on the bench" are blocks.
            if let cut = words.indices.dropFirst().first(where: { ["on", "in", "at", "from", "inside", "near"].contains(words[$0].lowercased()) }) {
                words = Array(words[..<cut])
            }
        }
        return words.joined(separator: " ")
    }

    /// A text without the quotes around it ("say 'good evening'" says good evening).
    public static func unquoted(_ text: String) -> String {
        for (open, close) in [("'", "'"), ("\"", "\""), ("\u{2018}", "\u{2019}"), ("\u{201C}", "\u{201D}")]
        where text.count > 2 && text.hasPrefix(open) && text.hasSuffix(close) {
            return String(text.dropFirst().dropLast())
        }
        return text
    }

    /// Words that say a text parameter holds words to speak or show.
    static let speech: Set<String> = ["say", "speak", "text", "message", "announce", "utter", "tell", "words", "sentence", "display", "show"]
    /// Words that start another clause after a thing's name.
    static let clauseStarts: Set<String> = ["if", "can", "could", "would", "please", "are", "is", "was", "were", "max", "thanks", "so", "but",
                                            "because", "when", "while", "that's", "then"]

    /// The longest run of the request's words (trimmed of the punctuation around it) whose normalized form is `value`.
    func run(normalizingTo value: String) -> String? {
        let target = normalize(value)
        guard !target.isEmpty, words.count <= 64 else { return nil }
        let first = target.split(separator: " ").first.map(String.init) ?? ""
        for a in words.indices {
            // Only runs that start where the value does.
            guard normalize(trimmed(words[a])).hasPrefix(first.prefix(1)) else { continue }
            for b in a..<min(words.count, a + 40) {
                let text = trimmed(words[a].lowerBound..<words[b].upperBound)
                let n = normalize(text)
                if n == target {
                    // From the first word the same normalized text takes in ("your phone is on ..." is "phone is on ...":
                    // the world's alias "your phone").
                    var from = a
                    while from > 0, normalize(trimmed(words[from - 1].lowerBound..<words[b].upperBound)) == target { from -= 1 }
                    return from == a ? text : trimmed(words[from].lowerBound..<words[b].upperBound)
                }
                if n.count > target.count + 12 { break }
            }
        }
        return nil
    }

    private func trimmed(_ r: Range<String.Index>) -> String {
        var s = request[r]
        while let l = s.last, ",.;:!?\"')".contains(l) { s = s.dropLast() }
        while let f = s.first, "\"'(".contains(f) { s = s.dropFirst() }
        return String(s)
    }
}
