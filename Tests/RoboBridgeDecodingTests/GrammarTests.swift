import Foundation
import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeEngine
import Testing

@Suite("Plan grammar")
struct GrammarTests {
    func accepts(_ text: String, _ g: PlanGrammar) -> Bool {
        guard let s = GrammarState().advance(Array(text.utf8), g) else { return false }
        return s.canEnd(g)
    }

    @Test func acceptsValidPlansOnly() throws {
        let (rover, world) = try load("rover", "apartment")
        let g = PlanGrammar(robot: rover, world: world)
        #expect(accepts("navigate_to(target=\"kitchen\")", g))
        #expect(accepts("navigate_to(target=\"kitchen\")\npick(object=\"red_cup\")\ndock()", g))
        #expect(accepts("none", g))
        #expect(accepts("move(distance_m=-0.5)", g))
        #expect(accepts("rotate(angle_deg=180)", g))
        #expect(accepts("set_speed(speed_mps=0.1)", g))
        #expect(accepts("say(text=\"hello there\")", g))
        #expect(!accepts("navigate_to(target=\"garage\")", g))      // not in the world
        #expect(!accepts("set_speed(speed_mps=10)", g))             // out of range
        #expect(!accepts("set_speed(speed_mps=0.05)", g))
        #expect(!accepts("move(distance_m=3.5)", g))
        #expect(!accepts("rotate(angle_deg=-720)", g))
        #expect(!accepts("move(distance_m=0.1234)", g))             // > 3 decimals
        #expect(!accepts("fly(target=\"kitchen\")", g))
        #expect(!accepts("navigate_to()", g))                        // required argument
        #expect(!accepts("dock(x=1)", g))
        #expect(!accepts("say(text=\"\(String(repeating: "a", count: 121))\")", g))
        #expect(!accepts("none\ndock()", g))
        #expect(!accepts(Array(repeating: "dock()", count: 9).joined(separator: "\n"), g))  // max 8 actions
        #expect(!accepts("navigate_to(target=\"kitchen\"", g))      // unfinished
    }

    /// The robot's state rules actions out as a plan's first call only (`when` in the robot file).
    @Test func stateRulesOutFirstCallsOnly() throws {
        let (drone, world) = try load("drone", "farm")
        var g = PlanGrammar(robot: drone, world: world)
        let onTheGround = ["airborne": false]
        g.notFirst = Set(drone.actions.indices.filter { !drone.actions[$0].canStart(in: onTheGround) })
        #expect(g.notFirst.map { drone.actions[$0].name }.sorted() == ["change_altitude", "land"])
        #expect(accepts("takeoff(altitude_m=20)", g))
        #expect(!accepts("change_altitude(altitude_m=20)", g))
        #expect(!accepts("land()", g))
        #expect(accepts("takeoff(altitude_m=5)\nchange_altitude(altitude_m=20)\nland()", g))
        #expect(accepts("none", g))
        // Facts no sensor told do not restrict.
        #expect(drone.actions.allSatisfy { $0.canStart(in: [:]) })
    }

    @Test func optionalArgumentsMayBeLeftOut() throws {
        let (arm, world) = try load("arm", "workbench")
        let g = PlanGrammar(robot: arm, world: world)
        #expect(accepts("move_gripper(dz_cm=5)", g))
        #expect(accepts("move_gripper(dx_cm=1, dz_cm=-2.5)", g))
        #expect(accepts("move_gripper()", g))
        #expect(!accepts("move_gripper(dz_cm=5, dx_cm=1)", g))     // declared order
        #expect(accepts("count_parts(kind=\"screws\")", g))
        #expect(accepts("count_parts(kind=\"screws\", max=10)", g))
        #expect(!accepts("count_parts(kind=\"screws\", max=2.5)", g))
        #expect(accepts("set_suction(enabled=true)", g))
        #expect(accepts("set_mode(mode=\"fast\")", g))
        #expect(!accepts("set_mode(mode=\"turbo\")", g))
    }

    /// With distinct values, an optional parameter whose every value the call has given is not offered, and the
    /// grammar never leads to a point with nothing left to write.
    @Test func anOptionalParameterWithNothingLeftIsNotOffered() throws {
        let x = [Array("x".utf8)]
        var g = PlanGrammar(calls: [
            .init(name: Array("f".utf8), params: [.init(name: Array("a".utf8), kind: .choice(x), required: true),
                                                  .init(name: Array("b".utf8), kind: .choice(x), required: false)]),
            .init(name: Array("h".utf8), params: [.init(name: Array("a".utf8), kind: .choice(x), required: true),
                                                  .init(name: Array("b".utf8), kind: .choice(x), required: false),
                                                  .init(name: Array("c".utf8), kind: .integer(min: 0, max: 9), required: false)]),
        ], maxCalls: 2)
        #expect(accepts("f(a=\"x\", b=\"x\")", g))  // without distinct values
        g.distinctValues = []
        #expect(accepts("f(a=\"x\")", g) && accepts("h(a=\"x\", c=3)", g))
        #expect(!accepts("f(a=\"x\", b=\"x\")", g) && !accepts("h(a=\"x\", b=\"x\")", g))
        // No ", " that only b could follow.
        #expect(GrammarState().advance(Array("f(a=\"x\",".utf8), g) == nil)
        #expect(GrammarState().advance(Array("h(a=\"x\", ".utf8), g) != nil)
        // A value the request writes twice may be given twice.
        g.distinctValues = [x[0]]
        #expect(accepts("f(a=\"x\", b=\"x\")", g))
    }

    @Test func planTextRoundTrips() throws {
        let (rover, world) = try load("rover", "apartment")
        let plan = [ActionCall("navigate_to", [.init("target", .string("kitchen"))]), ActionCall("move", [.init("distance_m", .number(-0.25))]),
                    ActionCall("say", [.init("text", .string("hi"))]), ActionCall("dock")]
        let text = PlanText.render(plan)
        #expect(text == "navigate_to(target=\"kitchen\")\nmove(distance_m=-0.25)\nsay(text=\"hi\")\ndock()")
        #expect(PlanText.parse(text, robot: rover) == plan)
        #expect(accepts(text, PlanGrammar(robot: rover, world: world)))
        #expect(PlanText.render([]) == "none")
    }

    /// The guarantee: whatever the model's logits, every decoded plan parses and validates.
    /// ≥ 10,000 plans per reference robot, with a fake model giving random logits over the real vocabulary.
    @Test(arguments: [("rover", "apartment"), ("drone", "farm"), ("arm", "workbench")])
    func everyPlanValidatesWhateverTheLogits(_ pair: (String, String)) throws {
        let (robot, world) = try load(pair.0, pair.1)
        let vocab = try Vocab.smol.get()
        let grammar = PlanGrammar(robot: robot, world: world)
        let masks = MaskCache(trie: TokenTrie(tokenBytes: vocab.bytes, endTokens: vocab.end), grammar: grammar)
        let decoder = ConstrainedDecoder(masks: masks, tokenBytes: vocab.bytes, maxTokens: 96)
        let count = pair.0 == "arm" ? 2_000 : 10_000
        var actionsSeen = Set<String>(), unfinished = 0
        for seed in 0..<count {
            var source = RandomLogits(seed: UInt64(seed) &* 7919)
            let result = try decoder.decode(&source, prompt: [0])
            let text = String(decoding: result.bytes, as: UTF8.self)
            let plan = try #require(PlanText.parse(text, robot: robot), "did not parse: \(text)")
            #expect(plan.count <= robot.limits.maxPlanActions)
            for call in plan {
                actionsSeen.insert(call.name)
                let problem = robot.action(named: call.name)?.problem(with: call, world: world)
                #expect(problem == nil, "\(call): \(problem ?? "")")
            }
            if !result.finished { unfinished += 1 }
        }
        // Random logits reach every action.
        #expect(actionsSeen == Set(robot.actions.map(\.name)))
        print("\(pair.0): \(count) random plans valid; \(unfinished) cut at the token budget; \(masks.cachedStates) cached masks, \(masks.hits) hits / \(masks.misses) misses")
    }

    /// The cached masks (split inside free text into the shared inside-text sets and the walked closing
    /// tokens; keyed with the call count folded where no token can tell) equal a check of every token of
    /// the vocabulary against the grammar, in every state random plans pass through.
    @Test(arguments: [("rover", "apartment", "smollm2"), ("drone", "farm", "smollm2"), ("rover", "apartment", "spanning")])
    func masksEqualABruteForceCheck(_ pair: (String, String, String)) throws {
        let (robot, world) = try load(pair.0, pair.1)
        // "spanning": every single byte plus tokens that cross from one call into the next, into values
        // and out of free text — what a code-heavy vocabulary could hold.
        let vocab = pair.2 == "smollm2" ? try Vocab.smol.get() : (
            bytes: [[]] + (1...255).map { [UInt8($0)] } + [")\nstop()", ")\nnavigate_to(target=\"", ")\n", "\")\nsay(text=\"hi", "=\"kit",
                                                         "\", ", "\")", "(target=\"kitchen\")\n", "hello world", " the", "ok\")\nstop()\nstop"].map { Array($0.utf8) },
            end: [Int32(0)])
        let grammar = PlanGrammar(robot: robot, world: world)
        let trie = TokenTrie(tokenBytes: vocab.bytes, endTokens: vocab.end)
        let masks = MaskCache(trie: trie, grammar: grammar)
        let decoder = ConstrainedDecoder(masks: masks, tokenBytes: vocab.bytes, maxTokens: pair.2 == "smollm2" ? 96 : 600)
        var states: [GrammarState] = []
        for seed in 0..<40 {
            var source = RandomLogits(seed: UInt64(seed) &* 104_729)
            let result = try decoder.decode(&source, prompt: [0])
            var state = GrammarState()
            for t in result.tokens {
                states.append(state)
                state = try #require(state.advance(vocab.bytes[Int(t)], grammar))
            }
        }
        var checked = Set<GrammarState>(), text = 0
        for state in states where checked.insert(state).inserted {
            let expected = vocab.bytes.indices.filter { t in
                let b = vocab.bytes[t]
                return !b.isEmpty && b.count <= 48 && state.advance(b, grammar) != nil
            }.map(Int32.init)
            #expect(masks.mask(state).tokens == expected)
            if masks.mask(state).tokens.count > vocab.bytes.count / 3 { text += 1 }
        }
        #expect(text > 0, "no free-text state was checked")
        print("\(pair.0) (\(pair.2)): \(checked.count) states' masks equal the brute-force check (\(text) inside free text)")
    }
}
