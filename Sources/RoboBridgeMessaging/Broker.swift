internal import CZeroMQ
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// One address where many robots' nodes and many clients meet.
///
/// Publish/subscribe goes through libzmq's own proxy, `zmq_proxy_steerable`, on a thread of its own:
/// every PUB connects to the XSUB at `publishers`, every SUB to the XPUB at `subscribers`, and
/// subscriptions travel back up to the publishers. Requests cannot go through a plain ROUTER/DEALER
/// proxy — a DEALER load-balances over every connected node, so a rover's request would reach the
/// drone — so a routing loop on a second thread sends each request to the node whose routing id is
/// the robot id its topic starts with, and answers at once when no such node is connected.
public final class Broker: Service, Sendable {
    /// Where the broker binds.
    public struct Endpoints: Sendable, Equatable, CustomStringConvertible {
        /// XSUB: every publisher, node or client, connects a PUB here.
        public var publishers: Endpoint
        /// XPUB: every subscriber connects a SUB here.
        public var subscribers: Endpoint
        /// ROUTER: clients connect a REQ or a DEALER and send `<robot>/translate` requests.
        public var requests: Endpoint
        /// ROUTER: each node connects a DEALER whose `ZMQ_ROUTING_ID` is its robot id.
        public var nodes: Endpoint

        public init(publishers: Endpoint, subscribers: Endpoint, requests: Endpoint, nodes: Endpoint) {
            self.publishers = publishers
            self.subscribers = subscribers
            self.requests = requests
            self.nodes = nodes
        }

        public var description: String {
            "publishers \(publishers), subscribers \(subscribers), requests \(requests), nodes \(nodes)"
        }
    }

    /// What went through the broker.
    public struct Stats: Sendable, Equatable {
        /// Messages publishers sent on to subscribers, as libzmq's proxy counts them. Refreshed about
        /// once a second while running, and once more when the proxy stops.
        public var published: UInt64 = 0
        /// Subscribe and unsubscribe messages subscribers sent up to publishers (refreshed likewise).
        public var subscriptions: UInt64 = 0
        /// Requests forwarded from clients to nodes.
        public var requests = 0
        /// Replies forwarded from nodes back to clients.
        public var replies = 0
        /// Requests for a robot with no connected node, answered with a `rejected` event.
        public var unroutable = 0
        /// Messages dropped unread: too few frames, a topic without `<robot>/`, or over the limits.
        public var malformed = 0
        /// Messages that could not be passed on: the peer's queue was full, or the client was gone.
        public var undeliverable = 0

        public init() {}
    }

    public let endpoints: Endpoints
    let context: MessagingContext
    let socketOptions: SocketOptions
    let logger: Logger
    let counters = Mutex(Stats())
    /// Set once shutdown is asked for; the routing loop checks it after every wake-up.
    let stopping = Atomic<Bool>(false)
    private let launch = Mutex(Launch())
    private let failure = Mutex<MessagingError?>(nil)

    private struct Launch {
        var result: Result<Endpoints, MessagingError>?
        var waiters: [CheckedContinuation<Result<Endpoints, MessagingError>, Never>] = []
        var wake: WakePipe?
    }

    /// - Parameters:
    ///   - endpoints: where to bind (a `tcp://host:*` endpoint gets a free port; see `ready()`).
    ///   - context: the ZeroMQ context the broker's sockets are made from.
    ///   - socketOptions: applied to every socket the broker binds.
    ///   - logger: dropped and unroutable messages are logged at debug level.
    public init(endpoints: Endpoints, context: MessagingContext, socketOptions: SocketOptions = SocketOptions(),
                logger: Logger = Logger(label: "robobridge.broker")) {
        self.endpoints = endpoints
        self.context = context
        self.socketOptions = socketOptions
        self.logger = logger
    }

    /// The counters so far.
    public var stats: Stats { counters.withLock { $0 } }

    /// Waits until every socket is bound.
    /// - Returns: the endpoints actually bound (a `tcp://...:*` bind gets its real port).
    /// - Throws: the `MessagingError` that kept the broker from starting.
    public func ready() async throws(MessagingError) -> Endpoints {
        let result = await withCheckedContinuation { c in
            let now = launch.withLock { s -> Result<Endpoints, MessagingError>? in
                if let result = s.result { return result }
                s.waiters.append(c)
                return nil
            }
            if let now { c.resume(returning: now) }
        }
        return try result.get()
    }

    // MARK: Service

    /// Binds, then forwards until graceful shutdown (or cancellation); returns when both threads have
    /// closed their sockets.
    /// - Throws: `MessagingError` when a socket cannot be bound, or when the proxy or the routing
    ///   loop fails while running.
    public func run() async throws {
        let threads: [AsyncStream<Void>]
        do throws(MessagingError) {
            threads = try await start()
        } catch {
            settle(.failure(error))
            throw error
        }
        await withTaskCancellationOrGracefulShutdownHandler {
            for exited in threads {
                for await _ in exited {}
            }
        } onCancelOrGracefulShutdown: {
            self.requestShutdown()
        }
        let s = stats
        logger.info("broker down", metadata: [
            "broker.published": "\(s.published)", "broker.requests": "\(s.requests)", "broker.replies": "\(s.replies)",
            "broker.unroutable": "\(s.unroutable)", "broker.malformed": "\(s.malformed)",
        ])
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Asks both threads to stop: the routing loop wakes, tells the proxy to terminate, and closes.
    func requestShutdown() {
        stopping.store(true, ordering: .releasing)
        launch.withLock { $0.wake }?.wake()
    }

    /// Records the first failure of a running thread and stops the broker.
    func fail(_ error: MessagingError) {
        failure.withLock { $0 = $0 ?? error }
        logger.error("broker failed", metadata: ["broker.error": "\(error)"])
        requestShutdown()
    }

    private func settle(_ result: Result<Endpoints, MessagingError>) {
        let waiters = launch.withLock { s in
            s.result = result
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }

    /// Starts the proxy, then the routing loop. The routing loop's end of the control pair is made and
    /// bound here, before either thread, so that whichever way a start fails the proxy can be told to
    /// terminate; the routing thread owns it from then on.
    private func start() async throws(MessagingError) -> [AsyncStream<Void>] {
        let wake = try WakePipe()
        launch.withLock { $0.wake = wake }
        let controlEndpoint = try Endpoint.inproc("robobridge-broker-control-\(UUID().uuidString)")
        var controlOptions = socketOptions
        controlOptions.sendTimeoutMs = 1000
        controlOptions.receiveTimeoutMs = 1000
        let controller = try Socket(context, .pair, options: controlOptions)
        try controller.bind(controlEndpoint)

        let (ctx, e, o) = (context, endpoints, socketOptions)
        let proxy = try await Self.onOwnThread("broker.proxy") { () throws(MessagingError) in
            let sockets = try ProxySockets(ctx, e, control: controlEndpoint, options: o)
            return (sockets, [sockets.bound.publishers, sockets.bound.subscribers])
        } body: { sockets in
            self.forward(sockets)
        }

        let handed = Handoff(controller)  // the routing thread owns the controller from here on
        let routing: (report: [Endpoint], exited: AsyncStream<Void>)
        do throws(MessagingError) {
            routing = try await Self.onOwnThread("broker.routing") { () throws(MessagingError) in
                let loop = try RoutingLoop(self, controller: handed.value, wake: wake)
                return (loop, [loop.bound.requests, loop.bound.nodes])
            } body: { loop in
                var loop = loop
                loop.run()
            }
        } catch {
            for await _ in proxy.exited {}  // RoutingLoop.init has told it to terminate
            throw error
        }
        let bound = Endpoints(publishers: proxy.report[0], subscribers: proxy.report[1],
                              requests: routing.report[0], nodes: routing.report[1])
        settle(.success(bound))
        logger.info("broker up", metadata: ["broker.endpoints": "\(bound)"])
        return [routing.exited, proxy.exited]
    }

    // MARK: The proxy thread

    /// The proxy thread's sockets: XSUB, XPUB and its end of the control pair.
    struct ProxySockets {
        let frontend: Socket
        let backend: Socket
        let control: Socket
        let bound: (publishers: Endpoint, subscribers: Endpoint)

        init(_ context: MessagingContext, _ endpoints: Endpoints, control: Endpoint,
             options: SocketOptions) throws(MessagingError) {
            frontend = try Socket(context, .xsub, options: options)
            backend = try Socket(context, .xpub, options: options)
            self.control = try Socket(context, .pair, options: options)
            bound = (try frontend.bind(endpoints.publishers), try backend.bind(endpoints.subscribers))
            try self.control.connect(control)
        }
    }

    /// Runs libzmq's proxy until the routing loop sends `TERMINATE`, then closes the sockets.
    private func forward(_ sockets: ProxySockets) {
        while true {
            let rc = zmq_proxy_steerable(sockets.frontend.raw, sockets.backend.raw, nil, sockets.control.raw)
            if rc == 0 { break }  // TERMINATE
            if zmq_errno() == EINTR { continue }
            fail(.fromErrno("zmq_proxy_steerable", endpoint: endpoints.publishers.description))
            break
        }
        sockets.control.close()
        sockets.backend.close()
        sockets.frontend.close()
    }

    // MARK: Threads

    /// Runs `setup` and then `body` on a new thread, so the sockets `setup` makes never leave it.
    /// - Returns: what `setup` reported, once it has run, and a stream that ends when the thread exits.
    /// - Throws: what `setup` threw (the thread has then exited).
    private static func onOwnThread<Owned, Report: Sendable>(
        _ name: String,
        setup: @escaping @Sendable () throws(MessagingError) -> (Owned, Report),
        body: @escaping @Sendable (Owned) -> Void
    ) async throws(MessagingError) -> (report: Report, exited: AsyncStream<Void>) {
        let (exited, exit) = AsyncStream.makeStream(of: Void.self)
        let started: Result<Report, MessagingError> = await withCheckedContinuation { ready in
            let thread = Thread {
                defer { exit.finish() }
                let owned: Owned, report: Report
                do throws(MessagingError) {
                    (owned, report) = try setup()
                } catch {
                    ready.resume(returning: .failure(error))
                    return
                }
                ready.resume(returning: .success(report))
                body(owned)
            }
            thread.name = name
            thread.start()
        }
        return (try started.get(), exited)
    }
}
