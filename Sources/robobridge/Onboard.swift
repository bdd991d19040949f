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

/// The bridge's endpoints: from the robot file's `endpoints`, unless overridden, or a broker's.
struct EndpointOptions: ParsableArguments {
    @Option(name: .customLong("command"), help: "The bridge's SUB endpoint for commands, e-stops, confirmations and sensors (default: the robot file's endpoints.command).")
    var commandEndpoint: String?
    @Option(name: .customLong("publish"), help: "The bridge's PUB endpoint for actions, events and heartbeats (default: endpoints.publish).")
    var publishEndpoint: String?
    @Option(name: .customLong("translate"), help: "The bridge's ROUTER endpoint for translate and stats requests (default: endpoints.translate).")
    var translateEndpoint: String?
    @Option(name: .long, help: "Go through a `robobridge broker`: its four endpoints, comma-separated (publishers,subscribers,requests,nodes), or `local` for its defaults.")
    var broker: String?

    /// Where a node or a client meets the other side.
    struct Resolved {
        var command: Endpoint
        var publish: Endpoint
        var translate: Endpoint?
        /// Through a broker: everyone connects, nobody binds.
        var viaBroker: Bool
    }

    enum Role { case node, client }

    func resolve(_ robot: Robot, as role: Role = .client) throws -> Resolved {
        if let broker {
            guard commandEndpoint == nil, publishEndpoint == nil, translateEndpoint == nil else {
                throw fail("give either --broker or --command/--publish/--translate, not both")
            }
            let texts = broker == "local" ? ["tcp://127.0.0.1:5600", "tcp://127.0.0.1:5601", "tcp://127.0.0.1:5602", "tcp://127.0.0.1:5603"]
                : broker.split(separator: ",").map { String($0).trimmingCharacters(in: " ") }
            guard texts.count == 4 else {
                throw fail("--broker \(broker): expected four endpoints, publishers,subscribers,requests,nodes (or `local`), got \(texts.count)")
            }
            let e = try texts.map { text in
                do { return try Endpoint(text) } catch { throw fail("--broker \(text): \(error)") }
            }
            let (publishers, subscribers, requests, nodes) = (e[0], e[1], e[2], e[3])
            return role == .node ? Resolved(command: subscribers, publish: publishers, translate: nodes, viaBroker: true)
                : Resolved(command: publishers, publish: subscribers, translate: requests, viaBroker: true)
        }
        func endpoint(_ override: String?, _ key: String, required: Bool) throws -> Endpoint? {
            guard let text = override ?? robot.endpoints[key] else {
                if required { throw fail("\(robot.file): no endpoints.\(key) in the robot file and no --\(key) given") }
                return nil
            }
            do { return try Endpoint(text) } catch { throw fail("--\(key) \(text): \(error)") }
        }
        return Resolved(command: try endpoint(commandEndpoint, "command", required: true)!,
                        publish: try endpoint(publishEndpoint, "publish", required: true)!,
                        translate: try endpoint(translateEndpoint, "translate", required: false), viaBroker: false)
    }
}
