import ArgumentParser
import Logging
import RoboBridgeMessaging
import ServiceLifecycle

struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "One address for a fleet: robots' nodes and clients publish, subscribe and send requests there.",
        discussion: """
            Publishers (nodes' and clients' PUB sockets) connect to --publishers, subscribers to --subscribers. \
            Clients send <robot>/translate requests to --requests; each node connects a DEALER whose routing id \
            is its robot id to --nodes, and gets the requests for its robot. Runs until SIGINT or SIGTERM.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Where publishers connect (an XSUB socket).")
    var publishers = "tcp://127.0.0.1:5600"
    @Option(name: .long, help: "Where subscribers connect (an XPUB socket).")
    var subscribers = "tcp://127.0.0.1:5601"
    @Option(name: .long, help: "Where clients send requests (a ROUTER socket; connect a REQ or DEALER).")
    var requests = "tcp://127.0.0.1:5602"
    @Option(name: .long, help: "Where nodes connect a DEALER whose routing id is their robot id (a ROUTER socket).")
    var nodes = "tcp://127.0.0.1:5603"

    func validate() throws {
        let options = [("--publishers", publishers), ("--subscribers", subscribers),
                       ("--requests", requests), ("--nodes", nodes)]
        for (name, text) in options {
            do { _ = try Endpoint(text) } catch { throw ValidationError("\(name): \(error)") }
        }
    }

    func run() async throws {
        global.bootstrapLogging()
        let endpoints = Broker.Endpoints(publishers: try Endpoint(publishers), subscribers: try Endpoint(subscribers),
                                         requests: try Endpoint(requests), nodes: try Endpoint(nodes))
        let logger = Logger(label: "robobridge.broker")
        let broker = Broker(endpoints: endpoints, context: try MessagingContext(), logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: broker)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        var stderr = StandardError()
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                if let bound = try? await broker.ready() { print("robobridge broker: up; \(bound)", to: &stderr) }
                try await tasks.waitForAll()
            }
        } catch {
            throw fail("\(error)")
        }
        let s = broker.stats
        print("robobridge broker: down; published \(s.published), subscriptions \(s.subscriptions), "
              + "requests \(s.requests), replies \(s.replies), unroutable \(s.unroutable), "
              + "malformed \(s.malformed), undeliverable \(s.undeliverable)", to: &stderr)
    }
}
