import ArgumentParser
import Foundation
import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeEngine

/// Per-token mask cost: the constrained decoder's masks beside llama.cpp's GBNF grammar sampler on the
/// equivalent grammar, over the same plans, in the same run.
struct MaskBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mask",
        abstract: "Per-token mask cost: ours (token trie + cached masks) vs llama.cpp's GBNF grammar sampler, same plans, same run.",
        discussion: "The plans are the corpus's expected plans, tokenized as the model tokenizes them; each token's mask is timed.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "A JSONL corpus (its expected plans are walked).")
    var corpus = "corpus/robots.jsonl"
    @Option(name: .long, help: "Models (names or GGUF paths), comma-separated.")
    var models = "smollm2-135m,gemma3-270m"
    @Option(name: .long, help: "Folder of robot files, <id>.yaml.")
    var robots = "robots"

    func run() async throws {
        global.bootstrapLogging()
        let file = try CorpusFile.load(corpus, robots: robots)
        print("| model (vocabulary) | masks | ours p50 µs | ours p99 µs | ours first-time p50 / p99 µs | GBNF p50 µs | GBNF p99 µs | p99 ratio |")
        print("|---|---|---|---|---|---|---|---|")
        for ref in models.split(separator: ",").map(String.init) {
            let model: Model
            do { model = try Model(path: try ModelCatalog.resolve(ref), options: ModelOptions(vocabularyOnly: true)) } catch { throw fail("\(error)") }
            let vocab = model.vocabulary
            let bytes = vocab.allTokenBytes()
            let ends = (0..<vocab.count).compactMap { vocab.isEndOfGeneration(Token($0)) ? Token($0) : nil }
            let trie = TokenTrie(tokenBytes: bytes, endTokens: ends)
            var ours: [Double] = [], firstTime: [Double] = [], gbnf: [Double] = []
            for (id, (robot, world)) in file.schemas.sorted(by: { $0.key < $1.key }) {
                let grammar = PlanGrammar(robot: robot, world: world)
                let masks = MaskCache(trie: trie, grammar: grammar)
                let reference = try GBNFSampler(vocabulary: vocab, grammar: grammar.gbnf)
                for c in file.cases where c.robot == id {
                    guard let plan = c.expected else { continue }
                    let tokens = try vocab.tokenize(PlanText.render(plan), addSpecial: false, parseSpecial: false)
                    reference.reset()
                    var state = GrammarState()
                    for t in tokens {
                        let misses = masks.misses
                        var t0 = DispatchTime.now().uptimeNanoseconds
                        let m = masks.mask(state)
                        let ns = Double(DispatchTime.now().uptimeNanoseconds - t0)
                        ours.append(ns / 1000)
                        if masks.misses > misses { firstTime.append(ns / 1000) }
                        t0 = DispatchTime.now().uptimeNanoseconds
                        let allowed = reference.applyMask()
                        gbnf.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1000)
                        guard allowed > 0, m.tokens.contains(t), let next = state.advance(bytes[Int(t)], grammar) else { break }
                        reference.accept(t)
                        state = next
                    }
                }
            }
            let p99o = percentile(ours, 0.99), p99g = percentile(gbnf, 0.99)
            print("| \(ref) (\(vocab.count)) | \(ours.count) | \(fixed(percentile(ours, 0.5), 2)) | \(fixed(p99o, 2)) | \(fixed(percentile(firstTime, 0.5))) / \(fixed(percentile(firstTime, 0.99))) (\(firstTime.count)) | \(fixed(percentile(gbnf, 0.5))) | \(fixed(p99g)) | \(fixed(p99g / p99o, 0))× |")
        }
    }
}
