import Foundation
import Logging
import RoboBridgeMessaging
import Testing

/// A fresh folder under the system's temporary directory, removed by the caller.
func temporaryFolder(_ name: String) throws -> String {
    let path = NSTemporaryDirectory() + "robobridge-\(name)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite("CURVE keys and the ZAP handler", .serialized)
struct CurveTests {
    @Test func keygenWritesPyzmqStyleFilesWithAPrivateSecret() throws {
        let dir = try temporaryFolder("keys")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (pub, sec) = try CurveKeyFile.generate(name: "operator", directory: dir)
        #expect(pub.hasSuffix("/operator.key") && sec.hasSuffix("/operator.key_secret"))
        let mode = try FileManager.default.attributesOfItem(atPath: sec)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let pair = try CurveKeyFile.readPair(sec)
        #expect(try CurveKeyFile.readPublic(pub) == pair.publicKey)
        #expect(CurveKeyFile.publicKey(ofSecret: pair.secretKey) == pair.publicKey)
        #expect(!(try String(contentsOfFile: pub, encoding: .utf8)).contains("secret-key"))
        // Never replaced silently; a public file is not a key pair; a mixed-up pair is named.
        #expect(throws: KeyFileError.self) { try CurveKeyFile.generate(name: "operator", directory: dir) }
        #expect(throws: KeyFileError(file: pub, "no secret-key line: this is a public key file; give the NAME.key_secret file written by `robobridge keygen`")) {
            try CurveKeyFile.readPair(pub)
        }
        let other = try MessagingContext.curveKeyPair()
        let mixed = dir + "/mixed.key_secret"
        try "curve\n    public-key = \"\(other.publicKey)\"\n    secret-key = \"\(pair.secretKey)\"\n".write(toFile: mixed, atomically: true, encoding: .utf8)
        #expect(throws: KeyFileError(file: mixed, "public-key does not belong to secret-key (the file was edited or mixed up)")) { try CurveKeyFile.readPair(mixed) }
        #expect(throws: KeyFileError(file: dir + "/none.key", "no such file")) { try CurveKeyFile.readPublic(dir + "/none.key") }
        let short = dir + "/short.key"
        try "curve\n    public-key = \"abc\"\n".write(toFile: short, atomically: true, encoding: .utf8)
        #expect(throws: KeyFileError(file: short, "public-key is 3 characters; a Z85 CURVE key is 40")) { try CurveKeyFile.readPublic(short) }
        #expect(throws: KeyFileError.self) { try CurveKeyFile.generate(name: "../escape", directory: dir) }
    }

    /// A server with the handler, an allowed client, a stranger: the stranger's messages never arrive and it
    /// receives nothing; after its key file is removed and the folder reloaded, a once-allowed client is
    /// refused on its next connection.
    @Test func onlyAllowedKeysGetThrough() async throws {
        let dir = try temporaryFolder("zap")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let allowed = dir + "/allowed"
        let server = try CurveKeyFile.readPair(try CurveKeyFile.generate(name: "node", directory: dir).secretFile)
        let friend = try CurveKeyFile.readPair(try CurveKeyFile.generate(name: "friend", directory: allowed).secretFile)
        let stranger = try MessagingContext.curveKeyPair()
        let ctx = try MessagingContext()
        let zap = try await ZAPHandler.start(context: ctx, allowedKeysFolder: allowed, logger: Logger(label: "test.zap"))
        var so = options(receiveTimeoutMs: 500)
        so.curve = .server(secretKey: server.secretKey)
        let node = try Socket(ctx, .router, options: so)
        let ep = try node.bind(Endpoint("tcp://127.0.0.1:*"))
        #expect(try CurveSelfTest.run(context: ctx, serverPublicKey: server.publicKey, targets: [.init(endpoint: ep, serverType: .router)]) == 1)

        func client(_ pair: CurveKeyPair) throws -> Socket {
            var o = options(receiveTimeoutMs: 500)
            o.curve = .client(serverKey: server.publicKey, publicKey: pair.publicKey, secretKey: pair.secretKey)
            let s = try Socket(ctx, .dealer, options: o)
            try s.connect(ep)
            return s
        }
        let good = try client(friend), bad = try client(stranger)
        try bad.send(["from the stranger"], wait: false)
        try good.send(["from a friend"])
        let got = try #require(try receive(node))
        #expect(got.last == Array("from a friend".utf8))
        #expect(try receive(node) == nil)  // the stranger's message never arrives
        #expect(zap.stats.admittedByName["friend"] == 1)
        #expect(zap.stats.refused >= 1)

        // Revoked: the file goes, the folder is reloaded, the server rebinds (every client must pass again).
        try FileManager.default.removeItem(atPath: allowed + "/friend.key")
        #expect(zap.reload().removed == ["friend"])
        try node.rebind(ep)
        try await Task.sleep(for: .milliseconds(400))  // the client's reconnect interval is 100 ms
        try good.send(["after revocation"], wait: false)
        #expect(try receive(node) == nil)
        good.close(); bad.close(); node.close()
        await zap.shutdown()
    }

    /// Without a ZAP handler libzmq 4.3 admits any key: the self-test must say so (this is why it exists).
    @Test func selfTestCatchesAServerWithoutHandler() throws {
        let ctx = try MessagingContext()
        let server = try MessagingContext.curveKeyPair()
        var so = SocketOptions()
        so.curve = .server(secretKey: server.secretKey)
        let node = try Socket(ctx, .sub, options: so)
        let ep = try node.bind(Endpoint("tcp://127.0.0.1:*"))
        #expect(throws: CurveSelfTest.Failure.admittedUnknownKey(endpoint: ep.description)) {
            try CurveSelfTest.run(context: ctx, serverPublicKey: server.publicKey, targets: [.init(endpoint: ep, serverType: .sub)])
        }
    }

    @Test func theAllowedFolderNamesWhatIsWrong() async throws {
        let dir = try temporaryFolder("allowed")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: KeyFileError(file: dir + "/missing", "no such folder (expected a folder of clients' public key files, NAME.key)")) {
            try AllowedKeys.load(folder: dir + "/missing")
        }
        try CurveKeyFile.generate(name: "a", directory: dir)
        try "not a key".write(toFile: dir + "/b.key", atomically: true, encoding: .utf8)
        let keys = try AllowedKeys.load(folder: dir)
        #expect(Array(keys.names.values) == ["a"])
        #expect(keys.problems == [KeyFileError(file: dir + "/b.key", "no public-key line (expected a file written by `robobridge keygen`)")])
        // At start a broken file is an error (it would lock its client out without a word).
        await #expect(throws: KeyFileError.self) { try await ZAPHandler.start(context: try MessagingContext(), allowedKeysFolder: dir, logger: Logger(label: "t")) }
    }
}
