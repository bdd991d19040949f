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
    var corpora: [String] = []
    @Flag(name: .long, help: "Evaluate on the Berkeley Function-Calling Leaderboard (its data from the pinned bfcl-eval package, fetched by the setup) instead of corpora, scored with its AST rule.")
    var bfcl = false
    @Option(name: .long, help: "BFCL categories, comma-separated (simple, multiple, parallel, irrelevance, parallel_multiple, live_simple, live_multiple, live_irrelevance).")
    var categories = BFCL.defaultCategories.joined(separator: ",")
    @Option(name: .long, help: "BFCL: the folder of BFCL_v4_*.json files.")
    var bfclData = ".deps/bfcl"
    @Option(name: .long, help: "BFCL: evaluate this many cases per category, evenly spaced through it (a fixed sample); default: all.")
    var sample: Int?
    @Option(name: .long, help: "BFCL: write one JSON line per case (id, question, calls, valid, error) to this file.")
    var results: String?
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
        guard !corpora.isEmpty || bfcl else { throw ValidationError("give at least one corpus (corpus/robots.jsonl, corpus/test.jsonl), or --bfcl") }
        guard corpora.isEmpty || !bfcl else { throw ValidationError("give corpora or --bfcl, not both") }
        if let sample, sample < 1 { throw ValidationError("--sample: expected a count of at least 1, got \(sample)") }
    }

    func run() async throws {
        global.bootstrapLogging()
        if bfcl { return try runBFCL() }
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
                        FileHandleOutput.writeStderr("miss [\(key)] \(c.instruction) → \(t.outcome)\(why) \(t.actions.map(\.description).joined(separator: "; ")) (normalized: \(t.normalizedInstruction); lexicon: \(t.readings.isEmpty ? "nothing" : t.readings.map { $0.map(\.description).joined(separator: "; ") }.joined(separator: " | ")))\n")
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

    /// One translator per case (each case brings its own functions), scored by BFCL's AST rule.
    func runBFCL() throws {
        let names = categories.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var suites: [(String, [BFCL.Case])] = []
        for name in names {
            var cases: [BFCL.Case]
            do { cases = try BFCL.load(name, folder: bfclData) } catch { throw fail(error.description) }
            if let sample, sample < cases.count {
                cases = (0..<sample).map { cases[$0 * cases.count / sample] }
            }
            suites.append((name, cases))
        }
        let enabled = try SpeculationOptions.drafters(drafters)
        var out: FileHandle?
        if let results {
            guard FileManager.default.createFile(atPath: results, contents: nil), let h = FileHandle(forWritingAtPath: results) else {
                throw fail("\(results): cannot write the file")
            }
            out = h
        }
        defer { try? out?.close() }
        for modelRef in model.split(separator: ",").map(String.init) {
            let model: Model
            do { model = try Model(path: try ModelCatalog.resolve(modelRef)) } catch { throw fail("\(error)") }
            print("model: \(modelRef) (\(model.metadata.description)); BFCL data: \(bfclData)\(sample.map { ", \($0) cases per category" } ?? "")")
            print("")
            print("| category | AST accuracy | n | functions unreadable | latency p50 | p99 |")
            print("|---|---|---|---|---|---|")
            var overall: [Double] = []
            for (name, cases) in suites {
                var hits = 0, unreadable = 0
                var latencies: [Double] = []
                for c in cases {
                    let answer = try BFCL.answer(c, model: model, threads: threads, retrievedExamples: retrieved, speculative: !noSpeculation) { t in
                        t.enabledDrafters = enabled
                        t.guidesUnrelatedToNone = !noNoneGuide
                        if let guideBonus { t.guideBonus = guideBonus }
                    }
                    let (calls, outcome, reason) = (answer.calls, answer.outcome, answer.reason)
                    if outcome == "unreadable" { unreadable += 1 }
                    if let ms = answer.latencyMs { latencies.append(ms) }
                    let (valid, error) = BFCL.check(calls, c)
                    if valid { hits += 1 }
                    if !valid, showMisses {
                        FileHandleOutput.writeStderr("miss [\(c.id)] \(c.question.prefix(160)) → \(outcome)\(reason.map { " (\($0))" } ?? "") "
                            + calls.map { "\($0.name)(\($0.arguments.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")))" }.joined(separator: "; ")
                            + " — \(error ?? "")\n")
                    }
                    if let out {
                        let line: JSONValue = .object([
                            ("id", .string(c.id)), ("question", .string(c.question)), ("outcome", .string(outcome)),
                            ("reason", reason.map(JSONValue.string) ?? .null),
                            ("calls", .array(calls.map { .object([("name", .string($0.name)), ("args", .object($0.arguments))]) })),
                            ("valid", .bool(valid)), ("error", error.map(JSONValue.string) ?? .null),
                        ])
                        out.write(Data((line.description + "\n").utf8))
                    }
                }
                let accuracy = 100 * Double(hits) / Double(max(cases.count, 1))
                overall.append(accuracy)
                print("| \(name) | \(fixed(accuracy))% | \(cases.count) | \(unreadable) | \(fixed(percentile(latencies, 0.5))) ms | \(fixed(percentile(latencies, 0.99))) ms |")
            }
            print("| **overall** (mean of categories) | **\(fixed(overall.reduce(0, +) / Double(max(overall.count, 1))))%** | | | | |")
            print("")
        }
    }
}
