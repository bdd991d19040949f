import Foundation
import Synchronization

/// A socket owned by its own thread — off Swift's cooperative pool, since a blocking receive must
/// not hold one of its few threads. Received messages come out as an `AsyncSequence`; messages to
/// send are queued from any task and sent by the owning thread. `shutdown()` never hangs: the
/// thread closes its socket (with its finite linger) and exits.
public final class SocketWorker: Sendable {
    /// An event from the socket: a whole message, or a message that broke the limits (dropped and reported).
    public enum Inbound: Sendable, Equatable {
        case message([[UInt8]])
        case rejected(MessagingError)
    }

    /// Every inbound event, in order. Ends at shutdown.
    public let inbound: AsyncStream<Inbound>
    /// The endpoint bound by the setup closure (with its real port), if it bound one.
    public let boundEndpoint: Endpoint?

    private let continuation: AsyncStream<Inbound>.Continuation
    private let outbox = Mutex<[[[UInt8]]]>([])
    private let stopping = Atomic<Bool>(false)
    private let wakePipe: WakePipe
    private let finished = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    private let urgent: (@Sendable ([[UInt8]]) -> Void)?
    /// Whether the thread runs under SCHED_FIFO (`realtimePriority` was given and allowed).
    public let isRealtime: Bool
    private let counters = Mutex<Stats>(Stats())
    /// Work for the owning thread (`perform`), run between polls.
    private let operations = Mutex<[@Sendable (Socket) -> Void]>([])

    public struct Stats: Sendable, Equatable {
        public var received = 0
        public var rejected = 0
        public var sent = 0
        /// Sends refused because the queue was full (PUB drops; others would block).
        public var sendDropped = 0
        public var sendErrors = 0
    }

    public var stats: Stats { counters.withLock { $0 } }

    /// Starts a worker thread, which creates its socket with `setup` (bind/connect/subscribe there:
    /// the socket never leaves that thread).
    /// - Parameters:
    ///   - name: the thread's name, for debugging.
    ///   - receives: whether to poll the socket for inbound messages (false for PUB).
    ///   - bufferLimit: inbound messages kept when the consumer is slower (newest dropped beyond it; counted).
    ///   - urgent: called on the socket's own thread with every message received, before it joins
    ///     `inbound` — for what must not wait for a consumer on Swift's cooperative pool (an e-stop).
    ///     Keep it short: it delays the messages behind it.
    ///   - realtimePriority: run the thread under SCHED_FIFO at this priority (1–99), so that it preempts
    ///     compute threads (the model's) the moment a message arrives; it sleeps in `poll` otherwise. Needs
    ///     CAP_SYS_NICE: without it the thread keeps its normal priority (see `isRealtime`).
    ///   - setup: creates and prepares the socket; returns it and the endpoint it bound, if any.
    /// - Throws: whatever `setup` throws, or `MessagingError` when no wake-up pipe can be made.
    public static func start(name: String, receives: Bool = true, bufferLimit: Int = 100_000,
                             urgent: (@Sendable ([[UInt8]]) -> Void)? = nil, realtimePriority: Int32? = nil,
                             setup: @escaping @Sendable () throws(MessagingError) -> (Socket, Endpoint?)) async throws(MessagingError) -> SocketWorker {
        // A self-pipe wakes the owning thread's poll when there is something to send or to stop.
        let wakePipe = try WakePipe()
        let result: Result<SocketWorker, MessagingError> = await withCheckedContinuation { ready in
            let thread = Thread {
                var realtime = false
                if let realtimePriority {
                    var param = sched_param(sched_priority: realtimePriority)
                    realtime = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param) == 0
                }
                let socket: Socket, bound: Endpoint?
                do throws(MessagingError) {
                    (socket, bound) = try setup()
                } catch {
                    ready.resume(returning: .failure(error))
                    return
                }
                let worker = SocketWorker(wakePipe: wakePipe, bound: bound, bufferLimit: bufferLimit, urgent: urgent, realtime: realtime)
                ready.resume(returning: .success(worker))
                worker.run(socket, receives: receives)
            }
            thread.name = name
            thread.start()
        }
        return try result.get()
    }

    private init(wakePipe: WakePipe, bound: Endpoint?, bufferLimit: Int, urgent: (@Sendable ([[UInt8]]) -> Void)?, realtime: Bool) {
        self.wakePipe = wakePipe
        self.urgent = urgent
        self.isRealtime = realtime
        self.boundEndpoint = bound
        (inbound, continuation) = AsyncStream.makeStream(of: Inbound.self, bufferingPolicy: .bufferingOldest(bufferLimit))
    }

    /// Queues a message for the owning thread to send. Returns at once.
    public func send(_ frames: [[UInt8]]) {
        outbox.withLock { $0.append(frames) }
        wake()
    }

    /// Stops the thread: pending outgoing messages are sent first, then the socket is closed
    /// (linger applies) and `inbound` ends. Returns when the thread is done.
    public func shutdown() async {
        stopping.store(true, ordering: .releasing)
        wake()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let resumeNow = finished.withLock { state -> Bool in
                if state.done { return true }
                state.waiters.append(c)
                return false
            }
            if resumeNow { c.resume() }
        }
    }

    /// Asks the thread to stop without waiting for it (for graceful-shutdown handlers, which cannot await).
    public func requestShutdown() {
        stopping.store(true, ordering: .releasing)
        wake()
    }

    private func wake() { wakePipe.wake() }

    /// Runs `operation` on the owning thread with the socket (between polls), and returns its result.
    /// - Throws: what `operation` throws, or `.closed` when the worker stopped first.
    public func perform(_ operation: @escaping @Sendable (Socket) throws(MessagingError) -> Void) async throws(MessagingError) {
        let result: Result<Void, MessagingError> = await withCheckedContinuation { c in
            let queued = finished.withLock { state -> Bool in
                guard !state.done else { return false }
                operations.withLock { $0.append { socket in c.resume(returning: Result { () throws(MessagingError) in try operation(socket) }) } }
                return true
            }
            if queued { wake() } else { c.resume(returning: .failure(MessagingError(.closed, operation: "perform"))) }
        }
        try result.get()
    }

    /// Unbinds and binds again the endpoint the worker bound: every connection accepted on it is closed,
    /// and peers (which reconnect on their own) go through the handshake — and the ZAP handler — again.
    public func rebind() async throws(MessagingError) {
        guard let endpoint = boundEndpoint else { return }
        try await perform { (socket) throws(MessagingError) in try socket.rebind(endpoint) }
    }

    private func runOperations(_ socket: Socket) {
        let pending = operations.withLock { ops -> [@Sendable (Socket) -> Void] in
            defer { ops = [] }
            return ops
        }
        for op in pending { op(socket) }
    }

    private func run(_ socket: Socket, receives: Bool) {
        var poller = Poller()
        let wakeIndex = poller.add(fileDescriptor: wakePipe.readDescriptor)
        let socketIndex = receives ? poller.add(socket) : -1
        while true {
            let ready: [Bool]
            do { ready = try poller.poll(timeoutMs: 1000) } catch { break }
            if ready[wakeIndex] { wakePipe.drain() }
            flushOutbox(socket)
            runOperations(socket)
            if receives, ready[socketIndex] { drain(socket) }
            if stopping.load(ordering: .acquiring) {
                flushOutbox(socket)
                break
            }
        }
        socket.close()
        continuation.finish()
        let waiters = finished.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.done = true
            runOperations(socket)  // queued before `done`: they see a closed socket and say so
            defer { state.waiters = [] }
            return state.waiters
        }
        for w in waiters { w.resume() }
    }

    private func flushOutbox(_ socket: Socket) {
        let pending = outbox.withLock { box -> [[[UInt8]]] in
            defer { box = [] }
            return box
        }
        for frames in pending {
            do throws(MessagingError) {
                if try socket.send(frames, wait: false) {
                    counters.withLock { $0.sent += 1 }
                } else {
                    counters.withLock { $0.sendDropped += 1 }
                }
            } catch {
                counters.withLock { $0.sendErrors += 1 }
            }
        }
    }

    /// Reads every message queued right now, so the thread goes back to polling only when empty.
    private func drain(_ socket: Socket) {
        while true {
            do throws(MessagingError) {
                guard let frames = try socket.receive(wait: false) else { return }
                counters.withLock { $0.received += 1 }
                urgent?(frames)
                continuation.yield(.message(frames))
            } catch {
                if error.code == .closed { return }
                if case .zmq = error.code { return }
                counters.withLock { $0.rejected += 1 }
                continuation.yield(.rejected(error))
            }
        }
    }
}
