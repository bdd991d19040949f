import RoboBridgeEngine

/// A mutation fuzzer in-process: starts from seeds, mutates them (bit flips, byte edits, range deletes and copies,
/// the target's own words, splices of two inputs), and keeps every input whose answer is of a kind not seen before —
/// a coarse stand-in for coverage that steers it past the first syntax error. Deterministic for a seed.
public struct Fuzzer {
    public struct Report: Sendable, Equatable {
        public var executions = 0
        /// Distinct kinds of answer seen.
        public var answers = 0
        /// Inputs kept (seeds and inputs that reached a new kind of answer).
        public var corpus = 0
        public var seconds = 0.0
    }

    public let target: FuzzTarget
    private var rng: SplitMix64
    private var corpus: [[UInt8]]
    private var seen: Set<String> = []
    private let dictionary: [[UInt8]]
    private let maxLength: Int
    private let maxCorpus = 4096
    private let seedCount: Int

    public init(target: FuzzTarget, seeds: [[UInt8]], seed: UInt64 = 1, maxLength: Int = 64 * 1024) {
        self.target = target
        self.rng = SplitMix64(seed: seed)
        self.corpus = seeds.isEmpty ? [[]] : seeds
        self.seedCount = corpus.count
        self.dictionary = target.dictionary.map { Array($0.utf8) }
        self.maxLength = maxLength
    }

    /// The inputs kept so far (seeds first).
    public var kept: [[UInt8]] { corpus }

    /// Runs until `shouldStop` says so (checked every 64 inputs). `willRun` sees each input before it runs (the CLI
    /// keeps it where a crash handler can write it out). `found` gets each input that reached a new kind of answer.
    public mutating func run(willRun: ([UInt8]) -> Void = { _ in }, found: ([UInt8], String) -> Void = { _, _ in },
                             shouldStop: (Report) -> Bool) -> Report {
        var report = Report()
        let start = ContinuousClock.now
        for seed in corpus {
            willRun(seed)
            seen.insert(target.run(seed))
            report.executions += 1
        }
        while true {
            if report.executions % 64 == 0 {
                report.seconds = Double((ContinuousClock.now - start).components.attoseconds) / 1e18 + Double((ContinuousClock.now - start).components.seconds)
                report.answers = seen.count
                report.corpus = corpus.count
                if shouldStop(report) { return report }
            }
            let input = mutate(corpus[Int(rng.next() % UInt64(corpus.count))])
            willRun(input)
            let answer = target.run(input)
            report.executions += 1
            if seen.insert(answer).inserted {
                // Bounded: past the cap a new input replaces a random kept one (never a seed).
                if corpus.count < maxCorpus { corpus.append(input) } else { corpus[seedCount + index(corpus.count - seedCount)] = input }
                found(input, answer)
            }
        }
    }

    mutating func mutate(_ base: [UInt8]) -> [UInt8] {
        var b = base
        for _ in 0..<(1 + Int(rng.next() % 4)) {
            switch rng.next() % 8 {
            case 0 where !b.isEmpty:
                let i = index(b.count)
                b[i] ^= UInt8(1) << UInt8(rng.next() % 8)
            case 1 where !b.isEmpty:
                b[index(b.count)] = interestingByte()
            case 2:
                b.insert(interestingByte(), at: index(b.count + 1))
            case 3 where b.count > 1:
                let i = index(b.count), n = 1 + index(min(16, b.count - i))
                b.removeSubrange(i..<(i + n))
            case 4 where !b.isEmpty:
                let i = index(b.count), n = 1 + index(min(32, b.count - i))
                b.insert(contentsOf: b[i..<(i + n)], at: index(b.count + 1))
            case 5, 6:
                let word = dictionary.isEmpty ? [UInt8(0)] : dictionary[index(dictionary.count)]
                b.insert(contentsOf: word, at: index(b.count + 1))
            default:
                let other = corpus[index(corpus.count)]
                if !other.isEmpty {
                    let cut = index(b.count + 1), from = index(other.count)
                    b = Array(b[..<cut]) + Array(other[from...])
                }
            }
        }
        return b.count > maxLength ? Array(b.prefix(maxLength)) : b
    }

    private mutating func index(_ n: Int) -> Int { n <= 1 ? 0 : Int(rng.next() % UInt64(n)) }

    private mutating func interestingByte() -> UInt8 {
        let special: [UInt8] = [0, 0x7F, 0x80, 0xFF, 0xC0, 0xE2, 0xF0, 10, 13, 9, 34, 92, 39, 45, 46, 48, 57]
        return rng.next() % 2 == 0 ? special[index(special.count)] : UInt8(truncatingIfNeeded: rng.next())
    }
}
