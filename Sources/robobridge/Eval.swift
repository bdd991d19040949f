import ArgumentParser
import Foundation
import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeTranslation
import RoboBridgeEngine
import RoboBridgeProtocol

struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Translate a corpus and print exact-match accuracy per category, the schema-valid rate and latency p50/p99.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "JSONL corpora: {robot, category, instruction, expected_outcome, expected, state?, reason_mentions?}. Give the development set, then a held-out test set: the gap between them is printed.")
    var corpora: [String]
    @Option(name: .long, help: "Models to evaluate (names or GGUF paths), comma-separated.")
    var model: String = ModelCatalog.defaultModel
    @Option(name: .long, help: "Folder of robot files, <id>.yaml.")
    var robots = "robots"
    @Option(name: .long, help: "A draft model for speculation: a smaller model with the same vocabulary (a bundled name or a GGUF path), e.g. smollm2-135m-q4_0.")
    var draftModel: String?
    @Option(name: .long, help: "Drafters to use, comma-separated (plan_cache, lexicon, prompt_lookup, draft_model; default: all).")
    var drafters: String?
    @Option(name: .long, help: "CPU threads.")
    var threads = 2
    @Option(name: .long, help: "Examples retrieved per instruction.")
    var retrieved = 2
    @Flag(name: .long, help: "Plain decoding without drafters (the plans are the same; only the speed differs).")
    var noSpeculation = false
    @Flag(name: .long, help: "Decode the nearest retrieved example right before the instruction (a few points more accurate, about twice the latency) instead of seeing it in the KV cache.")
    var freshNearestExample = false
    @Flag(name: .long, help: "Do not ground the grammar in the entities the instruction mentions.")
    var noGrounding = false
    @Flag(name: .long, help: "Do not guide requests that name nothing of the robot to \"none\" (to measure that lever).")
    var noNoneGuide = false
    @Flag(name: .long, help: "Do not refuse requests that name what the world or the robot lacks (to measure that lever).")
    var noRefusals = false
    @Option(name: .long, help: "Logit bonus for tokens that continue a plan parsed from the instruction's words (0 = off).")
    var guideBonus: Float?
    @Flag(name: .long, help: "Print every miss on stderr.")
    var showMisses = false

    func validate() throws {
        guard !corpora.isEmpty else { throw ValidationError("give at least one corpus (corpus/robots.jsonl, corpus/test.jsonl)") }
    }

    func run() async throws {
        global.bootstrapLogging()
        let loaded = try corpora.map { try CorpusFile.load($0, robots: robots) }
        let draft = try SpeculationOptions.draftModel(draftModel)
        let enabled = try SpeculationOptions.drafters(drafters)
        for (path, file) in zip(corpora, loaded) { print("corpus: \(path), \(file.cases.count) instructions") }
        for modelRef in model.split(separator: ",").map(String.init) {
            let model: Model
            do { model = try Model(path: try ModelCatalog.resolve(modelRef)) } catch { throw fail("\(error)") }
            print("")
            print("model: \(modelRef) (\(model.metadata.description))")
            var translators: [String: Translator] = [:]
            var totals: [(String, Double)] = []
            for (path, file) in zip(corpora, loaded) {
                var byCategory: [String: (hit: Int, total: Int)] = [:]
                var latencies: [Double] = [], valid = 0, hits = 0
                for c in file.cases {
                    let (robot, world) = file.schemas[c.robot]!
                    let translator = try translators[c.robot] ?? Translator(model: model, robot: robot, world: world, threads: threads,
                                                                               retrievedExamples: retrieved, draftModel: draft)
                    translator.enabledDrafters = enabled
                    translator.decodesNearestExample = freshNearestExample
                    translator.groundsGrammar = !noGrounding
                    translator.guidesUnrelatedToNone = !noNoneGuide
                    translator.refusesMissing = !noRefusals
                    if let guideBonus { translator.guideBonus = guideBonus }
                    translators[c.robot] = translator
                    let t = try translator.translate(c.instruction, speculative: !noSpeculation, facts: c.facts)
                    latencies.append(t.timing.totalMs)
                    if Evaluation.isValid(t, robot: robot, world: world) { valid += 1 }
                    let ok = Evaluation.matches(t, c, robot: robot, world: world)
                    if ok { hits += 1 }
                    let key = "\(c.robot)/\(c.category)"
                    byCategory[key, default: (0, 0)].total += 1
                    if ok { byCategory[key, default: (0, 0)].hit += 1 }
                    if !ok, showMisses {
                        let why = t.reason.map { " (\($0))" } ?? ""
                        FileHandleOutput.writeStderr("miss [\(key)] \(c.instruction) → \(t.outcome)\(why) \(t.actions.map(\.description).joined(separator: "; ")) (normalized: \(t.normalizedInstruction))\n")
                    }
                }
                let all = 100 * Double(hits) / Double(file.cases.count)
                totals.append((path, all))
                print("")
                print("corpus: \(path)")
                print("| robot/category | exact match | n |")
                print("|---|---|---|")
                for (k, v) in byCategory.sorted(by: { $0.key < $1.key }) {
                    print("| \(k) | \(fixed(100 * Double(v.hit) / Double(v.total)))% | \(v.total) |")
                }
                print("| **all** | **\(fixed(all))%** | \(file.cases.count) |")
                print("schema-valid: \(fixed(100 * Double(valid) / Double(file.cases.count)))%; latency p50 \(fixed(percentile(latencies, 0.5))) ms, p99 \(fixed(percentile(latencies, 0.99))) ms")
            }
            if totals.count > 1 {
                let gaps = totals.dropFirst().map { "\($0.0) \(fixed($0.1))% (gap \(fixed(totals[0].1 - $0.1)) points)" }
                print("")
                print("\(modelRef): \(totals[0].0) \(fixed(totals[0].1))% (development) · " + gaps.joined(separator: " · "))
            }
        }
    }
}
