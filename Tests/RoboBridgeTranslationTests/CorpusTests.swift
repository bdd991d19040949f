import Foundation
import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeTranslation
import RoboBridgeEngine
import RoboBridgeProtocol
import Testing

/// The quality corpus on the real default model: every plan is schema-valid, exact-match accuracy
/// does not fall below the level reached (a regression floor, not the target), and speculative
/// decoding gives exactly the plan plain decoding gives, for every instruction (lossless).
@Suite("Quality corpus", .serialized)
struct CorpusTests {
    /// Reached: 192/212 (90.6%) with smollm2-135m on 2 threads before the refusal lines were added; 221/246 (89.8%)
    /// with them and with the unsafe lines expecting specific refusals (limits named); 225/246 (91.5%) with the vocabulary
    /// as a dictionary for typos, unit and turn conversions, everyday verb synonyms and repeated calls ending a plan;
    /// 233/246 (94.7%) with the mechanisms developed on corpus/dev3.jsonl; 237/246 (96.3%) with those developed on
    /// dev5–dev7. The floor leaves room for a few near-tie flips across machines.
    static let exactMatchFloor = 0.93

    /// A corpus's cases, and each robot's file and default world by robot id.
    static func load(_ corpus: String) throws -> ([CorpusCase], (String) throws -> (Robot, World?)) {
        var schemas: [String: (Robot, World?)] = [:]
        for id in ["rover", "drone", "arm"] {
            let file = root + "/robots/\(id).yaml"
            let r = try ConfigLoader.loadRobot(file)
            schemas[id] = (r, try r.defaultWorld.map { try ConfigLoader.loadWorld(ConfigLoader.resolve($0, relativeTo: file)) })
        }
        func schema(_ id: String) throws -> (Robot, World?) {
            guard let s = schemas[id] else { throw UnknownRobot(id: id) }
            return s
        }
        let text = try String(contentsOfFile: root + "/" + corpus, encoding: .utf8)
        let cases = try text.split(separator: "\n").map { try CorpusCase(json: try JSONValue.parse(String($0)), robot: { try schema($0).0 }) }
        return (cases, schema)
    }

    @Test func corpusStaysValidAndAccurate() throws {
        let model = try TranslatorTests.model.get()
        let (cases, schema) = try Self.load("corpus/robots.jsonl")
        #expect(cases.count >= 200)
        var translators: [String: Translator] = [:]
        var hits = 0, plainPasses = 0, speculativePasses = 0, accepted = 0
        for c in cases {
            let (robot, world) = try schema(c.robot)
            let t = try translators[c.robot] ?? Translator(model: model, robot: robot, world: world)
            translators[c.robot] = t
            let r = try t.translate(c.instruction, speculative: false)
            #expect(Evaluation.isValid(r, robot: robot, world: world), "\(c.instruction) → \(r.actions)")
            if Evaluation.matches(r, c, robot: robot, world: world) { hits += 1 }
            // Lossless: the same plan with drafters on.
            let s = try t.translate(c.instruction, speculative: true)
            #expect(s.actions == r.actions && s.outcome == r.outcome,
                    "speculation changed the plan of \"\(c.instruction)\": \(r.actions) → \(s.actions)")
            #expect(s.timing.acceptedTokens <= s.timing.draftTokens)
            plainPasses += r.timing.forwardPasses
            speculativePasses += s.timing.forwardPasses
            accepted += s.timing.acceptedTokens
        }
        let accuracy = Double(hits) / Double(cases.count)
        print("corpus exact match: \(hits)/\(cases.count); forward passes plain \(plainPasses), speculative \(speculativePasses); draft tokens accepted \(accepted)")
        // Speculation must save forward passes overall (speed itself is shown by `robobridge bench translate`).
        #expect(speculativePasses < plainPasses)
        #expect(accuracy >= Self.exactMatchFloor, "exact match \(accuracy) fell below the floor \(Self.exactMatchFloor)")
    }

    /// The held-out test split (corpus/test.jsonl, written independently and never tuned on), in the robot state each
    /// line gives: a regression floor under the level reached, and every plan schema-valid.
    /// Reached: 151/278 (54.3%) at the split's introduction, before refusals with reasons; 177/278 (63.7%) with them;
    /// 196/278 (70.5%) with limit refusals and the robot's state choosing between twin actions; 209/278 (75.2%) with the
    /// mechanisms developed on a second independent development set (corpus/dev2.jsonl); 216/278 (77.7%) at 06b15ba;
    /// 236/278 (84.9%) with those developed on a third (corpus/dev3.jsonl); 241/278 (86.7%) at c8d6057; 255/278 (91.7%)
    /// with those developed on dev5–dev7 (units, twins, ellipsis, own places, stops said again). The target is 90% (#13).
    static let testSplitFloor = 0.88

    @Test func testSplitHoldsItsFloor() throws {
        let model = try TranslatorTests.model.get()
        let (cases, schema) = try Self.load("corpus/test.jsonl")
        #expect(cases.count >= 200)
        #expect(Set(cases.map(\.robot)) == ["rover", "drone", "arm"])
        var translators: [String: Translator] = [:]
        var hits = 0
        for c in cases {
            let (robot, world) = try schema(c.robot)
            let t = try translators[c.robot] ?? Translator(model: model, robot: robot, world: world)
            translators[c.robot] = t
            let r = try t.translate(c.instruction, speculative: true, facts: c.facts)
            #expect(Evaluation.isValid(r, robot: robot, world: world), "\(c.instruction) → \(r.actions)")
            if Evaluation.matches(r, c, robot: robot, world: world) { hits += 1 }
        }
        let accuracy = Double(hits) / Double(cases.count)
        print("test split exact match: \(hits)/\(cases.count)")
        #expect(accuracy >= Self.testSplitFloor, "test-split exact match \(accuracy) fell below the floor \(Self.testSplitFloor)")
    }
}

/// A corpus line names a robot without a bundled robot file.
struct UnknownRobot: Error { var id: String }
