/// Recognises stop instructions: the whole instruction, lowercased and stripped of punctuation,
/// is one of the stop words, or a stop word followed only by polite filler ("stop now!", "Halt please").
public struct StopWordMatcher: Sendable {
    private let phrases: Set<String>
    private let filler: Set<String>
    private static let filler: Set<String> = ["now", "please", "immediately", "right", "away", "it", "robot", "everything", "all",
                                              "the", "yourself", "you", "there", "here", "flight", "mission", "motion", "movement",
                                              "task", "operation", "moving"]

    /// - Parameters:
    ///   - words: the robot file's stop words and phrases.
    ///   - names: what the robot is called ("drone", "quadcopter"): "halt the drone now" is "halt".
    public init(_ words: [String], names: [String] = []) {
        phrases = Set(words.map(Self.normalize))
        filler = Self.filler.union(names.flatMap { Self.normalize($0.replacingOccurrences(of: "_", with: " ")).split(separator: " ").map(String.init) })
    }

    /// Whether the instruction is a stop: the whole of it, or its first sentence or clause ("freeze, something is
    /// caught in the gripper", "whoa, don't move" after an interjection), is stop phrases — one or said again
    /// ("stop stop stop", "abort, abort") — with only filler around them ("halt right there", "abort the flight").
    /// A stop phrase that a request goes on from is not one ("stop at the barn", "count to twelve and stop").
    public func matches(_ instruction: String) -> Bool {
        let n = Self.normalize(instruction)
        if phrases.contains(n) { return true }
        if isStop(n.split(separator: " ").map(String.init)) { return true }
        let dashed = [" - ", " – ", " — ", "–", "—"].reduce(instruction.lowercased()) { $0.replacingOccurrences(of: $1, with: ",") }
        let parts = dashed.split(whereSeparator: { ",.!;:?".contains($0) }).map { Self.normalize(String($0)) }.filter { !$0.isEmpty }
        guard let first = parts.firstIndex(where: { !$0.split(separator: " ").allSatisfy { Self.interjections.contains(String($0)) } }) else { return false }
        return isStop(parts[first].split(separator: " ").map(String.init))
    }

    private func isStop(_ all: [String]) -> Bool {
        var words = all
        while let last = words.last, filler.contains(last) { words.removeLast() }
        while let first = words.first, filler.contains(first) || Self.interjections.contains(first) { words.removeFirst() }
        guard !words.isEmpty else { return false }
        // One stop phrase, or several one after another.
        var i = 0
        outer: while i < words.count {
            for k in stride(from: min(3, words.count - i), through: 1, by: -1) where phrases.contains(words[i..<(i + k)].joined(separator: " ")) {
                i += k
                continue outer
            }
            return false
        }
        return true
    }

    /// Words said before a command that are not one ("whoa, don't move").
    private static let interjections: Set<String> = ["whoa", "woah", "hey", "oh", "oops", "ok", "okay", "wait", "no", "quick",
                                                               "um", "umm", "uh", "uhh", "er", "erm", "ah", "hmm"]

    static func normalize(_ s: String) -> String {
        let kept = s.lowercased().unicodeScalars.map { $0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "'" || $0 == "-" ? Character($0) : " " }
        return String(kept).split(separator: " ").joined(separator: " ")
    }
}
