import ArgumentParser
internal import CZeroMQBench
import Foundation
import RoboBridgeEngine
import RoboBridgeMessaging

struct MessagingBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zmq",
        abstract: "Round-trip latency through our ZeroMQ wrapper beside a plain C loop on libzmq, and PUB→SUB throughput.")

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Message size in bytes for the round trips.")
    var size = 256
    @Option(name: .long, help: "Round trips per transport and side.")
    var count = 20_000
    @Option(name: .long, help: "Messages for the PUB→SUB throughput.")
    var messages = 500_000
    @Option(name: .long, help: "Repetitions (medians are reported).")
    var repetitions = 3

    func run() async throws {
        global.bootstrapLogging()
        let dir = try PrivateDirectory.make(prefix: "robobridge-bench")
        let v = MessagingContext.version
        print("libzmq \(v.major).\(v.minor).\(v.patch), \(size)-byte round trips ×\(count), \(repetitions) repetitions (medians)")
        print("| transport | wrapper p50 µs | C p50 µs | wrapper p99 µs | C p99 µs | p50 overhead µs |")
        print("|---|---|---|---|---|---|")
        for transport in ["inproc", "ipc", "tcp"] {
            var ours: [Double] = [], theirs: [Double] = [], ours99: [Double] = [], theirs99: [Double] = []
            for rep in 0..<repetitions {
                let name = "\(transport)-\(rep)"
                let ep = switch transport {
                case "inproc": "inproc://bench-\(name)"
                case "ipc": "ipc://\(dir)/\(name).sock"
                default: "tcp://127.0.0.1:*"
                }
                let w = try MessagingBenchmark.roundTrips(endpoint: try Endpoint(ep), size: size, count: count)
                var c = [Double](repeating: 0, count: count)
                let cEp = ep.replacingOccurrences(of: name, with: name + "-c")
                guard rb_zmq_roundtrip(cEp, size, Int32(count), &c) == 0 else { throw fail("the C round-trip loop failed on \(cEp)") }
                ours.append(percentile(w, 0.5)); theirs.append(percentile(c, 0.5))
                ours99.append(percentile(w, 0.99)); theirs99.append(percentile(c, 0.99))
            }
            let (a, b) = (median(ours), median(theirs))
            print("| \(transport) | \(fixed(a)) | \(fixed(b)) | \(fixed(median(ours99))) | \(fixed(median(theirs99))) | \(fixed(a - b)) |")
        }
        var wrapperRates: [Double] = [], cRates: [Double] = []
        for rep in 0..<repetitions {
            wrapperRates.append(try MessagingBenchmark.pubSubThroughput(endpoint: try Endpoint("inproc://tput-\(rep)"), size: 64, count: messages))
            var rate = 0.0
            guard rb_zmq_pubsub_throughput("inproc://tput-c-\(rep)", 64, Int32(messages), &rate) == 0 else { throw fail("the C PUB→SUB loop failed") }
            cRates.append(rate)
        }
        print("")
        print("| PUB→SUB inproc, \(messages) two-frame messages (64-byte body) | wrapper msg/s | C msg/s | ratio |")
        print("|---|---|---|---|")
        print("| median of \(repetitions) | \(fixed(median(wrapperRates), 0)) | \(fixed(median(cRates), 0)) | \(fixed(median(wrapperRates) / median(cRates), 3)) |")
        try? FileManager.default.removeItem(atPath: dir)
    }
}

/// The `p`-quantile (0...1) of the values, by nearest rank.
func percentile(_ values: [Double], _ p: Double) -> Double {
    let s = values.sorted()
    guard !s.isEmpty else { return .nan }
    return s[min(s.count - 1, max(0, Int((p * Double(s.count)).rounded(.up)) - 1))]
}
