import Foundation
import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeEngine
import RoboBridgeProtocol
import RoboBridgeTranslation
import Testing

/// The BFCL harness: the port of the leaderboard's AST rule, checked against the leaderboard's own answers, and
/// the real model on a fixed sample of its four categories.
@Suite("Berkeley Function-Calling Leaderboard", .serialized)
struct BFCLTests {
    static let data = root + "/.deps/bfcl"

    /// A concrete value from an accepted one: a dict answer lists options per key; its first option is taken.
    static func concrete(_ v: JSONValue) -> JSONValue {
        switch v {
        case .object(let fields):
            return .object(fields.compactMap { k, options in
                (options.arrayValue ?? [options]).first { $0 != .string("") }.map { (k, concrete($0)) }
            })
        case .array(let items) where items.contains(where: { $0.objectValue != nil }):
            return .array(items.map(concrete))
        default:
            return v
        }
    }

    /// A call made of each parameter's first accepted value ("" = left out).
    static func firstAnswer(_ a: (name: String, params: [(String, [JSONValue])])) -> BFCL.Call {
        (a.name, a.params.compactMap { p, values in values.first { $0 != .string("") }.map { (p, concrete($0)) } })
    }

    /// Answers the leaderboard's own rule cannot accept: a parameter the function does not have, or a required one
    /// the answer leaves out (quirks of its data, which it scores the same way).
    static func isQuirk(_ c: BFCL.Case) -> Bool {
        c.answers.contains { a in
            guard let f = c.functions.first(where: { $0["name"]?.stringValue == a.name }) else { return true }
            let properties = f["parameters"]?["properties"]?.objectValue?.map(\.0) ?? []
            let required = (f["parameters"]?["required"]?.arrayValue ?? []).compactMap(\.stringValue)
            return a.params.contains { !properties.contains($0.0) }
                || required.contains { r in !(a.params.first { $0.0 == r }?.1.contains { $0 != .string("") } ?? false) }
        }
    }

    @Test func theLeaderboardsOwnAnswersPassItsRule() throws {
        var quirks: [String] = []
        for category in BFCL.defaultCategories + ["parallel_multiple"] {
            let cases = try BFCL.load(category, folder: Self.data)
            #expect(cases.count >= 200, "\(category): \(cases.count) cases")
            for c in cases {
                if Self.isQuirk(c) { quirks.append(c.id); continue }
                let r = BFCL.check(c.answers.map(Self.firstAnswer), c)
                #expect(r.valid, "\(c.id): \(r.error ?? "")")
            }
        }
        #expect(quirks.count <= 5, "quirks: \(quirks)")
    }

    /// A call of a tool-set action made of JSON arguments as the leaderboard writes them: object fields flattened,
    /// arrays of objects as columns. Nil when the JSON cannot be written so (an object lacks a field another has).
    static func flattened(_ arguments: [(String, JSONValue)], _ action: Action) -> ActionCall? {
        func at(_ path: some Sequence<Substring>, _ v: JSONValue) -> JSONValue? {
            path.reduce(v as JSONValue?) { v, key in v?.objectValue?.first { $0.0 == key }?.1 }
        }
        func value(_ v: JSONValue, _ p: Parameter) -> ConfigValue? {
            switch (p.kind, v) {
            case (.integer, .integer(let n)): .integer(Int(n))
            case (.number, _): v.numberValue.map { .number($0) }
            case (.string, .string(let t)), (.enum, .string(let t)): .string(t)
            case (.boolean, .bool(let b)): .bool(b)
            default: nil
            }
        }
        let root = JSONValue.object(arguments)
        var args: [ActionCall.Argument] = []
        for p in action.parameters {
            if let r = p.name.range(of: "[].") {
                guard let objects = at(p.name[..<r.lowerBound].split(separator: "."), root)?.arrayValue else { continue }
                let field = p.name[r.upperBound...].split(separator: ".")
                let items = objects.map { at(field, $0) }
                if items.allSatisfy({ $0 == nil }), !objects.isEmpty { continue }
                let values = items.compactMap { $0.flatMap { value($0, p) } }
                guard values.count == objects.count else { return nil }
                args.append(.init(p.name, .list(values)))
            } else if let v = at(p.name.split(separator: "."), root) {
                if p.list != nil {
                    guard let items = v.arrayValue else { return nil }
                    let values = items.compactMap { value($0, p) }
                    guard values.count == items.count else { return nil }
                    args.append(.init(p.name, .list(values)))
                } else {
                    guard let x = value(v, p) else { return nil }
                    args.append(.init(p.name, x))
                }
            }
        }
        return action.normalized(ActionCall(action.name, args))
    }

    /// Every leaderboard answer with an array of objects is a plan our grammar accepts, written as columns, and
    /// zipped back it passes the leaderboard's rule: what a right answer needs can be written.
    @Test func answersWithArraysOfObjectsAreWritableAsColumns() throws {
        var checked: [String] = [], freeForm: [String] = []
        for category in ["simple", "multiple", "parallel_multiple", "live_simple", "live_multiple"] {
            for c in try BFCL.load(category, folder: Self.data) where !Self.isQuirk(c) {
                let hasColumns = c.functions.contains { f in
                    f["parameters"]?["properties"]?.objectValue?.contains { $0.1["type"]?.stringValue == "array" && $0.1["items"]?["type"]?.stringValue.map { ["dict", "object"].contains($0) } == true } == true
                }
                guard hasColumns else { continue }
                // Objects without properties (free-form dicts) cannot be written: the function is left out.
                guard let robot = try? ToolSet.load(.array(c.functions), file: c.id).robot,
                      c.answers.allSatisfy({ robot.action(named: $0.name) != nil }) else { freeForm.append(c.id); continue }
                var plan: [ActionCall] = []
                for a in c.answers {
                    let action = try #require(robot.action(named: a.name), "\(c.id): \(a.name)")
                    let call = try #require(Self.flattened(Self.firstAnswer(a).arguments, action), "\(c.id): not writable as columns")
                    #expect(action.problem(with: call, world: nil) == nil, "\(c.id): \(action.problem(with: call, world: nil) ?? "")")
                    plan.append(call)
                }
                let text = PlanText.render(plan)
                let g = PlanGrammar(robot: robot, world: nil, maxCalls: 8)
                #expect(GrammarState().advance(Array(text.utf8), g)?.canEnd(g) == true, "\(c.id): grammar refuses \(text)")
                #expect(PlanText.parse(text, robot: robot) == plan, "\(c.id)")
                let r = BFCL.check(plan.map { ($0.name, ToolSet.arguments(of: $0)) }, c)
                #expect(r.valid, "\(c.id): \(r.error ?? "")")
                checked.append(c.id)
            }
        }
        #expect(checked.count >= 15, "written: \(checked)")
        #expect(freeForm.count <= 3, "left out: \(freeForm)")
    }

    @Test func theRuleRefusesWhatTheLeaderboardRefuses() throws {
        let simple = try BFCL.load("simple", folder: Self.data)
        let c = try #require(simple.first { $0.id == "simple_python_0" })  // calculate_triangle_area(base=10, height=5, unit?)
        #expect(BFCL.check([("calculate_triangle_area", [("base", .integer(10)), ("height", .integer(5))])], c).valid)
        // Strings compare without case, spaces or ",./-_*^".
        #expect(BFCL.check([("calculate_triangle_area", [("base", .integer(10)), ("height", .integer(5)), ("unit", .string("U_nits"))])], c).valid)
        #expect(!BFCL.check([("calculate_triangle_area", [("base", .integer(10)), ("height", .integer(6))])], c).valid)
        #expect(!BFCL.check([("calculate_triangle_area", [("base", .integer(10))])], c).valid)  // a required parameter missing
        #expect(!BFCL.check([("calculate_triangle_area", [("base", .integer(10)), ("height", .integer(5)), ("depth", .integer(1))])], c).valid)
        #expect(!BFCL.check([("calculate_triangle_area", [("base", .string("10")), ("height", .integer(5))])], c).valid)  // a type
        #expect(!BFCL.check([("area", [("base", .integer(10)), ("height", .integer(5))])], c).valid)
        #expect(!BFCL.check([], c).valid)
        let call: BFCL.Call = ("calculate_triangle_area", [("base", .integer(10)), ("height", .integer(5))])
        #expect(!BFCL.check([call, call], c).valid)
        // Irrelevance: right when nothing is called.
        let irrelevant = try #require(try BFCL.load("irrelevance", folder: Self.data).first)
        #expect(BFCL.check([], irrelevant).valid)
        let someName = irrelevant.functions[0]["name"]?.stringValue ?? ""
        let called = BFCL.check([(someName, [])], irrelevant)
        #expect(!called.valid)
        // A float parameter takes an integer written for it (Python's int → float).
        let parallel = try BFCL.load("parallel", folder: Self.data)
        let bmi = try #require(parallel.first { $0.id == "parallel_4" })  // heights 6.0 and 5.6
        #expect(BFCL.check([("calculate_bmi", [("height", .integer(6)), ("weight", .integer(80))]),
                            ("calculate_bmi", [("height", .number(5.6)), ("weight", .integer(60))])], bmi).valid)
    }

    /// The real model on a fixed sample: 8 cases per category, evenly spaced. The full run is in the README.
    @Test func theModelOnAFixedSample() throws {
        let model = try TranslatorTests.model.get()
        var scores: [String: Int] = [:]
        var total = 0
        for category in BFCL.defaultCategories {
            let all = try BFCL.load(category, folder: Self.data)
            let sample = (0..<8).map { all[$0 * all.count / 8] }
            for c in sample {
                let a = try BFCL.answer(c, model: model, threads: 2)
                #expect(a.outcome != "unreadable", "\(c.id): \(a.reason ?? "")")
                if BFCL.check(a.calls, c).valid { scores[category, default: 0] += 1; total += 1 }
            }
        }
        // Floor under what this sample scored when the harness landed (12 of 32: simple 5, multiple 2, parallel 1,
        // irrelevance 4), with room for a near-tie flip or two.
        #expect(total >= 10, "BFCL sample: \(scores)")
    }

    /// Our own development set of parallel calls (corpus/tools-dev, BFCL's format): the lists and follow-up clauses
    /// of `Coordination`. 19 of 50 when it landed (6 at 26af006, before lists and follow-ups); 30 of 50 with repeated
    /// groups, lists inside a value and repeated prepositions (1aa6414).
    @Test func theParallelDevelopmentSet() throws {
        let model = try TranslatorTests.model.get()
        let cases = try BFCL.load("parallel", folder: root + "/corpus/tools-dev")
        #expect(cases.count == 50)
        var valid: [String] = []
        for c in cases where BFCL.check(try BFCL.answer(c, model: model, threads: 2).calls, c).valid { valid.append(c.id) }
        #expect(valid.count >= 27, "\(valid.count) of 50: \(valid)")
    }
}
