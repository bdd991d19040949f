import ArgumentParser
import Foundation
import RoboBridgeEngine

struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate text from a prompt with the embedded model (streams the text).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var modelOptions: ModelOptionGroup

    @Option(name: .long, help: "The most tokens to generate.")
    var maxTokens = 128

    @Option(name: .long, help: "Sampling temperature; 0 means greedy.")
    var temperature: Float = 0

    @Option(name: .long, help: "Top-k for sampling (0 = off).")
    var topK = 40

    @Option(name: .long, help: "Top-p for sampling (1 = off).")
    var topP: Float = 0.95

    @Option(name: .long, help: "Random seed for sampling.")
    var seed: UInt32 = 42

    @Flag(name: .long, help: "Send the prompt as is, without the model's chat template.")
    var raw = false

    @Flag(name: .long, help: "Print one JSON object with the text and timings instead of streaming.")
    var json = false

    @Argument(help: "The prompt.")
    var prompt: String

    func validate() throws {
        guard maxTokens > 0 else { throw ValidationError("--max-tokens must be at least 1, got \(maxTokens)") }
        guard temperature >= 0 else { throw ValidationError("--temperature must be ≥ 0, got \(temperature)") }
        guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must be in (0, 1], got \(topP)") }
    }

    func run() async throws {
        global.bootstrapLogging()
        do {
            let model = try modelOptions.load()
            let context = try Context(model: model, options: ContextOptions(
                contextLength: 4096, batchSize: 512, threads: modelOptions.threads))
            let text = raw ? prompt : ChatTemplate(model: model).format([ChatMessage(.user, prompt)])
            let tokens = try model.vocabulary.tokenize(text, addSpecial: true, parseSpecial: true)
            let sampler = Sampler(temperature == 0 ? .greedy : .random(temperature: temperature, topK: topK, topP: topP, seed: seed))
            var collected = ""
            let (_, stats) = try Generator(context: context).generate(prompt: tokens, maxTokens: maxTokens, sampler: sampler) { piece in
                if json { collected += piece } else { FileHandleOutput.writeStdout(piece) }
                return true
            }
            if json {
                let object: [String: Any] = [
                    "model": model.path, "prompt": prompt, "text": collected,
                    "timing": [
                        "prompt_tokens": stats.promptTokens, "generated_tokens": stats.generatedTokens,
                        "prefill_ms": stats.prefillMilliseconds, "decode_ms": stats.decodeMilliseconds,
                        "prefill_tokens_per_s": stats.prefillTokensPerSecond,
                        "decode_tokens_per_s": stats.decodeTokensPerSecond,
                    ],
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                FileHandleOutput.writeStdout(String(decoding: data, as: UTF8.self) + "\n")
            } else {
                FileHandleOutput.writeStdout("\n")
                FileHandleOutput.writeStderr(String(format: "[%d prompt tokens in %.1f ms, %d tokens in %.1f ms: %.1f tok/s]\n",
                    stats.promptTokens, stats.prefillMilliseconds, stats.generatedTokens, stats.decodeMilliseconds, stats.decodeTokensPerSecond))
            }
        } catch let error as EngineError {
            throw fail(error.description)
        }
    }
}
