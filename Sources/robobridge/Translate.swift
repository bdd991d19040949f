import ArgumentParser
import Foundation
import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeTranslation
import RoboBridgeEngine
import RoboBridgeNode
import RoboBridgeProtocol

struct Translate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn instructions into action calls (one JSON object per instruction on stdout).",
        discussion: """
            Output: {"instruction", "outcome": ok|no_action|estop|fallback|deadline, "reason" (why, when the outcome is
            not ok: what the world or the robot lacks, the limit a request goes beyond), "actions": [{"name", "args"}],
            "timing": {...}}.
            With --input FILE.jsonl, one {"instruction": ...} per line (a line may carry its own "tools"); one output line per input, in order.
            A line that cannot be read gives {"line": N, "error": "FILE:N: ..."} in its place; the exit status is then 1.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Robot file (robots/*.yaml).")
    var robot: String?
    @Option(name: .long, help: "World file (default: the robot file's world).")
    var world: String?
    @Option(name: .long, help: "OpenAI-style function definitions (JSON) instead of --robot/--world.")
    var tools: String?
    @Option(name: .long, help: "A bundled model (\(ModelCatalog.bundled.joined(separator: ", "))) or a path to a GGUF file (default: the robot file's).")
    var model: String?
    @Option(name: .long, help: "A draft model for speculation: a smaller model with the same vocabulary (a bundled name or a GGUF path), e.g. smollm2-135m-q4_0.")
    var draftModel: String?
    @Option(name: .long, help: "Drafters to use, comma-separated (plan_cache, lexicon, prompt_lookup, draft_model; default: all).")
    var drafters: String?
    @Option(name: .long, help: "CPU threads.")
    var threads: Int = 2
    @Option(name: .long, help: "A JSONL file of {\"instruction\": ...} lines.")
    var input: String?
    @Flag(name: .long, help: "Plain decoding without drafters (the plan is the same; only the speed differs).")
    var noSpeculation = false
    @Option(name: .long, help: "Output: json (the contract, one object per line; the default) or text (a line per instruction for people: the plan, the outcome, the time).")
    var format: OutputFormat = .json

    @Flag(name: .long, help: "Print what the model is given before any instruction (the system prompt, and how many tokens it and the cached examples take), then exit.")
    var showPrompt = false

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case json, text }
    @Argument(help: "The instruction.")
    var instruction: String?

    func validate() throws {
        guard (instruction == nil) != (input == nil) || (showPrompt && instruction == nil && input == nil) else {
            throw ValidationError("give exactly one of an instruction or --input FILE.jsonl")
        }
        if input == nil, robot == nil, tools == nil { throw ValidationError("give --robot FILE (and optionally --world FILE) or --tools FILE.json") }
        if robot != nil, tools != nil { throw ValidationError("give either --robot/--world or --tools, not both") }
    }

    func run() async throws {
        global.bootstrapLogging()
        do {
            var defaultSchema: (Robot, World?)?
            if let robot { defaultSchema = try loadRobotAndWorld(robot) }
            if let tools { defaultSchema = (try loadTools(tools), nil) }
            let modelRef = model ?? defaultSchema?.0.model.name ?? ModelCatalog.defaultModel
            let loaded = try Model(path: try ModelCatalog.resolve(modelRef))
            let draft = try SpeculationOptions.draftModel(draftModel)
            let enabled = try SpeculationOptions.drafters(drafters)
            var translators: [String: Translator] = [:]
            func translator(_ key: String, _ schema: (Robot, World?)) throws -> Translator {
                if let t = translators[key] { return t }
                let t = try Translator(model: loaded, robot: schema.0, world: schema.1, threads: threads, draftModel: draft)
                t.enabledDrafters = enabled
                translators[key] = t
                return t
            }
            if showPrompt {
                guard let schema = defaultSchema else { throw fail("no robot or tools given") }
                let t = try translator("default", schema)
                let l = t.promptLayout
                FileHandleOutput.writeStdout(t.systemPrompt + "\n\n(system prompt: \(l.system) tokens; with the example bank: \(l.cached) tokens cached at start; context: \(l.context) cells; \(t.retrievedExamples) examples shown per instruction)\n")
                return
            }
            if let instruction {
                guard let schema = defaultSchema else { throw fail("no robot or tools given") }
                do { emit(instruction, try translator("default", schema).translate(instruction, speculative: !noSpeculation)) } catch let e as TranslationError {
                    throw fail(e.description)
                }
                return
            }
            guard let input, let data = FileManager.default.contents(atPath: input) else { throw fail("\(input ?? ""): cannot read the file") }
            // A bad line gets an error line in its place (and on stderr); the other lines are still translated.
            var failed = 0
            func refuse(_ n: Int, _ message: String) {
                failed += 1
                let text = "\(input):\(n + 1): \(message)"
                FileHandleOutput.writeStderr("robobridge: error: \(text)\n")
                FileHandleOutput.writeStdout(format == .text ? "line \(n + 1)\n    → error: \(message)\n"
                                             : JSONValue.object([("line", .integer(Int64(n + 1))), ("error", .string(text))]).description + "\n")
            }
            for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                let object: JSONValue
                do { object = try JSONValue.parse(String(line)) } catch { refuse(n, "malformed JSON: \(error)"); continue }
                guard let text = object["instruction"]?.stringValue else { refuse(n, "expected {\"instruction\": \"...\"}, got \(String(line.prefix(80)))"); continue }
                let t: Translator
                if let lineTools = object["tools"] {
                    let robot: Robot
                    do { robot = try readTools(lineTools, file: "\(input):\(n + 1)") } catch { refuse(n, "\(error)"); continue }
                    t = try translator("line-tools:\(lineTools.description)", (robot, nil))
                } else {
                    guard let schema = defaultSchema else { refuse(n, "no tools on the line and no --robot or --tools given"); continue }
                    t = try translator("default", schema)
                }
                // One instruction that cannot be translated (too long; the model failed on it) costs only its own line.
                do { emit(text, try t.translate(text, speculative: !noSpeculation)) } catch let e as TranslationError {
                    refuse(n, e.description)
                } catch let e as EngineError {
                    refuse(n, e.description)
                }
            }
            if failed > 0 { throw fail("\(failed) line(s) of \(input) could not be translated (see the error lines)") }
        } catch let e as EngineError {
            throw fail(e.description)
        } catch let e as ConfigError {
            throw fail(e.description)
        }
    }

    func loadRobotAndWorld(_ path: String) throws -> (Robot, World?) {
        try RoboBridgeCLI.loadRobotAndWorld(path, world: world)
    }

    func loadTools(_ path: String) throws -> Robot {
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("\(path): cannot read the file") }
        do {
            return try readTools(try JSONValue.parse(Array(data)), file: path)
        } catch let e as JSONParseError {
            throw fail("\(path): malformed JSON: \(e)")
        } catch let e as ToolSet.Problem {
            throw fail("\(path) \(e)")
        }
    }

    /// A tool set read leniently: what cannot be read is left out, with a warning on stderr naming it.
    func readTools(_ tools: JSONValue, file: String) throws(ToolSet.Problem) -> Robot {
        let loaded = try ToolSet.load(tools, file: file)
        for p in loaded.skipped { FileHandleOutput.writeStderr("robobridge: warning: \(file) \(p), left out\n") }
        return loaded.robot
    }

    /// One line per instruction: JSON in the contract's key order, or text for people.
    func emit(_ instruction: String, _ t: Translation) {
        if format == .text {
            let plan = t.actions.isEmpty ? "(no action)" : PlanText.render(t.actions).replacingOccurrences(of: "\n", with: "; ")
            let time = "\(String(format: "%.0f", t.timing.totalMs)) ms, \(t.timing.forwardPasses) forward pass\(t.timing.forwardPasses == 1 ? "" : "es")"
            let why = t.reason.map { ": \($0)" } ?? ""
            FileHandleOutput.writeStdout("\(instruction)\n    → \(plan)   [\(t.outcome)\(why), \(time)]\n")
            return
        }
        // Flattened object fields of tool sets (`room.type`) are nested again; robot files have no dotted names.
        let actions: [JSONValue] = t.actions.map { WireAction(name: $0.name, args: ToolSet.arguments(of: $0)).json }
        let timing: JSONValue = .object([
            ("total_ms", .number(round3(t.timing.totalMs))), ("prepare_ms", .number(round3(t.timing.prepareMs))),
            ("prefill_ms", .number(round3(t.timing.prefillMs))), ("decode_ms", .number(round3(t.timing.decodeMs))),
            ("check_ms", .number(round3(t.timing.checkMs))), ("forward_passes", .integer(Int64(t.timing.forwardPasses))),
            ("tokens", .integer(Int64(t.timing.tokens))), ("draft_tokens", .integer(Int64(t.timing.draftTokens))),
            ("accepted_tokens", .integer(Int64(t.timing.acceptedTokens))), ("forced_tokens", .integer(Int64(t.timing.forcedTokens))),
            ("prompt_tokens", .integer(Int64(t.timing.promptTokens))),
            ("drafters", .object(t.timing.drafters.map { name, s in
                (name, .object([("drafts", .integer(Int64(s.drafts))), ("proposed", .integer(Int64(s.proposed))), ("accepted", .integer(Int64(s.accepted)))]))
            })),
        ])
        // The contract's outcomes: a request beyond a limit is no_action here, its reason naming the limit.
        let outcome = t.outcome == "rejected" ? "no_action" : t.outcome
        var fields: [(String, JSONValue)] = [("instruction", .string(instruction)), ("outcome", .string(outcome))]
        if let r = t.reason { fields.append(("reason", .string(r))) }
        let line: JSONValue = .object(fields + [("actions", .array(actions)), ("timing", timing)])
        FileHandleOutput.writeStdout(line.description + "\n")
    }

    func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}

