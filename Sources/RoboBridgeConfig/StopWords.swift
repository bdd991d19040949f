/// Recognises stop instructions: the whole instruction, lowercased and stripped of punctuation,
/// is one of the stop words, or a stop word followed only by polite filler ("stop now!", "Halt please").
public struct StopWordMatcher: Sendable {
    private let phrases: Set<String>
    private let filler: Set<String>
    private static let filler: Set<String> = ["now", "please", "immediately", "right", "away", "it", "robot", "everything", "all",
                                              "the", "yourself", "you"]

    /// - Parameters:
    ///   - words: the robot file's stop words and phrases.
    ///   - names: what the robot is called ("drone", "quadcopter"): "halt the drone now" is "halt".
    public init(_ words: [String], names: [String] = []) {
        phrases = Set(words.map(Self.normalize))
        filler = Self.filler.union(names.flatMap { Self.normalize($0.replacingOccurrences(of: "_", with: " ")).split(separator: " ").map(String.init) })
    }

    public func matches(_ instruction: String) -> Bool {
        let n = Self.normalize(instruction)
        if phrases.contains(n) { return true }
        var words = n.split(separator: " ").map(String.init)
        while let last = words.last, filler.contains(last) { words.removeLast() }
        while let first = words.first, filler.contains(first) { words.removeFirst() }
        return !words.isEmpty && phrases.contains(words.joined(separator: " "))
    }

    static func normalize(_ s: String) -> String {
        let kept = s.lowercased().unicodeScalars.map { $0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "'" || $0 == "-" ? Character($0) : " " }
        return String(kept).split(separator: " ").joined(separator: " ")
    }
}
