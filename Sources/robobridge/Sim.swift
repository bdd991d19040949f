import ArgumentParser
import Logging
import RoboBridgeConfig
import RoboBridgeMessaging
import RoboBridgeSim
import ServiceLifecycle

struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Play a robot in the bundled simulator, over the same ZeroMQ protocol as hardware.",
        discussion: """
            Connects to the bridge like the robot's own driver: takes <robot>/action and <robot>/estop, watches the bridge's heartbeat (no heartbeat for body.watchdog_timeout_ms and the robot stops, saying so on action_status), and publishes sensor/pose (20 Hz), sensor/objects, sensor/held, sensor/battery, sensor/flight, sensor/heartbeat and <robot>/action_status. Logs each action's status on stderr.

            Its control endpoint (ROUTER) answers <robot>/sim requests: the true state, and changes to the world (docs/protocol.md, "The simulator"). The robot file's `body` section says how the robot moves and what each action does.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Robot file (robots/*.yaml) with a `body` section.")
    var robot: String
    @Option(name: .long, help: "World file (default: the robot file's world).")
    var world: String?
    @Option(name: .long, help: "Simulated seconds per wall-clock second.")
    var speed: Double = 1
    @Option(name: .long, help: "Seed of the sensor noise: the same seed and the same inputs give the same run.")
    var seed: UInt64 = 1
    @Option(name: .long, help: "Battery charge at the start, in percent (default: body.battery.start_percent).")
    var battery: Double?
    @Option(name: .long, help: "The simulator's control endpoint (default: the robot file's endpoints.sim, else tcp://127.0.0.1:5558).")
    var control: String?
    @OptionGroup var endpoints: EndpointOptions
    @OptionGroup var security: ClientSecurityOptions

    func validate() throws {
        guard speed > 0, speed <= 1000 else { throw ValidationError("--speed must be above 0 and at most 1000, got \(speed)") }
        if let battery, !(0...100).contains(battery) { throw ValidationError("--battery must be 0 to 100, got \(battery)") }
    }

    func run() async throws {
        global.bootstrapLogging(defaultLevel: .info)
        let logger = Logger(label: "robobridge.sim")
        let (robotFile, worldFile) = try RoboBridgeCLI.loadRobotAndWorld(robot, world: world)
        guard let worldFile else { throw fail("\(robot): the robot file names no world; give --world") }
        let e = try endpoints.resolve(robotFile, as: .client)
        let controlEndpoint: Endpoint
        do { controlEndpoint = try Endpoint(control ?? robotFile.endpoints["sim"] ?? "tcp://127.0.0.1:5558") } catch { throw fail("--control: \(error)") }
        var cfg = SimNode.Configuration(robot: robotFile, world: worldFile, bridgeInbound: e.command, bridgeOutbound: e.publish, control: controlEndpoint)
        cfg.speed = speed
        cfg.seed = seed
        cfg.batteryPercent = battery
        cfg.socketOptions.curve = try security.resolve(robotFile)
        let context: MessagingContext
        do { context = try MessagingContext() } catch { throw fail("\(error)") }
        let node: SimNode
        do { node = try SimNode(configuration: cfg, context: context, logger: logger) } catch { throw fail(error.description) }
        let group = ServiceGroup(configuration: .init(services: [node], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do { try await group.run() } catch { throw fail("\(error)") }
    }
}
