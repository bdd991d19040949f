internal import CZeroMQ
#if canImport(Glibc)
import Glibc
#endif

/// The ZeroMQ socket types RoboBridge uses.
public enum SocketType: Sendable, CaseIterable {
    case pub, sub, xpub, xsub, router, dealer, req, rep, pair

    var raw: Int32 {
        switch self {
        case .pub: ZMQ_PUB
        case .sub: ZMQ_SUB
        case .xpub: ZMQ_XPUB
        case .xsub: ZMQ_XSUB
        case .router: ZMQ_ROUTER
        case .dealer: ZMQ_DEALER
        case .req: ZMQ_REQ
        case .rep: ZMQ_REP
        case .pair: ZMQ_PAIR
        }
    }
}

/// A ZeroMQ socket. ZeroMQ sockets are not thread-safe: a `Socket` has exactly one owner (a thread,
/// or a `SocketWorker`), and is closed by that owner or when it is released.
public final class Socket {
    private var handle: UnsafeMutableRawPointer?
    public let type: SocketType
    public let options: SocketOptions
    /// Keeps the context alive until the socket is closed.
    private let context: MessagingContext
    private var endpoints: [String] = []

    /// Creates a socket and applies `options`.
    /// - Throws: `MessagingError` naming the option that libzmq rejected.
    public init(_ context: MessagingContext, _ type: SocketType, options: SocketOptions = SocketOptions()) throws(MessagingError) {
        guard let h = zmq_socket(context.pointer, type.raw) else { throw .fromErrno("zmq_socket") }
        handle = h
        self.type = type
        self.options = options
        self.context = context
        do {
            try apply(options)
        } catch {
            zmq_close(h)
            handle = nil
            throw error
        }
    }

    deinit { close() }

    /// Closes the socket (pending messages get `lingerMs` to leave). Safe to call twice.
    public func close() {
        guard let h = handle else { return }
        zmq_close(h)
        handle = nil
    }

    public var isClosed: Bool { handle == nil }

    var raw: UnsafeMutableRawPointer? { handle }

    private func live(_ operation: String) throws(MessagingError) -> UnsafeMutableRawPointer {
        guard let h = handle else { throw MessagingError(.closed, operation: operation) }
        return h
    }

    // MARK: Options

    private func apply(_ o: SocketOptions) throws(MessagingError) {
        try set(ZMQ_SNDHWM, o.sendHighWaterMark, "ZMQ_SNDHWM")
        try set(ZMQ_RCVHWM, o.receiveHighWaterMark, "ZMQ_RCVHWM")
        try set(ZMQ_LINGER, o.lingerMs, "ZMQ_LINGER")
        try set(ZMQ_MAXMSGSIZE, o.maxFrameBytes, "ZMQ_MAXMSGSIZE")
        try set(ZMQ_SNDTIMEO, o.sendTimeoutMs, "ZMQ_SNDTIMEO")
        try set(ZMQ_RCVTIMEO, o.receiveTimeoutMs, "ZMQ_RCVTIMEO")
        try set(ZMQ_RECONNECT_IVL, o.reconnectIntervalMs, "ZMQ_RECONNECT_IVL")
        if o.heartbeatIntervalMs > 0 {
            try set(ZMQ_HEARTBEAT_IVL, o.heartbeatIntervalMs, "ZMQ_HEARTBEAT_IVL")
            try set(ZMQ_HEARTBEAT_TIMEOUT, o.heartbeatTimeoutMs, "ZMQ_HEARTBEAT_TIMEOUT")
            try set(ZMQ_HEARTBEAT_TTL, o.heartbeatTTLMs, "ZMQ_HEARTBEAT_TTL")
        }
        if o.conflate { try set(ZMQ_CONFLATE, Int32(1), "ZMQ_CONFLATE") }
        if o.routerMandatory, type == .router { try set(ZMQ_ROUTER_MANDATORY, Int32(1), "ZMQ_ROUTER_MANDATORY") }
        if o.routerHandover, type == .router { try set(ZMQ_ROUTER_HANDOVER, Int32(1), "ZMQ_ROUTER_HANDOVER") }
        if let id = o.routingId {
            let h = try live("zmq_setsockopt(ZMQ_ROUTING_ID)")
            guard zmq_setsockopt(h, ZMQ_ROUTING_ID, id, id.count) == 0 else {
                throw .fromErrno("zmq_setsockopt(ZMQ_ROUTING_ID)")
            }
        }
        guard o.maxFrames > 0, o.maxMessageBytes > 0 else {
            throw MessagingError(.invalidOption, operation: "SocketOptions", detail: "maxFrames and maxMessageBytes must be above 0")
        }
        switch o.curve {
        case nil: break
        case .server(let secret)?:
            try set(ZMQ_CURVE_SERVER, Int32(1), "ZMQ_CURVE_SERVER")
            try setKey(ZMQ_CURVE_SECRETKEY, secret, "ZMQ_CURVE_SECRETKEY")
            // The domain RoboBridge's ZAP handler answers for (ZAPHandler): every handshake goes through it.
            let h = try live("zmq_setsockopt(ZMQ_ZAP_DOMAIN)")
            let domain = Array(ZAPHandler.domain.utf8)
            guard zmq_setsockopt(h, ZMQ_ZAP_DOMAIN, domain, domain.count) == 0 else { throw .fromErrno("zmq_setsockopt(ZMQ_ZAP_DOMAIN)") }
        case .client(let server, let pub, let secret)?:
            try setKey(ZMQ_CURVE_SERVERKEY, server, "ZMQ_CURVE_SERVERKEY")
            try setKey(ZMQ_CURVE_PUBLICKEY, pub, "ZMQ_CURVE_PUBLICKEY")
            try setKey(ZMQ_CURVE_SECRETKEY, secret, "ZMQ_CURVE_SECRETKEY")
        }
    }

    private func set<T: BitwiseCopyable>(_ option: Int32, _ value: T, _ name: String) throws(MessagingError) {
        let h = try live("zmq_setsockopt(\(name))")
        let rc = withUnsafeBytes(of: value) { zmq_setsockopt(h, option, $0.baseAddress, $0.count) }
        guard rc == 0 else { throw .fromErrno("zmq_setsockopt(\(name))") }
    }

    private func setKey(_ option: Int32, _ z85: String, _ name: String) throws(MessagingError) {
        guard z85.utf8.count == 40 else {
            throw MessagingError(.invalidOption, operation: "zmq_setsockopt(\(name))", detail: "a CURVE key is 40 Z85 characters, got \(z85.utf8.count)")
        }
        let h = try live("zmq_setsockopt(\(name))")
        let rc = z85.withCString { zmq_setsockopt(h, option, $0, 41) }
        guard rc == 0 else { throw .fromErrno("zmq_setsockopt(\(name))") }
    }

    // MARK: Endpoints

    /// Binds to an endpoint. For `ipc://`, the socket file's folder must be private (mode 0700, ours):
    /// it is created so when missing, and refused otherwise — another process binding the same path
    /// would take the endpoint over.
    /// - Returns: the endpoint actually bound (a `tcp://...:*` bind gets its port).
    @discardableResult
    public func bind(_ endpoint: Endpoint) throws(MessagingError) -> Endpoint {
        let h = try live("zmq_bind")
        if endpoint.transport == .ipc { try PrivateDirectory.ensure(parentOf: endpoint.address, for: endpoint.description) }
        guard zmq_bind(h, endpoint.description) == 0 else { throw .fromErrno("zmq_bind", endpoint: endpoint.description) }
        let bound = (try? lastEndpoint()) ?? endpoint
        endpoints.append(bound.description)
        return bound
    }

    /// Unbinds `endpoint` and binds it again, closing every connection accepted on it. libzmq closes the listener on
    /// its I/O thread, after `zmq_unbind` returns: the new bind is retried while the address is still in use (up to
    /// `waitMs`).
    public func rebind(_ endpoint: Endpoint, waitMs: Int = 2000) throws(MessagingError) {
        try unbind(endpoint)
        let deadline = ContinuousClock.now + .milliseconds(waitMs)
        while true {
            do throws(MessagingError) {
                try bind(endpoint)
                return
            } catch {
                guard case .zmq(let e) = error.code, e == EADDRINUSE, ContinuousClock.now < deadline else { throw error }
                usleep(5_000)
            }
        }
    }

    public func connect(_ endpoint: Endpoint) throws(MessagingError) {
        let h = try live("zmq_connect")
        guard zmq_connect(h, endpoint.description) == 0 else { throw .fromErrno("zmq_connect", endpoint: endpoint.description) }
        endpoints.append(endpoint.description)
    }

    public func disconnect(_ endpoint: Endpoint) throws(MessagingError) {
        let h = try live("zmq_disconnect")
        guard zmq_disconnect(h, endpoint.description) == 0 else { throw .fromErrno("zmq_disconnect", endpoint: endpoint.description) }
    }

    public func unbind(_ endpoint: Endpoint) throws(MessagingError) {
        let h = try live("zmq_unbind")
        guard zmq_unbind(h, endpoint.description) == 0 else { throw .fromErrno("zmq_unbind", endpoint: endpoint.description) }
    }

    /// The last endpoint bound (with the real port of a `*` bind).
    public func lastEndpoint() throws(MessagingError) -> Endpoint {
        let h = try live("zmq_getsockopt(ZMQ_LAST_ENDPOINT)")
        var buffer = [CChar](repeating: 0, count: 512)
        var size = buffer.count
        guard zmq_getsockopt(h, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else { throw .fromErrno("zmq_getsockopt(ZMQ_LAST_ENDPOINT)") }
        return try Endpoint(cString(buffer))
    }

    /// Publishes this socket's events (`ZMQ_EVENT_*` mask) on a PAIR socket bound at `endpoint` (inproc),
    /// for a `Socket(.pair)` of the same context to connect to and read (see `MonitorEvent`).
    public func monitor(_ endpoint: String, events: Int32) throws(MessagingError) {
        let h = try live("zmq_socket_monitor")
        guard zmq_socket_monitor(h, endpoint, events) == 0 else { throw .fromErrno("zmq_socket_monitor", endpoint: endpoint) }
    }

    /// SUB/XSUB: receive messages whose first frame starts with `prefix` ("" = everything).
    public func subscribe(_ prefix: String) throws(MessagingError) {
        let h = try live("zmq_setsockopt(ZMQ_SUBSCRIBE)")
        let bytes = Array(prefix.utf8)
        guard zmq_setsockopt(h, ZMQ_SUBSCRIBE, bytes, bytes.count) == 0 else { throw .fromErrno("zmq_setsockopt(ZMQ_SUBSCRIBE)", endpoint: endpoints.first) }
    }

    public func unsubscribe(_ prefix: String) throws(MessagingError) {
        let h = try live("zmq_setsockopt(ZMQ_UNSUBSCRIBE)")
        let bytes = Array(prefix.utf8)
        guard zmq_setsockopt(h, ZMQ_UNSUBSCRIBE, bytes, bytes.count) == 0 else { throw .fromErrno("zmq_setsockopt(ZMQ_UNSUBSCRIBE)", endpoint: endpoints.first) }
    }

    // MARK: Messages

    /// Sends a multipart message.
    /// - Parameter wait: block (up to the send timeout) when the queue is full; otherwise return at once.
    /// - Returns: false when the message could not be queued without waiting (EAGAIN: "would block",
    ///   not a failure); true when queued.
    /// - Throws: `MessagingError` for real failures.
    @discardableResult
    public func send(_ frames: [[UInt8]], wait: Bool = true) throws(MessagingError) -> Bool {
        let h = try live("zmq_send")
        precondition(!frames.isEmpty, "a message has at least one frame")
        for (i, frame) in frames.enumerated() {
            var flags: Int32 = wait ? 0 : ZMQ_DONTWAIT
            if i < frames.count - 1 { flags |= ZMQ_SNDMORE }
            while true {
                let rc = frame.withUnsafeBytes { zmq_send(h, $0.baseAddress, $0.count, flags) }
                if rc >= 0 { break }
                let e = zmq_errno()
                if e == EINTR { continue }
                // Only the first frame can be refused with EAGAIN: later frames of a message are atomic.
                if e == EAGAIN && i == 0 { return false }
                throw .fromErrno("zmq_send", endpoint: endpoints.first)
            }
        }
        return true
    }

    /// Convenience: sends text frames.
    @discardableResult
    public func send(_ frames: [String], wait: Bool = true) throws(MessagingError) -> Bool {
        try send(frames.map { Array($0.utf8) }, wait: wait)
    }

    /// Receives one whole multipart message, whatever its size (each frame is read into a buffer of
    /// exactly its size — nothing is truncated).
    /// - Parameter wait: block (up to the receive timeout); otherwise return nil at once when none is queued.
    /// - Returns: the frames, or nil when no message is available (EAGAIN).
    /// - Throws: `.tooManyFrames` / `.messageTooLarge` when a message breaks the limits (it has then
    ///   been read whole and dropped), or a libzmq failure.
    public func receive(wait: Bool = true) throws(MessagingError) -> [[UInt8]]? {
        let h = try live("zmq_msg_recv")
        var frames: [[UInt8]] = []
        var count = 0, total = 0
        var first = true
        while true {
            var msg = zmq_msg_t()
            zmq_msg_init(&msg)
            defer { zmq_msg_close(&msg) }
            let flags: Int32 = (first && !wait) ? ZMQ_DONTWAIT : 0
            let rc = zmq_msg_recv(&msg, h, flags)
            if rc < 0 {
                let e = zmq_errno()
                if e == EINTR { continue }
                if e == EAGAIN && first { return nil }
                throw .fromErrno("zmq_msg_recv", endpoint: endpoints.first)
            }
            first = false
            count += 1
            let size = zmq_msg_size(&msg)
            total += size
            if count <= options.maxFrames && total <= options.maxMessageBytes {
                let p = zmq_msg_data(&msg)!.assumingMemoryBound(to: UInt8.self)
                frames.append(Array(UnsafeBufferPointer(start: p, count: size)))
            }
            if zmq_msg_more(&msg) == 0 { break }
        }
        if count > options.maxFrames {
            throw MessagingError(.tooManyFrames(count: count, limit: options.maxFrames), operation: "receive", endpoint: endpoints.first)
        }
        if total > options.maxMessageBytes {
            throw MessagingError(.messageTooLarge(bytes: total, limit: options.maxMessageBytes), operation: "receive", endpoint: endpoints.first)
        }
        return frames
    }
}
