import RoboBridgeTranslation
import Testing

/// What a request takes back (no model, no robot file): a corrected value or clause, a forbidden clause.
@Suite("Corrections: what a request takes back")
struct CorrectionTests {
    /// Words of actions, as a robot's lexicon would tell them.
    let verbs: Set<String> = ["go", "land", "fly", "pick", "navigate", "drive", "count", "say"]
    func read(_ s: String) -> Corrections.Reading { Corrections.read(s) { verbs.contains($0) } }

    @Test func aCorrectedValueTakesThePlaceOfTheOneBefore() {
        #expect(read("go to the kitchen, no wait, the bedroom") == .revised("go to the bedroom"))
        #expect(read("head over to the barn, no actually the east gate") == .revised("head over to the east gate"))
        #expect(read("go to the kitchen, I mean the bedroom") == .revised("go to the bedroom"))
        #expect(read("go to the kitchen, sorry, bedroom") == .revised("go to the bedroom"))
        #expect(read("drive forward 2 metres, no, 1 metre") == .revised("drive forward 1 metre"))
        #expect(read("drive forward 2 metres, no, 3") == .revised("drive forward 3 metres"))
        #expect(read("turn left 90 degrees, no, right") == .revised("turn right 90 degrees"))
        #expect(read("fly to the pond - no - the barn") == .revised("fly to the barn"))
    }

    @Test func aCorrectedClauseTakesThePlaceOfTheOneBefore() {
        #expect(read("go to the kitchen. actually, go to the bedroom") == .revised("go to the bedroom"))
        #expect(read("fly to the barn and then, no wait, land") == .revised("land"))
        #expect(read("go to the kitchen, no, go to the bedroom and say hi") == .revised("go to the bedroom and say hi"))
    }

    @Test func aForbiddenClauseIsLeftOutAndAllForbiddenIsNoRequest() {
        #expect(read("don't go to the kitchen, go to the bathroom instead") == .revised("go to the bathroom instead"))
        #expect(read("go to the kitchen and don't bump into anything") == .revised("go to the kitchen"))
        #expect(read("don't go to the kitchen") == .forbidsAll(reason: "the request says not to go to the kitchen"))
        #expect(read("Do not pick up the keys.") == .forbidsAll(reason: "the request says not to pick up the keys"))
    }

    @Test func wordsThatOnlyLookLikeTakingBackAreLeftAlone() {
        #expect(read("count the blocks, no more than five") == .asWritten)
        #expect(read("don't forget to dock") == .asWritten)
        #expect(read("never mind") == .asWritten)
        #expect(read("go to the door and wait") == .asWritten)
        #expect(read("actually, go to the kitchen") == .asWritten)
        #expect(read("go to the kitchen then say hello") == .asWritten)
    }
}
