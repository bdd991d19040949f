import Foundation
import RoboBridgeMessaging
import Testing

/// Receives with a bounded wait (the receive timeout), so a broken test fails instead of hanging.
func receive(_ s: Socket) throws -> [[UInt8]]? { try s.receive(wait: true) }

func options(receiveTimeoutMs: Int32 = 2000) -> SocketOptions {
    var o = SocketOptions()
    o.receiveTimeoutMs = receiveTimeoutMs
    return o
}

@Suite("ZeroMQ sockets", .serialized)
struct SocketTests {
    @Test func endpointsAreValidated() throws {
        #expect(try Endpoint("tcp://127.0.0.1:5555").transport == .tcp)
        #expect(try Endpoint("tcp://127.0.0.1:*").address == "127.0.0.1:*")
        #expect(try Endpoint("inproc://bridge").transport == .inproc)
        #expect(try Endpoint("ipc:///tmp/x/bridge.sock").address == "/tmp/x/bridge.sock")
        let cases: [(String, String)] = [
            ("127.0.0.1:5555", "Endpoint on 127.0.0.1:5555 failed: invalid endpoint: expected tcp://host:port, ipc://path or inproc://name"),
            ("udp://1.2.3.4:5", "Endpoint on udp://1.2.3.4:5 failed: invalid endpoint: unknown transport \"udp\"; expected tcp, ipc or inproc"),
            ("tcp://127.0.0.1:99999", "Endpoint on tcp://127.0.0.1:99999 failed: invalid endpoint: port \"99999\" is not 1-65535 or *"),
            ("tcp://:5555", "Endpoint on tcp://:5555 failed: invalid endpoint: empty host (use * to bind all interfaces)"),
            ("inproc://", "Endpoint on inproc:// failed: invalid endpoint: empty address"),
        ]
        for (text, message) in cases {
            #expect(throws: MessagingError.self) { try Endpoint(text) }
            do { _ = try Endpoint(text) } catch { #expect(error.description == message) }
        }
    }

    @Test(arguments: ["inproc", "ipc", "tcp"])
    func pubSubMultipartOverEveryTransport(_ transport: String) async throws {
        let ctx = try MessagingContext()
        let endpoint: Endpoint = switch transport {
        case "inproc": try .inproc("pubsub-\(UUID().uuidString)")
        case "ipc": try .ipc(path: try PrivateDirectory.make() + "/pubsub.sock")
        default: try Endpoint("tcp://127.0.0.1:*")
        }
        let pub = try Socket(ctx, .pub)
        let bound = try pub.bind(endpoint)
        let sub = try Socket(ctx, .sub, options: options())
        try sub.connect(bound)
        try sub.subscribe("rover/")
        // Slow joiner: the subscription takes a moment to reach the publisher; send until one arrives.
        var got: [[UInt8]]?
        for _ in 0..<200 where got == nil {
            try pub.send(["rover/sensor/pose", "{\"x\": 1}"])
            got = try sub.receive(wait: false)
            if got == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(got == [Array("rover/sensor/pose".utf8), Array("{\"x\": 1}".utf8)])
        try pub.send(["drone/sensor/pose", "{}"])  // filtered out by the subscription
        try pub.send(["rover/command", "{\"instruction\":\"go\"}"])
        var next = try receive(sub)
        while next?.first == Array("rover/sensor/pose".utf8) { next = try receive(sub) }
        #expect(next == [Array("rover/command".utf8), Array("{\"instruction\":\"go\"}".utf8)])
    }

    @Test func largeMessagesArriveWhole() throws {
        let ctx = try MessagingContext()
        var o = options()
        o.maxFrameBytes = 8 << 20
        o.maxMessageBytes = 16 << 20
        let a = try Socket(ctx, .dealer, options: o), b = try Socket(ctx, .dealer, options: o)
        let ep = try a.bind(try Endpoint("tcp://127.0.0.1:*"))
        try b.connect(ep)
        let big = (0..<(5 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try b.send([Array("frame0".utf8), big, [], Array("end".utf8)])
        let got = try #require(try receive(a))
        #expect(got.count == 4)
        #expect(got[1] == big)
        #expect(got[2].isEmpty)
    }

    @Test func limitsOnFramesAndSizeAreEnforced() throws {
        let ctx = try MessagingContext()
        var o = options()
        o.maxFrames = 2
        o.maxMessageBytes = 1000
        let a = try Socket(ctx, .dealer, options: o), b = try Socket(ctx, .dealer)
        let ep = try a.bind(try .inproc("limits"))
        try b.connect(ep)
        try b.send(["a", "b", "c"])
        #expect(throws: MessagingError(.tooManyFrames(count: 3, limit: 2), operation: "receive", endpoint: "inproc://limits")) { try receive(a) }
        try b.send([[UInt8](repeating: 1, count: 600), [UInt8](repeating: 2, count: 600)])
        #expect(throws: MessagingError(.messageTooLarge(bytes: 1200, limit: 1000), operation: "receive", endpoint: "inproc://limits")) { try receive(a) }
        // The socket is still usable and the next message is intact.
        try b.send(["ok", "fine"])
        #expect(try receive(a) == [Array("ok".utf8), Array("fine".utf8)])
    }

    @Test func closingWithAGonePeerDoesNotHang() throws {
        let start = Date()
        do {
            let ctx = try MessagingContext()
            let dealer = try Socket(ctx, .dealer)
            try dealer.connect(try .tcp(host: "127.0.0.1", port: 1))  // nobody there
            for _ in 0..<10 { _ = try dealer.send(["unsent"], wait: false) }
            dealer.close()
        }  // context terminated here: linger is 200 ms, not forever
        #expect(Date().timeIntervalSince(start) < 2)
    }

    @Test func ipcEndpointsNeedAPrivateFolder() throws {
        let ctx = try MessagingContext()
        let dir = NSTemporaryDirectory() + "robobridge-open-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        let s = try Socket(ctx, .pub)
        let ep = try Endpoint.ipc(path: dir + "/bridge.sock")
        #expect(throws: MessagingError(.invalidEndpoint, operation: "zmq_bind", endpoint: ep.description,
                                       detail: "\(dir) has mode 0755 (owner uid \(getuid())); ipc sockets must live in a folder only their owner can use (0700)")) {
            try s.bind(ep)
        }
        // A missing folder is created private.
        let fresh = NSTemporaryDirectory() + "robobridge-new-\(UUID().uuidString)"
        try s.bind(try .ipc(path: fresh + "/bridge.sock"))
        let mode = try FileManager.default.attributesOfItem(atPath: fresh)[.posixPermissions] as? Int
        #expect(mode == 0o700)
    }

    @Test func errorsKeepErrnoAndEndpoint() throws {
        let ctx = try MessagingContext()
        let a = try Socket(ctx, .pub), b = try Socket(ctx, .pub)
        let ep = try a.bind(try Endpoint("tcp://127.0.0.1:*"))
        do {
            try b.bind(ep)
            Issue.record("a second bind on \(ep) succeeded")
        } catch {
            #expect(error.code == .zmq(errno: EADDRINUSE))
            #expect(error.description == "zmq_bind on \(ep) failed: Address already in use (errno \(EADDRINUSE))")
        }
        a.close()
        #expect(throws: MessagingError(.closed, operation: "zmq_send")) { try a.send(["x"]) }
    }

    @Test func pollerTimesOutAndSeesReadableSockets() throws {
        let ctx = try MessagingContext()
        let a = try Socket(ctx, .dealer), b = try Socket(ctx, .dealer)
        try a.bind(try .inproc("poller"))
        try b.connect(try .inproc("poller"))
        var poller = Poller()
        poller.add(a)
        let start = Date()
        #expect(try poller.poll(timeoutMs: 50) == [false])
        #expect(Date().timeIntervalSince(start) >= 0.04)
        try b.send(["hello"])
        #expect(try poller.poll(timeoutMs: 1000) == [true])
    }

    @Test func curveEncryptsTheConnection() throws {
        try #require(MessagingContext.hasCurve)
        let ctx = try MessagingContext()
        let server = try MessagingContext.curveKeyPair(), client = try MessagingContext.curveKeyPair()
        #expect(server.publicKey.count == 40)
        var so = options(), co = options()
        so.curve = .server(secretKey: server.secretKey)
        co.curve = .client(serverKey: server.publicKey, publicKey: client.publicKey, secretKey: client.secretKey)
        let a = try Socket(ctx, .dealer, options: so), b = try Socket(ctx, .dealer, options: co)
        let ep = try a.bind(try Endpoint("tcp://127.0.0.1:*"))
        try b.connect(ep)
        try b.send(["secret"])
        #expect(try receive(a) == [Array("secret".utf8)])
        // A bad key is refused with the option's name.
        var bad = SocketOptions()
        bad.curve = .server(secretKey: "short")
        #expect(throws: MessagingError(.invalidOption, operation: "zmq_setsockopt(ZMQ_CURVE_SECRETKEY)", detail: "a CURVE key is 40 Z85 characters, got 5")) {
            try Socket(ctx, .dealer, options: bad)
        }
    }

    @Test func workerOwnsItsSocketAndShutsDown() async throws {
        let ctx = try MessagingContext()
        let worker = try await SocketWorker.start(name: "test.router") { () throws(MessagingError) in
            let s = try Socket(ctx, .router)
            return (s, try s.bind(try .inproc("worker")))
        }
        let client = try Socket(ctx, .dealer, options: options())
        try client.connect(try .inproc("worker"))
        try client.send(["ping"])
        var iterator = worker.inbound.makeAsyncIterator()
        guard case .message(let frames)? = await iterator.next() else { Issue.record("no message"); return }
        #expect(frames.count == 2 && frames[1] == Array("ping".utf8))
        worker.send([frames[0], Array("pong".utf8)])
        #expect(try receive(client) == [Array("pong".utf8)])
        await worker.shutdown()
        #expect(await iterator.next() == nil)
        #expect(worker.stats.received == 1 && worker.stats.sent == 1)
    }
}

