import ArgumentParser
import Foundation
import RoboBridgeEngine

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (medians over repetitions, compared in the same run).",
        subcommands: [EngineBench.self, MessagingBench.self, TranslateBench.self, MaskBench.self, NodeBench.self, SoakBench.self])
}

struct EngineBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Prefill and decode tokens/s of the embedded engine beside llama-bench's, same model and threads.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var modelOptions: ModelOptionGroup

    @Option(name: .long, help: "Prompt tokens for the prefill measurement.")
    var promptTokens = 256
    @Option(name: .long, help: "Tokens for the decode measurement.")
    var generatedTokens = 128
    @Option(name: .long, help: "Repetitions (after one warm-up).")
    var repetitions = 5
    @Option(name: .long, help: "Path of llama-bench (default: the one scripts/bootstrap built).")
    var llamaBench: String?

    func run() async throws {
        global.bootstrapLogging()
        let model: Model
        do { model = try modelOptions.load() } catch let e as EngineError { throw fail(e.description) }
        guard let benchPath = llamaBench ?? ModelCatalog.dependencyPaths(".deps/llama/bin/llama-bench").first else {
            throw fail("llama-bench not found: run scripts/bootstrap or pass --llama-bench PATH")
        }
        print("model: \(model.path) (\(model.metadata.description)), threads: \(modelOptions.threads), repetitions: \(repetitions)")
        // Interleave: ours, llama-bench, ours, llama-bench... so machine noise hits both alike.
        var ours = EngineBenchmark.Result(prefill: [], decode: [])
        var theirs = EngineBenchmark.Result(prefill: [], decode: [])
        let bench = EngineBenchmark(model: model, threads: modelOptions.threads)
        for _ in 0..<repetitions {
            let r = try bench.run(promptTokens: promptTokens, generatedTokens: generatedTokens, repetitions: 1)
            ours.prefill += r.prefill
            ours.decode += r.decode
            let l = try runLlamaBench(benchPath, modelPath: model.path)
            theirs.prefill.append(l.prefill)
            theirs.decode.append(l.decode)
        }
        let rows = [
            ("prefill pp\(promptTokens)", median(ours.prefill), median(theirs.prefill)),
            ("decode tg\(generatedTokens)", median(ours.decode), median(theirs.decode)),
        ]
        print("| measure | robobridge tok/s | llama-bench tok/s | ratio |")
        print("|---|---|---|---|")
        for (name, a, b) in rows {
            print("| \(name) | \(fixed(a)) | \(fixed(b)) | \(fixed(a / b, 3)) |")
        }
    }

    /// Runs llama-bench once (it repeats internally) and returns its average tokens/s.
    func runLlamaBench(_ path: String, modelPath: String) throws -> (prefill: Double, decode: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-m", modelPath, "-t", String(modelOptions.threads), "-p", String(promptTokens),
                             "-n", String(generatedTokens), "-r", "1", "-o", "json"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let rows = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw fail("llama-bench (\(path)) failed with status \(process.terminationStatus)")
        }
        var prefill = 0.0, decode = 0.0
        for row in rows {
            let ts = (row["avg_ts"] as? Double) ?? 0
            if (row["n_prompt"] as? Int ?? 0) > 0 { prefill = ts } else { decode = ts }
        }
        return (prefill, decode)
    }
}
