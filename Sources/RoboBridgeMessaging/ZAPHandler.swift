import Foundation
import Logging
import Synchronization

/// A ZAP handler (ZeroMQ RFC 27): libzmq asks it, for every CURVE handshake on a server socket of its
/// context, whether the client's public key may connect; it admits only the keys in an `AllowedKeys`
/// folder. It owns a REP socket bound to `inproc://zeromq.zap.01` on a thread of its own, so handshakes
/// never wait for Swift's cooperative pool.
///
/// With libzmq 4.3 a CURVE server with no handler bound admits any client that knows the server's
/// public key (`ZMQ_ZAP_ENFORCE_DOMAIN` is a draft option). Start the handler before binding the server
/// sockets, and check it with `CurveSelfTest`.
///
/// Nothing logged holds key material: clients are named by their key file's name, unknown ones by address.
public final class ZAPHandler: Sendable {
    public static let endpoint = "inproc://zeromq.zap.01"
    /// The ZAP domain RoboBridge's server sockets use.
    public static let domain = "robobridge"

    public struct Stats: Sendable, Equatable {
        public var admitted = 0
        public var refused = 0
        /// Admissions by client name.
        public var admittedByName: [String: Int] = [:]
    }

    public let folder: String
    private let keys: Mutex<AllowedKeys>
    private let counters = Mutex(Stats())
    private let stopping = Atomic<Bool>(false)
    private let finished = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    private let logger: Logger

    public var stats: Stats { counters.withLock { $0 } }
    public var allowed: AllowedKeys { keys.withLock { $0 } }

    /// Loads the folder, binds the handler's socket in `context` and starts its thread.
    /// - Throws: `KeyFileError` when the folder or one of its key files cannot be read (at start a broken
    ///   file is an error: it would silently lock its client out), `MessagingError` when the handler's
    ///   endpoint is taken (another handler in this context).
    public static func start(context: MessagingContext, allowedKeysFolder: String, logger: Logger) async throws -> ZAPHandler {
        let keys = try AllowedKeys.load(folder: allowedKeysFolder)
        if let problem = keys.problems.first { throw problem }
        let handler = ZAPHandler(folder: allowedKeysFolder, keys: keys, logger: logger)
        let result: Result<Void, MessagingError> = await withCheckedContinuation { ready in
            let thread = Thread {
                let socket: Socket
                do throws(MessagingError) {
                    var o = SocketOptions()
                    o.receiveTimeoutMs = 100
                    o.sendTimeoutMs = 1000
                    o.lingerMs = 0
                    o.maxFrames = 16
                    o.maxMessageBytes = 64 * 1024
                    socket = try Socket(context, .rep, options: o)
                    try socket.bind(Endpoint(endpoint))
                } catch {
                    ready.resume(returning: .failure(error))
                    return
                }
                ready.resume(returning: .success(()))
                handler.serve(socket)
            }
            thread.name = "zap"
            thread.start()
        }
        try result.get()
        logger.info("CURVE: admitting the clients whose public keys are in the allowed folder",
                    metadata: ["keys.folder": "\(allowedKeysFolder)", "keys.count": "\(keys.names.count)",
                               "keys.clients": "\(keys.names.values.sorted().joined(separator: ","))"])
        if keys.names.isEmpty { logger.warning("CURVE: the allowed folder has no key files: no client can connect", metadata: ["keys.folder": "\(allowedKeysFolder)"]) }
        return handler
    }

    private init(folder: String, keys: AllowedKeys, logger: Logger) {
        self.folder = folder
        self.keys = Mutex(keys)
        self.logger = logger
    }

    /// Re-reads the folder (on SIGHUP). A file that cannot be read is skipped and logged: it admits nobody.
    /// - Returns: the names of the clients no longer admitted (their connections should be dropped, so
    ///   they must pass the handler again), and the names newly admitted.
    @discardableResult
    public func reload() -> (removed: [String], added: [String]) {
        let fresh: AllowedKeys
        do throws(KeyFileError) {
            fresh = try AllowedKeys.load(folder: folder)
        } catch {
            // The folder itself is gone: fail closed, nobody is admitted until it is back.
            logger.error("CURVE: cannot read the allowed folder; admitting nobody", metadata: ["error": "\(error)"])
            let old = keys.withLock { k -> AllowedKeys in defer { k = AllowedKeys() }; return k }
            return (old.names.values.sorted(), [])
        }
        for problem in fresh.problems { logger.error("CURVE: key file skipped", metadata: ["error": "\(problem)"]) }
        let old = keys.withLock { k -> AllowedKeys in defer { k = fresh }; return k }
        let removed = old.names.filter { fresh.names[$0.key] != $0.value }.map(\.value).sorted()
        let added = fresh.names.filter { old.names[$0.key] != $0.value }.map(\.value).sorted()
        logger.info("CURVE: allowed keys reloaded", metadata: ["keys.count": "\(fresh.names.count)", "keys.removed": "\(removed.joined(separator: ","))",
                                                              "keys.added": "\(added.joined(separator: ","))"])
        return (removed, added)
    }

    /// Stops the thread and closes its socket; returns when done. Stop it only after the context's server
    /// sockets are closed: without a handler, libzmq admits any client that knows the server's public key.
    public func shutdown() async {
        stopping.store(true, ordering: .releasing)
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = finished.withLock { s -> Bool in
                if s.done { return true }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    /// The decision for one request's frames (RFC 27): the reply's frames.
    func answer(_ frames: [[UInt8]]) -> [[UInt8]] {
        func reply(_ requestId: [UInt8], _ status: String, _ text: String, user: String = "") -> [[UInt8]] {
            [Array("1.0".utf8), requestId, Array(status.utf8), Array(text.utf8), Array(user.utf8), []]
        }
        guard frames.count >= 6, frames[0] == Array("1.0".utf8) else {
            return reply(frames.count > 1 ? frames[1] : [], "500", "malformed ZAP request")
        }
        let requestId = frames[1], address = String(decoding: frames[3], as: UTF8.self)
        let mechanism = String(decoding: frames[5], as: UTF8.self)
        guard mechanism == "CURVE", frames.count == 7, frames[6].count == 32, let key = Z85.encode(frames[6]) else {
            counters.withLock { $0.refused += 1 }
            logger.warning("CURVE: refused a client without a CURVE key", metadata: ["peer.address": "\(address)", "mechanism": "\(mechanism)"])
            return reply(requestId, "400", "CURVE required")
        }
        guard let name = keys.withLock({ $0.names[key] }) else {
            counters.withLock { $0.refused += 1 }
            logger.warning("CURVE: refused a client whose key is not allowed", metadata: ["peer.address": "\(address)"])
            return reply(requestId, "400", "key not allowed")
        }
        counters.withLock { $0.admitted += 1; $0.admittedByName[name, default: 0] += 1 }
        logger.debug("CURVE: admitted", metadata: ["client": "\(name)", "peer.address": "\(address)"])
        return reply(requestId, "200", "OK", user: name)
    }

    private func serve(_ socket: Socket) {
        while !stopping.load(ordering: .acquiring) {
            do throws(MessagingError) {
                guard let frames = try socket.receive(wait: true) else { continue }
                try socket.send(answer(frames))
            } catch {
                if case .zmq(let e) = error.code, e == EAGAIN { continue }
                if error.code == .closed { break }
                // A request that broke the size limits was dropped whole; REP still owes a reply.
                _ = try? socket.send([Array("1.0".utf8), [], Array("500".utf8), Array("malformed ZAP request".utf8), [], []])
            }
        }
        socket.close()
        let waiters = finished.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.done = true
            defer { s.waiters = [] }
            return s.waiters
        }
        waiters.forEach { $0.resume() }
    }
}
