/// Errors from the ZeroMQ layer. Each keeps errno and says which call failed on which endpoint.
public struct MessagingError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// A libzmq call failed; `errno` says why.
        case zmq(errno: Int32)
        /// An endpoint string that is not tcp://host:port, ipc://path or inproc://name.
        case invalidEndpoint
        /// A received message has more frames than allowed.
        case tooManyFrames(count: Int, limit: Int)
        /// A received frame or message is larger than allowed.
        case messageTooLarge(bytes: Int, limit: Int)
        /// The socket was closed.
        case closed
        /// An option value out of range.
        case invalidOption
    }

    public var code: Code
    /// The call that failed (`zmq_bind`, `zmq_setsockopt(ZMQ_LINGER)`, ...).
    public var operation: String
    /// The endpoint involved, if any.
    public var endpoint: String?
    public var detail: String

    public init(_ code: Code, operation: String, endpoint: String? = nil, detail: String = "") {
        self.code = code
        self.operation = operation
        self.endpoint = endpoint
        self.detail = detail
    }

    public var description: String {
        var s = operation
        if let endpoint { s += " on \(endpoint)" }
        s += " failed: "
        switch code {
        case .zmq(let e): s += "\(detail) (errno \(e))"
        case .invalidEndpoint: s += "invalid endpoint: \(detail)"
        case .tooManyFrames(let n, let limit): s += "message of \(n) frames exceeds the limit of \(limit)"
        case .messageTooLarge(let n, let limit): s += "message of \(n) bytes exceeds the limit of \(limit)"
        case .closed: s += "socket is closed"
        case .invalidOption: s += detail
        }
        return s
    }
}
