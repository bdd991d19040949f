import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeTranslation
import Testing

/// A robot's free text goes out as the request wrote it, not as the normalizer rewrote it for the model.
@Suite("Verbatim text")
struct VerbatimTextTests {
    @Test func textArgumentsAreTheRequestsOwnWords() throws {
        let (rover, apartment) = try load("rover", "apartment")
        let normalizer = InstructionNormalizer(robot: rover, world: apartment)
        let request = "Say: I will be back in five minutes, then go to the lounge"
        let v = VerbatimText(request: request, robot: rover) { normalizer.normalize($0) }
        // The model copied the normalized text ("300 seconds"); the request said "five minutes".
        let said = v.restoring([ActionCall("say", [.init("text", .string("i will be back in 300 seconds"))]),
                                ActionCall("navigate_to", [.init("target", .string("living_room"))])])
        #expect(said == [ActionCall("say", [.init("text", .string("I will be back in five minutes"))]),
                         ActionCall("navigate_to", [.init("target", .string("living_room"))])])
        // The longest run with that normalized form: "your phone" is the world's alias of the phone.
        let yours = VerbatimText(request: "then say your phone is on the coffee table", robot: rover) { normalizer.normalize($0) }
        #expect(yours.restoring([ActionCall("say", [.init("text", .string("phone is on the coffee_table"))])])
            == [ActionCall("say", [.init("text", .string("your phone is on the coffee table"))])])
        // Text that is no run of the request stays as the model wrote it.
        let other = [ActionCall("say", [.init("text", .string("hello there"))])]
        #expect(v.restoring(other) == other)
        let (drone, farm) = try load("drone", "farm")
        let d = InstructionNormalizer(robot: drone, world: farm)
        let photo = VerbatimText(request: "take a photo of the tower", robot: drone) { d.normalize($0) }
        #expect(photo.restoring([ActionCall("take_photo", [.init("subject", .string("the water tower"))])])
            == [ActionCall("take_photo", [.init("subject", .string("the tower"))])])
    }

    @Test func aThingsNameEndsWhereTheRequestGoesOn() throws {
        let (arm, bench) = try load("arm", "workbench")
        let a = InstructionNormalizer(robot: arm, world: bench)
        let count = VerbatimText(request: "how many gears can you see?", robot: arm) { a.normalize($0) }
        // A kind takes no article and ends before "can you see".
        #expect(count.restoring([ActionCall("count_parts", [.init("kind", .string("gears can you see"))])])
            == [ActionCall("count_parts", [.init("kind", .string("gears"))])])
        #expect(count.restoring([ActionCall("count_parts", [.init("kind", .string("the green gear"))])])
            == [ActionCall("count_parts", [.init("kind", .string("green gear"))])])
        // Nor a place.
        let onBench = VerbatimText(request: "could you please count blocks on the bench?", robot: arm) { a.normalize($0) }
        #expect(onBench.restoring([ActionCall("count_parts", [.init("kind", .string("blocks on the bench"))])])
            == [ActionCall("count_parts", [.init("kind", .string("blocks"))])])
        let (drone, farm) = try load("drone", "farm")
        let d = InstructionNormalizer(robot: drone, world: farm)
        let photo = VerbatimText(request: "I'd like a picture of the cows, if you don't mind", robot: drone) { d.normalize($0) }
        #expect(photo.restoring([ActionCall("take_photo", [.init("subject", .string("the cows if you don't mind"))])])
            == [ActionCall("take_photo", [.init("subject", .string("the cows"))])])
        #expect(VerbatimText.unquoted("'good evening'") == "good evening")
        #expect(VerbatimText.unquoted("it's 'fine'") == "it's 'fine'")
        let forMe = VerbatimText(request: "could you take a photo of the greenhouse roof for me?", robot: drone) { d.normalize($0) }
        #expect(forMe.restoring([ActionCall("take_photo", [.init("subject", .string("the greenhouse roof for me"))])])
            == [ActionCall("take_photo", [.init("subject", .string("the greenhouse roof"))])])
        // Words to speak are kept whole.
        let (rover, apartment) = try load("rover", "apartment")
        let r = InstructionNormalizer(robot: rover, world: apartment)
        let say = VerbatimText(request: "say can you hear me", robot: rover) { r.normalize($0) }
        #expect(say.restoring([ActionCall("say", [.init("text", .string("can you hear me"))])])
            == [ActionCall("say", [.init("text", .string("can you hear me"))])])
    }

    @Test func wordsOfWhatIsSaidAreNotAskedFor() throws {
        let (rover, apartment) = try load("rover", "apartment")
        let refusals = Refusals(robot: rover, world: apartment)
        #expect(refusals.missingAction("announce that the lounge is clean",
                                       calls: [ActionCall("say", [.init("text", .string("the lounge is clean"))])]) == nil)
        #expect(refusals.missingAction("clean the lounge", calls: []) == "rover cannot clean: none of its actions does that")
    }
}
