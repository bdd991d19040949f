import ArgumentParser
import Foundation
import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeTranslation
import RoboBridgeEngine

/// End-to-end translate latency over a corpus, plain against speculative decoding, in the same run.
struct TranslateBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Translate latency over a corpus: plain vs speculative decoding, interleaved per instruction, per model.",
        discussion: "Also checks that both give the same plan for every instruction and reports any difference.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "A JSONL corpus (see corpus/robots.jsonl).")
    var corpus = "corpus/robots.jsonl"
    @Option(name: .long, help: "Models (names or GGUF paths), comma-separated.")
    var models: String = ModelCatalog.defaultModel
    @Option(name: .long, help: "Folder of robot files, <id>.yaml.")
    var robots = "robots"
    @Option(name: .long, help: "A draft model for speculation: a smaller model with the same vocabulary (a bundled name or a GGUF path), e.g. smollm2-135m-q4_0.")
    var draftModel: String?
    @Option(name: .long, help: "Drafters to use, comma-separated (plan_cache, lexicon, prompt_lookup, draft_model; default: all).")
    var drafters: String?
    @Option(name: .long, help: "CPU threads.")
    var threads = 2
    @Option(name: .long, help: "Passes over the corpus (each instruction is timed once per pass and mode; the plan cache is cleared between passes).")
    var repetitions = 1

    func run() async throws {
        global.bootstrapLogging()
        let file = try CorpusFile.load(corpus, robots: robots)
        let draft = try SpeculationOptions.draftModel(draftModel)
        let enabled = try SpeculationOptions.drafters(drafters)
        print("corpus: \(corpus), \(file.cases.count) instructions, \(repetitions) pass(es), \(threads) threads")
        for modelRef in models.split(separator: ",").map(String.init) {
            let model: Model
            do { model = try Model(path: try ModelCatalog.resolve(modelRef)) } catch { throw fail("\(error)") }
            var plainPasses = 0, specPasses = 0, plans = 0, differ: [String] = []
            var stages: [String: [Stage: [Double]]] = ["plain": [:], "speculative": [:]]
            var exact: [String: Int] = ["plain": 0, "speculative": 0]
            var byCategory: [String: (plain: [Double], spec: [Double])] = [:]
            var drafters: [String: DrafterStats] = [:]
            var draftNames: [String] = []
            for _ in 0..<repetitions {
                var translators: [String: Translator] = [:]  // fresh per pass: an empty plan cache
                for (i, c) in file.cases.enumerated() {
                    let (robot, world) = file.schemas[c.robot]!
                    let t = try translators[c.robot] ?? Translator(model: model, robot: robot, world: world, threads: threads, draftModel: draft)
                    t.enabledDrafters = enabled
                    if translators[c.robot] == nil { print("\(c.robot): system prompt \(t.promptLayout.system) tokens, \(t.promptLayout.cached) cached with the example bank, context \(t.promptLayout.context) cells") }
                    translators[c.robot] = t
                    // Alternate which mode goes first, so warm caches favour neither.
                    let speculativeFirst = i % 2 == 0
                    let a = try t.translate(c.instruction, speculative: speculativeFirst, facts: c.facts)
                    let b = try t.translate(c.instruction, speculative: !speculativeFirst, facts: c.facts)
                    let (p, s) = speculativeFirst ? (b, a) : (a, b)
                    guard p.outcome != "estop" else { continue }
                    plans += 1
                    for (mode, r) in [("plain", p), ("speculative", s)] {
                        for stage in Stage.allCases { stages[mode]![stage, default: []].append(stage.value(r.timing)) }
                        if Evaluation.matches(r, c, robot: robot, world: world) { exact[mode]! += 1 }
                    }
                    plainPasses += p.timing.forwardPasses
                    specPasses += s.timing.forwardPasses
                    byCategory["\(c.robot)/\(c.category)", default: ([], [])].plain.append(p.timing.totalMs)
                    byCategory["\(c.robot)/\(c.category)", default: ([], [])].spec.append(s.timing.totalMs)
                    for (name, d) in s.timing.drafters {
                        if drafters[name] == nil { draftNames.append(name) }
                        drafters[name, default: DrafterStats()].drafts += d.drafts
                        drafters[name, default: DrafterStats()].proposed += d.proposed
                        drafters[name, default: DrafterStats()].accepted += d.accepted
                    }
                    drafters["grammar (jump-forward)", default: DrafterStats()].proposed += s.timing.forcedTokens
                    drafters["grammar (jump-forward)", default: DrafterStats()].accepted += s.timing.forcedTokens
                    if p.actions != s.actions || p.outcome != s.outcome {
                        differ.append("\(c.instruction): plain \(p.actions) vs speculative \(s.actions)")
                    }
                }
            }
            print("")
            print("model: \(modelRef) (\(model.metadata.description)); \(plans) plans decoded per mode (stop words excluded)")
            print("| mode | p50 ms | p99 ms | forward passes per plan |")
            print("|---|---|---|---|")
            let plain = stages["plain"]![.total] ?? [], spec = stages["speculative"]![.total] ?? []
            print("| plain | \(fixed(percentile(plain, 0.5))) | \(fixed(percentile(plain, 0.99))) | \(fixed(Double(plainPasses) / Double(max(1, plans)), 2)) |")
            print("| speculative | \(fixed(percentile(spec, 0.5))) | \(fixed(percentile(spec, 0.99))) | \(fixed(Double(specPasses) / Double(max(1, plans)), 2)) |")
            print("p50 speedup: \(fixed(percentile(plain, 0.5) / percentile(spec, 0.5), 2))×; p99 speedup: \(fixed(percentile(plain, 0.99) / percentile(spec, 0.99), 2))×")
            print("")
            print("| mode | " + Stage.allCases.map { "\($0.rawValue) p50 / p99" }.joined(separator: " | ") + " | exact match |")
            print("|---|" + String(repeating: "---|", count: Stage.allCases.count + 1))
            for mode in ["plain", "speculative"] {
                let cells = Stage.allCases.map { st in
                    let v = stages[mode]![st] ?? []
                    return st.isCount ? "\(fixed(percentile(v, 0.5), 0)) / \(fixed(percentile(v, 0.99), 0))" : "\(fixed(percentile(v, 0.5))) / \(fixed(percentile(v, 0.99)))"
                }
                print("| \(mode) | " + cells.joined(separator: " | ") + " | \(fixed(100 * Double(exact[mode]!) / Double(max(1, plans))))% |")
            }
            print("")
            print("| drafter | drafts | tokens proposed | accepted | acceptance |")
            print("|---|---|---|---|---|")
            for name in ["grammar (jump-forward)"] + draftNames {
                let d = drafters[name] ?? DrafterStats()
                print("| \(name) | \(name.hasPrefix("grammar") ? "-" : String(d.drafts)) | \(d.proposed) | \(d.accepted) | \(fixed(100 * Double(d.accepted) / Double(max(1, d.proposed))))% |")
            }
            print("")
            print("| robot/category | plain p50 ms | speculative p50 ms | speedup |")
            print("|---|---|---|---|")
            for (k, v) in byCategory.sorted(by: { $0.key < $1.key }) {
                let a = percentile(v.plain, 0.5), b = percentile(v.spec, 0.5)
                print("| \(k) | \(fixed(a)) | \(fixed(b)) | \(fixed(a / b, 2))× |")
            }
            print("")
            print("plans that differ between plain and speculative decoding: \(differ.count) of \(plans)")
            for d in differ.prefix(20) { print("  \(d)") }
        }
    }
}

/// The stages of one translation, as `translate` reports them in `timing` (milliseconds), and its token counts.
enum Stage: String, CaseIterable {
    case prepare = "prepare ms", prefill = "first pass ms", decode = "rest of decoding ms", passes = "of which model ms", check = "check ms"
    case total = "total ms"
    case promptTokens = "prompt tokens", planTokens = "plan tokens"
    var isCount: Bool { self == .promptTokens || self == .planTokens }
    func value(_ t: Translation.Timing) -> Double {
        switch self {
        case .prepare: t.prepareMs
        case .prefill: t.prefillMs
        case .decode: t.decodeMs
        case .passes: t.laterPassesMs
        case .check: t.checkMs
        case .total: t.totalMs
        case .promptTokens: Double(t.promptTokens)
        case .planTokens: Double(t.tokens)
        }
    }
}
