import ArgumentParser
import Foundation
import RoboBridgeConfig
import RoboBridgeEngine
import RoboBridgeProtocol
import RoboBridgeTranslation
#if canImport(Glibc)
import Glibc
#endif

struct Tune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fine-tune the embedded model for one robot, from its robot and world files alone.",
        discussion: """
            Makes instructions and their plans from the robot file and its world (every action with varied verbs, word \
            orders, politeness, numbers in words and digits, typos, two-step sequences, refusals), split by template \
            family; dequantizes the base model to F32 with llama-quantize; trains it with llama.cpp's training API \
            (llama_opt_*, AdamW, next-token loss) until --minutes or the data runs out; quantizes it back (Q4_0 with \
            ffn_down and attn_v at Q8_0, as smollm2-135m-fast) and writes --out, which a robot file's model.name can \
            name. Prints a progress line with the loss and the time left. Interrupted, it leaves no model file behind.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Robot file.")
    var robot: String
    @Option(name: .long, help: "World file (default: the robot file's world).")
    var world: String?
    @Option(name: .long, help: "The base model: a bundled name or a GGUF path (its F32 copy is trained).")
    var model = "smollm2-135m"
    @Option(name: .long, help: "Where to write the tuned model.")
    var out: String
    @Option(name: .long, help: "Training time budget, in minutes.")
    var minutes = 30.0
    @Option(name: .long, help: "Examples to make from the robot file (before the split).")
    var examples = 2000
    @Option(name: .long, help: "Passes over the training windows at most (the time budget may stop it sooner).")
    var epochs = 1
    @Option(name: .long, help: "Train on at most this many windows (for a quick check).")
    var maxWindows: Int?
    @Option(name: .long, help: "Tokens per training window.")
    var sequenceLength = 256
    @Option(name: .long, help: "AdamW learning rate.")
    var learningRate: Float = 2e-5
    @Option(name: .long, help: "Train only the blocks from this index up and the output layer (default: all).")
    var firstLayer: Int?
    @Option(name: .long, help: "CPU threads.")
    var threads = 2
    @Option(name: .long, help: "Seed of the data's variety and order.")
    var seed: UInt64 = 1
    @Option(name: .long, help: "What the model sees per example: short (instruction and plan under a one-line system prompt), full (the translator's own prompt: system prompt, retrieved examples, instruction; ~10x the tokens) or session (the translator's system prompt once per window, then as many instruction and plan turns as fit, each turn seeing the ones before as the translator's retrieved examples are seen; use --sequence-length 1024).")
    var prompt: PromptKind = .short

    @Flag(name: .long, help: "Print the examples made from the robot file (JSON lines: instruction, plan, family, split) and stop.")
    var printData = false

    enum PromptKind: String, ExpressibleByArgument { case full, short, session }

    func validate() throws {
        guard minutes > 0 else { throw ValidationError("--minutes must be positive") }
        guard examples >= 10 else { throw ValidationError("--examples must be at least 10") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        guard (256...4096).contains(sequenceLength), sequenceLength % 256 == 0 else {
            throw ValidationError("--sequence-length must be a multiple of 256 from 256 to 4096 (llama.cpp's context granularity)")
        }
        guard learningRate > 0, learningRate < 1 else { throw ValidationError("--learning-rate must be between 0 and 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        if let maxWindows, maxWindows < 1 { throw ValidationError("--max-windows must be at least 1") }
    }

    func run() async throws {
        global.bootstrapLogging()
        let started = ContinuousClock.now
        let (robotFile, worldFile) = try RoboBridgeCLI.loadRobotAndWorld(robot, world: world)
        let set = TrainingSet(robot: robotFile, world: worldFile, count: examples, seed: seed)
        print("data: \(set.train.count) training and \(set.validation.count) validation examples from \(robot) "
              + "(\(Set(set.train.map(\.family)).count) and \(Set(set.validation.map(\.family)).count) template families, none shared)")
        if printData {
            for (split, examples) in [("train", set.train), ("validation", set.validation)] {
                for e in examples {
                    print(JSONValue.object([("instruction", .string(e.instruction)), ("plan", .string(e.plan)), ("family", .string(e.family)),
                                            ("split", .string(split))]).description)
                }
            }
            return
        }
        let basePath: String
        do { basePath = try ModelCatalog.resolve(model) } catch { throw fail("\(error)") }
        guard let quantize = ModelCatalog.dependencyPaths(".deps/llama/bin/llama-quantize").first else {
            throw fail("llama-quantize not found: run scripts/bootstrap")
        }
        // Work files beside the output, removed on every exit (SIGINT/SIGTERM included): never a half-written model.
        let outDir = (out as NSString).deletingLastPathComponent.isEmpty ? "." : (out as NSString).deletingLastPathComponent
        let work = outDir + "/.tune-\(getpid())"
        do { try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true) } catch {
            throw fail("\(outDir): cannot write there: \(error.localizedDescription)")
        }
        TuneCleanup.install(work)
        defer { TuneCleanup.remove() }

        let f32 = work + "/base-f32.gguf"
        try Self.quantize(quantize, ["--allow-requantize", basePath, f32, "F32"], log: work + "/quantize.log")
        let base: Model
        do { base = try Model(path: f32, options: ModelOptions(useMmap: false)) } catch { throw fail("\(error)") }
        let template = ChatTemplate(model: base)
        // Each example as the translator shows it to the model: its system prompt, the examples it retrieves for the
        // instruction as earlier turns, the normalized instruction, and the plan as the answer (--prompt full); or the
        // instruction and plan alone under a one-line system prompt (--prompt short, the default: 10x fewer tokens per
        // example, and the least harm measured on the development sets — see README).
        let builder = PromptBuilder(robot: robotFile, world: worldFile)
        let normalizer = InstructionNormalizer(robot: robotFile, world: worldFile,
                                               dictionary: InstructionNormalizer.words(ofVocabulary: base.vocabulary.allTokenBytes()))
        let bank = ExampleBank(robot: robotFile, world: worldFile, normalizer: normalizer)
        let short = "You turn instructions for \(robotFile.id) into action calls, one per line, or none."
        // The instruction as the translator shows it to the model: normalized (entities by name, numbers in digits).
        func messages(_ e: TrainingSet.Example) -> [ChatMessage] {
            let normalized = normalizer.normalize(e.instruction)
            guard prompt == .full else { return [ChatMessage(.system, short), ChatMessage(.user, normalized), ChatMessage(.assistant, e.plan)] }
            var m = [ChatMessage(.system, builder.systemMessage)]
            for shown in bank.select(for: normalized, k: 2) { m += [ChatMessage(.user, shown.instruction), ChatMessage(.assistant, shown.plan)] }
            return m + [ChatMessage(.user, normalized), ChatMessage(.assistant, e.plan)]
        }
        // --prompt session: the system prompt, then turns until the window is full; the turn the window cuts starts
        // the next window, after the system prompt again.
        func sessionWindows(_ examples: [TrainingSet.Example], shuffle: Bool) throws -> [[Int32]] {
            var rng = SplitMix64(seed: seed)
            let ordered = shuffle ? examples.shuffled(using: &rng) : examples
            let system = [ChatMessage(.system, builder.systemMessage)]
            let head = try base.vocabulary.tokenize(template.format(system, addAssistant: false), addSpecial: false, parseSpecial: true)
            guard head.count + 64 < sequenceLength else { throw fail("the system prompt (\(head.count) tokens) leaves no room in a window of \(sequenceLength); give a longer --sequence-length") }
            var out: [[Int32]] = [], window = head, k = 0
            while k < ordered.count {
                let e = ordered[k]
                let whole = try base.vocabulary.tokenize(template.format(system + [ChatMessage(.user, normalizer.normalize(e.instruction)), ChatMessage(.assistant, e.plan)],
                                                                         addAssistant: false), addSpecial: false, parseSpecial: true)
                let turn = whole.starts(with: head) ? Array(whole[head.count...]) : whole
                window += turn
                if window.count >= sequenceLength + 1 {
                    out.append(Array(window.prefix(sequenceLength + 1)))
                    window = head
                    if turn.count + head.count < sequenceLength { continue }  // this turn again, whole, in the next window
                }
                k += 1
            }
            return out
        }
        func tokens(_ examples: [TrainingSet.Example], shuffle: Bool) throws -> [[Int32]] {
            if prompt == .session { return try sessionWindows(examples, shuffle: shuffle) }
            var rng = SplitMix64(seed: seed)
            let ordered = shuffle ? examples.shuffled(using: &rng) : examples
            var stream: [Int32] = []
            for e in ordered {
                let text = template.format(messages(e), addAssistant: false)
                stream += try base.vocabulary.tokenize(text, addSpecial: false, parseSpecial: true)
            }
            return stride(from: 0, to: max(0, stream.count - sequenceLength), by: sequenceLength).map { Array(stream[$0...($0 + sequenceLength)]) }
        }
        var trainWindows = try tokens(set.train, shuffle: true)
        let validationWindows = Array(try tokens(set.validation, shuffle: false).prefix(16))
        if let maxWindows { trainWindows = Array(trainWindows.prefix(maxWindows)) }
        guard !trainWindows.isEmpty else { throw fail("the training data makes no window of \(sequenceLength) tokens; give more --examples") }
        var options = Trainer.Options()
        options.sequenceLength = sequenceLength
        options.threads = threads
        options.learningRate = learningRate
        options.firstTrainedLayer = firstLayer
        let trainer: Trainer
        do { trainer = try Trainer(model: base, options: options) } catch { throw fail("\(error)") }
        print("training: \(trainWindows.count) windows of \(sequenceLength) tokens, \(validationWindows.count) validation windows, "
              + "learning rate \(learningRate), \(firstLayer.map { "blocks \($0)+ and output" } ?? "all weights"), up to \(epochs) epoch(s) or \(fixed(minutes, 1)) min")
        fflush(nil)  // the lines so far, before the long part (a pipe would hold them)
        let before = trainer.epoch(train: [], validation: validationWindows).validation
        let budget = Duration.milliseconds(Int64(minutes * 60_000))
        let trainStart = ContinuousClock.now
        var epochLosses: [Double] = [], trained = 0
        let chunk = 4
        epochs: for epoch in 1...epochs {
            var losses: [Double] = []
            defer { if !losses.isEmpty { epochLosses.append(losses.reduce(0, +) / Double(losses.count)) } }
            for start in stride(from: 0, to: trainWindows.count, by: chunk) {
                if ContinuousClock.now - trainStart >= budget { break epochs }
                let part = Array(trainWindows[start..<min(start + chunk, trainWindows.count)])
                let loss = trainer.epoch(train: part, validation: []).train
                losses.append(loss)
                trained += part.count
                let elapsed = ContinuousClock.now - trainStart
                let perWindow = Double(elapsed.components.seconds) / Double(trained)
                let left = min(Double(budget.components.seconds) - Double(elapsed.components.seconds),
                               perWindow * Double(trainWindows.count * epochs - trained))
                FileHandle.standardError.write(Data(String(format: "\rtune: epoch %d, window %d/%d, loss %.3f, %.1f s per window, %dm%02ds left   ",
                                                           epoch, min(start + chunk, trainWindows.count), trainWindows.count, loss, perWindow,
                                                           Int(left) / 60, Int(left) % 60).utf8))
            }
            if ContinuousClock.now - trainStart >= budget { break }
        }
        FileHandle.standardError.write(Data("\n".utf8))
        let after = trainer.epoch(train: [], validation: validationWindows).validation
        let tunedF32 = work + "/tuned-f32.gguf"
        trainer.save(to: tunedF32)
        let quantized = work + "/tuned.gguf"
        try Self.quantize(quantize, ["--allow-requantize", "--tensor-type", "ffn_down=q8_0", "--tensor-type", "attn_v=q8_0", tunedF32, quantized, "Q4_0"],
                          log: work + "/quantize.log")
        guard rename(quantized, out) == 0 else { throw fail("\(out): cannot be written: \(String(cString: strerror(errno)))") }
        let minutesTrained = Double((ContinuousClock.now - trainStart).components.seconds) / 60
        print("trained \(trained) windows (\(trained * sequenceLength) tokens) in \(fixed(minutesTrained, 1)) min; training loss by epoch: "
              + epochLosses.map { fixed($0, 3) }.joined(separator: ", "))
        print("validation loss (families never trained on): \(before.map { fixed($0, 3) } ?? "-") before, \(after.map { fixed($0, 3) } ?? "-") after")
        print("wrote \(out) (Q4_0, ffn_down and attn_v Q8_0) in \(fixed(Double((ContinuousClock.now - started).components.seconds) / 60, 1)) min; "
              + "use it with --model \(out), or model.name in the robot file")
    }

    static func quantize(_ tool: String, _ arguments: [String], log: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = FileHandle(forWritingAtPath: log)
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let tail = (try? String(contentsOfFile: log, encoding: .utf8)).map { String($0.suffix(1500)) } ?? ""
            throw fail("llama-quantize \(arguments.joined(separator: " ")) failed (exit \(p.terminationStatus)):\n\(tail)")
        }
    }
}

/// Removes the work folder on exit, on SIGINT and on SIGTERM (the handler uses only async-signal-safe calls over
/// paths prepared before).
enum TuneCleanup {
    nonisolated(unsafe) private static var files: [UnsafeMutablePointer<CChar>] = []
    nonisolated(unsafe) private static var folder: UnsafeMutablePointer<CChar>?

    static func install(_ work: String) {
        folder = strdup(work)
        files = ["base-f32.gguf", "tuned-f32.gguf", "tuned.gguf", "quantize.log"].map { strdup(work + "/" + $0) }
        for sig in [SIGINT, SIGTERM, SIGABRT] {
            signal(sig) { sig in
                TuneCleanup.unlinkAll()
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
    }

    static func remove() {
        unlinkAll()
        for sig in [SIGINT, SIGTERM, SIGABRT] { signal(sig, SIG_DFL) }
    }

    private static func unlinkAll() {
        for f in files { unlink(f) }
        if let folder { rmdir(folder) }
    }
}
