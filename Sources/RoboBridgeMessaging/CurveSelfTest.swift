internal import CZeroMQ
import Foundation

/// Proves, before a node serves anyone, that its CURVE server sockets refuse a client with an unknown
/// key: with libzmq 4.3, a CURVE server whose context has no working ZAP handler admits any client that
/// knows the server's public key, and nothing else would tell. For each bound endpoint a client with a
/// fresh key pair (known to nobody) connects and must see its handshake refused.
public enum CurveSelfTest {
    /// A server socket to check: where it is bound and its type (the client gets the matching type).
    public struct Target: Sendable {
        public var endpoint: Endpoint
        public var serverType: SocketType
        public init(endpoint: Endpoint, serverType: SocketType) {
            self.endpoint = endpoint
            self.serverType = serverType
        }
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// An unknown key completed the handshake.
        case admittedUnknownKey(endpoint: String)
        /// No handshake result in time.
        case noAnswer(endpoint: String, waitedMs: Int)
        case messaging(String)

        public var description: String {
            switch self {
            case .admittedUnknownKey(let e):
                "CURVE self-test: a client with an unknown key was admitted on \(e) (no ZAP handler answering?); refusing to serve"
            case .noAnswer(let e, let ms):
                "CURVE self-test: no handshake result on \(e) within \(ms) ms; refusing to serve"
            case .messaging(let m): "CURVE self-test: \(m)"
            }
        }
    }

    /// Checks every target (inproc endpoints are skipped: inproc has no security handshake, and only
    /// this process can reach it).
    /// - Returns: how many endpoints were checked.
    /// - Throws: `Failure` at the first endpoint that does not refuse the unknown key.
    @discardableResult
    public static func run(context: MessagingContext, serverPublicKey: String, targets: [Target], timeoutMs: Int = 3000) throws(Failure) -> Int {
        var checked = 0
        for target in targets where target.endpoint.transport != .inproc {
            try check(context: context, serverPublicKey: serverPublicKey, target: target, timeoutMs: timeoutMs)
            checked += 1
        }
        return checked
    }

    private static func check(context: MessagingContext, serverPublicKey: String, target: Target, timeoutMs: Int) throws(Failure) {
        let clientType: SocketType = switch target.serverType {
        case .sub, .xsub: .pub
        case .pub, .xpub: .sub
        case .router, .rep: .dealer
        case .dealer: .dealer
        case .req: .rep
        case .pair: .pair
        }
        let endpoint = connectable(target.endpoint)
        let result: Result<Int32?, MessagingError> = Result { () throws(MessagingError) -> Int32? in
            let stranger = try MessagingContext.curveKeyPair()
            var o = SocketOptions()
            o.lingerMs = 0
            o.reconnectIntervalMs = 60_000  // one attempt is the test
            o.curve = .client(serverKey: serverPublicKey, publicKey: stranger.publicKey, secretKey: stranger.secretKey)
            let client = try Socket(context, clientType, options: o)
            defer { client.close() }
            let monitorEndpoint = "inproc://robobridge.curve-self-test.\(UUID().uuidString)"
            try client.monitor(monitorEndpoint, events: ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                               | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
            var mo = SocketOptions()
            mo.lingerMs = 0
            mo.receiveTimeoutMs = Int32(timeoutMs)
            let events = try Socket(context, .pair, options: mo)
            defer { events.close() }
            try events.connect(Endpoint(monitorEndpoint))
            try client.connect(endpoint)
            let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
            while ContinuousClock.now < deadline {
                guard let frames = try events.receive(wait: true), let first = frames.first, first.count >= 2 else { return nil }
                let event = Int32(UInt16(first[0]) | UInt16(first[1]) << 8)
                if event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED || event & failed != 0 { return event }
            }
            return nil
        }
        switch result {
        case .failure(let error): throw .messaging("\(error)")
        case .success(nil): throw .noAnswer(endpoint: endpoint.description, waitedMs: timeoutMs)
        case .success(let event?):
            if event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED { throw .admittedUnknownKey(endpoint: endpoint.description) }
        }
    }

    private static let failed = ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL

    /// Where a client reaches a bound endpoint: a wildcard host becomes the loopback address.
    static func connectable(_ bound: Endpoint) -> Endpoint {
        guard bound.transport == .tcp, let colon = bound.address.lastIndex(of: ":") else { return bound }
        let host = bound.address[..<colon], port = bound.address[bound.address.index(after: colon)...]
        guard ["*", "0.0.0.0", "[::]", "::"].contains(String(host)) else { return bound }
        return (try? Endpoint("tcp://127.0.0.1:\(port)")) ?? bound
    }
}
