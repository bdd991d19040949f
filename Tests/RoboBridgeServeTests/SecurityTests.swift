import Foundation
import RoboBridgeMessaging
import RoboBridgeProtocol
import Testing

/// Runs a program to its end: exit status, stdout, stderr (both drained as it runs, so a full pipe never blocks it).
func runToEnd(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> (status: Int32, out: Data, err: Data) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let environment { p.environment = environment }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    return await withCheckedContinuation { c in
        Thread {
            let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            c.resume(returning: (p.terminationStatus, o, e))
        }.start()
    }
}

/// Runs a `robobridge` command to its end: exit status, stdout, stderr.
func robobridge(_ arguments: [String]) async throws -> (status: Int32, out: String, err: String) {
    let r = try await runToEnd(root + "/.build/release/robobridge", arguments)
    return (r.status, String(decoding: r.out, as: UTF8.self), String(decoding: r.err, as: UTF8.self))
}

@Suite("robobridge serve with CurveZMQ: only allowed keys command the robot or hear it", .serialized)
struct SecurityTests {
    /// A temporary robot file with `security`, keys for the rover, an operator (allowed) and a stranger, and serve
    /// running it as a process.
    final class SecureServe {
        let robot: String, dir: String, endpoints: [String]
        let serve = Process()
        let err = Pipe()
        let log = LockedBuffer()

        init(_ edit: @escaping (String) -> String = { $0 }) async throws {
            robot = try roverFile { edit($0) + "\nsecurity:\n  server_key: keys/rover.key_secret\n  allowed_clients: allowed\n" }
            dir = (robot as NSString).deletingLastPathComponent
            for name in ["rover", "operator", "stranger"] {
                let r = try await robobridge(["keygen", name, "--dir", "\(dir)/keys"])
                #expect(r.status == 0, "\(r.err)")
            }
            try FileManager.default.createDirectory(atPath: dir + "/allowed", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: dir + "/keys/operator.key", toPath: dir + "/allowed/operator.key")
            let port = Int.random(in: 20_000..<32_000)
            endpoints = ["--command", "tcp://127.0.0.1:\(port)", "--publish", "tcp://127.0.0.1:\(port + 1)", "--translate", "tcp://127.0.0.1:\(port + 2)"]
            serve.executableURL = URL(fileURLWithPath: root + "/.build/release/robobridge")
            serve.arguments = ["serve", "--robot", robot] + endpoints
            serve.standardError = err
            serve.standardOutput = Pipe()
            let log = self.log
            err.fileHandleForReading.readabilityHandler = { h in log.append(h.availableData) }
            try serve.run()
        }

        /// Stops serve (SIGTERM) and returns its whole log.
        func stop() -> String {
            if serve.isRunning { serve.terminate() }
            serve.waitUntilExit()
            err.fileHandleForReading.readabilityHandler = nil
            log.append(err.fileHandleForReading.readDataToEndOfFile())
            try? FileManager.default.removeItem(atPath: dir)
            return log.text
        }

        func keyMaterial() throws -> [String] {
            try ["rover", "operator", "stranger"].flatMap { name -> [String] in
                let pair = try CurveKeyFile.readPair("\(dir)/keys/\(name).key_secret")
                return [pair.publicKey, pair.secretKey]
            }
        }
    }

    /// serve as a process with the robot file's `security`; `send` with an allowed key, with a stranger's key, and
    /// with the allowed key after its file is removed and serve got SIGHUP.
    @Test func onlyAllowedKeysAreServedAndRevocationHolds() async throws {
        let s = try await SecureServe()
        let (robot, dir, endpoints, serve, serveLog) = (s.robot, s.dir, s.endpoints, s.serve, s.log)
        let keyMaterial = try s.keyMaterial()
        func send(_ key: String, _ instruction: String, timeout: Int) async throws -> (status: Int32, out: String, err: String) {
            try await robobridge(["send", "--robot", robot] + endpoints + ["--key", "\(dir)/keys/\(key).key_secret", "--timeout", "\(timeout)", instruction])
        }
        let allowed = try await send("operator", "go to the kitchen", timeout: 60)
        #expect(allowed.status == 0, "the allowed key: \(allowed.err)\nserve: \(serveLog.tail)")
        #expect(allowed.out.contains("navigate_to"), "\(allowed.out)")

        // A stranger hears nothing (not even a heartbeat) and commands nothing.
        let stranger = try await send("stranger", "go to the bedroom", timeout: 3)
        #expect(stranger.status != 0)
        #expect(stranger.err.contains("no ready heartbeat"), "\(stranger.err)")
        // No key at all: the robot file says the bridge uses CURVE, so send says what is missing.
        let keyless = try await robobridge(["send", "--robot", robot] + endpoints + ["--timeout", "3", "go to the bedroom"])
        #expect(keyless.status != 0 && keyless.err.contains("give --key"), "\(keyless.err)")
        let stats = try await robobridge(["stats", "--robot", robot] + endpoints + ["--key", "\(dir)/keys/operator.key_secret", "--json"])
        #expect(stats.status == 0, "\(stats.err)")
        #expect(stats.out.contains("\"commands\":1") || stats.out.contains("\"commands\": 1"), "only the allowed command was executed: \(stats.out)")

        // Revoked: the file goes, SIGHUP; the operator's key no longer gets anything.
        try FileManager.default.removeItem(atPath: dir + "/allowed/operator.key")
        kill(serve.processIdentifier, SIGHUP)
        try await Task.sleep(for: .milliseconds(500))
        #expect(serve.isRunning, "SIGHUP must not stop serve: \(serveLog.tail)")
        let revoked = try await send("operator", "go to the bedroom", timeout: 3)
        #expect(revoked.status != 0 && revoked.err.contains("no ready heartbeat"), "\(revoked.out) \(revoked.err)")

        let log = s.stop()
        #expect(log.contains("CURVE self-test passed"), "\(log)")
        #expect(log.contains("refused a client whose key is not allowed"), "\(log)")
        #expect(log.contains("keys.removed=operator"), "\(log)")
        for key in keyMaterial { #expect(!log.contains(key), "key material in serve's log") }
    }

    /// Another language's peer: pyzmq with its own zmq.auth reads the key files keygen wrote and drives the bridge.
    @Test func aPythonPeerWithItsKeyDrivesTheBridge() async throws {
        let s = try await SecureServe()
        defer { _ = s.stop() }
        let eps = stride(from: 1, to: s.endpoints.count, by: 2).map { s.endpoints[$0] }
        let (status, data, errors) = try await ServeProcessTests.pythonOperator(eps + ["rover", s.dir + "/keys/operator.key_secret", s.dir + "/keys/rover.key"])
        #expect(status == 0, "python operator failed: \(errors); serve's log ends: \(s.log.tail)")
        let summary = try JSONValue.parse(Array(data))
        #expect(summary["outcome"] == .string("ok"))
        #expect(summary["stats_commands"] == .integer(1))
    }

    @Test func anAddressOtherMachinesReachNeedsCurveOrInsecure() async throws {
        let port = Int.random(in: 20_000..<32_000)
        let r = try await robobridge(["serve", "--robot", root + "/robots/rover.yaml", "--command", "tcp://0.0.0.0:\(port)",
                                      "--publish", "tcp://127.0.0.1:\(port + 1)", "--translate", "tcp://127.0.0.1:\(port + 2)"])
        #expect(r.status != 0)
        #expect(r.err.contains("tcp://0.0.0.0:\(port) can be reached from other machines") && r.err.contains("--insecure"), "\(r.err)")
        #expect(!r.err.contains("bridge node up"))
    }

    @Test func keyFileMistakesAreNamed() async throws {
        let dir = NSTemporaryDirectory() + "rb-keys-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try await robobridge(["keygen", "node", "--dir", dir]).status == 0)
        let again = try await robobridge(["keygen", "node", "--dir", dir])
        #expect(again.status != 0 && again.err.contains("\(dir)/node.key: already exists"), "\(again.err)")
        // The public file given where the secret one belongs.
        let port = Int.random(in: 20_000..<32_000)
        let (status, log) = try await ServeStartTests.serveUntilExit(port: port, ["--key", dir + "/node.key", "--allowed-clients", dir])
        #expect(status != 0)
        #expect(log.contains("\(dir)/node.key: no secret-key line"), "\(log)")
        #expect(!log.contains("bridge node up"))
        let (status2, log2) = try await ServeStartTests.serveUntilExit(port: port, ["--key", dir + "/node.key_secret", "--allowed-clients", dir + "/nowhere"])
        #expect(status2 != 0)
        #expect(log2.contains("\(dir)/nowhere: no such folder"), "\(log2)")
    }
}
