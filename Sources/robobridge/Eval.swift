import ArgumentParser
import Foundation
import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeEngine
import RoboBridgeProtocol

struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Translate a corpus and print exact-match accuracy per category, the schema-valid rate and latency p50/p99.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "A JSONL corpus: {robot, category, instruction, expected_outcome, expected}.")
    var corpus: String
    @Option(name: .long, help: "Models to evaluate (names or GGUF paths), comma-separated.")
    var model: String = ModelCatalog.defaultModel
    @Option(name: .long, help: "Folder of robot files, <id>.yaml.")
    var robots = "robots"
    @Option(name: .long, help: "CPU threads.")
    var threads = 2
    @Option(name: .long, help: "Examples retrieved per instruction.")
    var retrieved = 3
    @Flag(name: .long, help: "Also put the robot file's examples in the static prompt (they are in the retrieval bank either way).")
    var staticExamples = false
    @Flag(name: .long, help: "Print every miss on stderr.")
    var showMisses = false

    func run() async throws {
        global.bootstrapLogging()
        guard let data = FileManager.default.contents(atPath: corpus) else { throw fail("\(corpus): cannot read the file") }
        var robotsById: [String: (Robot, World?)] = [:]
        func schema(_ id: String) throws -> (Robot, World?) {
            if let s = robotsById[id] { return s }
            let path = robots + "/\(id).yaml"
            let r = try ConfigLoader.loadRobot(path)
            let w = try r.defaultWorld.map { try ConfigLoader.loadWorld(ConfigLoader.resolve($0, relativeTo: path)) }
            robotsById[id] = (r, w)
            return (r, w)
        }
        var cases: [CorpusCase] = []
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            do {
                cases.append(try CorpusCase(json: try JSONValue.parse(String(line)), robot: { try schema($0).0 }))
            } catch {
                throw fail("\(corpus):\(n + 1): \(error)")
            }
        }
        print("corpus: \(corpus), \(cases.count) instructions")
        for modelRef in model.split(separator: ",").map(String.init) {
            let loaded: Model
            do { loaded = try Model(path: try ModelCatalog.resolve(modelRef)) } catch { throw fail("\(error)") }
            var translators: [String: Translator] = [:]
            var byCategory: [String: (hit: Int, total: Int)] = [:]
            var latencies: [Double] = [], valid = 0, hits = 0
            for c in cases {
                let (robot, world) = try schema(c.robot)
                let translator = try translators[c.robot] ?? Translator(model: loaded, robot: robot, world: world, threads: threads,
                                                                           staticExamples: staticExamples, retrievedExamples: retrieved)
                translators[c.robot] = translator
                let t = try translator.translate(c.instruction)
                latencies.append(t.timing.totalMs)
                if Evaluation.isValid(t, robot: robot, world: world) { valid += 1 }
                let ok = Evaluation.matches(t, c, robot: robot, world: world)
                if ok { hits += 1 }
                let key = "\(c.robot)/\(c.category)"
                byCategory[key, default: (0, 0)].total += 1
                if ok { byCategory[key, default: (0, 0)].hit += 1 }
                if !ok, showMisses {
                    FileHandleOutput.writeStderr("miss [\(key)] \(c.instruction) → \(t.outcome) \(t.actions.map(\.description).joined(separator: "; ")) (normalized: \(t.normalizedInstruction))\n")
                }
            }
            print("")
            print("model: \(modelRef) (\(loaded.metadata.description))")
            print("| robot/category | exact match | n |")
            print("|---|---|---|")
            for (k, v) in byCategory.sorted(by: { $0.key < $1.key }) {
                print("| \(k) | \(fixed(100 * Double(v.hit) / Double(v.total)))% | \(v.total) |")
            }
            print("| **all** | **\(fixed(100 * Double(hits) / Double(cases.count)))%** | \(cases.count) |")
            print("schema-valid: \(fixed(100 * Double(valid) / Double(cases.count)))%; latency p50 \(fixed(percentile(latencies, 0.5))) ms, p99 \(fixed(percentile(latencies, 0.99))) ms")
        }
    }
}
