import ArgumentParser
import RoboBridgeConfig

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check robot, world and mission files (any mix), including the checks across files.",
        discussion: "Prints each error as FILE:LINE:COLUMN KEY.PATH: MESSAGE on stderr. Exits 0 only when every file is valid.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "YAML files: robots/*.yaml, simulator/worlds/*.yaml, missions/*.yaml.")
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one file to validate") }
    }

    func run() async throws {
        global.bootstrapLogging()
        let errors = ConfigLoader.validate(files)
        for e in errors { FileHandleOutput.writeStderr(e.description + "\n") }
        let bad = Set(errors.map(\.file)).count
        if errors.isEmpty {
            print("\(files.count) file\(files.count == 1 ? "" : "s") valid")
        } else {
            FileHandleOutput.writeStderr("\(errors.count) error\(errors.count == 1 ? "" : "s") in \(bad) file\(bad == 1 ? "" : "s")\n")
            throw ExitCode.failure
        }
    }
}
