import Foundation
import RoboBridgeMessaging
import RoboBridgeProtocol
import RoboBridgeSim
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A `robobridge` process running in the background: its output collected as it comes.
final class Background: @unchecked Sendable {
    let process = Process()
    let out = LockedBuffer(), err = LockedBuffer()
    private let outPipe = Pipe(), errPipe = Pipe()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: root + "/.build/release/robobridge")
        process.arguments = arguments
        process.standardOutput = outPipe
        process.standardError = errPipe
        let (o, e) = (out, err)
        outPipe.fileHandleForReading.readabilityHandler = { h in o.append(h.availableData) }
        errPipe.fileHandleForReading.readabilityHandler = { h in e.append(h.availableData) }
        try process.run()
    }

    /// Waits until stdout (or stderr) contains `text`; false on timeout or when the process ended first.
    func waitFor(_ text: String, inStderr: Bool = false, timeout: Duration = .seconds(60)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (inStderr ? err : out).text.contains(text) { return true }
            if !process.isRunning { return (inStderr ? err : out).text.contains(text) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Waits for the process to end; its exit status.
    func wait() async -> Int32 {
        await withCheckedContinuation { c in
            Thread {
                self.process.waitUntilExit()
                c.resume(returning: self.process.terminationStatus)
            }.start()
        }
    }

    func kill(_ signal: Int32) { Glibc.kill(process.processIdentifier, signal) }

    deinit {
        if process.isRunning { process.terminate() }
        outPipe.fileHandleForReading.readabilityHandler = nil
        errPipe.fileHandleForReading.readabilityHandler = nil
    }
}

@Suite("Faults around the bridge: processes killed and restarted, folders that cannot be written", .serialized)
struct FaultTests {
    /// A secured bridge, the simulator and a mission as three processes speaking CURVE; the simulator is killed in the
    /// middle of the mission and started again: the bridge takes the new one's sensors and the mission goes on to pass.
    @Test func simulatorKilledAndRestartedMidMissionOverCurve() async throws {
        let s = try await SecurityTests.SecureServe { $0.replacingOccurrences(of: "\nlimits:\n", with: "\nlimits:\n  max_sensor_age_ms: 1000\n") }
        defer { _ = s.stop() }
        #expect(try String(contentsOfFile: s.robot, encoding: .utf8).contains("max_sensor_age_ms: 1000"))
        let control = "tcp://127.0.0.1:\(Int.random(in: 32_100..<32_700))"
        let key = ["--key", s.dir + "/keys/operator.key_secret", "--server-key", s.dir + "/keys/rover.key"]
        let simArgs = ["sim", "--robot", s.robot, "--speed", "10", "--control", control] + s.endpoints.prefix(4) + key
        var sim = try Background(simArgs)
        let eps = stride(from: 1, to: 4, by: 2).map { s.endpoints[$0] }
        // A step, a pause in which the simulator dies and comes back (with a fresh world: the robot back at its start), and
        // steps that need the bridge to reach the new simulator both ways: its actions, and its sensors (the rover's plans
        // that name places fall back when the pose is older than limits.max_sensor_age_ms).
        let missionFile = s.dir + "/restart.yaml"
        try """
            id: sim_restart
            description: The simulator dies and comes back between two steps.
            robot: \(s.robot)
            world: \(root)/simulator/worlds/apartment.yaml
            time_limit_s: 300
            steps:
              - instruction: go to the kitchen
                expect: {outcome: ok, robot_at: kitchen}
              - wait_s: 40
              - instruction: go to the bedroom
                timeout_s: 60
                expect: {outcome: ok, robot_at: bedroom}
              - instruction: go to the kitchen
                expect: {outcome: ok, robot_at: kitchen}
            """.write(toFile: missionFile, atomically: true, encoding: .utf8)
        let mission = try Background(["mission", missionFile, "--bridge", eps.joined(separator: ","), "--sim", control,
                                      "--report", s.dir + "/report"] + key)
        #expect(await mission.waitFor("[1/4]", timeout: .seconds(120)), "mission: \(mission.out.text) \(mission.err.text) serve: \(s.log.tail) sim: \(sim.err.tail)")
        let killedAt = ContinuousClock.now
        sim.kill(SIGKILL)
        _ = await sim.wait()
        sim = try Background(simArgs)
        #expect(await sim.waitFor("simulator up", inStderr: true, timeout: .seconds(10)))
        let restartMs = (ContinuousClock.now - killedAt).components.attoseconds / 1_000_000_000_000_000 + (ContinuousClock.now - killedAt).components.seconds * 1000
        let status = await mission.wait()
        #expect(status == 0, "mission after the simulator's restart (\(restartMs) ms): \(mission.out.text)\n\(mission.err.text)\nserve: \(s.log.tail)")
        #expect(mission.out.text.contains("[4/4]"))
        print("fault: simulator killed and restarted in \(restartMs) ms; mission exit \(status)")
        sim.kill(SIGTERM)
        _ = await sim.wait()
    }

    /// The bridge killed (SIGKILL: no goodbye) while the robot drives: the simulator's watchdog stops it within
    /// body.watchdog_timeout_ms of the bridge's last heartbeat.
    @Test func bridgeKilledTheWatchdogStopsTheRobot() async throws {
        let port = Int.random(in: 20_000..<32_000)
        let endpoints = ["--command", "tcp://127.0.0.1:\(port)", "--publish", "tcp://127.0.0.1:\(port + 1)", "--translate", "tcp://127.0.0.1:\(port + 2)"]
        let control = "tcp://127.0.0.1:\(port + 3)"
        let robot = root + "/robots/rover.yaml"
        let serve = try Background(["serve", "--robot", robot] + endpoints)
        #expect(await serve.waitFor("] ready", inStderr: true, timeout: .seconds(60)), "\(serve.err.text)")
        let sim = try Background(["sim", "--robot", robot, "--speed", "1", "--control", control] + endpoints.prefix(4))
        #expect(await sim.waitFor("simulator up", inStderr: true, timeout: .seconds(10)))
        let drive = try await robobridge(["send", "--robot", robot] + endpoints + ["--timeout", "30", "go to the bedroom"])
        #expect(drive.status == 0, "\(drive.out) \(drive.err)")
        let client = try await SimClient(robot: "rover", context: try MessagingContext(), control: try Endpoint(control))
        // Driving (a running action), then the bridge dies.
        var moving = false
        for _ in 0..<100 where !moving {
            moving = try await client.state()["running"] != nil
            if !moving { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(moving, "the rover never started driving: \(sim.err.tail)")
        serve.kill(SIGKILL)
        let killedAt = ContinuousClock.now
        var stoppedAfter: Duration?
        while stoppedAfter == nil, ContinuousClock.now - killedAt < .seconds(5) {
            if try await client.state()["watchdog_stopped"] == .bool(true) { stoppedAfter = ContinuousClock.now - killedAt }
            else { try await Task.sleep(for: .milliseconds(10)) }
        }
        let after = try #require(stoppedAfter, "no watchdog stop within 5 s: \(sim.err.tail)")
        let state = try await client.state()
        #expect(state["running"] == nil)
        // The watchdog counts from the last heartbeat (every 500 ms), so the stop comes 1.0–1.5 s after the kill, plus ticks.
        #expect(after <= .milliseconds(1500 + 200), "stopped \(after) after the kill")
        print("fault: bridge killed; the simulator's watchdog stopped the rover \(after) later (timeout 1500 ms)")
        await client.close()
        sim.kill(SIGTERM)
        _ = await sim.wait()
    }

    /// A report folder that cannot be written: said up front, the mission still runs and its result is printed, then
    /// the command fails naming the folder.
    @Test func anUnwritableReportFolderStillPrintsTheResult() async throws {
        let blocker = NSTemporaryDirectory() + "rb-report-\(UUID().uuidString.prefix(8))"
        try Data("a file, not a folder".utf8).write(to: URL(fileURLWithPath: blocker))
        defer { try? FileManager.default.removeItem(atPath: blocker) }
        let r = try await robobridge(["mission", root + "/missions/rover_prompt_injection.yaml", "--report", blocker + "/report"])
        #expect(r.status == 2, "\(r.out) \(r.err)")
        #expect(r.err.contains("\(blocker)/report: cannot create the report folder"), "\(r.err)")
        #expect(r.err.contains("the mission runs and its result is printed"), "\(r.err)")
        #expect(r.out.contains("[1/"), "each step's line: \(r.out)")
        #expect(r.err.contains("(the mission passed)"), "\(r.err)")
    }
}
