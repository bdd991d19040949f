/// Options applied to a socket when it is created. Every `zmq_setsockopt` is checked.
public struct SocketOptions: Sendable, Equatable {
    /// Messages queued for sending before PUB drops or other types block (libzmq default 1000).
    public var sendHighWaterMark: Int32 = 1000
    public var receiveHighWaterMark: Int32 = 1000
    /// Keep only the newest message. libzmq's CONFLATE does not support multipart messages and
    /// misbehaves with topic filters (libzmq #1688, #3323, #4399): do not use it for two-frame
    /// protocol messages — use `LatestValueReceiver`-style draining instead.
    public var conflate = false
    /// How long unsent messages are kept at close, in ms. libzmq's default (-1) waits forever and can
    /// hang shutdown when a peer is gone; ours is short and finite.
    public var lingerMs: Int32 = 200
    /// libzmq's own per-frame cap (`ZMQ_MAXMSGSIZE`): a peer sending a larger frame is disconnected.
    /// A memory backstop; the protocol limits below are enforced by RoboBridge with a report.
    public var maxFrameBytes: Int64 = 1 << 20
    /// The most frames in one received message; more is an error (the message is drained and dropped).
    public var maxFrames = 8
    /// The most bytes in one received message (all frames).
    public var maxMessageBytes = 1 << 20
    /// Blocking send/receive timeouts in ms (-1 = forever).
    public var sendTimeoutMs: Int32 = -1
    public var receiveTimeoutMs: Int32 = -1
    /// ZMTP heartbeats: interval, timeout and TTL in ms (0 = off).
    public var heartbeatIntervalMs: Int32 = 0
    public var heartbeatTimeoutMs: Int32 = 0
    public var heartbeatTTLMs: Int32 = 0
    /// Reconnect interval in ms.
    public var reconnectIntervalMs: Int32 = 100
    /// ROUTER: report unroutable messages as errors instead of dropping them.
    public var routerMandatory = false
    /// ROUTER: a peer connecting with a routing id already in use takes it over (a restarted node
    /// reconnecting before its old connection is known to be dead), instead of being refused.
    public var routerHandover = false
    /// The name a ROUTER peer knows this socket by (1-255 bytes, not starting with a zero byte); nil
    /// lets libzmq pick one. A node connecting to the broker gives its robot id.
    public var routingId: [UInt8]? = nil
    /// CURVE security.
    public var curve: Curve? = nil

    public enum Curve: Sendable, Equatable {
        /// The server side: its secret key (Z85, 40 characters).
        case server(secretKey: String)
        /// The client side: the server's public key and the client's own key pair.
        case client(serverKey: String, publicKey: String, secretKey: String)
    }

    public init() {}
}

/// A CURVE key pair in Z85 text (40 characters each).
public struct CurveKeyPair: Sendable, Equatable {
    public var publicKey: String
    public var secretKey: String
}
