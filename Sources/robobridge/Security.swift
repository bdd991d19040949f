import ArgumentParser
import RoboBridgeConfig
import RoboBridgeMessaging
import RoboBridgeNode

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a CURVE key pair for a bridge node or one of its clients.",
        discussion: """
            Writes DIR/NAME.key (the public key: give it to the other side) and DIR/NAME.key_secret (mode 0600: keep it \
            where it is), in the format pyzmq's zmq.auth and CZMQ read. A node names its secret file in the robot file's \
            `security.server_key`; it admits the clients whose public files are in `security.allowed_clients` (re-read on \
            SIGHUP). See docs/configuration.md, "security".
            """)

    @Argument(help: "The key's name (letters, digits, '_', '-', '.'): the node's or the client's.")
    var name: String
    @Option(name: .long, help: "Where to write the two files.")
    var dir: String = "keys"
    @Flag(name: .long, help: "Replace existing files (peers that know the old key are refused from then on).")
    var force = false

    func run() throws {
        do {
            let (pub, sec) = try CurveKeyFile.generate(name: name, directory: dir, overwrite: force)
            print("public key: \(pub)")
            print("secret key: \(sec) (mode 0600; never copy it off this machine)")
        } catch {
            throw fail("\(error)")
        }
    }
}

/// The node's side: its key pair and the clients it admits, from flags or the robot file's `security`.
struct ServerSecurityOptions: ParsableArguments {
    @Option(name: .long, help: "The node's secret key file (NAME.key_secret from `robobridge keygen`; default: the robot file's security.server_key). Turns CURVE on.")
    var key: String?
    @Option(name: .long, help: "The folder of clients' public key files the node admits (default: security.allowed_clients).")
    var allowedClients: String?
    @Flag(name: .long, help: "Allow binding an address other machines can reach without CURVE (logged as a warning).")
    var insecure = false

    /// The node's CURVE settings, or nil for plain ZeroMQ.
    func resolve(_ robot: Robot) throws -> NodeSecurity? {
        guard let keyFile = key ?? robot.security?.serverKey else {
            if allowedClients != nil { throw fail("--allowed-clients needs a key: --key or the robot file's security.server_key") }
            return nil
        }
        guard let folder = allowedClients ?? robot.security?.allowedClients else {
            throw fail("--key needs --allowed-clients (the folder of clients' public keys) or the robot file's security.allowed_clients")
        }
        guard MessagingContext.hasCurve else { throw fail("this libzmq was built without CURVE; security cannot be used") }
        do { return NodeSecurity(keyPair: try CurveKeyFile.readPair(keyFile), allowedClients: folder) } catch { throw fail("\(error)") }
    }

    /// Refuses endpoints other machines can reach when there is no CURVE, unless --insecure.
    /// - Returns: the reachable ones (for a warning under --insecure).
    func checkExposure(_ endpoints: [Endpoint], secured: Bool) throws -> [Endpoint] {
        guard !secured else { return [] }
        let exposed = endpoints.filter { !$0.isLocalOnly }
        if !exposed.isEmpty && !insecure {
            throw fail("\(exposed.map(\.description).joined(separator: ", ")) can be reached from other machines, and nothing would authenticate "
                       + "who sends commands: configure CURVE (`robobridge keygen`, the robot file's `security`, docs/configuration.md) "
                       + "or pass --insecure")
        }
        return exposed
    }
}

/// A client's side (send, sim, mission --bridge): its own key pair and the node's public key.
struct ClientSecurityOptions: ParsableArguments {
    @Option(name: .customLong("key"), help: "This client's secret key file (NAME.key_secret; default: the robot file's security.client_key). Needed when the bridge uses CURVE.")
    var clientKey: String?
    @Option(name: .long, help: "The bridge's public key file (default: the robot file's security.server_key with .key_secret → .key).")
    var serverKey: String?

    /// The CURVE client settings, or nil when neither the flags nor the robot file ask for CURVE.
    func resolve(_ robot: Robot) throws -> SocketOptions.Curve? {
        let serverFile = serverKey ?? robot.security.map { CurveKeyFile.publicPath(forSecret: $0.serverKey) }
        let clientFile = clientKey ?? robot.security?.clientKey
        switch (serverFile, clientFile) {
        case (nil, nil): return nil
        case (nil, _?): throw fail("--key needs the bridge's public key: --server-key or the robot file's security.server_key")
        case (_?, nil):
            throw fail("the bridge uses CURVE (\(robot.file): security): give --key, a secret key file from `robobridge keygen` whose public key is in the bridge's allowed folder")
        case (let s?, let c?):
            do {
                let server = try CurveKeyFile.readPublic(s), own = try CurveKeyFile.readPair(c)
                return .client(serverKey: server, publicKey: own.publicKey, secretKey: own.secretKey)
            } catch { throw fail("\(error)") }
        }
    }
}

extension Endpoint {
    /// Only this machine can reach it: ipc, inproc, or tcp on a loopback address.
    var isLocalOnly: Bool {
        guard transport == .tcp, let colon = address.lastIndex(of: ":") else { return true }
        let host = address[..<colon].lowercased()
        return host == "localhost" || host.hasPrefix("127.") || host == "[::1]" || host == "::1"
    }
}
