import Logging
#if canImport(Glibc)
import Glibc
#endif

extension Broker {
    /// The routing thread: owns the `requests` and `nodes` ROUTERs and the controller end of the
    /// proxy's control pair, and sends each client request to the node of the robot it names.
    ///
    /// Frames: a client's REQ or DEALER arrives as `[client-id, (empty delimiter, from REQ), topic,
    /// body]`; it leaves for the nodes ROUTER as `[robot, client-id, (delimiter), topic, body]`, so
    /// the node's DEALER reads `[client-id, (delimiter), topic, body]` and answers with the same head.
    /// The answer comes back as `[robot, client-id, ...]` and goes to the client without `robot`.
    struct RoutingLoop {
        let bound: (requests: Endpoint, nodes: Endpoint)
        private let broker: Broker
        private let controller: Socket
        private let requests: Socket
        private let nodes: Socket
        private let wake: WakePipe
        /// The broker's own outbound sequence number (its `rejected` replies).
        private var seq: UInt64 = 0

        /// Messages read from one socket before looking at the other, so neither starves.
        private static let burst = 256

        /// Binds both ROUTERs. When that fails, the proxy, already running, is told to terminate.
        init(_ broker: Broker, controller: Socket, wake: WakePipe) throws(MessagingError) {
            self.broker = broker
            self.controller = controller
            self.wake = wake
            // ROUTER_MANDATORY turns "no such peer" into EHOSTUNREACH instead of a silent drop: that is
            // how an absent robot, or a client gone before its reply, is noticed and counted.
            var o = broker.socketOptions
            o.routerMandatory = true
            var nodeOptions = o
            nodeOptions.routerHandover = true  // a restarted node takes its robot id back at once
            do throws(MessagingError) {
                requests = try Socket(broker.context, .router, options: o)
                nodes = try Socket(broker.context, .router, options: nodeOptions)
                bound = (try requests.bind(broker.endpoints.requests), try nodes.bind(broker.endpoints.nodes))
            } catch {
                _ = try? controller.send(["TERMINATE"], wait: false)
                throw error
            }
        }

        /// Routes until shutdown, then takes the proxy's last counts, stops it and closes the sockets.
        mutating func run() {
            var poller = Poller()
            let wakeIndex = poller.add(fileDescriptor: wake.readDescriptor)
            let requestIndex = poller.add(requests)
            let nodeIndex = poller.add(nodes)
            var lastCount = ContinuousClock.now
            while !broker.stopping.load(ordering: .acquiring) {
                let ready: [Bool]
                do throws(MessagingError) {
                    ready = try poller.poll(timeoutMs: 1000)
                } catch {
                    broker.fail(error)
                    break
                }
                if ready[wakeIndex] { wake.drain() }
                if ready[requestIndex] {
                    for _ in 0..<Self.burst {
                        guard let frames = next(from: requests) else { break }
                        route(frames)
                    }
                }
                if ready[nodeIndex] {
                    for _ in 0..<Self.burst {
                        guard let frames = next(from: nodes) else { break }
                        returnReply(frames)
                    }
                }
                if ContinuousClock.now - lastCount >= .seconds(1) {
                    countProxyTraffic()
                    lastCount = .now
                }
            }
            countProxyTraffic()
            // Without a proxy at the other end (it failed), the send finds no peer and returns at once.
            _ = try? controller.send(["TERMINATE"], wait: false)
            nodes.close()
            requests.close()
            controller.close()
        }

        /// The next queued message, or nil when none is left. One over the frame or size limits has
        /// been read whole by `receive`; it is counted and skipped.
        private func next(from socket: Socket) -> [[UInt8]]? {
            while true {
                do throws(MessagingError) {
                    return try socket.receive(wait: false)
                } catch {
                    switch error.code {
                    case .tooManyFrames, .messageTooLarge:
                        count(\.malformed, "dropped a message over the limits", ["broker.error": "\(error)"])
                    default:
                        broker.fail(error)
                        return nil
                    }
                }
            }
        }

        /// Sends a client's request to its robot's node, or answers it when that node is not connected.
        private mutating func route(_ frames: [[UInt8]]) {
            guard let request = Request(frames) else {
                count(\.malformed, "dropped a malformed request", ["broker.frames": "\(frames.count)"])
                return
            }
            do throws(MessagingError) {
                if try nodes.send([Array(request.robot.utf8)] + frames, wait: false) {
                    broker.counters.withLock { $0.requests += 1 }
                } else {
                    count(\.undeliverable, "node queue full, request dropped", ["robot.id": "\(request.robot)"])
                }
            } catch where error.code == .zmq(errno: EHOSTUNREACH) {
                count(\.unroutable, "no node for the request's robot", ["robot.id": "\(request.robot)"])
                seq += 1
                let event = Self.unknownRobotEvent(robot: request.robot, seq: seq, timestampNs: Self.now())
                send(request.head + [Array("\(request.robot)/event".utf8), Array(event.utf8)])
            } catch {
                count(\.undeliverable, "request not sent", ["robot.id": "\(request.robot)", "broker.error": "\(error)"])
            }
        }

        /// Passes a node's answer, `[robot, client-id, ...]`, back to the client.
        private func returnReply(_ frames: [[UInt8]]) {
            guard frames.count >= 3 else {
                count(\.malformed, "dropped a malformed reply", ["broker.frames": "\(frames.count)"])
                return
            }
            if send(Array(frames.dropFirst())) { broker.counters.withLock { $0.replies += 1 } }
        }

        /// Sends to a client; a full queue or a client that is gone is counted as undeliverable.
        @discardableResult
        private func send(_ frames: [[UInt8]]) -> Bool {
            do throws(MessagingError) {
                if try requests.send(frames, wait: false) { return true }
                count(\.undeliverable, "client queue full, reply dropped", [:])
            } catch {
                count(\.undeliverable, "reply not sent", ["broker.error": "\(error)"])
            }
            return false
        }

        /// Asks the proxy for its counts (`STATISTICS`: eight 64-bit frames, frontend then backend,
        /// each received count, received bytes, sent count, sent bytes).
        private func countProxyTraffic() {
            while (try? controller.receive(wait: false)) != nil {}  // a late answer to an earlier ask
            guard (try? controller.send(["STATISTICS"], wait: false)) == true,
                  let reply = try? controller.receive(wait: true), reply.count == 8,
                  reply.allSatisfy({ $0.count == 8 }) else { return }
            let values = reply.map { frame in frame.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } }
            broker.counters.withLock {
                $0.published = values[0]
                $0.subscriptions = values[4]
            }
        }

        private func count(_ counter: WritableKeyPath<Stats, Int>, _ message: Logger.Message,
                           _ metadata: Logger.Metadata) {
            broker.counters.withLock { $0[keyPath: counter] += 1 }
            broker.logger.debug(message, metadata: metadata)
        }

        private static func now() -> Int64 {
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
        }

        /// The reply to a request for a robot with no connected node: the protocol's `rejected` event
        /// (docs/protocol.md), so a client handles it like any other rejection.
        ///
        /// Written out here instead of with RoboBridgeProtocol's `Message`: this transport module sits
        /// below the protocol module and must not depend on it, and the only text that varies is the
        /// robot id, which `Request` has checked to be letters, digits, `_` and `-`: nothing to escape.
        /// The Messaging tests decode it with the protocol's own parser.
        static func unknownRobotEvent(robot: String, seq: UInt64, timestampNs: Int64) -> String {
            #"{"version":1,"id":"broker-\#(seq)","timestamp_ns":\#(timestampNs),"robot":"\#(robot)","#
                + #""sender":"broker","seq":\#(seq),"event":"rejected","reason":"unknown_topic","#
                + #""detail":"no node for robot \"\#(robot)\" is connected to the broker"}"#
        }
    }

    /// A client request's routing head: `[client-id, (empty delimiter)]`, then a topic starting with
    /// `<robot>/`, then at least a body. Anything else is malformed.
    struct Request {
        /// The client id and, from a REQ, the empty delimiter: what the reply must start with.
        let head: [[UInt8]]
        let robot: String

        init?(_ frames: [[UInt8]]) {
            guard frames.count >= 3 else { return nil }
            let topicIndex = frames[1].isEmpty ? 2 : 1
            guard frames.count >= topicIndex + 2 else { return nil }
            let topic = frames[topicIndex]
            guard let slash = topic.firstIndex(of: UInt8(ascii: "/")), Self.isRobotId(topic[..<slash]) else {
                return nil
            }
            head = Array(frames[..<topicIndex])
            robot = String(decoding: topic[..<slash], as: UTF8.self)
        }

        /// The protocol's rule for robot ids (1-64 letters, digits, `_`, `-`; RoboBridgeProtocol's
        /// `Topic.isName`), restated because this module does not depend on the protocol module.
        static func isRobotId(_ bytes: ArraySlice<UInt8>) -> Bool {
            (1...64).contains(bytes.count) && bytes.allSatisfy { b in
                let letterOrDigit = (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
                return letterOrDigit || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
            }
        }
    }
}
