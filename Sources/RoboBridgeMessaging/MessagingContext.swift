internal import CZeroMQ
#if canImport(Glibc)
import Glibc
#endif

/// A ZeroMQ context. Sockets keep their context alive, so it is terminated only after every socket
/// made from it is closed (sockets before context, as libzmq requires); with the finite linger of
/// `SocketOptions`, termination never hangs on a peer that is gone.
public final class MessagingContext: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer

    /// - Throws: `MessagingError` when libzmq cannot create a context.
    public init() throws(MessagingError) {
        guard let p = zmq_ctx_new() else { throw MessagingError.fromErrno("zmq_ctx_new") }
        pointer = p
    }

    deinit {
        while zmq_ctx_term(pointer) != 0 && zmq_errno() == EINTR {}
    }

    /// libzmq's version, e.g. (4, 3, 4).
    public static var version: (major: Int, minor: Int, patch: Int) {
        var a: Int32 = 0, b: Int32 = 0, c: Int32 = 0
        zmq_version(&a, &b, &c)
        return (Int(a), Int(b), Int(c))
    }

    /// Whether libzmq was built with CURVE support.
    public static var hasCurve: Bool { zmq_has("curve") != 0 }

    /// A new CURVE key pair.
    public static func curveKeyPair() throws(MessagingError) -> CurveKeyPair {
        var pub = [CChar](repeating: 0, count: 41), sec = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&pub, &sec) == 0 else { throw .fromErrno("zmq_curve_keypair") }
        return CurveKeyPair(publicKey: cString(pub), secretKey: cString(sec))
    }
}

extension MessagingError {
    static func fromErrno(_ operation: String, endpoint: String? = nil) -> MessagingError {
        let e = zmq_errno()
        return MessagingError(.zmq(errno: e), operation: operation, endpoint: endpoint, detail: String(cString: zmq_strerror(e)))
    }
}

func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
