import ArgumentParser
import Foundation
import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeTranslation
import RoboBridgeEngine
import RoboBridgeMessaging
import RoboBridgeNode
import RoboBridgeProtocol

/// The onboard node measured from outside: `robobridge serve` runs as a child process and this process is its
/// client over loopback TCP. The corpus instructions run once with a cold plan cache, then quiet, under a sensor
/// flood and beside a busy process; then e-stops interrupt translations; then the same instructions are translated
/// in-process, twice, so every compared run has seen each instruction once and the node's overhead is one
/// difference of medians from one run.
struct NodeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Command → first action and → outcome of `robobridge serve`, seen from a separate process.",
        discussion: "Missed targets are reported (exit 0); a node that dies or a command without an outcome fails.")

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Robot file (robots/*.yaml).")
    var robot = "robots/rover.yaml"
    @Option(name: .long, help: "A JSONL corpus; its lines for this robot are the instructions.")
    var corpus = "corpus/robots.jsonl"
    @Option(name: .long, help: "Use only the first N instructions.")
    var limit: Int?
    @Option(name: .long, help: "A bundled model or a GGUF path (default: the robot file's).")
    var model: String?
    @Option(name: .long, help: "E-stops to time, each during a multi-step translation.")
    var estops = 200
    @Option(name: .long, help: "Sensor readings per second in the flood run.")
    var floodRate = 10_000

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
        guard estops >= 1, floodRate >= 1 else { throw ValidationError("--estops and --flood-rate must be at least 1") }
    }

    func run() async throws {
        global.bootstrapLogging()
        let (robotFile, world): (Robot, World?)
        do { (robotFile, world) = try RoboBridgeCLI.loadRobotAndWorld(robot, world: nil) } catch let e as ConfigError {
            throw fail(e.description)
        }
        let folder = (robot as NSString).deletingLastPathComponent
        let cases = try CorpusFile.load(corpus, robots: folder.isEmpty ? "." : folder).cases
            .filter { $0.robot == robotFile.id }
        let instructions = cases.prefix(limit ?? cases.count).map(\.instruction)
        guard !instructions.isEmpty else { throw fail("\(corpus): no instruction for robot \(robotFile.id)") }
        // E-stops interrupt the corpus's longest multi-step plan.
        let long = cases.filter { $0.category == "multi_step" }
            .max { ($0.expected?.count ?? 0) < ($1.expected?.count ?? 0) }
        // Commands far enough apart that no action's max_rate_hz refuses the next plan (the limit spans commands).
        let gap = Duration.milliseconds(20 + Int(1000 / (robotFile.actions.compactMap(\.maxRateHz).min() ?? 1000)))
        let context = try MessagingContext()
        // Free ports: bound together (so they differ), then let go for the node to take.
        let sockets = try (0..<3).map { _ in try Socket(context, .pub) }
        let endpoints = try sockets.map { try $0.bind(Endpoint("tcp://127.0.0.1:*")) }
        sockets.forEach { $0.close() }
        let log = (NSTemporaryDirectory() as NSString).appendingPathComponent("robobridge-bench-node-\(getpid()).log")
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        let node = try ChildProcess(exe, ["serve", "--robot", robot] + (model.map { ["--model", $0] } ?? [])
            + zip(["--command", "--publish", "--translate"], endpoints).flatMap { [$0, $1.description] }, output: log)
        print("robot: \(robotFile.id), model: \(model ?? robotFile.model.name), \(instructions.count) instructions, "
              + "deadline \(robotFile.latencyBudgetMs) ms, \(fixed(gap.ms, 0)) ms between commands, node log: \(log)")
        let runs: NodeRuns
        do {
            let client = try await BridgeClient(robot: robotFile.id, context: context, command: endpoints[0],
                                                publish: endpoints[1], requests: endpoints[2],
                                                sender: "bench-\(getpid())")
            let loop = CommandLoop(client: client, node: node, deadlineMs: robotFile.latencyBudgetMs, gap: gap)
            runs = try await measure(loop, context: context, command: endpoints[0], instructions,
                                     multiStep: long?.instruction ?? instructions[0])
            await client.close()
        } catch {
            _ = await node.stop(SIGINT, grace: .seconds(15))
            throw fail("\(error)")
        }
        print("node stopped with status \(await node.stop(SIGINT, grace: .seconds(15)))")
        report(runs, inProcess: try translateInProcess(robotFile, world: world, instructions),
               deadlineMs: robotFile.latencyBudgetMs)
    }

    /// The node's runs: commands cold, quiet, flooded and under load, then e-stops.
    func measure(_ loop: CommandLoop, context: MessagingContext, command: Endpoint, _ instructions: [String],
                 multiStep: String) async throws -> NodeRuns {
        let readyBy = ContinuousClock.now + .seconds(120)
        while await loop.next(within: .seconds(1), where: {
            $0.topic.kind == .heartbeat && $0.body["state"]?.stringValue == "ready"
        }) == nil {
            try loop.node.check()
            guard ContinuousClock.now < readyBy else { throw NodeBenchError.noAnswer("ready heartbeat within 120 s") }
        }
        var runs = NodeRuns()
        runs.cold = try await loop.commands(instructions)
        runs.quiet = try await loop.commands(instructions)
        (runs.flood, runs.floodRate) = try await flooding(context, command, robot: loop.client.robot, rate: floodRate) {
            try await loop.commands(instructions)
        }
        do {
            let taskset = ["/usr/bin/taskset", "/bin/taskset"].first(where: FileManager.default.isExecutableFile)
            let spin = (taskset.map { [$0, "-c", "0"] } ?? []) + ["/bin/sh", "-c", "while :; do :; done"]
            let busy = try ChildProcess(spin[0], Array(spin.dropFirst()))
            defer { busy.kill() }
            runs.busyPinned = taskset != nil
            try? await Task.sleep(for: .milliseconds(300))
            runs.load = try await loop.commands(instructions)
        }
        for _ in 0..<estops { runs.estops.append(try await loop.estop(during: multiStep)) }
        runs.nodeStats = try? await loop.client.request(.stats, .stats(data: nil), timeout: .seconds(5))?.body["data"]
        return runs
    }

    /// The same instructions translated in this process (speculative, as `serve` does): a first pass like the
    /// node's, then the pass to compare with its quiet run, which it returns.
    func translateInProcess(_ robot: Robot, world: World?, _ instructions: [String]) throws -> [CommandSample] {
        let translator: Translator
        do {
            let m = try Model(path: try ModelCatalog.resolve(model ?? robot.model.name))
            let draft = try robot.model.draftModel.map { try Model(path: try ModelCatalog.resolve($0)) }
            translator = try Translator(model: m, robot: robot, world: world, threads: robot.model.threads,
                                        draftModel: draft)
        } catch { throw fail("\(error)") }
        func pass() throws -> [CommandSample] {
            try instructions.map { instruction in
                let start = ContinuousClock.now
                var first: Double?
                let t = try translator.translate(instruction) { _ in first = first ?? (.now - start).ms }
                let total = (.now - start).ms
                // A plan with no call final before its end goes out whole at the end, as the node publishes it.
                return CommandSample(firstActionMs: t.actions.isEmpty ? nil : first ?? total, outcomeMs: total,
                                     ownMs: t.timing.totalMs, outcome: t.outcome, reason: nil, late: false)
            }
        }
        do {
            _ = try pass()
            return try pass()
        } catch { throw fail("in-process translation: \(error)") }
    }

    func report(_ r: NodeRuns, inProcess: [CommandSample], deadlineMs: Int) {
        print("flood: \(fixed(r.floodRate, 0)) readings/s achieved (asked \(floodRate)); competing load: busy loop "
              + (r.busyPinned ? "pinned to core 0 (taskset -c 0)" : "unpinned (no taskset)"))
        print("\n| run | n | outcomes | first action p50 ms | p99 ms | outcome p50 ms | p99 ms | own p50 ms | late |")
        print("|---|---|---|---|---|---|---|---|---|")
        for (name, s) in [("quiet, first pass (cold plan cache)", r.cold), ("quiet", r.quiet), ("flood", r.flood),
                          ("competing load", r.load), ("translate in-process", inProcess)] {
            let first = s.compactMap(\.firstActionMs), outcome = s.map(\.outcomeMs), own = s.compactMap(\.ownMs)
            let outcomes = Dictionary(grouping: s, by: \.outcome).map { "\($0.key) \($0.value.count)" }.sorted()
            print("| \(name) | \(s.count) | \(outcomes.joined(separator: ", ")) | \(p(first, 0.5)) | \(p(first, 0.99)) "
                  + "| \(p(outcome, 0.5)) | \(p(outcome, 0.99)) | \(p(own, 0.5)) | \(s.filter(\.late).count) |")
        }
        let stops = r.estops.map(\.ms), stopped = r.estops.map(\.command)
        let interrupted = stopped.filter { $0.outcome == Outcome.estop.rawValue }.count
        print("| e-stop → stop action | \(stops.count) | \(interrupted) translations stopped | - | - "
              + "| \(p(stops, 0.5, 3)) | \(p(stops, 0.99, 3)) | - | \(stopped.filter(\.late).count) |\n")
        print("e-stop sent → stop action received: max \(p(stops, 1, 3)) ms")
        let reasons = Dictionary(grouping: [r.cold, r.quiet, r.flood, r.load].joined().compactMap(\.reason), by: { $0 })
        for (reason, n) in reasons.mapValues(\.count).sorted(by: { $0.value > $1.value }).prefix(5) {
            print("not ok: \(n)× \(reason)")
        }
        if let e = r.nodeStats?["latency"]?["estop"], e["p50_ms"] != nil {  // the node's own figure, if it has one
            print("the node's estop stage: " + ["p50_ms", "p99_ms", "max_ms"].map { "\($0) \(e[$0] ?? .null)" }
                .joined(separator: ", "))
        }
        let stages = (r.nodeStats?["latency"]?.objectValue ?? []).compactMap { k, h in
            h["p50_ms"]?.numberValue.map { "\(k) \(fixed($0, 2))" }
        }
        print("the node's stages, p50 ms over all its commands: \(stages.joined(separator: ", "))")
        let median = { (s: [CommandSample]) in percentile(s.map(\.outcomeMs), 0.5) }
        let overhead = median(r.quiet) - median(inProcess)
        let firstAction = percentile(r.quiet.compactMap(\.firstActionMs), 0.5)
        let floodRatio = percentile(r.flood.map(\.outcomeMs), 0.99) / percentile(r.quiet.map(\.outcomeMs), 0.99)
        let loadRatio = median(r.load) / median(r.quiet), estop99 = percentile(stops, 0.99)
        let late = [r.cold, r.quiet, r.flood, r.load, stopped].joined().filter(\.late).count
        let checks: [(String, String, String, Bool)] = [
            ("node overhead p50", "≤ 5 ms", "\(fixed(overhead, 2)) ms", overhead <= 5),
            ("first action p50 (quiet)", "≤ 150 ms", "\(fixed(firstAction)) ms", firstAction <= 150),
            ("flood outcome p99 / quiet p99", "≤ 1.10", fixed(floodRatio, 3), floodRatio <= 1.10),
            ("competing-load outcome p50 / quiet p50", "≤ 2.00", fixed(loadRatio, 3), loadRatio <= 2),
            ("e-stop → stop action p99", "< 1 ms", "\(fixed(estop99, 3)) ms", estop99 < 1),
            ("late decisions (latency_ms > \(deadlineMs + 10) ms), all node runs", "0", "\(late)", late == 0),
        ]
        print("\n| check | target | measured | result |\n|---|---|---|---|")
        for (name, target, value, met) in checks {
            print("| \(name) | \(target) | \(value) | \(met ? "MET" : "NOT MET") |")
        }
    }

    private func p(_ values: [Double], _ q: Double, _ decimals: Int = 1) -> String {
        values.isEmpty ? "-" : fixed(percentile(values, q), decimals)
    }
}

/// One command as the client saw it (in-process: as the caller of `translate` saw it).
struct CommandSample {
    var firstActionMs: Double?
    var outcomeMs: Double
    /// The node's `latency_ms` (receipt → outcome); in-process, the translator's own total.
    var ownMs: Double?
    var outcome: String
    var reason: String?
    /// The node decided later than the deadline plus 10 ms.
    var late: Bool
}

struct NodeRuns {
    var cold: [CommandSample] = [], quiet: [CommandSample] = [], flood: [CommandSample] = [], load: [CommandSample] = []
    var estops: [(ms: Double, command: CommandSample)] = []
    var floodRate = 0.0, busyPinned = false
    var nodeStats: JSONValue?
}

/// Why the node could not be measured.
enum NodeBenchError: Error, CustomStringConvertible {
    case nodeExited(status: Int32, log: String)
    /// No acknowledgement, outcome, stop action or ready heartbeat (named) came in time.
    case noAnswer(String)

    var description: String {
        switch self {
        case .nodeExited(let status, let log): "the node exited with status \(status) (its log: \(log))"
        case .noAnswer(let what): "the node sent no \(what)"
        }
    }
}

/// Sends commands one at a time and times what comes back: the loop every node run shares.
struct CommandLoop {
    let client: BridgeClient
    let node: ChildProcess
    let deadlineMs: Int
    /// The pause after each outcome.
    let gap: Duration

    func commands(_ instructions: [String]) async throws -> [CommandSample] {
        var samples: [CommandSample] = []
        for instruction in instructions {
            let sent = ContinuousClock.now
            samples.append(try await outcome(of: try await send(instruction), sent: sent, instruction: instruction))
            try? await Task.sleep(for: gap)
        }
        return samples
    }

    /// An e-stop 30–80 ms into a translation. - Returns: e-stop sent → stop action received, and the command.
    func estop(during instruction: String) async throws -> (ms: Double, command: CommandSample) {
        let sent = ContinuousClock.now
        let id = try await send(instruction)
        try? await Task.sleep(for: .milliseconds(Int.random(in: 30...80)))
        let stopSent = ContinuousClock.now
        let stop = client.publish(.estop, .estop(reason: "robobridge bench node")).envelope.id
        let isStop = { (m: BridgeClient.Received) in m.topic.kind == .action && m.correlationId == stop }
        guard let action = await next(within: .seconds(5), consuming: false, where: isStop) else {
            try node.check()
            throw NodeBenchError.noAnswer("stop action for e-stop \(stop)")
        }
        let command = try await outcome(of: id, sent: sent, instruction: instruction)
        try? await Task.sleep(for: gap)
        return ((action.at - stopSent).ms, command)
    }

    /// The next message matching `predicate`, looked for every 5 ms: `BridgeClient.next` looks every 0.2 ms, which
    /// on two cores takes time from the node's model threads. A message's `at` is its arrival, whatever the period.
    func next(within timeout: Duration, consuming: Bool = true,
              where predicate: (BridgeClient.Received) -> Bool) async -> BridgeClient.Received? {
        let end = ContinuousClock.now + timeout
        repeat {
            if let m = await client.next(timeout: .zero, consuming: consuming, where: predicate) { return m }
            try? await Task.sleep(for: .milliseconds(5))
        } while ContinuousClock.now < end
        return nil
    }

    /// Sends a command (resent until acknowledged). - Returns: its id.
    private func send(_ instruction: String) async throws -> String {
        if let c = await client.command(instruction, deadlineMs: deadlineMs) { return c.envelope.id }
        try node.check()
        throw NodeBenchError.noAnswer("acknowledgement of \"\(instruction)\"")
    }

    private func outcome(of id: String, sent: ContinuousClock.Instant, instruction: String) async throws
        -> CommandSample {
        var first: Double?
        while let m = await next(within: .milliseconds(deadlineMs) + .seconds(10), where: {
            $0.correlationId == id && ($0.topic.kind == .action || $0.event == "outcome")
        }) {
            guard m.topic.kind != .action else {
                first = first ?? (m.at - sent).ms
                continue
            }
            let own = m.body["latency_ms"]?.numberValue
            return CommandSample(firstActionMs: first, outcomeMs: (m.at - sent).ms, ownMs: own,
                                 outcome: m.body["outcome"]?.stringValue ?? "?", reason: m.body["reason"]?.stringValue,
                                 late: (own ?? 0) > Double(deadlineMs + 10))
        }
        try node.check()
        throw NodeBenchError.noAnswer("outcome for \"\(instruction)\"")
    }
}

/// A child process with an empty signal mask: Foundation's `Process` passes on the calling thread's, and the
/// threads of Swift's cooperative pool block SIGINT and SIGTERM, which the child would then never see.
final class ChildProcess {
    let pid: pid_t
    /// The file its stdout and stderr are appended to.
    let output: String
    private var status: Int32?

    init(_ path: String, _ arguments: [String], output: String = "/dev/null") throws {
        var actions = posix_spawn_file_actions_t(), attributes = posix_spawnattr_t(), none = sigset_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw fail("cannot start \(path): \(String(cString: strerror(rc)))") }
        (self.pid, self.output) = (pid, output)
    }

    /// Nil while it runs; then its exit status (128 + the signal that ended it).
    func exitStatus() -> Int32? {
        var s: Int32 = 0
        if status == nil, waitpid(pid, &s, WNOHANG) == pid {
            status = s & 0x7f == 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f)
        }
        return status
    }

    /// - Throws: `NodeBenchError.nodeExited` once it has ended.
    func check() throws {
        if let status = exitStatus() { throw NodeBenchError.nodeExited(status: status, log: output) }
    }

    /// Sends `signal`, waits up to `grace` for the exit, then SIGKILL. - Returns: the exit status.
    func stop(_ signal: Int32, grace: Duration) async -> Int32 {
        if exitStatus() == nil { Glibc.kill(pid, signal) }
        let end = ContinuousClock.now + grace
        while exitStatus() == nil {
            if ContinuousClock.now > end { Glibc.kill(pid, SIGKILL) }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return status!
    }

    /// SIGKILL, and waits for it.
    func kill() {
        guard exitStatus() == nil else { return }
        Glibc.kill(pid, SIGKILL)
        status = waitpid(pid, nil, 0) == pid ? 128 + SIGKILL : -1
    }
}

/// Runs `body` while a SocketWorker of its own (a PUB socket on its own thread) publishes `<robot>/sensor/flood`
/// readings at `rate` per second, as a chatty sensor would; paced: every ~100 µs, what is due by then.
/// - Returns: what `body` returns, and the readings per second achieved.
func flooding<T>(_ context: MessagingContext, _ endpoint: Endpoint, robot: String, rate: Int,
                 during body: () async throws -> T) async throws -> (T, Double) {
    let worker = try await SocketWorker.start(name: "bench.flood", receives: false) { () throws(MessagingError) in
        let socket = try Socket(context, .pub)
        try socket.connect(endpoint)
        return (socket, nil)
    }
    defer { worker.requestShutdown() }
    return try await withThrowingTaskGroup(of: Double.self) { group in
        group.addTask {
            let sender = "bench-flood-\(getpid())", topic = Topic(robot: robot, .sensor("flood"))
            let start = ContinuousClock.now
            var sent = 0
            while !Task.isCancelled {
                while sent < Int(Double(rate) * (ContinuousClock.now - start).ms / 1000) {
                    sent += 1
                    let ns = Int64(Date().timeIntervalSince1970 * 1e9)
                    let envelope = Envelope(id: "\(sender)-\(sent)", timestampNs: ns, robot: robot, sender: sender,
                                            seq: UInt64(sent))
                    worker.send(Message(topic: topic, envelope: envelope, payload: .sensor(data: .integer(Int64(sent))))
                        .frames)
                }
                try? await Task.sleep(for: .microseconds(100))
            }
            return Double(sent) / ((ContinuousClock.now - start).ms / 1000)
        }
        try? await Task.sleep(for: .milliseconds(300))  // the flood's connection joins
        let result = try await body()
        group.cancelAll()
        return (result, try await group.next() ?? 0)
    }
}

private extension Duration {
    /// In milliseconds.
    var ms: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
