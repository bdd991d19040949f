import Logging
import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeTranslation
import RoboBridgeEngine
import RoboBridgeNode
import RoboBridgeProtocol
import Synchronization

/// The embedded translator as the bridge node's planner. The model, its context and the translator live
/// on a `ModelWorker` thread; one translation runs at a time. Cancelling `plan` (deadline, e-stop, a newer
/// command) sets the context's abort flag, which llama.cpp checks between graph nodes: the forward pass
/// in flight stops, and the model is free for the next command at once.
public final class TranslatorPlanner: Planner {
    /// What to load.
    public struct Settings: Sendable {
        public var robot: Robot
        public var world: World?
        /// A bundled model name or a GGUF path.
        public var model: String
        public var draftModel: String?
        public var threads: Int
        public var speculative = true

        public init(robot: Robot, world: World?, model: String? = nil, draftModel: String? = nil, threads: Int? = nil) {
            self.robot = robot
            self.world = world
            self.model = model ?? robot.model.name
            self.draftModel = draftModel ?? robot.model.draftModel
            self.threads = threads ?? robot.model.threads
        }
    }

    public let settings: Settings
    private let worker: ModelWorker<Translator>
    /// The translator's abort flag (set once the worker made it).
    private let flags: FlagBox
    /// The job on the model thread now: a cancelled `plan` aborts the forward pass only if it is its own.
    private let runningJob = Mutex<UInt64?>(nil)
    private let jobs = Atomic<UInt64>(0)
    private let logger: Logger

    /// Starts loading at once, on the model's own thread; `warmUp()` waits for it.
    public init(_ settings: Settings, logger: Logger = Logger(label: "robobridge.planner")) {
        self.settings = settings
        self.logger = logger
        let flag = FlagBox()
        worker = ModelWorker(name: "robobridge.model") { () throws -> Translator in
            let model = try Model(path: try ModelCatalog.resolve(settings.model))
            let draft = try settings.draftModel.map { name throws -> Model in try Model(path: try ModelCatalog.resolve(name)) }
            let translator = try Translator(model: model, robot: settings.robot, world: settings.world, threads: settings.threads,
                                            draftModel: draft)
            flag.value.withLock { $0 = translator.abortFlag }
            return translator
        }
        flags = flag
    }

    deinit { worker.shutdown() }

    public func warmUp() async throws -> [(String, JSONValue)] {
        try await worker.ready()
        let info = try await worker.run { t in (t.model.path, t.staticPromptTokens) }
        return [("model", .string(info.0)), ("prompt_tokens_cached", .integer(Int64(info.1))),
                ("speculative", .bool(settings.speculative))]
    }

    public func plan(_ request: PlanRequest, emit: @escaping @Sendable ([WireAction]) -> Void) async -> PlanResult {
        let id = jobs.add(1, ordering: .relaxed).newValue
        let cancelled = CancelToken()
        let speculative = settings.speculative
        let queued = ContinuousClock.now
        do {
            return try await withTaskCancellationHandler {
                try await worker.run { translator -> PlanResult in
                    let started = ContinuousClock.now
                    let proceed = self.runningJob.withLock { job -> Bool in
                        translator.abortFlag.reset()
                        guard !cancelled.isCancelled else { return false }
                        job = id
                        return true
                    }
                    defer { self.runningJob.withLock { $0 = nil } }
                    guard proceed else { return PlanResult(outcome: .fallback, actions: [], reason: "cancelled before it started") }
                    if let world = request.world { translator.update(world: world) }
                    let t = try translator.translate(request.instruction, speculative: speculative, facts: request.state.facts) { calls in
                        emit(calls.map(WireAction.init))
                    }
                    var result = Self.result(t, robot: translator.robot)
                    result.timing.queueMs = durationMs(started - queued)
                    return result
                }
            } onCancel: {
                cancelled.cancel()
                self.runningJob.withLock { job in if job == id { self.flags.value.withLock { $0 }?.abort() } }
            }
        } catch EngineError.aborted {
            return PlanResult(outcome: .fallback, actions: [], reason: "aborted")
        } catch {
            logger.error("translation failed", metadata: ["error": "\(error)", "command.id": "\(request.commandId)"])
            return PlanResult(outcome: .fallback, actions: [], reason: "the model failed: \(error)")
        }
    }

    static func result(_ t: Translation, robot: Robot) -> PlanResult {
        var timing = PlanTiming()
        timing.prepareMs = t.timing.prepareMs
        timing.prefillMs = t.timing.prefillMs
        timing.decodeMs = t.timing.decodeMs
        timing.drafters = Dictionary(t.timing.drafters.map { ($0.0, PlanTiming.DrafterCounts(proposed: $0.1.proposed, accepted: $0.1.accepted)) },
                                     uniquingKeysWith: { a, _ in a })
        let actions = t.actions.map(WireAction.init)
        guard t.finished else {
            return PlanResult(outcome: .fallback, actions: actions,
                              reason: "the plan was cut short by the token limit (model.max_tokens: \(robot.model.maxTokens))", timing: timing)
        }
        switch t.outcome {
        case "estop": return PlanResult(outcome: .estop, actions: actions, reason: "stop word", timing: timing)
        case "rejected":
            return PlanResult(outcome: .rejected, actions: [], reason: t.reason ?? "beyond a limit of \(robot.id)", timing: timing)
        case "fallback":
            return PlanResult(outcome: .fallback, actions: [], reason: t.reason ?? "the plan broke the robot file", timing: timing)
        case "no_action":
            return PlanResult(outcome: .noAction, actions: [], reason: t.reason ?? "nothing in the request is something \(robot.id) can do here",
                              timing: timing)
        default: return PlanResult(outcome: .ok, actions: actions, timing: timing)
        }
    }
}


/// Set once when a `plan` call is cancelled (read by its job on the model thread).
final class CancelToken: Sendable {
    private let flag = Atomic<Bool>(false)
    func cancel() { flag.store(true, ordering: .releasing) }
    var isCancelled: Bool { flag.load(ordering: .acquiring) }
}

/// The translator's abort flag, handed from the model thread once the translator exists.
final class FlagBox: Sendable {
    let value = Mutex<AbortFlag?>(nil)
}
