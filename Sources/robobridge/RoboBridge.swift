import ArgumentParser
import Logging
import RoboBridgeEngine

@main
struct RoboBridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robobridge",
        abstract: "A natural-language interface for robots, with an embedded language model.",
        subcommands: [Serve.self, SimCommand.self, MissionCommand.self, Send.self, Stats.self, BrokerCommand.self, Translate.self, Eval.self, Generate.self, Validate.self, Bench.self, Keygen.self, Fuzz.self, Tune.self])
}

/// Options every subcommand shares.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Show debug logs, including llama.cpp's own, on stderr.")
    var verbose = false

    /// Sends logs to stderr (never stdout), quiet unless --verbose (a long-running command passes its
    /// own default level).
    func bootstrapLogging(defaultLevel: Logger.Level = .error) {
        let level: Logger.Level = verbose ? .debug : defaultLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            // llama.cpp's own chatter (model loading) only with --verbose.
            handler.logLevel = label == "llama.cpp" && !verbose ? max(level, .warning) : level
            return handler
        }
        setEngineLogger(Logger(label: "llama.cpp"))
    }
}

/// Which model to run.
struct ModelOptionGroup: ParsableArguments {
    @Option(name: .long, help: "A bundled model (\(ModelCatalog.bundled.joined(separator: ", "))) or a path to a GGUF file.")
    var model: String = ModelCatalog.defaultModel

    @Option(name: .long, help: "CPU threads.")
    var threads: Int = 2

    func validate() throws {
        guard threads > 0 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func load() throws -> Model {
        try Model(path: try ModelCatalog.resolve(model))
    }
}

/// Prints an error on stderr and exits with a failure code.
func fail(_ message: String) -> ExitCode {
    var stderr = StandardError()
    print("robobridge: error: \(message)", to: &stderr)
    return ExitCode.failure
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleOutput.writeStderr(string)
    }
}
