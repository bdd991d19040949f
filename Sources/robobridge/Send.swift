import ArgumentParser
import RoboBridgeConfig
import RoboBridgeMessaging
import RoboBridgeNode
import RoboBridgeProtocol

/// Exit status by outcome: 0 only for `ok`, so scripts can tell what happened.
enum OutcomeStatus {
    static func code(_ outcome: String) -> Int32 {
        switch outcome {
        case Outcome.ok.rawValue: 0
        case Outcome.noAction.rawValue: 3
        case Outcome.estop.rawValue: 4
        case Outcome.fallback.rawValue: 5
        case Outcome.deadline.rawValue: 6
        case Outcome.preempted.rawValue: 7
        case Outcome.rejected.rawValue: 8
        default: 1
        }
    }
    static let help = "Exit status: 0 ok, 3 no_action, 4 estop, 5 fallback, 6 deadline, 7 preempted, 8 rejected, 1 no answer or error; --estop exits 0 when the e-stop took effect."
}

struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The operator's client: send an instruction (or an e-stop, or a confirmation) to a running `robobridge serve`.",
        discussion: """
            Prints the acknowledgement, each action and the outcome as they arrive, then exits with the outcome's status.
            \(OutcomeStatus.help)
            """)

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Robot file (robots/*.yaml): the robot id and its endpoints.")
    var robot: String
    @OptionGroup var endpoints: EndpointOptions
    @OptionGroup var security: ClientSecurityOptions
    @Flag(name: .long, help: "Send an e-stop instead of an instruction.")
    var estop = false
    @Option(name: .long, help: "Confirm the held actions of the command with this id (see `confirmation_required`).")
    var confirm: String?
    @Flag(name: .long, help: "With --confirm: refuse instead of confirming.")
    var deny = false
    @Option(name: .long, help: "The command's deadline in milliseconds (default: the robot file's latency_budget_ms).")
    var deadlineMs: Int?
    @Option(name: .long, help: "Seconds to wait for the bridge and for the outcome.")
    var timeout: Double = 30
    @Flag(name: .long, help: "Print each message from the bridge as a JSON line instead of text.")
    var json = false
    @Argument(help: "The instruction.")
    var instruction: String?

    func validate() throws {
        let modes = [instruction != nil, estop, confirm != nil].filter { $0 }.count
        guard modes == 1 else { throw ValidationError("give exactly one of an instruction, --estop or --confirm ID") }
        if deny, confirm == nil { throw ValidationError("--deny goes with --confirm ID") }
        if let deadlineMs, deadlineMs < 1 { throw ValidationError("--deadline-ms must be at least 1, got \(deadlineMs)") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive, got \(timeout)") }
    }

    func run() async throws {
        global.bootstrapLogging()
        let robotFile: Robot
        robotFile = try RoboBridgeCLI.loadRobot(robot)
        let e = try endpoints.resolve(robotFile)
        let (command, publish) = (e.command, e.publish)
        let wait = Duration.milliseconds(Int64(timeout * 1000))
        var options = SocketOptions()
        options.curve = try security.resolve(robotFile)
        let client: BridgeClient
        do {
            client = try await BridgeClient(robot: robotFile.id, context: try MessagingContext(), command: command, publish: publish,
                                            sender: "send-\(UInt32.random(in: 0...UInt32.max))", options: options)
        } catch { throw fail("\(error)") }
        guard await client.waitForHeartbeat(timeout: wait) != nil else {
            await client.close()
            throw fail("no ready heartbeat from \(robotFile.id) on \(publish) within \(timeout) s: is `robobridge serve --robot \(robot)` "
                       + "running (and done loading)?")
        }
        let id: String
        if estop {
            id = client.publish(.estop, .estop(reason: "robobridge send --estop")).envelope.id
        } else if let confirm {
            id = confirm
            let m = client.publish(.confirm, .confirm(approve: !deny), correlationId: confirm)
            // No command waiting: the node says so with a `rejected` event about the confirmation itself.
            if let refused = await client.next(timeout: .milliseconds(500), consuming: false, where: {
                $0.event == "rejected" && $0.correlationId == m.envelope.id
            }) {
                print(line(refused))
                await client.close()
                throw ExitCode(8)
            }
        } else {
            guard let m = await client.command(instruction!, deadlineMs: deadlineMs, timeout: wait) else {
                await client.close()
                throw fail("\(robotFile.id) did not acknowledge the command within \(timeout) s")
            }
            id = m.envelope.id
        }
        let start = ContinuousClock.now
        while let m = await client.next(timeout: wait - (ContinuousClock.now - start), where: { $0.correlationId == id }) {
            print(line(m))
            if m.event == "outcome" {
                await client.close()
                let outcome = m.body["outcome"]?.stringValue ?? ""
                // An e-stop that stopped the robot is what --estop asked for.
                let status = estop && outcome == Outcome.estop.rawValue ? 0 : OutcomeStatus.code(outcome)
                if status != 0 { throw ExitCode(status) }
                return
            }
        }
        await client.close()
        throw fail("no outcome for \(id) within \(timeout) s")
    }

    /// One line per message: JSON with --json, else text for people.
    func line(_ m: BridgeClient.Received) -> String {
        if json { return "\(m.topic) \(m.body)" }
        let b = m.body
        switch (m.topic.kind, m.event) {
        case (.action, _):
            let index = Int(b["index"]?.integerValue ?? 0)
            let actions = b["actions"]?.arrayValue ?? []
            return actions.enumerated().map { k, a in
                let args = a["args"]?.objectValue?.map { "\($0.0)=\($0.1)" }.joined(separator: ", ") ?? ""
                let last = b["final"] == .bool(true) && k == actions.count - 1 ? "  (final)" : ""
                return "action [\(index + k)] \(a["name"]?.stringValue ?? "?")(\(args))\(last)"
            }.joined(separator: "\n")
        case (_, "ack"?):
            return "ack     \(b["correlation_id"]?.stringValue ?? "")"
        case (_, "outcome"?):
            var s = "outcome \(b["outcome"]?.stringValue ?? "?")"
            if let r = b["reason"]?.stringValue { s += ": \(r)" }
            var facts: [String] = []
            if let n = b["actions"]?.integerValue { facts.append("\(n) action\(n == 1 ? "" : "s")") }
            if let ms = b["first_action_ms"]?.numberValue { facts.append("first action \(fixed(ms)) ms") }
            if let ms = b["latency_ms"]?.numberValue { facts.append("\(fixed(ms)) ms") }
            return facts.isEmpty ? s : s + "  (\(facts.joined(separator: ", ")))"
        case (_, "confirmation_required"?):
            let names = b["held"]?.arrayValue?.compactMap { $0["name"]?.stringValue }.joined(separator: ", ") ?? ""
            return "waiting for confirmation of \(names) (\(b["timeout_ms"]?.integerValue ?? 0) ms): "
                + "robobridge send --robot \(robot) --confirm \(b["correlation_id"]?.stringValue ?? "")"
        case (_, let e?):
            return "\(e) " + (b.objectValue ?? []).filter { !["version", "id", "timestamp_ns", "robot", "sender", "seq", "event"].contains($0.0) }
                .map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        default:
            return "\(m.topic) \(b)"
        }
    }
}

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a running `robobridge serve` for its counters and latency percentiles.")

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Robot file (robots/*.yaml): the robot id and its endpoints.")
    var robot: String
    @OptionGroup var endpoints: EndpointOptions
    @OptionGroup var security: ClientSecurityOptions
    @Flag(name: .long, help: "Print the reply's data as JSON.")
    var json = false

    func run() async throws {
        global.bootstrapLogging()
        let robotFile: Robot
        robotFile = try RoboBridgeCLI.loadRobot(robot)
        let e = try endpoints.resolve(robotFile)
        let (command, publish, translate) = (e.command, e.publish, e.translate)
        guard let translate else { throw fail("\(robot): no endpoints.translate in the robot file and no --translate given") }
        let reply: BridgeClient.Received?
        do {
            var options = SocketOptions()
            options.curve = try security.resolve(robotFile)
            let client = try await BridgeClient(robot: robotFile.id, context: try MessagingContext(), command: command, publish: publish,
                                                requests: translate, sender: "stats-\(UInt32.random(in: 0...UInt32.max))", options: options)
            reply = try await client.request(.stats, .stats(data: nil), timeout: .seconds(5))
            await client.close()
        } catch { throw fail("\(error)") }
        guard let reply, let data = reply.body["data"] else { throw fail("no answer from \(robotFile.id) on \(translate) within 5 s") }
        if json {
            print(data)
            return
        }
        for (key, value) in data.objectValue ?? [] where !["latency", "drafters", "outcomes"].contains(key) { print("\(key): \(value)") }
        print("outcomes: " + (data["outcomes"]?.objectValue ?? []).map { "\($0.0) \($0.1)" }.joined(separator: ", "))
        print("\("stage".padding(toLength: 14, withPad: " ", startingAt: 0))     count      p50 ms      p90 ms      p99 ms      max ms")
        for (stage, h) in data["latency"]?.objectValue ?? [] {
            let cells = ["count", "p50_ms", "p90_ms", "p99_ms", "max_ms"].map { k -> String in
                let v = h[k].map { $0.integerValue.map { "\($0)" } ?? fixed($0.numberValue ?? 0, 2) } ?? "-"
                return String(repeating: " ", count: max(0, 12 - v.count)) + v
            }
            print(stage.padding(toLength: 14, withPad: " ", startingAt: 0) + cells.joined())
        }
        for (name, d) in data["drafters"]?.objectValue ?? [] {
            print("drafter \(name): \(d["accepted"] ?? .null) of \(d["proposed"] ?? .null) draft tokens accepted")
        }
    }
}
