import ArgumentParser
import Foundation
import Logging
import RoboBridgeMessaging
import RoboBridgeMission

struct MissionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mission",
        abstract: "Run a mission: the simulator and the bridge together, each step played and checked.",
        discussion: """
            By default starts, in this process, the bridge (with its model) and the simulator for each robot of the mission, over inproc endpoints (robots of a fleet meet through an in-process broker). Prints a line per step as it ends and a table at the end; writes report.json and map.svg to --report.

            Exit status: 0 when every expectation held; 1 when one did not; 2 when the mission could not run (a mission file error) or its report could not be written (the result is printed first).
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Mission file (missions/*.yaml).")
    var file: String
    @Option(name: .long, help: "Folder for report.json and map.svg (default: reports/<mission id>).")
    var report: String?
    @Option(name: .long, help: "Simulated seconds per wall-clock second (default: the mission's speed, else 10).")
    var speed: Double?
    @Option(name: .long, help: "Seed of the simulator's sensor noise.")
    var seed: UInt64 = 1
    @Option(name: .long, help: "A bundled model or a GGUF path for every robot (default: the mission's model, else the robot file's).")
    var model: String?
    @Flag(name: .long, help: "Plain decoding without drafters.")
    var noSpeculation = false
    @Option(name: .long, help: "Drive a running bridge instead of starting one: its command and publish endpoints, comma-separated.")
    var bridge: String?
    @Option(name: .long, help: "Drive a running simulator: its control endpoint (with --bridge).")
    var sim: String?
    @OptionGroup var security: ClientSecurityOptions

    func validate() throws {
        if let speed, !(speed > 0 && speed <= 1000) { throw ValidationError("--speed must be above 0 and at most 1000, got \(speed)") }
        if (bridge == nil) != (sim == nil) { throw ValidationError("--bridge and --sim go together (a bridge and a simulator already running)") }
    }

    func run() async throws {
        global.bootstrapLogging(defaultLevel: .warning)
        var options = MissionRunner.Options()
        options.speed = speed
        options.seed = seed
        options.model = model
        options.speculative = !noSpeculation
        if let bridge, let sim {
            let parts = bridge.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { throw fail("--bridge: expected two endpoints, command,publish; got \"\(bridge)\"") }
            do {
                options.external = .init(command: try Endpoint(parts[0]), publish: try Endpoint(parts[1]), simControl: try Endpoint(sim))
            } catch { throw fail("--bridge/--sim: \(error)") }
        }
        var runner: MissionRunner
        do { runner = try MissionRunner(missionFile: file, options: options) } catch {
            var e = StandardError()
            print("robobridge: error: \(error)", to: &e)
            throw ExitCode(2)
        }
        // A running bridge with CURVE: the robot file's security (or --key/--server-key) says how to connect.
        if runner.options.external != nil, let robot = runner.robots.first { runner.options.external?.curve = try security.resolve(robot) }
        // The report folder is checked before the mission runs: a problem is said at once, and the mission still runs
        // (its result is printed; the command then fails for the report it could not write).
        let dir = report ?? "reports/\(runner.mission.id)"
        if let problem = MissionReport.checkFolder(dir) {
            var e = StandardError()
            print("robobridge: warning: \(problem); the mission runs and its result is printed, but no report will be written", to: &e)
        }
        let m = runner.mission
        print("mission \(m.id): \(m.description)")
        print("  robots: \(runner.robots.map(\.id).joined(separator: ", ")) · world: \(runner.world.id) · speed ×\(runner.speed) · model: \(runner.model ?? runner.robots[0].model.name)\(m.modelReason.map { " (\($0))" } ?? "")")
        // Translations share the CPU: under another job's load they miss their deadlines (an 800 ms budget), and the
        // steps fail for it. Say so up front rather than leave it to be guessed from the failures.
        if let busy = await Self.cpuBusy(over: .milliseconds(300)), busy > 0.35 {
            print("  note: the CPU is \(Int(busy * 100))% busy with other work: translations may miss their deadlines and steps fail for it")
        }
        print("  starting the bridge and the simulator…")
        let result: MissionReport
        do {
            result = try await runner.run { line in print(line) }
        } catch {
            var e = StandardError()
            print("robobridge: error: \(error)", to: &e)
            throw ExitCode(2)
        }
        print("")
        print(result.table)
        do {
            let (json, svg) = try result.write(to: dir)
            print("report: \(json)")
            print("map:    \(svg)")
        } catch {
            var e = StandardError()
            print("robobridge: error: \(error) (the mission \(result.passed ? "passed" : "failed"))", to: &e)
            throw ExitCode(2)
        }
        if !result.passed { throw ExitCode.failure }
    }

    /// The share of CPU time spent busy over `interval` (from /proc/stat), nil where there is none.
    static func cpuBusy(over interval: Duration) async -> Double? {
        func sample() -> (busy: Double, total: Double)? {
            guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8), let line = text.split(separator: "\n").first,
                  line.hasPrefix("cpu ") else { return nil }
            let v = line.split(separator: " ").dropFirst().compactMap { Double($0) }
            guard v.count >= 5 else { return nil }
            let idle = v[3] + v[4]
            let total = v.reduce(0, +)
            return (total - idle, total)
        }
        guard let a = sample() else { return nil }
        try? await Task.sleep(for: interval)
        guard let b = sample(), b.total > a.total else { return nil }
        return (b.busy - a.busy) / (b.total - a.total)
    }
}
