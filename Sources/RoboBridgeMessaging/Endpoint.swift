/// A validated ZeroMQ endpoint: `tcp://host:port`, `ipc:///path` or `inproc://name`.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    public enum Transport: String, Sendable { case tcp, ipc, inproc }

    public let transport: Transport
    /// `host:port` for tcp, the path for ipc, the name for inproc.
    public let address: String

    public var description: String { "\(transport.rawValue)://\(address)" }

    /// Parses and validates an endpoint string.
    /// - Throws: `MessagingError` with code `.invalidEndpoint` naming what is wrong.
    public init(_ string: String) throws(MessagingError) {
        func bad(_ why: String) -> MessagingError { MessagingError(.invalidEndpoint, operation: "Endpoint", endpoint: string, detail: why) }
        guard let range = string.firstRange(of: "://") else { throw bad("expected tcp://host:port, ipc://path or inproc://name") }
        guard let transport = Transport(rawValue: String(string[..<range.lowerBound])) else {
            throw bad("unknown transport \"\(string[..<range.lowerBound])\"; expected tcp, ipc or inproc")
        }
        let address = String(string[range.upperBound...])
        guard !address.isEmpty else { throw bad("empty address") }
        switch transport {
        case .tcp:
            guard let colon = address.lastIndex(of: ":") else { throw bad("expected host:port") }
            let host = address[..<colon], port = address[address.index(after: colon)...]
            guard !host.isEmpty else { throw bad("empty host (use * to bind all interfaces)") }
            guard port == "*" || (UInt16(port).map { $0 > 0 } ?? false) else { throw bad("port \"\(port)\" is not 1-65535 or *") }
        case .ipc:
            guard address.utf8.count < 108 else { throw bad("ipc path longer than 107 bytes (the socket address limit)") }
        case .inproc:
            guard address.utf8.count <= 256 else { throw bad("inproc name longer than 256 bytes") }
        }
        self.transport = transport
        self.address = address
    }

    public static func tcp(host: String, port: Int) throws(MessagingError) -> Endpoint { try Endpoint("tcp://\(host):\(port)") }
    public static func ipc(path: String) throws(MessagingError) -> Endpoint { try Endpoint("ipc://\(path)") }
    public static func inproc(_ name: String) throws(MessagingError) -> Endpoint { try Endpoint("inproc://\(name)") }
}
