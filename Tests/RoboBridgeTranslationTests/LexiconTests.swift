import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeTranslation
import Testing

/// The lexicon's readings of a request, normalized as the translator does, for a robot of `robots/` in its world.
func parser(_ robot: String, _ world: String) throws -> (String) -> [String] {
    let (r, w) = try load(robot, world)
    let normalizer = InstructionNormalizer(robot: r, world: w)
    let bank = ExampleBank(robot: r, world: w, normalizer: normalizer)
    let lexicon = LexiconDrafter(robot: r, world: w, examples: bank.plans(for: r)) { _ in [] }
    return { lexicon.parsed(normalizer.normalize($0)).map(PlanText.render) }
}

@Suite("Lexicon parser")
struct LexiconTests {
    @Test func lexiconParsesFromTheRobotFileAndWorld() throws {
        let (rover, world) = try load("rover", "apartment")
        let normalizer = InstructionNormalizer(robot: rover, world: world)
        let bank = ExampleBank(robot: rover, world: world, normalizer: normalizer)
        let examples = bank.plans(for: rover)
        let lexicon = LexiconDrafter(robot: rover, world: world, examples: examples) { _ in [] }
        #expect(lexicon.templateCount > 10)
        func parse(_ s: String) -> [String] { lexicon.parsed(normalizer.normalize(s)).map(PlanText.render) }
        // The robot file's example "bring the apple to the coffee table", with other entities: where the object lies comes from the world.
        #expect(parse("bring the book to the dining table").contains(
            "navigate_to(target=\"bedside_table\")\npick(object=\"book\")\nnavigate_to(target=\"dining_table\")\nplace(target=\"dining_table\")"))
        // Action words with the sign from the parameter's description ("positive is forward", "positive turns left").
        #expect(parse("move backwards 2 meters") == ["move(distance_m=-2)"])
        #expect(parse("rotate right 45 degrees") == ["rotate(angle_deg=-45)"])
        #expect(parse("back up 2 meters") == ["move(distance_m=-2)"])
        #expect(parse("turn right 30 degrees") == ["rotate(angle_deg=-30)"])
        #expect(parse("move back 1 meter and turn right 90 degrees") == ["move(distance_m=-1)\nrotate(angle_deg=-90)"])
        // An object to pick: first where it lies (the robot file's example shows it).
        #expect(parse("grab the keys") == ["navigate_to(target=\"coffee_table\")\npick(object=\"keys\")"])
        // Already in the room where the object lies: no second drive ("go to the kitchen, pick up the apple").
        let inRoom = [ActionCall("navigate_to", [.init("target", .string("kitchen"))]), ActionCall("pick", [.init("object", .string("apple"))])]
        #expect(lexicon.withPrerequisites(inRoom) == inRoom)
        let elsewhere = [ActionCall("navigate_to", [.init("target", .string("bedroom"))]), ActionCall("pick", [.init("object", .string("apple"))])]
        #expect(PlanText.render(lexicon.withPrerequisites(elsewhere)) == "navigate_to(target=\"bedroom\")\nnavigate_to(target=\"kitchen_counter\")\npick(object=\"apple\")")
        // Clauses.
        #expect(parse("go to the kitchen and then dock") == ["navigate_to(target=\"kitchen\")\ndock()"])
        // Text arguments: the words after the action's own.
        #expect(parse("say hello") == ["say(text=\"hello\")"])
        #expect(parse("say goodbye and dock") == ["say(text=\"goodbye\")\ndock()"])
        // Nothing for what no action serves.
        #expect(parse("tell me a joke about cats").isEmpty)
    }
}

/// Numbers said next to a word that tells one parameter from its siblings go to that parameter.
@Suite("Lexicon: numbers by the words next to them")
struct AxisBindingTests {
    @Test func axesAndDirectionsFromTheDescriptions() throws {
        let (arm, bench) = try load("arm", "workbench")
        let normalizer = InstructionNormalizer(robot: arm, world: bench)
        let lexicon = LexiconDrafter(robot: arm, world: bench, examples: []) { _ in [] }
        func parse(_ s: String) -> [String] { lexicon.parsed(normalizer.normalize(s)).map(PlanText.render) }
        // The arm's file: dx_cm "Offset along x.", dy_cm "... along y.", dz_cm "... along z (up)."
        #expect(parse("raise the gripper 10 centimetres") == ["move_gripper(dx_cm=0, dy_cm=0, dz_cm=10)"])
        #expect(parse("lower the gripper by 2 inches") == ["move_gripper(dx_cm=0, dy_cm=0, dz_cm=-5.08)"])
        #expect(parse("shift the gripper minus fifteen centimetres in y") == ["move_gripper(dx_cm=0, dy_cm=-15, dz_cm=0)"])
        #expect(parse("shift the gripper 0.15 m in negative y") == ["move_gripper(dx_cm=0, dy_cm=-15, dz_cm=0)"])
        #expect(parse("move the gripper 10 cm along x and 5 cm down") == ["move_gripper(dx_cm=10, dy_cm=0, dz_cm=-5)"])
        // Nothing tells the numbers apart: in the parameters' order.
        #expect(parse("move the gripper by 1, 2 and 3 cm") == ["move_gripper(dx_cm=1, dy_cm=2, dz_cm=3)"])
    }

    @Test func aFrameNamedByLettersIsTheRobotsAsROSHasIt() throws {
        let (arm, bench) = try load("arm", "workbench")
        let normalizer = InstructionNormalizer(robot: arm, world: bench)
        let lexicon = LexiconDrafter(robot: arm, world: bench, examples: []) { _ in [] }
        func parse(_ s: String) -> [String] { lexicon.parsed(normalizer.normalize(s)).map(PlanText.render) }
        // dx_cm and dy_cm say only "along x", "along y": x forward, y left (REP 103).
        #expect(parse("nudge the gripper 4 cm forward") == ["move_gripper(dx_cm=4, dy_cm=0, dz_cm=0)"])
        #expect(parse("move the gripper backwards 3 cm") == ["move_gripper(dx_cm=-3, dy_cm=0, dz_cm=0)"])
        #expect(parse("slide the gripper 20 mm to the right") == ["move_gripper(dx_cm=0, dy_cm=-2, dz_cm=0)"])
        #expect(parse("move the gripper left by 6 cm") == ["move_gripper(dx_cm=0, dy_cm=6, dz_cm=0)"])
    }

    @Test func aThingsNameFollowsTheVerbsParticleAndLimit() throws {
        let (arm, bench) = try load("arm", "workbench")
        let normalizer = InstructionNormalizer(robot: arm, world: bench)
        let lexicon = LexiconDrafter(robot: arm, world: bench, examples: []) { _ in [] }
        func parse(_ s: String) -> [String] { lexicon.parsed(normalizer.normalize(s)).map(PlanText.render) }
        // (The lexicon reads the normalized words: "gears" is the world's green_gear. `VerbatimText` gives the
        // request's own words back.)
        #expect(parse("count up the gears") == ["count_parts(kind=\"the green gear\", max=20)"])
        #expect(parse("count up to 6 washers") == ["count_parts(kind=\"washers\", max=6)"])
        #expect(parse("count all washers") == ["count_parts(kind=\"washers\", max=20)"])
    }

    @Test func aRequestIsReadInItsOneClauseThatAsks() throws {
        let parse = try parser("rover", "apartment")
        let fetch = "navigate_to(target=\"kitchen_counter\")\npick(object=\"apple\")\nnavigate_to(target=\"bedroom\")\nplace(target=\"bedroom\")"
        // Said around words that ask for nothing, with thanks, or with the verb in another form.
        #expect(parse("we're about to eat - would you be so kind and bring the apple to the bedroom?") == [fetch])
        #expect(parse("bring the apple to the bedroom? thank you!") == [fetch])
        #expect(parse("could you be bringing the apple to the bedroom") == [fetch])
        // What led to the request, said first; hesitation between two requests.
        #expect(parse("so my uncle visited yesterday and he left the apple out, anyway, bring the apple to the bedroom") == [fetch])
        #expect(parse("okay so go to the kitchen uh then go to the bedroom") == ["navigate_to(target=\"kitchen\")\nnavigate_to(target=\"bedroom\")"])
        // A clause that says the direction of the next ("back up a bit, like 0.3 m").
        #expect(parse("scoot back a little, like 30 cm") == ["move(distance_m=-0.3)"])
        // A place alone: the plan more templates give (navigate_to's "go to the kitchen" and "navigate to ...", against
        // place's "place the ..."), each template counted once.
        #expect(parse("bedroom please") == ["navigate_to(target=\"bedroom\")"])
        // A verb of rolling wheels goes to a place.
        #expect(parse("roll over to the hallway") == ["navigate_to(target=\"hallway\")"])
    }

    @Test func aPronounIsTheObjectTakenBeforeAndAVerbsParticleNothing() throws {
        let parse = try parser("rover", "apartment")
        let book = "navigate_to(target=\"bedside_table\")\npick(object=\"book\")\nnavigate_to(target=\"coffee_table\")\nplace(target=\"coffee_table\")"
        // "it" is the book; the drive to it and its pick, said again by "bring it", are done once.
        #expect(parse("grab the book and bring it to the coffee table") == [book])
        #expect(parse("pick up the book, then set it down on the coffee table") == [book])
        #expect(parse("put the book down on the coffee table") == [book])
    }

    @Test func whatTheExamplesAlwaysTakeFirstIsTakenFirst() throws {
        // The arm's example picks before it drops: a drop of the one part the request names picks it first.
        let parse = try parser("arm", "workbench")
        #expect(parse("i'd like the green gear in the right bin") == ["pick(part=\"green_gear\")\ndrop_in(bin=\"right_bin\")"])
        // Picked already, or no part named: nothing added.
        #expect(parse("pick up the red block, then drop it in the tray") == ["pick(part=\"red_block\")\ndrop_in(bin=\"tray\")"])
        #expect(parse("drop it in the left bin") == ["drop_in(bin=\"left_bin\")"])
    }

    @Test func signedOffsetsEverydayVerbsAndTheWordsOfOnAndOff() throws {
        let parse = try parser("arm", "workbench")
        // A signed offset goes both ways: "descend" and "down" are dz's negative, a written minus sign stays.
        #expect(parse("descend fifteen centimeters") == ["move_gripper(dx_cm=0, dy_cm=0, dz_cm=-15)"])
        #expect(parse("bring the suction cup down 3 cm") == ["move_gripper(dx_cm=0, dy_cm=0, dz_cm=-3)"])
        #expect(parse("move the gripper -0.05 metres in x") == ["move_gripper(dx_cm=-5, dy_cm=0, dz_cm=0)"])
        // Everyday verbs of taking, and of on and off.
        #expect(parse("lift the green gear off the bench") == ["pick(part=\"green_gear\")"])
        #expect(parse("cut the suction") == ["set_suction(enabled=false)"])
        #expect(parse("vacuum on") == ["set_suction(enabled=true)"])
        // "set" names set_mode and set_suction, and is a verb of putting down: what the request names tells.
        #expect(parse("set the green gear on the tray") == ["pick(part=\"green_gear\")\ndrop_in(bin=\"tray\")"])
        #expect(parse("set the mode to fast") == ["set_mode(mode=\"fast\")"])
        #expect(parse("set the suction on") == ["set_suction(enabled=true)"])
        // The clause's verb counts once more, a question's first word does not; an action of no numbers leaves a measure unread.
        #expect(parse("release the part") == ["set_suction(enabled=false)"])
        #expect(parse("how many blocks can you see?").first?.hasPrefix("count_parts(") == true)
        #expect(parse("pick up the red block and lift it 10 cm") == ["pick(part=\"red_block\")\nmove_gripper(dx_cm=0, dy_cm=0, dz_cm=10)"])
    }

    @Test func wordsOfAskingAndClausesNamingNothingAreLeftOut() throws {
        let (rover, world) = try load("rover", "apartment")
        let normalizer = InstructionNormalizer(robot: rover, world: world)
        let bank = ExampleBank(robot: rover, world: world, normalizer: normalizer)
        let examples = bank.plans(for: rover)
        let lexicon = LexiconDrafter(robot: rover, world: world, examples: examples) { _ in [] }
        func parse(_ s: String) -> [String] { lexicon.parsed(normalizer.normalize(s)).map(PlanText.render) }
        let bring = parse("bring the apple to the coffee table")
        #expect(!bring.isEmpty)
        #expect(parse("for the guests, bring the apple to the coffee table") == bring)
        #expect(parse("I need you to bring the apple to the coffee table") == bring)
        #expect(LexiconDrafter.withoutAsking("would you mind going to the kitchen") == "going to the kitchen")
        #expect(LexiconDrafter.withoutAsking("could you please now dock") == "dock")
        #expect(LexiconDrafter.withoutAsking("it'd be great if you could slow down") == "slow down")
        #expect(LexiconDrafter.withoutAsking("so would you mind taking the tv_remote") == "taking the tv_remote")
        #expect(LexiconDrafter.withoutAsking("would you be so kind as to dock") == "dock")
        #expect(LexiconDrafter.withoutAsking("tell you what, go to the kitchen") == "tell you what, go to the kitchen")
    }

    @Test func aTemplateOfTheOppositeDirectionIsNotUsed() throws {
        let (arm, bench) = try load("arm", "workbench")
        let normalizer = InstructionNormalizer(robot: arm, world: bench)
        let bank = ExampleBank(robot: arm, world: bench, normalizer: normalizer)
        let examples = bank.plans(for: arm)
        let lexicon = LexiconDrafter(robot: arm, world: bench, examples: examples) { _ in [] }
        func parse(_ s: String) -> [String] { lexicon.parsed(normalizer.normalize(s)).map(PlanText.render) }
        // Nor is one with the other value of a boolean ("turn on the suction" is no template for "off").
        #expect(parse("switch the suction off") == ["set_suction(enabled=false)"])
        // "move" of a thing to a place is no move of the gripper: that takes numbers.
        #expect(parse("move the red block onto the tray") == ["pick(part=\"red_block\")\ndrop_in(bin=\"tray\")"])
        // The file's example "raise the gripper by 5 cm" is no template for "lower".
        #expect(parse("lower the gripper by 30 mm") == ["move_gripper(dx_cm=0, dy_cm=0, dz_cm=-3)"])
        #expect(parse("raise the gripper by 3 cm") == ["move_gripper(dx_cm=0, dy_cm=0, dz_cm=3)"])
        // A clause that reads as nothing after one that read goes on with it; a thing's name ends with its clause.
        #expect(parse("count the gears, but max 12") == ["count_parts(kind=\"the green gear\", max=12)"])
        // Nor one with another value of a choice.
        #expect(parse("set the mode to normal") == ["set_mode(mode=\"normal\")"])
    }

    @Test func aNumbersUnitAndDirectionPointToTheAction() throws {
        let (drone, farm) = try load("drone", "farm")
        let normalizer = InstructionNormalizer(robot: drone, world: farm)
        let lexicon = LexiconDrafter(robot: drone, world: farm, examples: ExampleBank(robot: drone, world: farm, normalizer: normalizer).plans(for: drone)) { _ in [] }
        func parse(_ s: String) -> [String] { lexicon.parsed(normalizer.normalize(s)).map(PlanText.render) }
        // No word of an action, but metres: the actions that take an altitude, twins the state tells apart — both readings.
        #expect(Set(parse("get up to 14 metres")) == ["takeoff(altitude_m=14)", "change_altitude(altitude_m=14)"])
        // "down" is the direction of change_altitude's "descend".
        #expect(parse("bring it down to 5 metres") == ["change_altitude(altitude_m=5)"])
        // "take off" is takeoff's name, not take_photo's "take": with the altitude in the next clause, no reading of its own.
        #expect(!parse("take off").contains { $0.hasPrefix("take_photo") })
        // A clause that names nothing and reads as nothing is one request with the next.
        #expect(parse("take off and climb to 5 m").contains("takeoff(altitude_m=5)"))
        // Seconds are no altitude.
        #expect(parse("stay put for 20 seconds") == ["hover(seconds=20)"])
        let (rover, world) = try load("rover", "apartment")
        let roverNormalizer = InstructionNormalizer(robot: rover, world: world)
        let roverLexicon = LexiconDrafter(robot: rover, world: world, examples: ExampleBank(robot: rover, world: world, normalizer: roverNormalizer).plans(for: rover)) { _ in [] }
        // Misspelt verbs, but a distance: the one action that takes one.
        #expect(roverLexicon.parsed(roverNormalizer.normalize("drvie frwd 2 meters")).map(PlanText.render) == ["move(distance_m=2)"])
        // A clause of one mention asks for the clause before it again.
        func parseRover(_ s: String) -> [String] { roverLexicon.parsed(roverNormalizer.normalize(s)).map(PlanText.render) }
        #expect(parseRover("go to the bathroom, then the hallway") == ["navigate_to(target=\"bathroom\")\nnavigate_to(target=\"hallway\")"])
        #expect(parseRover("turn left 30 degrees, then 45") == ["rotate(angle_deg=30)\nrotate(angle_deg=45)"])
        #expect(parseRover("go to the bathroom, then say hello") == ["navigate_to(target=\"bathroom\")\nsay(text=\"hello\")"])
        // A clause that tells and names nothing asks for nothing.
        #expect(parseRover("we have guests coming over tonight, so go to the kitchen") == ["navigate_to(target=\"kitchen\")"])
        #expect(LexiconDrafter.dimensionsSaid(["0.4", "metres", "per", "second"]) == ["speed"])
        #expect(LexiconDrafter.dimensionsSaid(["90", "degrees", "and", "2", "m"]) == ["angle", "length"])
    }
}
