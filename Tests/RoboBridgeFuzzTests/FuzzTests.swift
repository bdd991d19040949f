import Foundation
import RoboBridgeFuzz
import Testing

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

@Suite("Fuzzing: the kept inputs replayed, and a short run of every target")
struct FuzzTests {
    /// Every input kept in fuzz/corpus/<target>/ (crashes found by `make fuzz`, fixed, and kept) answers without crashing.
    @Test(arguments: FuzzTarget.allCases)
    func keptInputsReplay(_ target: FuzzTarget) throws {
        let dir = root + "/fuzz/corpus/" + target.rawValue
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        for name in names {
            let input = try #require(FileManager.default.contents(atPath: dir + "/" + name))
            #expect(!target.run([UInt8](input)).isEmpty, "\(target.rawValue)/\(name)")
        }
    }

    /// A few thousand mutations of each target's seeds, deterministic: no crash, and the mutator reaches answers the
    /// seeds did not (so it is not stuck replaying them).
    @Test(arguments: FuzzTarget.allCases)
    func aShortRunFindsNewAnswersAndNoCrash(_ target: FuzzTarget) {
        let seeds = target.seeds(root: root)
        #expect(!seeds.isEmpty)
        var fuzzer = Fuzzer(target: target, seeds: seeds, seed: 7)
        let report = fuzzer.run(shouldStop: { $0.executions >= 3000 })
        #expect(report.executions >= 3000)
        #expect(report.corpus > seeds.count, "\(target.rawValue): no input reached a new kind of answer")
    }
}
