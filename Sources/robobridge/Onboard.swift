import ArgumentParser
import RoboBridgeConfig
import RoboBridgeMessaging
import RoboBridgeNode
import RoboBridgeProtocol

/// Helpers shared by the commands that load robot files.
enum RoboBridgeCLI {
    /// Loads a robot file; a mistake in it ends the command with the error (file:line:column key: message).
    static func loadRobot(_ path: String) throws -> Robot {
        do { return try ConfigLoader.loadRobot(path) } catch { throw fail(error.description) }
    }

    /// Loads a robot file and its world (the given one, or the robot file's), checked against each other.
    /// - Throws: `ConfigError` naming file, line and key.
    static func loadRobotAndWorld(_ path: String, world: String?) throws -> (Robot, World?) {
        let robot = try ConfigLoader.loadRobot(path)
        let worldPath = world ?? robot.defaultWorld.map { ConfigLoader.resolve($0, relativeTo: path) }
        let loadedWorld = try worldPath.map { try ConfigLoader.loadWorld($0) }
        if let loadedWorld {
            let problems = ConfigLoader.check(robot: robot, world: loadedWorld)
            if let first = problems.first { throw first }
        }
        return (robot, loadedWorld)
    }
}

/// The bridge's endpoints: from the robot file's `endpoints`, unless overridden.
struct EndpointOptions: ParsableArguments {
    @Option(name: .customLong("command"), help: "The bridge's SUB endpoint for commands, e-stops, confirmations and sensors (default: the robot file's endpoints.command).")
    var commandEndpoint: String?
    @Option(name: .customLong("publish"), help: "The bridge's PUB endpoint for actions, events and heartbeats (default: endpoints.publish).")
    var publishEndpoint: String?
    @Option(name: .customLong("translate"), help: "The bridge's ROUTER endpoint for translate and stats requests (default: endpoints.translate).")
    var translateEndpoint: String?

    func resolve(_ robot: Robot) throws -> (command: Endpoint, publish: Endpoint, translate: Endpoint?) {
        func endpoint(_ override: String?, _ key: String, required: Bool) throws -> Endpoint? {
            guard let text = override ?? robot.endpoints[key] else {
                if required { throw fail("\(robot.file): no endpoints.\(key) in the robot file and no --\(key) given") }
                return nil
            }
            do { return try Endpoint(text) } catch { throw fail("--\(key) \(text): \(error)") }
        }
        return (try endpoint(commandEndpoint, "command", required: true)!, try endpoint(publishEndpoint, "publish", required: true)!,
                try endpoint(translateEndpoint, "translate", required: false))
    }
}
