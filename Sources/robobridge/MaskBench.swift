import ArgumentParser
import Foundation
import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeTranslation
import RoboBridgeEngine

/// Per-token mask cost: the constrained decoder's masks beside llama.cpp's GBNF grammar sampler on the
/// equivalent grammar, over the same plans, in the same run.
struct MaskBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mask",
        abstract: "Per-token mask cost: ours (token trie + cached masks) vs llama.cpp's GBNF grammar sampler, same plans, same run.",
        discussion: "The plans are the corpus's expected plans, tokenized as the model tokenizes them; each token's mask is timed. Ours is timed cold (a fresh cache per robot; only the vocabulary's shared free-text sets are prepared, as at start-up) and warmed as the translator warms it at start-up (the masks along the example bank's plans); the GBNF sampler in its own pass.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "A JSONL corpus (its expected plans are walked).")
    var corpus = "corpus/robots.jsonl"
    @Option(name: .long, help: "Models (names or GGUF paths), comma-separated.")
    var models = "smollm2-135m-fast,gemma3-270m"
    @Option(name: .long, help: "Folder of robot files, <id>.yaml.")
    var robots = "robots"

    func run() async throws {
        global.bootstrapLogging()
        let file = try CorpusFile.load(corpus, robots: robots)
        print("| model (vocabulary) | masks | text sets (once per vocabulary) | ours cold p50 / p99 µs (computed) | ours warmed p50 / p99 µs (computed) | GBNF p50 / p99 µs | p99 ratio cold / warmed |")
        print("|---|---|---|---|---|---|---|")
        for ref in models.split(separator: ",").map(String.init) {
            let model: Model
            do { model = try Model(path: try ModelCatalog.resolve(ref), options: ModelOptions(vocabularyOnly: true)) } catch { throw fail("\(error)") }
            let vocab = model.vocabulary
            let bytes = vocab.allTokenBytes()
            let ends = (0..<vocab.count).compactMap { vocab.isEndOfGeneration(Token($0)) ? Token($0) : nil }
            let trie = TokenTrie(tokenBytes: bytes, endTokens: ends)
            let t0 = DispatchTime.now().uptimeNanoseconds
            trie.prepareTextSets()
            let textSetsMs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
            let tokenize: (String) -> [Int32] = { (try? vocab.tokenize($0, addSpecial: false, parseSpecial: false)) ?? [] }
            // The plans walked: each corpus line's expected plan, as the model tokenizes it.
            var work: [(PlanGrammar, [Int32], String, [[Int32]])] = []
            for (id, (robot, world)) in file.schemas.sorted(by: { $0.key < $1.key }) {
                let grammar = PlanGrammar(robot: robot, world: world)
                let bank = ExampleBank(robot: robot, world: world, normalizer: InstructionNormalizer(robot: robot, world: world))
                let warmPlans = bank.entries.map { tokenize($0.plan) }
                for c in file.cases where c.robot == id {
                    guard let plan = c.expected else { continue }
                    work.append((grammar, tokenize(PlanText.render(plan)), id, warmPlans))
                }
            }
            // Ours, cold (a fresh cache per robot) and warmed as the translator warms it (the bank's
            // plans), each in its own pass so neither pays for the other's cache traffic.
            func ours(warmed: Bool) -> (times: [Double], computed: Int) {
                var caches: [String: MaskCache] = [:]
                var times: [Double] = [], computed = 0
                for (grammar, plan, id, warmPlans) in work {
                    let masks = caches[id] ?? {
                        let m = MaskCache(trie: trie, grammar: grammar)
                        if warmed { m.warm(plans: warmPlans, tokenBytes: bytes) }
                        caches[id] = m
                        return m
                    }()
                    var state = GrammarState()
                    for t in plan {
                        let misses = masks.misses
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        let m = masks.mask(state)
                        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1000)
                        if masks.misses > misses { computed += 1 }
                        guard binarySearchContains(m.tokens, t), let next = state.advance(bytes[Int(t)], grammar) else { break }
                        state = next
                    }
                }
                return (times, computed)
            }
            let cold = ours(warmed: false), warm = ours(warmed: true)
            var gbnf: [Double] = []
            var references: [String: GBNFSampler] = [:]
            for (grammar, plan, id, _) in work {
                let reference = try references[id] ?? GBNFSampler(vocabulary: vocab, grammar: grammar.gbnf)
                references[id] = reference
                reference.reset()
                for t in plan {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    let allowed = reference.applyMask()
                    gbnf.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1000)
                    guard allowed > 0 else { break }
                    reference.accept(t)
                }
            }
            let p99c = percentile(cold.times, 0.99), p99w = percentile(warm.times, 0.99), p99g = percentile(gbnf, 0.99)
            print("| \(ref) (\(vocab.count)) | \(cold.times.count) | \(fixed(textSetsMs)) ms "
                  + "| \(fixed(percentile(cold.times, 0.5), 2)) / \(fixed(p99c, 1)) (\(cold.computed)) "
                  + "| \(fixed(percentile(warm.times, 0.5), 2)) / \(fixed(p99w, 1)) (\(warm.computed)) "
                  + "| \(fixed(percentile(gbnf, 0.5))) / \(fixed(p99g)) | \(fixed(p99g / p99c, 0))× / \(fixed(p99g / p99w, 0))× |")
        }
    }
}

private func binarySearchContains(_ a: [Int32], _ t: Int32) -> Bool {
    var lo = 0, hi = a.count
    while lo < hi {
        let mid = (lo + hi) / 2
        if a[mid] < t { lo = mid + 1 } else { hi = mid }
    }
    return lo < a.count && a[lo] == t
}
