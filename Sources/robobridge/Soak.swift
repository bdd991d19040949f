import ArgumentParser
import Foundation
import RoboBridgeConfig
import RoboBridgeEngine
import RoboBridgeMessaging
import RoboBridgeNode
import RoboBridgeProtocol
#if canImport(Glibc)
import Glibc
#endif

struct SoakBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Run `serve` as a process for a long time under commands and sensor floods: every command answered, memory flat.",
        discussion: """
            Starts `robobridge serve` for the robot on loopback ports, sends --commands instructions spread over --minutes \
            (paced with jitter, with bursts that preempt), floods sensor/pose at --sensor-hz and sensor/objects at 10 Hz, \
            reconciles every command's outcome (exactly one each), and samples serve's resident memory every 10 s. Growth \
            is the median of the last five samples against the median of the samples after warm-up (the first tenth of the \
            run). Fails when a command is unanswered or answered twice, serve dies, or memory grows 5% or more.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Robot file.")
    var robot = "robots/rover.yaml"
    @Option(name: .long, help: "Commands to send.")
    var commands = 20_000
    @Option(name: .long, help: "Length of the run, in minutes.")
    var minutes = 30.0
    @Option(name: .long, help: "sensor/pose messages per second.")
    var sensorHz = 200.0
    @Option(name: .long, help: "The first of four loopback ports (default: random).")
    var port: Int?

    func validate() throws {
        guard commands > 0 else { throw ValidationError("--commands must be positive") }
        guard minutes > 0 else { throw ValidationError("--minutes must be positive") }
        guard sensorHz >= 0, sensorHz <= 10_000 else { throw ValidationError("--sensor-hz must be 0 to 10000") }
    }

    func run() async throws {
        global.bootstrapLogging()
        let robotFile = try RoboBridgeCLI.loadRobot(robot)
        let base = port ?? Int.random(in: 20_000..<32_000)
        let endpoints = (0..<3).map { "tcp://127.0.0.1:\(base + $0)" }
        let logPath = ".build/soak-serve.log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw fail("\(logPath): cannot be written") }
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        serve.arguments = ["serve", "--robot", robot, "--command", endpoints[0], "--publish", endpoints[1], "--translate", endpoints[2]]
        serve.standardError = log
        serve.standardOutput = log
        try serve.run()
        defer { if serve.isRunning { serve.terminate() } }
        print("soak: serve pid \(serve.processIdentifier) (log \(logPath)), \(commands) commands over \(minutes) min, pose at \(sensorHz) Hz")

        let context = try MessagingContext()
        let (command, publish) = (try Endpoint(endpoints[0]), try Endpoint(endpoints[1]))
        let client = try await BridgeClient(robot: robotFile.id, context: context, command: command, publish: publish, sender: "soak-cmd")
        let sensors = try await BridgeClient(robot: robotFile.id, context: context, command: command, publish: publish, sender: "soak-sensors")
        guard await client.waitForHeartbeat(timeout: .seconds(180)) != nil else { throw fail("serve did not become ready within 180 s; see \(logPath)") }
        // The first command with acknowledgement: from then on the command socket is connected.
        guard let first = await client.command("go to the kitchen", timeout: .seconds(30)) else { throw fail("serve never acknowledged a command") }

        let duration = Duration.milliseconds(Int64(minutes * 60_000))
        let start = ContinuousClock.now
        let flood = Task {
            var n = 0
            while !Task.isCancelled, ContinuousClock.now - start < duration {
                n += 1
                sensors.publish(.sensor("pose"), .sensor(data: .object([("x", .number(Double(n % 100) / 10)), ("y", .number(1)), ("heading_deg", .number(0))])))
                if n % max(1, Int(sensorHz / 10)) == 0 { sensors.publish(.sensor("objects"), .sensor(data: .array([]))) }
                try? await Task.sleep(for: .microseconds(Int64(1_000_000 / max(sensorHz, 1))))
            }
            return n
        }
        let instructions = ["go to the kitchen", "turn left 90 degrees", "drive forward half a meter", "what is the weather like?", "say hello",
                            "bring the apple to the coffee table", "go to the bedroom", "set the speed to 0.3", "put the blue mug on the dining table"]
        var sentAt: [String: ContinuousClock.Instant] = [first.envelope.id: start]
        var outcomes: [String: [String]] = [:], latencies: [Double] = [], tally: [String: Int] = [:]
        var samples: [(Double, Int)] = []
        var nextSample = start
        func absorb() {
            for m in client.drain() where m.event == "outcome" {
                guard let id = m.correlationId else { continue }
                let o = m.body["outcome"]?.stringValue ?? "?"
                outcomes[id, default: []].append(o)
                tally[o, default: 0] += 1
                if let t = sentAt[id] { latencies.append(Double((m.at - t).components.attoseconds) / 1e15 + Double((m.at - t).components.seconds) * 1000) }
            }
        }
        func sample() {
            guard ContinuousClock.now >= nextSample else { return }
            nextSample = nextSample + .seconds(10)
            if let kb = Self.residentKB(serve.processIdentifier) {
                samples.append((Double((ContinuousClock.now - start).components.seconds), kb))
            }
        }
        let spacing = duration / commands
        let spacingMs = minutes * 60_000 / Double(commands)
        var i = 1
        while i < commands, serve.isRunning {
            let due = start + spacing * i
            // One in fifty is a burst of five: each preempts the one before.
            let burst = i % 50 == 0 ? min(5, commands - i) : 1
            for _ in 0..<burst {
                let m = client.publish(.command, .command(instruction: instructions[i % instructions.count], deadlineMs: nil))
                sentAt[m.envelope.id] = ContinuousClock.now
                i += 1
            }
            absorb()
            sample()
            // Up to half a spacing early: the pace varies, the total does not.
            let jitter = Duration.microseconds(Int64.random(in: 0...max(0, Int64(spacingMs * 500))))
            try? await Task.sleep(until: due - jitter, clock: .continuous)
            if i % 1000 < burst {
                print("  \(i) sent, \(outcomes.count) answered, serve \(samples.last.map { "\($0.1 / 1024) MB" } ?? "?"), \(Int(Double((ContinuousClock.now - start).components.seconds))) s")
                fflush(nil)
            }
        }
        let waitEnd = ContinuousClock.now + .seconds(60)
        while outcomes.count < sentAt.count, ContinuousClock.now < waitEnd, serve.isRunning {
            absorb()
            try? await Task.sleep(for: .milliseconds(50))
        }
        absorb()
        sample()
        flood.cancel()
        let sensorMessages = await flood.value
        let alive = serve.isRunning
        serve.terminate()
        serve.waitUntilExit()
        await client.close()
        await sensors.close()

        let missing = sentAt.keys.filter { outcomes[$0] == nil }.count
        let twice = outcomes.values.filter { $0.count > 1 }.count
        let elapsed = Double((ContinuousClock.now - start).components.seconds)
        let warm = samples.filter { $0.0 >= elapsed * 0.1 }.map(\.1)
        let baseline = median(warm.prefix(5).map(Double.init)), final = median(warm.suffix(5).map(Double.init))
        let growth = baseline > 0 ? (final - baseline) / baseline * 100 : 0
        print("soak: \(sentAt.count) commands in \(Int(elapsed)) s, \(sensorMessages) pose messages; answered \(outcomes.count), missing \(missing), answered twice \(twice)")
        print("  outcomes: " + tally.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        print("  send → outcome ms: p50 \(fixed(percentile(latencies, 0.5), 1)), p99 \(fixed(percentile(latencies, 0.99), 1)), max \(fixed(latencies.max() ?? 0, 1))")
        print("  serve resident memory: after warm-up \(Int(baseline / 1024)) MB, end \(Int(final / 1024)) MB, max \(samples.map(\.1).max().map { $0 / 1024 } ?? 0) MB, growth \(fixed(growth, 2))% (\(samples.count) samples)")
        print("  serve: \(alive ? "alive to the end" : "DIED"), exit status \(serve.terminationStatus)")
        guard alive, missing == 0, twice == 0, growth < 5 else { throw ExitCode.failure }
    }

    static func residentKB(_ pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return line.split(separator: " ").compactMap { Int($0) }.first
    }
}
