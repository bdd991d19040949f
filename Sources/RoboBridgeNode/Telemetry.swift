import Histogram
import RoboBridgeProtocol
import Synchronization

/// Latency percentiles and counters of a running node, answered to `<robot>/stats` requests.
/// Stages, each in microseconds in an HdrHistogram (3 significant digits, up to 10 minutes):
/// `queue` (command received → planner started), `prepare`, `prefill`, `decode` (the planner's own
/// account), `validation` and `publish` (per action), `first_action` (command received → first action
/// out), `total` (command received → outcome out) and `estop` (an e-stop read off the socket → its stop
/// action handed to the PUB socket's thread).
public final class Telemetry: Sendable {
    public static let stages = ["queue", "prepare", "prefill", "decode", "validation", "publish", "first_action", "total", "estop"]

    private struct State {
        var histograms: [String: Histogram<UInt64>] = Dictionary(uniqueKeysWithValues: Telemetry.stages.map {
            ($0, Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three))
        })
        var outcomes: [String: Int] = [:]
        var drafters: [String: PlanTiming.DrafterCounts] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Records a duration of a stage, in milliseconds.
    public func record(_ stage: String, ms: Double) {
        guard ms.isFinite, ms >= 0 else { return }
        state.withLock { s in
            _ = s.histograms[stage]?.record(UInt64(min(ms * 1000, 600_000_000).rounded()))
        }
    }

    public func count(outcome: Outcome) {
        state.withLock { $0.outcomes[outcome.rawValue, default: 0] += 1 }
    }

    public func record(_ timing: PlanTiming) {
        for (stage, ms) in [("queue", timing.queueMs), ("prepare", timing.prepareMs), ("prefill", timing.prefillMs),
                            ("decode", timing.decodeMs)] {
            if let ms { record(stage, ms: ms) }
        }
        state.withLock { s in
            for (name, c) in timing.drafters {
                let old = s.drafters[name] ?? .init(proposed: 0, accepted: 0)
                s.drafters[name] = .init(proposed: old.proposed + c.proposed, accepted: old.accepted + c.accepted)
            }
        }
    }

    /// The median and other percentiles of a stage, in milliseconds (nil before any sample).
    public func percentile(_ stage: String, _ p: Double) -> Double? {
        state.withLock { s in
            guard let h = s.histograms[stage], h.totalCount > 0 else { return nil }
            return Double(h.valueAtPercentile(p)) / 1000
        }
    }

    /// Everything, as the `data` of a stats reply.
    public func json(counters: [(String, JSONValue)]) -> JSONValue {
        state.withLock { s in
            let latency: [(String, JSONValue)] = Telemetry.stages.map { stage in
                let h = s.histograms[stage]!
                guard h.totalCount > 0 else { return (stage, .object([("count", .integer(0))])) }
                func ms(_ p: Double) -> JSONValue { .number(Double(h.valueAtPercentile(p)) / 1000) }
                return (stage, .object([("count", .integer(Int64(h.totalCount))), ("p50_ms", ms(50)), ("p90_ms", ms(90)),
                                        ("p99_ms", ms(99)), ("max_ms", .number(Double(h.max) / 1000))]))
            }
            let drafters: [(String, JSONValue)] = s.drafters.sorted { $0.key < $1.key }.map { name, c in
                (name, .object([("proposed", .integer(Int64(c.proposed))), ("accepted", .integer(Int64(c.accepted))),
                                ("acceptance", .number(c.proposed > 0 ? Double(c.accepted) / Double(c.proposed) : 0))]))
            }
            let outcomes: [(String, JSONValue)] = s.outcomes.sorted { $0.key < $1.key }.map { ($0.key, .integer(Int64($0.value))) }
            return .object(counters + [("outcomes", .object(outcomes)), ("latency", .object(latency)), ("drafters", .object(drafters))])
        }
    }
}
