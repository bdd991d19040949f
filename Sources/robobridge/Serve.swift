import ArgumentParser
import Logging
import RoboBridgeConfig
import RoboBridgeEngine
import RoboBridgeMessaging
import RoboBridgeNode
import RoboBridgeProtocol
import RoboBridgeServe
import ServiceLifecycle
import UnixSignals

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the onboard bridge: commands in over ZeroMQ, translated by the embedded model, actions out.",
        discussion: """
            Binds the robot file's endpoints (or the ones given): a SUB socket for <robot>/command, /estop, /confirm and
            /sensor/*, a PUB socket for <robot>/action, /event and /heartbeat, and a ROUTER socket for translate and stats
            requests (docs/protocol.md). Publishes a `ready` event once the model is loaded and its masks warmed.
            With the robot file's `security` (or --key/--allowed-clients), every endpoint speaks CurveZMQ and admits only             the clients whose public keys are in the allowed folder; SIGHUP re-reads the folder and drops the connections             of removed keys. Binding an address other machines can reach without CURVE needs --insecure.
            Logs go to stderr. SIGINT or SIGTERM stops it gracefully.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Robot file (robots/*.yaml).")
    var robot: String
    @Option(name: .long, help: "World file (default: the robot file's world).")
    var world: String?
    @Option(name: .long, help: "A bundled model (\(ModelCatalog.bundled.joined(separator: ", "))) or a path to a GGUF file (default: the robot file's).")
    var model: String?
    @Option(name: .long, help: "A draft model with the same vocabulary, for speculation (default: the robot file's model.draft_model).")
    var draftModel: String?
    @Option(name: .long, help: "CPU threads for the model (default: the robot file's model.threads).")
    var threads: Int?
    @OptionGroup var endpoints: EndpointOptions
    @OptionGroup var security: ServerSecurityOptions
    @Flag(name: .long, help: "Publish complete plans only (default: each action as soon as it is final).")
    var wholePlans = false
    @Flag(name: .long, help: "Plain decoding without drafters (same plans, slower).")
    var noSpeculation = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() async throws {
        global.bootstrapLogging(defaultLevel: .info)
        let logger = Logger(label: "robobridge.serve")
        let (robotFile, worldFile): (Robot, World?)
        do {
            (robotFile, worldFile) = try RoboBridgeCLI.loadRobotAndWorld(robot, world: world)
        } catch let e as ConfigError {
            throw fail(e.description)
        }
        let e = try endpoints.resolve(robotFile, as: .node)
        var cfg = NodeConfiguration(robot: robotFile.id, inbound: e.command, outbound: e.publish, requests: e.translate)
        cfg.connectsToBroker = e.viaBroker
        cfg.configure(for: robotFile, world: worldFile)
        cfg.streamsActions = !wholePlans
        cfg.security = try security.resolve(robotFile)
        if cfg.security != nil, e.viaBroker { throw fail("CURVE (security) with --broker is not supported: the broker does not authenticate its peers") }
        let exposed = try security.checkExposure([e.command, e.publish] + (e.translate.map { [$0] } ?? []), secured: cfg.security != nil || e.viaBroker)
        for endpoint in exposed {
            logger.warning("--insecure: reachable from other machines without authentication", metadata: ["endpoint": "\(endpoint)"])
        }
        var settings = TranslatorPlanner.Settings(robot: robotFile, world: worldFile, model: model, draftModel: draftModel, threads: threads)
        settings.speculative = !noSpeculation
        // A missing, unreadable or non-GGUF model file stops the start before any socket is bound (the model itself
        // loads on its own thread while the node comes up, so e-stops are served from the first moment).
        do {
            for name in [settings.model] + (settings.draftModel.map { [$0] } ?? []) { try Model.checkFile(try ModelCatalog.resolve(name)) }
        } catch {
            throw fail("\(error)")
        }
        logger.info("loading the model", metadata: ["model": "\(settings.model)", "robot.id": "\(robotFile.id)"])
        let planner = TranslatorPlanner(settings, logger: Logger(label: "robobridge.planner"))
        let context: MessagingContext
        do { context = try MessagingContext() } catch { throw fail("\(error)") }
        let node = BridgeNode(configuration: cfg, planner: planner, context: context, logger: Logger(label: "robobridge.node"))
        let group = ServiceGroup(configuration: .init(services: [node], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        // SIGHUP: re-read the allowed keys (without CURVE there is nothing to reload; the signal is not fatal either way).
        let reloads = Task {
            for await _ in await UnixSignalsSequence(trapping: .sighup) {
                if await node.reloadAllowedKeys() == nil { logger.notice("SIGHUP: no CURVE security configured; nothing to reload") }
            }
        }
        defer { reloads.cancel() }
        do {
            try await group.run()
        } catch {
            throw fail("\(error)")
        }
    }
}
