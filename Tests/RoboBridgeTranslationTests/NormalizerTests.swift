import Foundation
import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeTranslation
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

    @Test func shortMisspeltNamesAreTheWorldsEntities() throws {
        let (arm, bench) = try load("arm", "workbench")
        // (" blu" is a token of the vocabulary, as part of longer words: alone it cannot tell.)
        let a = InstructionNormalizer(robot: arm, world: bench, dictionary: ["blu", "blue", "block", "red", "the", "put"])
        // One word of a name misspelt, the others as the name has them.
        #expect(a.normalize("put the blu block in the lft bin") == "put the blue_block in the left_bin")
        #expect(a.normalize("put the rad block on the tray") == "put the red_block on the tray")
        // Not when the other words differ too.
        #expect(a.normalize("put the rad box on the tray") == "put the rad box on the tray")
        let (rover, world) = try load("rover", "apartment")
        let r = InstructionNormalizer(robot: rover, world: world, dictionary: ["book", "keys", "key", "bring"])
        // A letter left out of a name's word the vocabulary does not have ("bok"); a real word stays ("key" is no "keys").
        #expect(r.normalize("bring the bok") == "bring the book")
        #expect(r.normalize("bring the key") == "bring the key")
    }

    @Test func namesWrittenAsTheySound() throws {
        let (rover, world) = try load("rover", "apartment")
        let r = InstructionNormalizer(robot: rover, world: world)
        // Every word of a name of two written as it sounds (the same consonants), one at least a slip at most.
        #expect(r.normalize("head to the livving rum") == "head to the living_room")
        #expect(r.normalize("go to the kichen counter") == "go to the kitchen_counter")
        // Not a name of one word, nor another name's words.
        #expect(r.normalize("bring the rum") == "bring the rum")
        let (drone, farm) = try load("drone", "farm")
        let d = InstructionNormalizer(robot: drone, world: farm)
        #expect(d.normalize("fly to the wotter towr") == "fly to the water_tower")
    }

    @Test func numbersAndNamesAsASpeechToTextWritesThem() throws {
        let (rover, world) = try load("rover", "apartment")
        let n = InstructionNormalizer(robot: rover, world: world)
        // Decimals said digit by digit after "point"; "too" before a unit; number words misspelt.
        #expect(n.normalize("set speed to zero point four meters per second") == "set speed to 0.4 meters per second")
        #expect(n.normalize("move 1 point 2 5 meters") == "move 1.25 meters")
        #expect(n.normalize("move forward too meters") == "move forward 2 meters")
        #expect(n.normalize("wait thrity seconds") == "wait 30 seconds")
        #expect(n.normalize("I think so too") == "i think so too")
        // A name of two words written as one; three letters of an action's word swapped.
        #expect(n.normalize("go to the livingroom") == "go to the living_room")
        #expect(n.normalize("sya hello") == "say hello")
        #expect(n.normalize("tell to them the food is ready") == "say the food is ready")
    }

    @Test func aUTurnIsHalfATurnAndASignIsTheNumbers() throws {
        let (rover, world) = try load("rover", "apartment")
        let n = InstructionNormalizer(robot: rover, world: world)
        #expect(n.normalize("do a U-turn") == "do a turn 180 degrees")
        #expect(n.normalize("do a U-turn to the left, 90 degrees") == "do a turn to the left, 90 degrees")
        #expect(n.normalize("move -50 cm, the hallway - go") == "move -0.5 m, the hallway, go")
    }

    @Test func numbersAsPeopleWriteThem() throws {
        let (rover, world) = try load("rover", "apartment")
        let n = InstructionNormalizer(robot: rover, world: world)
        #expect(n.normalize("go forward 2.0m") == "go forward 2.0 m")
        #expect(n.normalize("drive 150cm ahead") == "drive 1.5 m ahead")
        #expect(n.normalize("back up 1/2 m") == "back up 0.5 m")
        #expect(n.normalize("move forward a metre and a half") == "move forward 1.5 metre")
        #expect(n.normalize("move forward two metres and a half") == "move forward 2.5 metres")
        #expect(n.normalize("slow to 0.4 metres a second") == "slow to 0.4 metres per second")
        // A date or a longer run of digits and slashes is no fraction.
        #expect(n.normalize("say it is 12/25") == "say it is 12 25")
        let (drone, farm) = try load("drone", "farm")
        let d = InstructionNormalizer(robot: drone, world: farm)
        #expect(d.normalize("climb to a hundred metres") == "climb to 100 metres")
        #expect(d.normalize("hover for a couple of seconds") == "hover for 2 seconds")
        #expect(d.normalize("hover for half a dozen seconds") == "hover for 6 seconds")
        let (arm, bench) = try load("arm", "workbench")
        #expect(InstructionNormalizer(robot: arm, world: bench).normalize("count the blocks, up to a dozen") == "count the block, max 12")
    }

    @Test func convertsTimeForTheDrone() throws {
        let (drone, world) = try load("drone", "farm")
        let n = InstructionNormalizer(robot: drone, world: world)
        #expect(n.normalize("hover for half a minute") == "hover for 30 seconds")
        #expect(n.normalize("fly to the tower") == "fly to the water_tower")
        #expect(n.normalize("fly back to the helipad") == "fly back to the home_pad")
        // One of a unit, hours; a maximum is no direction.
        #expect(n.normalize("hover there for a full minute") == "hover there for 60 seconds")
        #expect(n.normalize("hover for an hour") == "hover for 3600 seconds")
        #expect(n.normalize("hover for a quarter of a minute") == "hover for 15 seconds")
        #expect(n.normalize("take off to twenty-five metres") == "take off to 25 metres")
        #expect(n.normalize("climb up to 20 m") == "climb up to 20 m")
        let (arm, bench) = try load("arm", "workbench")
        let a = InstructionNormalizer(robot: arm, world: bench)
        #expect(a.normalize("count the blocks, up to five") == "count the block, max 5")
        #expect(a.normalize("count the blocks, no more than 10") == "count the block, max 10")
        #expect(a.normalize("count the blocks, at most 4") == "count the block, max 4")
        // Everyday words for the names of the arm's modes (precise, normal, fast).
        #expect(a.normalize("work more carefully") == "work more precise")
        #expect(a.normalize("speed up please") == "fast please")
        #expect(a.normalize("speed things up") == "fast")
        #expect(a.normalize("raise the gripper a tenth of a metre") == "raise the gripper 10 cm")
        // Telling everyone is saying, for a robot that speaks; telling me is not.
        let (rover, apartment) = try load("rover", "apartment")
        let r = InstructionNormalizer(robot: rover, world: apartment)
        #expect(r.normalize("tell everyone dinner is ready") == "say dinner is ready")
        #expect(r.normalize("let everybody know that the laundry is done") == "say the laundry is done")
        #expect(r.normalize("tell me a joke") == "tell me a joke")
        #expect(r.normalize("let them in") == "let them in")
        #expect(a.normalize("back to the usual mode") == "back to the normal mode")
        #expect(r.normalize("turn all the way around") == "turn 180 degrees")
        // A dash between words is a pause; before a number, its sign.
        #expect(InstructionNormalizer(robot: rover, world: apartment).normalize("the hallway - go there") == "the hallway, go there")
        #expect(InstructionNormalizer(robot: rover, world: apartment).normalize("move -3 m") == "move -3 m")
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

    @Test func wordsThatAreNotTyposStay() throws {
        let (rover, world) = try load("rover", "apartment")
        let n = InstructionNormalizer(robot: rover, world: world)
        #expect(n.normalize("book a flight to Rome") == "book a flight to rome")  // a capitalized name, not "home"
        #expect(n.normalize("go charge") == "go charge")  // an inflection of "charging", not "charger"
        #expect(n.normalize("rotate 90 degrees counter-clockwise") == "rotate 90 degrees counterclockwise")  // not "counter" (kitchen_counter)
        #expect(n.normalize("go to the kitchn") == "go to the kitchen")
    }
}

/// The lexicon reads robots it was not tuned on through their files' words: descriptions, examples
/// clause by clause, parameter descriptions.
@Suite("Lexicon mechanisms")
struct LexiconMechanismTests {
    func lexicon(_ robot: String, _ world: String) throws -> (LexiconDrafter, InstructionNormalizer, Robot) {
        let (r, w) = try load(robot, world)
        let normalizer = InstructionNormalizer(robot: r, world: w)
        let bank = ExampleBank(robot: r, world: w, normalizer: normalizer)
        let examples = bank.plans(for: r)
        return (LexiconDrafter(robot: r, world: w, examples: examples) { _ in [] }, normalizer, r)
    }

    @Test func readsActionsFromDescriptionsExamplesAndWordForms() throws {
        let (drone, dn, _) = try lexicon("drone", "farm")
        func d(_ s: String) -> [String] { drone.parsed(dn.normalize(s)).map(PlanText.render) }
        #expect(d("descend to 5 m") == ["change_altitude(altitude_m=5)"])  // "descend" is change_altitude's alone
        #expect(d("go up to 25 meters") == ["change_altitude(altitude_m=25)"])  // a clause of the file's example
        #expect(d("photograph the tractor") == [#"take_photo(subject="the tractor")"#])  // photograph / photo
        #expect(d("snap a picture of the cows") == [#"take_photo(subject="the cows")"#])  // "picture": the example's word
        let (rover, rn, _) = try lexicon("rover", "apartment")
        func r(_ s: String) -> [String] { rover.parsed(rn.normalize(s)).map(PlanText.render) }
        #expect(r("put it on the dining table") == ["navigate_to(target=\"dining_table\")\nplace(target=\"dining_table\")"])
        // "move" names an action, but one that needs a distance: the fetch template holds.
        #expect(r("move the tv remote to the bedside table").first?.hasPrefix("navigate_to(target=\"coffee_table\")\npick(object=\"tv_remote\")") == true)
        #expect(r("time to recharge") == ["dock()"])
        let (arm, an, _) = try lexicon("arm", "workbench")
        func a(_ s: String) -> [String] { arm.parsed(an.normalize(s)).map(PlanText.render) }
        #expect(a("release it") == ["set_suction(enabled=false)"])  // "true to grip, false to release"
        #expect(a("turn the suction on") == ["set_suction(enabled=true)"])
    }

    @Test func requestsNamingNothingOfTheRobotAreUnrelated() throws {
        let (rover, rn, _) = try lexicon("rover", "apartment")
        for s in ["play some music", "fly to the moon", "what's the weather like in Paris?", "translate hello into French"] {
            #expect(rover.isUnrelated(rn.normalize(s)), "\(s)")
        }
        for s in ["turn left", "go to the kitchen", "move 2", "say hi", "time to recharge"] {
            #expect(!rover.isUnrelated(rn.normalize(s)), "\(s)")
        }
    }
}

/// References that describe instead of naming, resolved from the world file.
@Suite("Descriptive references")
struct ReferenceTests {
    @Test func colorsRoomsAndSupportsFromTheApartment() throws {
        let (rover, world) = try load("rover", "apartment")
        let n = InstructionNormalizer(robot: rover, world: world)
        #expect(n.normalize("bring the yellow fruit to the coffee table") == "bring the banana to the coffee_table")
        #expect(n.normalize("take the green thing to the kitchen") == "take the book to the kitchen")
        #expect(n.normalize("go to the room with the sofa") == "go to living_room")  // an obstacle: the nearest place's room
        // A color the object has says nothing more than its name; another color stays.
        #expect(n.normalize("grab the white towel") == "grab the towel")
        #expect(n.normalize("grab the blue towel") == "grab the blue towel")
        // What things of the usual names are for, and everyday kinds, where the world has one such thing alone.
        #expect(n.normalize("take the thing you change channels with to the bedside table") == "take the tv_remote to the bedside_table")
        // (With the vocabulary's real words, "read" is no typo of "red".)
        let vocabulary = InstructionNormalizer(robot: rover, world: world, dictionary: ["read", "before", "sleep", "bring", "what"])
        #expect(vocabulary.normalize("bring the thing i read before sleep to the lounge") == "bring the book to the living_room")
        #expect(n.normalize("bring me what I open the front door with") == "bring me the keys")
        #expect(vocabulary.normalize("say what you read") == "say what you read")
        #expect(n.normalize("pick the red fruit") == "pick the apple")
        #expect(n.normalize("grab the fruit from the counter") == "grab the apple")
        #expect(n.normalize("grab the fruit") == "grab the fruit")
        // What rooms of the usual names hold and are for, where the world has the room.
        #expect(n.normalize("go to the room with the toilet") == "go to bathroom")
        #expect(n.normalize("drive to the room where I sleep") == "drive to bedroom")
        #expect(n.normalize("go to the room with the car") == "go to the room with the car")
        #expect(n.normalize("go to the room where the dining table is") == "go to kitchen")
        #expect(n.normalize("go to wherever the towel is") == "go to bathroom")
        #expect(n.normalize("drive to where the keys are") == "drive to coffee_table")
        // Several red objects (red_cup, apple), a color no object has, a noun that names: as written.
        #expect(n.normalize("pick up the red thing") == "pick up the red thing")
        #expect(n.normalize("pick up the purple thing") == "pick up the purple thing")
        #expect(n.normalize("bring the blue mug") == "bring the blue_mug")
        #expect(n.normalize("go to the room with the garage") == "go to the room with the garage")
        // Of several (tv_remote, phone), the one where the request says it lies; where none or both lie, as written.
        // (A vocabulary tells "black" from a typo of "back".)
        let v = InstructionNormalizer(robot: rover, world: world, dictionary: ["black", "thing", "fetch", "grab"])
        #expect(v.normalize("fetch the black thing from the nightstand") == "fetch the phone")
        #expect(v.normalize("grab the black one in the living room") == "grab the tv_remote")
        #expect(v.normalize("grab the red thing on the counter") == "grab the red thing on the kitchen_counter")
        #expect(v.normalize("grab the black thing on the dining table") == "grab the black thing on the dining_table")
        // The world's "table" is the dining_table (kitchen); the table in another room is that room's.
        #expect(n.normalize("go to the table in the living room") == "go to the coffee_table")
        #expect(n.normalize("drive to the table in the bedroom") == "drive to the bedside_table")
        #expect(n.normalize("go to the table in the kitchen") == "go to the dining_table in the kitchen")
        #expect(n.normalize("go to the table in the bathroom") == "go to the dining_table in the bathroom")
    }

    /// An entity named by the words of its description ("home_pad: The landing pad by the house.").
    @Test func anEntityByItsDescription() throws {
        let (drone, farm) = try load("drone", "farm")
        let n = InstructionNormalizer(robot: drone, world: farm)
        #expect(n.normalize("fly to the landing pad by the house") == "fly to the home_pad")
        #expect(n.normalize("fly to the pad beside the house and hover") == "fly to the home_pad and hover")
        #expect(n.normalize("fly to the waypoint by the house") == "fly to the home_pad")  // its kind's noun counts
        // One word of a description is not a description; a word it lacks ("red") is not it either.
        #expect(n.normalize("fly to the house") == "fly to the house")
        #expect(n.normalize("fly to the red pad by the house") == "fly to the red pad by the house")
    }

    @Test func whereAThingShouldBeIsARequestToPutItThere() throws {
        let (rover, world) = try load("rover", "apartment")
        let n = InstructionNormalizer(robot: rover, world: world)
        #expect(n.normalize("the phone should be on the kitchen counter, not on the nightstand") == "put the phone on the kitchen_counter")
        #expect(n.normalize("I'd really like the phone on the dining table, if you don't mind") == "put the phone on the dining_table")
        // Wanting the robot somewhere asks it to go there.
        #expect(n.normalize("I need you in the bedroom") == "go to the bedroom")
        #expect(n.normalize("I need you in the bedroom, then say hi") == "go to the bedroom, then say hi")
        #expect(n.normalize("I need you to go to the bedroom") == "i need you to go to the bedroom")
        // Liking a thing where it is is no request to move it.
        #expect(n.normalize("i like the phone") == "i like the phone")
        #expect(n.normalize("it would be great if the towel were in the bedroom") == "put the towel in the bedroom")
        #expect(n.normalize("the mug belongs on the coffee table and then go to the kitchen")
            == "put the blue_mug on the coffee_table and then go to the kitchen")
        // Not where a thing should be: as written.
        #expect(n.normalize("find the phone near the bedroom") == "find the phone near the bedroom")
        #expect(n.normalize("put the phone on the coffee table") == "put the phone on the coffee_table")
        #expect(n.normalize("the laptop should be on the desk") == "the laptop should be on the desk")
    }

    @Test func whereAnObjectAlreadyLiesIsNoPlaceToGo() throws {
        let (rover, world) = try load("rover", "apartment")
        let n = InstructionNormalizer(robot: rover, world: world)
        // The phone lies on the bedside table, the keys on the coffee table, the apple on the kitchen counter (in the kitchen).
        #expect(n.normalize("pick up the phone from the bedside table") == "pick up the phone")
        #expect(n.normalize("take the keys off the coffee table and put them on the bedside table") == "take the keys and put them on the bedside_table")
        #expect(n.normalize("bring the apple in the kitchen to the coffee table") == "bring the apple to the coffee_table")
        // After a verb of taking, with no goal after it, the place it lies is where to take it from.
        #expect(n.normalize("grab the towel in the bathroom") == "grab the towel")
        #expect(n.normalize("pick up the apple on the kitchen counter, then go to the hallway") == "pick up the apple, then go to the hallway")
        #expect(n.normalize("leave the towel in the bathroom") == "leave the towel in the bathroom")
        // Somewhere else, or the goal: as written.
        #expect(n.normalize("pick up the phone from the coffee table") == "pick up the phone from the coffee_table")
        #expect(n.normalize("put the apple on the kitchen counter") == "put the apple on the kitchen_counter")
        // "the blue one" is a thing; "one hundred and twenty" and "left one metre" are numbers.
        let (arm, bench) = try load("arm", "workbench")
        let a = InstructionNormalizer(robot: arm, world: bench)
        #expect(a.normalize("put the red block in the left bin and the blue one in the right bin")
            == "put the red_block in the left_bin and the blue_block in the right_bin")
        #expect(n.normalize("turn left one hundred and twenty degrees") == "turn left 120 degrees")
        #expect(n.normalize("drive forward one metre") == "drive forward 1 metre")
        // Typos of the file's and everyday command words; compass adjectives of a world's names; a color said after the thing.
        #expect(n.normalize("trun rigth 90 degres") == "turn right 90 degrees")
        #expect(a.normalize("pick up the part that's green") == "pick up the green_gear")
        let (drone, farm) = try load("drone", "farm")
        #expect(InstructionNormalizer(robot: drone, world: farm).normalize("fly to the southern field") == "fly to the south_field")
        // A semicolon parts clauses as a comma does.
        #expect(n.normalize("go to the kitchen; then dock") == "go to the kitchen, then dock")
    }

    @Test func anyWorldFile() throws {
        let (arm, bench) = try load("arm", "workbench")
        let n = InstructionNormalizer(robot: arm, world: bench)
        #expect(n.normalize("put the blue part in the right bin") == "put the blue_block in the right_bin")
        #expect(n.normalize("move the green piece onto the tray") == "move the green_gear onto the tray")
        // "left" names left_bin, except as a direction next to a number.
        #expect(n.normalize("drop it in the left") == "drop it in the left_bin")
        #expect(n.normalize("move the gripper 10 cm to the left") == "move the gripper 10 cm to the left")
        #expect(n.normalize("move left 5 cm") == "move left 5 cm")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("garage-\(getpid()).yaml").path
        try """
            id: garage
            description: A garage and a workshop.
            places:
              - {name: garage, room: garage, position: {x: 0, y: 0}}
              - {name: workshop, room: workshop, position: {x: 10, y: 0}}
            surfaces:
              - {name: shelf, room: workshop, position: {x: 11, y: 1}}
            objects:
              - {name: wrench, on: shelf, color: orange}
              - {name: oil_can, on: garage, color: green}
            obstacles:
              - {name: car, position: {x: 1, y: 1}, radius: 2}
            robot_start: {place: garage, heading_deg: 0}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let rover = try load("rover", "apartment").0
        let g = InstructionNormalizer(robot: rover, world: try ConfigLoader.loadWorld(file))
        #expect(g.normalize("fetch the orange tool") == "fetch the wrench")
        #expect(g.normalize("go to the room with the car") == "go to garage")
        #expect(g.normalize("go to the room where the wrench is") == "go to workshop")
    }
}

/// Each call of a plan in the state the calls before it leave (the robot body's effects), with the sensors' facts first.
@Suite("A plan's state")
struct PlanStateTests {
    @Test func eachCallIsInTheStateTheCallsBeforeLeave() throws {
        let (drone, _) = try load("drone", "farm")
        let climb = { (name: String, m: Double) in ActionCall(name, [.init("altitude_m", .number(m))]) }
        // In the air after the takeoff: the second climb is change_altitude, with the sensors saying nothing or "on the ground".
        for facts in [[:], ["airborne": false]] {
            #expect(Translator.inState([climb("takeoff", 6), climb("takeoff", 18)], robot: drone, facts: facts)
                == [climb("takeoff", 6), climb("change_altitude", 18)])
        }
        // Landed again: a climb is a takeoff.
        #expect(Translator.inState([climb("change_altitude", 10), ActionCall("land"), climb("change_altitude", 5)], robot: drone, facts: ["airborne": true])
            == [climb("change_altitude", 10), ActionCall("land"), climb("takeoff", 5)])
        // A first call the state rules out with no twin: the reading does not fit.
        #expect(Translator.inState([ActionCall("land")], robot: drone, facts: ["airborne": false]) == nil)
    }
}
