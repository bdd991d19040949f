import RoboBridgeConfig
import RoboBridgeProtocol
import Synchronization

/// One command on its way out: the gate every action of its plan passes before it is published
/// (validated, rate-limited, held for confirmation), and the one place its outcome is decided — exactly
/// once, by whoever comes first: the plan, the deadline, an e-stop or a newer command. After the
/// outcome nothing more of this command is published, so an e-stop can never be followed by an action
/// of the plan it stopped.
final class CommandRun: Sendable {
    let id: String
    let received: ContinuousClock.Instant
    /// The world and the robot's state as the sensors told when the command arrived: the plan is made
    /// for them and checked against them.
    let world: World?
    let robotState: RobotState
    private let rules: PlanRules?
    private let streams: Bool
    private let publish: @Sendable (Topic.Kind, Payload) -> Void
    private let telemetry: Telemetry
    private let rates: RateLimiter
    private let state = Mutex(State())

    struct State {
        /// Actions published, and actions waiting for the operator's confirmation (in plan order).
        var published = 0
        var held: [WireAction] = []
        var whole: [WireAction] = []
        var firstAction: ContinuousClock.Instant?
        /// Set when an action broke a rule: nothing after it is published.
        var problem: (Outcome, String)?
        var concluded: Outcome?
        var rateCounted: Set<String> = []
    }

    init(id: String, received: ContinuousClock.Instant, rules: PlanRules?, world: World?, state: RobotState, streams: Bool,
         rates: RateLimiter, telemetry: Telemetry,
         publish: @escaping @Sendable (Topic.Kind, Payload) -> Void) {
        self.id = id
        self.received = received
        self.rules = rules
        self.world = world
        self.robotState = state
        self.streams = streams
        self.rates = rates
        self.telemetry = telemetry
        self.publish = publish
    }

    var isConcluded: Bool { state.withLock { $0.concluded != nil } }
    var problem: (Outcome, String)? { state.withLock { $0.problem } }
    var held: [WireAction] { state.withLock { $0.held } }
    var published: Int { state.withLock { $0.published } }

    /// Publishes an event about this command (unless it has ended).
    func event(_ kind: String, _ fields: [(String, JSONValue)]) {
        state.withLock { s in
            guard s.concluded == nil else { return }
            publish(.event, .event(kind: kind, fields: fields))
        }
    }

    /// Offers the plan's leading calls (repeating earlier offers); the new ones are checked and published
    /// or held. `final`: the plan ends with them.
    func offer(_ calls: [WireAction], final: Bool) {
        state.withLock { s in
            guard s.concluded == nil, s.problem == nil else { return }
            let seen = s.published + s.held.count + s.whole.count
            for i in seen..<max(seen, calls.count) {
                let action = calls[i]
                let t0 = ContinuousClock.now
                let problem = check(action, index: i, &s)
                telemetry.record("validation", ms: durationMs(ContinuousClock.now - t0))
                if let problem {
                    s.problem = problem
                    return
                }
                if !s.held.isEmpty || rules?.requiresConfirmation(action) == true {
                    s.held.append(action)
                } else if streams {
                    send([action], index: i, final: final && i == calls.count - 1, &s)
                } else {
                    s.whole.append(action)
                }
            }
            if final, !s.whole.isEmpty, s.held.isEmpty {
                let whole = s.whole
                s.whole = []
                send(whole, index: s.published, final: true, &s)
            }
        }
    }

    /// Publishes the held actions (the operator confirmed). Returns false when the command ended meanwhile.
    func releaseHeld() -> Bool {
        state.withLock { s in
            guard s.concluded == nil else { return false }
            let actions = s.whole + s.held
            s.whole = []
            s.held = []
            if !actions.isEmpty { send(actions, index: s.published, final: true, &s) }
            return true
        }
    }

    /// Decides the command's outcome, unless it is decided already (then returns false and does nothing).
    /// - Parameter stop: an action to publish first (the stop action of an e-stop or a missed deadline).
    @discardableResult
    func conclude(_ outcome: Outcome, reason: String?, stop: WireAction? = nil, extra: [(String, JSONValue)] = []) -> Bool {
        state.withLock { s in
            guard s.concluded == nil else { return false }
            s.concluded = outcome
            if let stop { send([stop], index: s.published, final: true, &s, outcome: outcome) }
            let now = ContinuousClock.now
            let total = durationMs(now - received)
            var fields: [(String, JSONValue)] = [("outcome", .string(outcome.rawValue))]
            if let reason, outcome != .ok { fields.append(("reason", .string(reason))) }
            fields.append(("actions", .integer(Int64(s.published))))
            fields.append(("latency_ms", .number(round3(total))))
            if let first = s.firstAction { fields.append(("first_action_ms", .number(round3(durationMs(first - received))))) }
            publish(.event, .event(kind: "outcome", fields: fields + extra))
            telemetry.record("total", ms: total)
            telemetry.count(outcome: outcome)
            return true
        }
    }

    private func check(_ action: WireAction, index: Int, _ s: inout State) -> (Outcome, String)? {
        guard let rules else { return nil }
        if let problem = rules.problem(action, index: index, world: world) { return (.rejected, problem) }
        if rules.namesTheWorld(action), let stale = rules.staleness(robotState, at: .now) {
            return (.fallback, "\(action.name) needs fresh sensor data: \(stale)")
        }
        if let interval = rules.minimumInterval(action.name), !s.rateCounted.contains(action.name) {
            let now = ContinuousClock.now
            let tooSoon = rates.last.withLock { last -> Duration? in
                if let t = last[action.name], now - t < interval { return now - t }
                last[action.name] = now
                return nil
            }
            if let since = tooSoon {
                let hz = rules.robot.action(named: action.name)?.maxRateHz ?? 0
                return (.rejected, "\(action.name) was sent \(Int(durationMs(since))) ms ago; max_rate_hz \(PlanRules.format(hz)) "
                        + "allows one every \(Int(durationMs(interval))) ms")
            }
            s.rateCounted.insert(action.name)
        }
        return nil
    }

    private func send(_ actions: [WireAction], index: Int, final: Bool, _ s: inout State, outcome: Outcome = .ok) {
        let t0 = ContinuousClock.now
        publish(.action, .action(outcome: outcome, actions: actions, index: index, final: final))
        let now = ContinuousClock.now
        telemetry.record("publish", ms: durationMs(now - t0))
        if s.firstAction == nil {
            s.firstAction = now
            telemetry.record("first_action", ms: durationMs(now - received))
        }
        s.published += actions.count
    }
}

func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

extension PlanRules {
    static func format(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }
}

/// When each rate-limited action (`max_rate_hz`) last went out, across commands.
final class RateLimiter: Sendable {
    let last = Mutex<[String: ContinuousClock.Instant]>([:])
}
