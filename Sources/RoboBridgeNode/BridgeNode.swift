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

    /// Last time each rate-limited action went out (`max_rate_hz`), across commands.
    private let rates = RateLimiter()
    public let telemetry = Telemetry()
    /// The topic frames the SUB socket's thread acts on at once.
    private let estopTopic: [UInt8]
    private let commandTopic: [UInt8]

    struct State {
        var stats = NodeStats()
        var sensors: [String: Message] = [:]
        var robotState = RobotState()
        var lastSeq: [String: UInt64] = [:]
        /// Commands received and not yet decided (the newest last); the one the model works on has a task.
        var pending: [CommandRun] = []
        var running: Task<Void, Never>?
        /// Operators' answers awaited, by command id: true go, false no, nil expired or cancelled.
        var confirmations: [String: CheckedContinuation<Bool?, Never>] = [:]
        var ready = false
        /// E-stops whose stop action the socket thread already published (by message id).
        var stoppedAtOnce: Set<String> = []
        var readyWaiters: [CheckedContinuation<BoundEndpoints, Never>] = []
        var bound: BoundEndpoints?
        /// With CURVE: the ZAP handler and the workers of the bound sockets (rebound when a key is revoked).
        var zap: ZAPHandler?
        var boundWorkers: [SocketWorker] = []
    }

    /// The endpoints actually bound (a `tcp://...:*` bind gets its real port).
    public struct BoundEndpoints: Sendable {
        public var inbound: Endpoint
        public var outbound: Endpoint
        public var requests: Endpoint?
    }

    public init(configuration: NodeConfiguration, planner: any Planner, context: MessagingContext, logger: Logger = Logger(label: "robobridge.node")) {
        self.configuration = configuration
        estopTopic = Array(Topic(robot: configuration.robot, .estop).description.utf8)
        commandTopic = Array(Topic(robot: configuration.robot, .command).description.utf8)
        self.planner = planner
        self.context = context
        var l = logger
        l[metadataKey: "robot.id"] = .string(configuration.robot)
        self.logger = l
        self.codec = Codec(robot: configuration.robot, limits: configuration.limits)
        self.stopWords = StopWordMatcher(configuration.stopWords, names: configuration.robotNames)
    }

    public var stats: NodeStats { state.withLock { $0.stats } }

    /// The newest message of a sensor (latest-value semantics), if any arrived.
    public func latestSensor(_ name: String) -> Message? { state.withLock { $0.sensors[name] } }

    /// The robot's state as its sensors last said.
    public var robotState: RobotState { state.withLock { $0.robotState } }

    /// Whether the planner is warmed up and commands are being planned.
    public var isReady: Bool { state.withLock { $0.ready } }

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

    /// The ZAP handler's counters (nil without CURVE).
    public var admissions: ZAPHandler.Stats? { state.withLock { $0.zap }?.stats }

    /// Re-reads the allowed keys folder (serve does on SIGHUP). When a key is gone, every connection is
    /// dropped (the bound sockets are unbound and bound again): peers reconnect on their own and pass the
    /// ZAP handler again, so a revoked client gets nothing more — not even what is published.
    /// - Returns: the clients removed and added; nil without CURVE.
    @discardableResult
    public func reloadAllowedKeys() async -> (removed: [String], added: [String])? {
        let (zap, workers) = state.withLock { ($0.zap, $0.boundWorkers) }
        guard let zap else { return nil }
        let change = zap.reload()
        if !change.removed.isEmpty {
            for worker in workers {
                do throws(MessagingError) { try await worker.rebind() } catch {
                    logger.error("CURVE: could not rebind to drop revoked clients", metadata: ["error": "\(error)"])
                }
            }
            logger.info("CURVE: connections dropped; clients reconnect and are checked again", metadata: ["keys.removed": "\(change.removed.joined(separator: ","))"])
        }
        return change
    }

    public func run() async throws {
        var configured = configuration
        let ctx = context
        // CURVE: the ZAP handler answers before any server socket is bound (libzmq 4.3 admits anyone otherwise).
        var zapHandler: ZAPHandler?
        if let security = configured.security {
            guard !configured.connectsToBroker else { throw NodeError.security("CURVE with a broker is not supported: the broker does not authenticate its peers") }
            zapHandler = try await ZAPHandler.start(context: ctx, allowedKeysFolder: security.allowedClients, logger: logger)
            configured.socketOptions.curve = .server(secretKey: security.keyPair.secretKey)
        }
        let cfg = configured
        var subOptionsVar = cfg.socketOptions
        subOptionsVar.maxFrames = 4  // a protocol message has 2 frames; a few more are read and reported
        let subOptions = subOptionsVar
        let pub = try await SocketWorker.start(name: "\(cfg.robot).pub", receives: false,
                                               realtimePriority: cfg.socketRealtimePriority) { () throws(MessagingError) in
            let s = try Socket(ctx, .pub, options: cfg.socketOptions)
            if cfg.connectsToBroker {
                try s.connect(cfg.outbound)
                return (s, nil)
            }
            return (s, try s.bind(cfg.outbound))
        }
        // E-stops are acted on by the SUB socket's own thread, the moment they arrive: they never wait for a
        // consumer on the cooperative pool (busy, or starved of CPU by the model). The message then takes the
        // ordinary path too (ack, bookkeeping, outcome), which does not publish the stop action again.
        let sub = try await SocketWorker.start(name: "\(cfg.robot).sub", urgent: { [self] frames in
            stopAtOnce(frames, pub: pub)
        }, realtimePriority: cfg.socketRealtimePriority) { () throws(MessagingError) in
            let s = try Socket(ctx, .sub, options: subOptions)
            if cfg.connectsToBroker {
                // Through a broker every robot's traffic passes: only this robot's inbound topics.
                try s.connect(cfg.inbound)
                for kind in ["command", "estop", "confirm", "sensor/", "action_status"] { try s.subscribe("\(cfg.robot)/\(kind)") }
                return (s, nil)
            }
            let bound = try s.bind(cfg.inbound)
            try s.subscribe("")  // everything: wrong topics are reported, not silently filtered
            return (s, bound)
        }
        var routerVar: SocketWorker?
        if let requests = cfg.requests {
            var routerOptions = cfg.socketOptions
            routerOptions.maxFrames = 6
            // Through a broker: a DEALER named by the robot id, which the broker routes requests by.
            // It receives the same frames as the ROUTER would (client id, delimiter, topic, body).
            if cfg.connectsToBroker { routerOptions.routingId = Array(cfg.robot.utf8) }
            let o = routerOptions
            routerVar = try await SocketWorker.start(name: "\(cfg.robot).router") { () throws(MessagingError) in
                if cfg.connectsToBroker {
                    let s = try Socket(ctx, .dealer, options: o)
                    try s.connect(requests)
                    return (s, nil)
                }
                let s = try Socket(ctx, .router, options: o)
                return (s, try s.bind(requests))
            }
        }
        let router = routerVar
        let bound = BoundEndpoints(inbound: sub.boundEndpoint ?? cfg.inbound, outbound: pub.boundEndpoint ?? cfg.outbound,
                                   requests: router?.boundEndpoint)
        if let zapHandler, let security = cfg.security {
            var targets: [CurveSelfTest.Target] = [.init(endpoint: bound.inbound, serverType: .sub), .init(endpoint: bound.outbound, serverType: .pub)]
            if let r = bound.requests { targets.append(.init(endpoint: r, serverType: .router)) }
            let key = security.keyPair.publicKey
            let checked = await Task.detached { () -> Result<Int, CurveSelfTest.Failure> in
                Result { () throws(CurveSelfTest.Failure) in try CurveSelfTest.run(context: ctx, serverPublicKey: key, targets: targets) }
            }.value
            switch checked {
            case .failure(let failure):
                await sub.shutdown()
                await router?.shutdown()
                await pub.shutdown()
                await zapHandler.shutdown()
                throw NodeError.security(failure.description)
            case .success(let n):
                logger.info("CURVE self-test passed: a client with an unknown key was refused", metadata: ["endpoints.checked": "\(n)"])
            }
            state.withLock {
                $0.zap = zapHandler
                $0.boundWorkers = [sub, pub] + (router.map { [$0] } ?? [])
            }
        }
        let waiters = state.withLock { s -> [CheckedContinuation<BoundEndpoints, Never>] in
            s.bound = bound
            defer { s.readyWaiters = [] }
            return s.readyWaiters
        }
        waiters.forEach { $0.resume(returning: bound) }
        logger.info("bridge node up", metadata: ["endpoint.inbound": "\(bound.inbound)", "endpoint.outbound": "\(bound.outbound)",
                                                 "sockets.realtime": "\(sub.isRealtime && pub.isRealtime)"])

        let (commands, commandQueue) = AsyncStream.makeStream(of: (Message, CommandRun).self)
        let warmUpError = WarmUpError()
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await inbound in sub.inbound { self.handleInbound(inbound, pub: pub, commands: commandQueue) }
                    commandQueue.finish()
                }
                group.addTask {
                    // Until the planner is warm, commands are refused at once (see handleInbound): none waits here.
                    do {
                        let t0 = ContinuousClock.now
                        let fields = try await self.planner.warmUp()
                        let ms = round3(durationMs(ContinuousClock.now - t0))
                        self.state.withLock { $0.ready = true }
                        self.publish(pub, .event, .event(kind: "ready", fields: fields + [("warm_up_ms", .number(ms))]))
                        self.publishHeartbeat(pub)
                        self.logger.info("ready", metadata: ["warm_up.ms": "\(ms)"])
                    } catch {
                        self.logger.error("the planner failed to start", metadata: ["error": "\(error)"])
                        warmUpError.value.withLock { $0 = String(describing: error) }
                        sub.requestShutdown()
                        router?.requestShutdown()
                        return
                    }
                    for await (command, run) in commands where !run.isConcluded { await self.execute(command, run: run, pub: pub) }
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
        state.withLock { $0.running?.cancel() }
        await sub.shutdown()
        await router?.shutdown()
        publish(pub, .heartbeat, .heartbeat(state: "stopping", subscribed: [], uptimeMs: uptimeMs()))
        await pub.shutdown()
        await zapHandler?.shutdown()
        logger.info("bridge node down")
        if let error = warmUpError.value.withLock({ $0 }) { throw NodeError.plannerFailedToStart(error) }
    }

    // MARK: Inbound

    private func handleInbound(_ inbound: SocketWorker.Inbound, pub: SocketWorker, commands: AsyncStream<(Message, CommandRun)>.Continuation) {
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
            let received = ContinuousClock.now
            acknowledge(message, pub: pub)
            if stopWords.matches(instruction) {
                estop(message, pub: pub, reason: "stop word")
                return
            }
            let run = makeRun(message, received: received, pub: pub)
            guard isReady else {
                // Loading takes seconds: no plan could come before the deadline. Said at once, not late.
                run.conclude(.rejected, reason: "not ready: the model is still loading (wait for a heartbeat with state ready)")
                return
            }
            if let limit = configuration.rules?.robot.limits.maxInstructionLength, instruction.count > limit {
                // Refused on its own: the command in progress goes on.
                run.conclude(.rejected, reason: "the instruction has \(instruction.count) characters; \(configuration.robot) takes at most "
                             + "\(limit) (limits.max_instruction_length)")
                return
            }
            // A new command preempts every earlier one not yet decided (its plan is never published).
            let (superseded, task, waiting) = state.withLock { s in
                let old = s.pending
                s.pending = [run]
                s.stats.preempted += old.count
                return (old, s.running, old.compactMap { s.confirmations.removeValue(forKey: $0.id) })
            }
            for old in superseded { old.conclude(.preempted, reason: "superseded by command \(message.envelope.id)") }
            if !superseded.isEmpty { task?.cancel() }
            waiting.forEach { $0.resume(returning: nil) }
            commands.yield((message, run))
        case .estop:
            acknowledge(message, pub: pub)
            estop(message, pub: pub, reason: "estop topic")
        case .confirm(let approve):
            let waiting = state.withLock { $0.confirmations.removeValue(forKey: message.envelope.correlationId ?? "") }
            if let waiting {
                waiting.resume(returning: approve)
            } else {
                reject(Violation(.invalidField, "no action of command \"\(message.envelope.correlationId ?? "")\" is waiting for confirmation",
                                 topic: message.topic.description, messageId: message.envelope.id), pub: pub)
            }
        case .sensor(let data):
            if case .sensor(let name) = message.topic.kind {
                let received = ContinuousClock.now
                let problem = state.withLock { s -> Violation? in
                    // Latest value per sensor: a newer message replaces an older one.
                    if let old = s.sensors[name], old.envelope.sender == message.envelope.sender, old.envelope.seq > message.envelope.seq { return nil }
                    do throws(Violation) {
                        try s.robotState.apply(sensor: name, data: data, at: received)
                    } catch {
                        return error
                    }
                    s.sensors[name] = message
                    return nil
                }
                if var problem {
                    problem.topic = message.topic.description
                    problem.messageId = message.envelope.id
                    reject(problem, pub: pub)
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
        if m.topic.kind == .command { state.withLock { $0.stats.commandsAcknowledged += 1 } }  // e-stops are counted apart
        publish(pub, .event, .event(kind: "ack", fields: [("topic", .string(m.topic.description)), ("command_seq", .integer(Int64(m.envelope.seq)))]),
                correlationId: m.envelope.id)
    }

    /// The e-stop path on the SUB socket's thread: an `estop` message, or a command that is a stop word,
    /// gets the stop action and ends every undecided command, before anything else is done with it.
    private func stopAtOnce(_ frames: [[UInt8]], pub: SocketWorker) {
        let received = ContinuousClock.now
        // Only e-stops and commands are read here: a sensor flood is not parsed twice.
        guard frames.count == 2, frames[0] == estopTopic || frames[0] == commandTopic, let m = try? codec.decode(frames) else { return }
        let reason: String
        switch m.payload {
        case .estop: reason = "estop topic"
        case .command(let instruction, _) where stopWords.matches(instruction): reason = "stop word"
        default: return
        }
        publish(pub, .action, .action(outcome: .estop, actions: [configuration.stopAction]), correlationId: m.envelope.id)
        telemetry.record("estop", ms: durationMs(ContinuousClock.now - received))
        state.withLock { $0.stoppedAtOnce.insert(m.envelope.id) }
        stopUndecided(m, reason: reason)
    }

    private func estop(_ m: Message, pub: SocketWorker, reason: String) {
        // First the stop (unless the socket thread published it already), then the bookkeeping: nothing waits
        // for the planner.
        let stopped = state.withLock { s in
            s.stats.estops += 1
            s.stats.actionsPublished += 1
            return s.stoppedAtOnce.remove(m.envelope.id) != nil
        }
        if !stopped {
            publish(pub, .action, .action(outcome: .estop, actions: [configuration.stopAction]), correlationId: m.envelope.id)
        }
        // Again in order: commands that arrived before the e-stop but were read after the socket thread acted.
        stopUndecided(m, reason: reason)
        publish(pub, .event, .event(kind: "outcome", fields: [("outcome", .string("estop")), ("reason", .string(reason)), ("latency_ms", .number(0))]),
                correlationId: m.envelope.id)
    }

    /// Ends every undecided command with `estop` and aborts the model's work.
    private func stopUndecided(_ m: Message, reason: String) {
        let (stopped, task, waiting) = state.withLock { s in
            let old = s.pending
            s.pending = []
            return (old, s.running, old.compactMap { s.confirmations.removeValue(forKey: $0.id) })
        }
        for run in stopped { run.conclude(.estop, reason: "e-stop (\(reason)) from \(m.envelope.sender)") }
        task?.cancel()
        waiting.forEach { $0.resume(returning: nil) }
    }

    // MARK: Commands

    private func makeRun(_ command: Message, received: ContinuousClock.Instant, pub: SocketWorker) -> CommandRun {
        let (world, robotState) = snapshot()
        return CommandRun(id: command.envelope.id, received: received, rules: configuration.rules, world: world,
                          state: robotState, streams: configuration.streamsActions,
                          rates: rates, telemetry: telemetry) { [self] (kind: Topic.Kind, payload: Payload) in
            if case .action(_, let actions, _, _) = payload { state.withLock { $0.stats.actionsPublished += actions.count } }
            publish(pub, kind, payload, correlationId: command.envelope.id)
        }
    }

    /// The world as the sensors see it now (the world file with the detections applied), and the robot's state.
    private func snapshot() -> (World?, RobotState) {
        state.withLock { s in (configuration.world.map(s.robotState.world(from:)), s.robotState) }
    }

    private func execute(_ command: Message, run: CommandRun, pub: SocketWorker) async {
        guard case .command(let instruction, let deadlineMs) = command.payload else { return }
        let deadline = run.received + (deadlineMs.map { .milliseconds($0) } ?? configuration.defaultDeadline)
        telemetry.record("queue", ms: durationMs(ContinuousClock.now - run.received))
        let request = PlanRequest(instruction: instruction, commandId: command.envelope.id, deadline: deadline, world: run.world, state: run.robotState)
        let task = Task { await self.decide(request, run: run) }
        state.withLock { $0.running = task }
        await task.value
        state.withLock { s in
            s.running = nil
            s.pending.removeAll { $0 === run }
        }
    }

    /// Races the planner against the deadline; whichever comes first decides, and is published at once.
    private func decide(_ request: PlanRequest, run: CommandRun) async {
        let waitsForConfirmation = await raceDeadline(request, emit: { run.offer($0, final: false) }) { first -> Bool in
            guard let result = first else {
                let budget = Int(durationMs(request.deadline - run.received))
                let sent = run.published
                let reason = sent > 0 ? "the deadline of \(budget) ms passed after \(sent) of the plan's actions"
                    : "no plan within the deadline of \(budget) ms"
                if run.conclude(.deadline, reason: reason, stop: configuration.stopOnDeadline ? configuration.stopAction : nil) {
                    state.withLock { $0.stats.deadlinesMissed += 1 }
                }
                return false
            }
            guard !run.isConcluded else { return false }  // an e-stop or a newer command decided already
            telemetry.record(result.timing)
            guard result.outcome == .ok else {
                run.conclude(result.outcome, reason: result.reason)
                return false
            }
            run.offer(result.actions, final: true)
            if let (outcome, reason) = run.problem {
                run.conclude(outcome, reason: reason)
                return false
            }
            if run.held.isEmpty {
                run.conclude(.ok, reason: nil)
                return false
            }
            return true
        }
        guard waitsForConfirmation else { return }
        await awaitConfirmation(run)
    }

    /// Holds the plan's actions from the first that needs confirmation until the operator answers on
    /// `<robot>/confirm` (correlation id = the command's id), or the robot file's timeout passes.
    private func awaitConfirmation(_ run: CommandRun) async {
        let held = run.held
        let timeoutMs = configuration.rules?.robot.limits.confirmationTimeoutMs ?? 10_000
        run.event("confirmation_required", [("action_index", .integer(Int64(run.published))), ("held", .array(held.map(\.json))),
                                            ("timeout_ms", .integer(Int64(timeoutMs)))])
        let answer: Bool? = await withTaskGroup(of: Bool?.self) { group in
            group.addTask {
                await withCheckedContinuation { c in
                    let early = self.state.withLock { s -> Bool in
                        guard !run.isConcluded else { return true }
                        s.confirmations[run.id] = c
                        return false
                    }
                    if early { c.resume(returning: nil) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(timeoutMs))
                self.state.withLock { $0.confirmations.removeValue(forKey: run.id) }?.resume(returning: nil)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        switch answer {
        case true?:
            if run.releaseHeld() { run.conclude(.ok, reason: nil) }
        case false?:
            run.conclude(.rejected, reason: "confirmation denied for \(held.map(\.name).joined(separator: ", "))")
        case nil:
            run.conclude(.rejected, reason: "confirmation timed out")
        }
    }

    /// Runs the planner against the deadline and hands `decide` the plan, or nil when the deadline came
    /// first — at that moment, without waiting for the planner to notice its cancellation.
    private func raceDeadline<R: Sendable>(_ request: PlanRequest, emit: @escaping @Sendable ([WireAction]) -> Void,
                                           decide: (PlanResult?) -> R) async -> R {
        let planner = self.planner
        return await withTaskGroup(of: PlanResult?.self) { group in
            group.addTask { await planner.plan(request, emit: emit) }
            group.addTask {
                try? await Task.sleep(until: request.deadline)
                return nil
            }
            let first = await group.next() ?? nil
            let decided = decide(first)
            group.cancelAll()
            return decided
        }
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
            switch request.payload {
            case .translate, .stats: break
            default:
                throw Violation(.unknownTopic, "the request endpoint takes \(configuration.robot)/translate and \(configuration.robot)/stats, "
                                + "got \(request.topic)", topic: request.topic.description, messageId: request.envelope.id)
            }
        } catch {
            state.withLock { $0.stats.rejected[error.reason.rawValue, default: 0] += 1 }
            var fields: [(String, JSONValue)] = [("reason", .string(error.reason.rawValue)), ("detail", .string(error.detail))]
            if let id = error.messageId { fields.append(("message_id", .string(id))) }
            router.send(head + message(.event, .event(kind: "rejected", fields: fields), correlationId: error.messageId).frames)
            return
        }
        if case .stats = request.payload {
            router.send(head + message(.stats, .stats(data: statsData()), correlationId: request.envelope.id).frames)
            return
        }
        guard case .translate(let instruction, let deadlineMs) = request.payload else { return }
        let start = ContinuousClock.now
        let deadline = start + (deadlineMs.map { .milliseconds($0) } ?? configuration.defaultDeadline)
        var result: PlanResult
        if stopWords.matches(instruction) {
            result = PlanResult(outcome: .estop, actions: [configuration.stopAction])
        } else {
            let (world, robotState) = snapshot()
            let planRequest = PlanRequest(instruction: instruction, commandId: request.envelope.id, deadline: deadline, world: world,
                                          state: robotState)
            result = await raceDeadline(planRequest, emit: { _ in }) { first in
                first ?? PlanResult(outcome: .deadline, actions: configuration.stopOnDeadline ? [configuration.stopAction] : [])
            }
            // The same rules as for commands: a plan that breaks one is not handed out.
            if result.outcome == .ok, let rules = configuration.rules,
               let problem = result.actions.enumerated().lazy.compactMap({ rules.problem($1, index: $0, world: world) }).first {
                result = PlanResult(outcome: .rejected, actions: [], reason: problem)
            }
        }
        let ms = durationMs(ContinuousClock.now - start)
        state.withLock { $0.stats.requestsAnswered += 1 }
        router.send(head + message(.plan, .plan(outcome: result.outcome.rawValue, actions: result.actions, latencyMs: (ms * 1000).rounded() / 1000),
                                   correlationId: request.envelope.id).frames)
    }

    /// The `data` of a stats reply: counters and latency percentiles.
    public func statsData() -> JSONValue {
        let s = stats
        let counters: [(String, JSONValue)] = [
            ("robot", .string(configuration.robot)), ("ready", .bool(isReady)), ("uptime_ms", .integer(uptimeMs())),
            ("commands", .integer(Int64(s.commandsAcknowledged))), ("actions_published", .integer(Int64(s.actionsPublished))),
            ("deadlines_missed", .integer(Int64(s.deadlinesMissed))), ("estops", .integer(Int64(s.estops))),
            ("preempted", .integer(Int64(s.preempted))), ("requests_answered", .integer(Int64(s.requestsAnswered))),
            ("rejected_messages", .integer(Int64(s.totalRejected))), ("gaps", .integer(Int64(s.gaps))),
        ]
        return telemetry.json(counters: counters)
    }

    // MARK: Outbound

    private func publishHeartbeat(_ pub: SocketWorker) {
        let r = configuration.robot
        publish(pub, .heartbeat, .heartbeat(state: isReady ? "ready" : "starting",
                                            subscribed: ["\(r)/command", "\(r)/estop", "\(r)/confirm", "\(r)/sensor/*", "\(r)/action_status"],
                                            uptimeMs: uptimeMs()))
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

/// Why a node stopped on its own.
public enum NodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The planner's warm-up threw (a model that does not load, say).
    case plannerFailedToStart(String)
    /// CURVE could not be set up safely (the self-test failed, or an unsupported combination).
    case security(String)

    public var description: String {
        switch self {
        case .plannerFailedToStart(let why): "the planner failed to start: \(why)"
        case .security(let why): why
        }
    }
}

/// The planner's warm-up error, handed from the task that warms it up to `run()`.
private final class WarmUpError: Sendable {
    let value = Mutex<String?>(nil)
}
