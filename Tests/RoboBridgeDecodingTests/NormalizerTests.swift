import RoboBridgeConfig
import RoboBridgeDecoding
import Testing

@Suite("Instruction normalizer")
struct NormalizerTests {
    @Test func rewritesAliasesNumbersUnitsAndTypos() throws {
        let (rover, world) = try load("rover", "apartment")
        let n = InstructionNormalizer(robot: rover, world: world)
        #expect(n.normalize("Go to the lounge") == "go to the living_room")
        #expect(n.normalize("put the blue mug on the coffee table") == "put the blue_mug on the coffee_table")
        #expect(n.normalize("turn left ninety degrees") == "turn left 90 degrees")
        #expect(n.normalize("move forward half a meter") == "move forward 0.5 meter")
        #expect(n.normalize("drive forward 20 cm") == "drive forward 0.2 m")
        #expect(n.normalize("rotate one hundred and eighty degrees") == "rotate 180 degrees")
        #expect(n.normalize("go forward one and a half meters") == "go forward 1.5 meters")
        #expect(n.normalize("go to the kitchn") == "go to the kitchen")
        #expect(n.normalize("pick up the remote") == "pick up the tv_remote")
        #expect(n.normalize("head over to the bedrom") == "head over to the bedroom")
    }

    @Test func convertsTimeForTheDrone() throws {
        let (drone, world) = try load("drone", "farm")
        let n = InstructionNormalizer(robot: drone, world: world)
        #expect(n.normalize("hover for half a minute") == "hover for 30 seconds")
        #expect(n.normalize("fly to the tower") == "fly to the water_tower")
        #expect(n.normalize("fly back to the helipad") == "fly back to the home_pad")
    }

    @Test func examplesNearestTheInstructionComeLast() throws {
        let (rover, world) = try load("rover", "apartment")
        let bank = ExampleBank(robot: rover, world: world, normalizer: InstructionNormalizer(robot: rover, world: world))
        let picked = bank.select(for: "go to the bedroom", k: 2)
        #expect(picked.count == 2)
        #expect(picked.last?.instruction == "go to the kitchen")
        #expect(picked.last?.plan == "navigate_to(target=\"kitchen\")")
    }
}

@Suite("Normalizer and action words")
struct ActionWordNormalizerTests {
    @Test func actionNamesStayVerbsEvenWhenAnAliasSharesTheWord() throws {
        let (rover, world) = try load("rover", "apartment")
        let n = InstructionNormalizer(robot: rover, world: world)
        #expect(world.aliases["dock"] == "charging_dock")
        #expect(n.normalize("go to the living room and then dock") == "go to the living_room and then dock")
        #expect(n.normalize("go to the charging dock") == "go to the charging_dock")
    }
}
