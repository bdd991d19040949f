import Logging
import RoboBridgeConfig
import RoboBridgeMessaging
import RoboBridgeProtocol
import ServiceLifecycle
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The bridge's real-time node: subscribes to commands and sensors, answers every command (ack,
/// then a plan or a fallback before its deadline), publishes actions, events and heartbeats, and
/// answers synchronous translate requests. Each socket is owned by its own `SocketWorker` thread.
public final class BridgeNode: Service, Sendable {
    public let configuration: NodeConfiguration
    private let planner: any Planner
    private let context: MessagingContext
    private let logger: Logger
    private let codec: Codec
    private let stopWords: StopWordMatcher
    private let state = Mutex(State())
    private let outSeq = Atomic<UInt64>(0)
    private let startedAt = ContinuousClock.now

    struct State {
        var stats = NodeStats()
        var sensors: [String: Message] = [:]
        var lastSeq: [String: UInt64] = [:]
        var current: Task<Void, Never>?
        var readyWaiters: [CheckedContinuation<BoundEndpoints, Never>] = []
        var bound: BoundEndpoints?
    }

    /// The endpoints actually bound (a `tcp://...:*` bind gets its real port).
    public struct BoundEndpoints: Sendable {
        public var inbound: Endpoint
        public var outbound: Endpoint
        public var requests: Endpoint?
    }

    public init(configuration: NodeConfiguration, planner: any Planner, context: MessagingContext, logger: Logger = Logger(label: "robobridge.node")) {
        self.configuration = configuration
        self.planner = planner
        self.context = context
        var l = logger
        l[metadataKey: "robot.id"] = .string(configuration.robot)
        self.logger = l
        self.codec = Codec(robot: configuration.robot, limits: configuration.limits)
        self.stopWords = StopWordMatcher(configuration.stopWords)
    }

    public var stats: NodeStats { state.withLock { $0.stats } }

    /// The newest message of a sensor (latest-value semantics), if any arrived.
    public func latestSensor(_ name: String) -> Message? { state.withLock { $0.sensors[name] } }

    /// Waits until the node's sockets are bound and subscribed.
    public func ready() async -> BoundEndpoints {
        await withCheckedContinuation { c in
            let now = state.withLock { s -> BoundEndpoints? in
                if let b = s.bound { return b }
                s.readyWaiters.append(c)
                return nil
            }
            if let now { c.resume(returning: now) }
        }
    }

    // MARK: Service

    public func run() async throws {
        let cfg = configuration
        let ctx = context
        var subOptionsVar = cfg.socketOptions
        subOptionsVar.maxFrames = 4  // a protocol message has 2 frames; a few more are read and reported
        let subOptions = subOptionsVar
        let sub = try await SocketWorker.start(name: "\(cfg.robot).sub") { () throws(MessagingError) in
            let s = try Socket(ctx, .sub, options: subOptions)
            let bound = try s.bind(cfg.inbound)
            try s.subscribe("")  // everything: wrong topics are reported, not silently filtered
            return (s, bound)
        }
        let pub = try await SocketWorker.start(name: "\(cfg.robot).pub", receives: false) { () throws(MessagingError) in
            let s = try Socket(ctx, .pub, options: cfg.socketOptions)
            return (s, try s.bind(cfg.outbound))
        }
        var routerVar: SocketWorker?
        if let requests = cfg.requests {
            var routerOptions = cfg.socketOptions
            routerOptions.maxFrames = 6
            let o = routerOptions
            routerVar = try await SocketWorker.start(name: "\(cfg.robot).router") { () throws(MessagingError) in
                let s = try Socket(ctx, .router, options: o)
                return (s, try s.bind(requests))
            }
        }
        let router = routerVar
        let bound = BoundEndpoints(inbound: sub.boundEndpoint ?? cfg.inbound, outbound: pub.boundEndpoint ?? cfg.outbound,
                                   requests: router?.boundEndpoint)
        let waiters = state.withLock { s -> [CheckedContinuation<BoundEndpoints, Never>] in
            s.bound = bound
            defer { s.readyWaiters = [] }
            return s.readyWaiters
        }
        waiters.forEach { $0.resume(returning: bound) }
        logger.info("bridge node up", metadata: ["endpoint.inbound": "\(bound.inbound)", "endpoint.outbound": "\(bound.outbound)"])

        let (commands, commandQueue) = AsyncStream.makeStream(of: Message.self)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await inbound in sub.inbound { self.handleInbound(inbound, pub: pub, commands: commandQueue) }
                    commandQueue.finish()
                }
                group.addTask {
                    for await command in commands { await self.execute(command, pub: pub) }
                }
                if let router {
                    group.addTask {
                        await withTaskGroup(of: Void.self) { requests in
                            for await inbound in router.inbound {
                                requests.addTask { await self.answer(inbound, router: router) }
                            }
                        }
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        self.publishHeartbeat(pub)
                        try? await Task.sleep(for: cfg.heartbeatInterval)
                    }
                }
                // The inbound loop ends when the SUB worker shuts down; then stop the rest.
                await group.next()
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            sub.requestShutdown()
            router?.requestShutdown()
        }
        state.withLock { $0.current?.cancel() }
        await sub.shutdown()
        await router?.shutdown()
        publish(pub, .heartbeat, .heartbeat(state: "stopping", subscribed: [], uptimeMs: uptimeMs()))
        await pub.shutdown()
        logger.info("bridge node down")
    }

    // MARK: Inbound

    private func handleInbound(_ inbound: SocketWorker.Inbound, pub: SocketWorker, commands: AsyncStream<Message>.Continuation) {
        let message: Message
        switch inbound {
        case .rejected(let error):
            let violation: Violation = switch error.code {
            case .tooManyFrames(let n, _): Violation(.wrongFrameCount, "expected 2 frames (topic, JSON body), got \(n)")
            case .messageTooLarge(let n, let limit): Violation(.messageTooLarge, "message of \(n) bytes exceeds \(limit)")
            default: Violation(.messageTooLarge, error.description)
            }
            reject(violation, pub: pub)
            return
        case .message(let frames):
            do throws(Violation) {
                message = try codec.decode(frames)
            } catch {
                reject(error, pub: pub)
                return
            }
        }
        // Per-sender sequence numbers: report gaps (lost messages), refuse replays.
        let (gap, duplicate) = state.withLock { s -> ((UInt64, UInt64)?, Bool) in
            let sender = message.envelope.sender, seq = message.envelope.seq
            if let last = s.lastSeq[sender] {
                if seq <= last { return (nil, true) }
                s.lastSeq[sender] = seq
                if seq > last + 1 { s.stats.gaps += 1; return ((last + 1, seq), false) }
                return (nil, false)
            }
            s.lastSeq[sender] = seq
            return (nil, false)
        }
        if duplicate {
            reject(Violation(.duplicate, "sequence number \(message.envelope.seq) from \"\(message.envelope.sender)\" was already seen",
                             topic: message.topic.description, messageId: message.envelope.id), pub: pub)
            return
        }
        if let (expected, got) = gap {
            publish(pub, .event, .event(kind: "gap", fields: [("sender", .string(message.envelope.sender)),
                                                               ("expected_seq", .integer(Int64(expected))), ("got_seq", .integer(Int64(got)))]))
        }
        state.withLock { $0.stats.accepted[message.payload.kindName, default: 0] += 1 }
        switch message.payload {
        case .command(let instruction, _):
            acknowledge(message, pub: pub)
            if stopWords.matches(instruction) {
                estop(message, pub: pub, reason: "stop word")
            } else {
                commands.yield(message)
            }
        case .estop:
            acknowledge(message, pub: pub)
            estop(message, pub: pub, reason: "estop topic")
        case .sensor:
            if case .sensor(let name) = message.topic.kind {
                state.withLock { s in
                    // Latest value per sensor: a newer message replaces an older one.
                    if let old = s.sensors[name], old.envelope.sender == message.envelope.sender, old.envelope.seq > message.envelope.seq { return }
                    s.sensors[name] = message
                }
            }
        case .actionStatus:
            break  // counted above; the simulator/mission work consumes these
        default:
            break
        }
    }

    private func reject(_ v: Violation, pub: SocketWorker) {
        state.withLock { $0.stats.rejected[v.reason.rawValue, default: 0] += 1 }
        logger.debug("rejected inbound message", metadata: ["reject.reason": "\(v.reason.rawValue)", "reject.detail": "\(v.detail)"])
        var fields: [(String, JSONValue)] = [("reason", .string(v.reason.rawValue)), ("detail", .string(v.detail))]
        if let t = v.topic { fields.append(("topic", .string(t))) }
        if let id = v.messageId { fields.append(("message_id", .string(id))) }
        publish(pub, .event, .event(kind: "rejected", fields: fields), correlationId: v.messageId)
    }

    private func acknowledge(_ m: Message, pub: SocketWorker) {
        state.withLock { $0.stats.commandsAcknowledged += 1 }
        publish(pub, .event, .event(kind: "ack", fields: [("topic", .string(m.topic.description)), ("command_seq", .integer(Int64(m.envelope.seq)))]),
                correlationId: m.envelope.id)
    }

    private func estop(_ m: Message, pub: SocketWorker, reason: String) {
        // First the stop, then the bookkeeping: nothing waits for the planner.
        publish(pub, .action, .action(outcome: "estop", actions: [configuration.stopAction]), correlationId: m.envelope.id)
        let current = state.withLock { s -> Task<Void, Never>? in
            s.stats.estops += 1
            s.stats.actionsPublished += 1
            return s.current
        }
        current?.cancel()
        publish(pub, .event, .event(kind: "outcome", fields: [("outcome", .string("estop")), ("reason", .string(reason)), ("latency_ms", .number(0))]),
                correlationId: m.envelope.id)
    }

    // MARK: Commands

    private func execute(_ command: Message, pub: SocketWorker) async {
        guard case .command(let instruction, let deadlineMs) = command.payload else { return }
        let start = ContinuousClock.now
        let deadline = start + (deadlineMs.map { .milliseconds($0) } ?? configuration.defaultDeadline)
        let task = Task { await self.decide(command, instruction: instruction, start: start, deadline: deadline, pub: pub) }
        state.withLock { $0.current = task }
        await task.value
        state.withLock { $0.current = nil }
    }

    /// Races the planner against the deadline; whichever comes first decides, and is published at once.
    private func decide(_ command: Message, instruction: String, start: ContinuousClock.Instant, deadline: ContinuousClock.Instant, pub: SocketWorker) async {
        await raceDeadline(instruction, deadline) { first in
            if Task.isCancelled {  // an e-stop superseded this command; the stop is already out
                publish(pub, .event, .event(kind: "outcome", fields: [("outcome", .string("cancelled")), ("reason", .string("estop"))]),
                        correlationId: command.envelope.id)
                return
            }
            let latency = milliseconds(since: start)
            if let result = first {
                publishPlan(result, for: command, latencyMs: latency, pub: pub)
            } else {
                state.withLock { $0.stats.deadlinesMissed += 1 }
                let actions = configuration.stopOnDeadline ? [configuration.stopAction] : []
                publishPlan(PlanResult(outcome: "deadline", actions: actions), for: command, latencyMs: latency, pub: pub)
            }
        }
    }

    /// Runs the planner against the deadline and hands `decide` the plan, or nil when the deadline came
    /// first — at that moment, without waiting for the planner to notice its cancellation.
    private func raceDeadline<R: Sendable>(_ instruction: String, _ deadline: ContinuousClock.Instant,
                                           decide: (PlanResult?) -> R) async -> R {
        let planner = self.planner
        return await withTaskGroup(of: PlanResult?.self) { group in
            group.addTask { await planner.plan(instruction: instruction, deadline: deadline) }
            group.addTask {
                try? await Task.sleep(until: deadline)
                return nil
            }
            let first = await group.next() ?? nil
            let decided = decide(first)
            group.cancelAll()
            return decided
        }
    }

    private func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    private func publishPlan(_ result: PlanResult, for command: Message, latencyMs: Double, pub: SocketWorker) {
        if !result.actions.isEmpty || result.outcome != "no_action" {
            publish(pub, .action, .action(outcome: result.outcome, actions: result.actions), correlationId: command.envelope.id)
            state.withLock { $0.stats.actionsPublished += 1 }
        }
        publish(pub, .event, .event(kind: "outcome", fields: [("outcome", .string(result.outcome)), ("actions", .integer(Int64(result.actions.count))),
                                                              ("latency_ms", .number((latencyMs * 1000).rounded() / 1000))]),
                correlationId: command.envelope.id)
    }

    // MARK: Request / reply

    private func answer(_ inbound: SocketWorker.Inbound, router: SocketWorker) async {
        guard case .message(var frames) = inbound, frames.count >= 2 else { return }
        let identity = frames.removeFirst()
        var head: [[UInt8]] = [identity]
        if frames.first?.isEmpty == true { head.append(frames.removeFirst()) }  // REQ's empty delimiter
        let request: Message
        do throws(Violation) {
            request = try codec.decode(frames)
            guard case .translate = request.payload else {
                throw Violation(.unknownTopic, "the request endpoint takes \(configuration.robot)/translate, got \(request.topic)", topic: request.topic.description, messageId: request.envelope.id)
            }
        } catch {
            state.withLock { $0.stats.rejected[error.reason.rawValue, default: 0] += 1 }
            var fields: [(String, JSONValue)] = [("reason", .string(error.reason.rawValue)), ("detail", .string(error.detail))]
            if let id = error.messageId { fields.append(("message_id", .string(id))) }
            router.send(head + message(.event, .event(kind: "rejected", fields: fields), correlationId: error.messageId).frames)
            return
        }
        guard case .translate(let instruction, let deadlineMs) = request.payload else { return }
        let start = ContinuousClock.now
        let deadline = start + (deadlineMs.map { .milliseconds($0) } ?? configuration.defaultDeadline)
        let result: PlanResult
        if stopWords.matches(instruction) {
            result = PlanResult(outcome: "estop", actions: [configuration.stopAction])
        } else {
            result = await raceDeadline(instruction, deadline) { first in
                first ?? PlanResult(outcome: "deadline", actions: configuration.stopOnDeadline ? [configuration.stopAction] : [])
            }
        }
        let ms = milliseconds(since: start)
        state.withLock { $0.stats.requestsAnswered += 1 }
        router.send(head + message(.plan, .plan(outcome: result.outcome, actions: result.actions, latencyMs: (ms * 1000).rounded() / 1000),
                                   correlationId: request.envelope.id).frames)
    }

    // MARK: Outbound

    private func publishHeartbeat(_ pub: SocketWorker) {
        let r = configuration.robot
        publish(pub, .heartbeat, .heartbeat(state: "ready", subscribed: ["\(r)/command", "\(r)/estop", "\(r)/sensor/*", "\(r)/action_status"], uptimeMs: uptimeMs()))
    }

    private func uptimeMs() -> Int64 {
        let d = ContinuousClock.now - startedAt
        return d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
    }

    private func message(_ kind: Topic.Kind, _ payload: Payload, correlationId: String? = nil) -> Message {
        let seq = outSeq.add(1, ordering: .relaxed).newValue
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let envelope = Envelope(id: "\(configuration.sender)-\(seq)", timestampNs: Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec),
                                robot: configuration.robot, sender: configuration.sender, seq: seq, correlationId: correlationId)
        return Message(topic: Topic(robot: configuration.robot, kind), envelope: envelope, payload: payload)
    }

    private func publish(_ pub: SocketWorker, _ kind: Topic.Kind, _ payload: Payload, correlationId: String? = nil) {
        pub.send(message(kind, payload, correlationId: correlationId).frames)
    }
}
