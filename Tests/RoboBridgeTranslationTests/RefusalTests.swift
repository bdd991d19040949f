import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeTranslation
import Testing

/// Refusals read only the robot file, the world and the instruction (no model): what the world or the robot lacks
/// gets a reason, and what they have — or free text, politeness, typos — does not.
@Suite("Refusals: what the world or the robot lacks")
struct RefusalTests {
    func reason(_ robot: String, _ world: String, _ instruction: String, normalized: String? = nil, _ calls: [ActionCall]) throws -> String? {
        let (r, w) = try load(robot, world)
        return Refusals(robot: r, world: w).reason(instruction: instruction, normalized: normalized ?? instruction, calls: calls)
    }
    let rover = ("rover", "apartment"), drone = ("drone", "farm"), arm = ("arm", "workbench")

    @Test func aPlaceTheWorldLacksIsNamed() throws {
        #expect(try reason(rover.0, rover.1, "go to the garage", [ActionCall("dock")]) == "there is no place called \"garage\" here")
        #expect(try reason(rover.0, rover.1, "put the apple in the fridge",
                           [ActionCall("pick", [.init("object", .string("apple"))])]) == "there is no place called \"fridge\" here")
        #expect(try reason(drone.0, drone.1, "fly over the vineyard", [ActionCall("fly_to", [.init("waypoint", .string("barn"))])])
            == "there is no place called \"vineyard\" here")
    }

    @Test func directionsAreNoThingsAndAPlacesNounEndsItsName() throws {
        // "forward" is how the gripper moves, not an object called "gripper forward".
        #expect(try reason(arm.0, arm.1, "move the gripper forward 5 cm", [ActionCall("move_gripper", [.init("dx_cm", .number(5))])]) == nil)
        #expect(try reason(arm.0, arm.1, "push the gripper sideways 2 cm", [ActionCall("move_gripper", [.init("dy_cm", .number(2))])]) == nil)
        #expect(try reason(drone.0, drone.1, "land in the parking lot", [ActionCall("land")]) == "there is no place called \"parking lot\" here")
    }

    @Test func anObjectTheModelReplacedIsNamed() throws {
        // The plan names an object the instruction never mentions: the model put it in the unknown one's place.
        #expect(try reason(rover.0, rover.1, "grab the purple vase", [ActionCall("pick", [.init("object", .string("blue_mug"))])])
            == "there is no object called \"purple vase\" here")
        // With no plan at all, a fetching verb's object is what is missing.
        #expect(try reason(rover.0, rover.1, "fetch the laptop", []) == "there is no object called \"laptop\" here")
    }

    @Test func anActionTheRobotLacksIsNamed() throws {
        #expect(try reason(rover.0, rover.1, "fly to the kitchen", [ActionCall("navigate_to", [.init("target", .string("kitchen"))])])
            == "rover cannot fly: none of its actions does that")
        #expect(try reason(drone.0, drone.1, "pick up the bucket", []) == "drone cannot pick: none of its actions does that")
        #expect(try reason(arm.0, arm.1, "drive to the kitchen", []) == "arm cannot drive: none of its actions does that")
        #expect(try reason(arm.0, arm.1, "say hello", []) == "arm cannot say: none of its actions does that")
    }

    @Test func aMemberOfAKindTheWorldLacksIsNamed() throws {
        // The workbench has left, right and reject bins, red and blue blocks: no middle bin, no yellow block.
        #expect(try reason(arm.0, arm.1, "drop the red block in the middle bin", [ActionCall("drop_in", [.init("bin", .string("tray"))])])
            == "there is no place called \"middle bin\" here")
        #expect(try reason(arm.0, arm.1, "pick the yellow block", [ActionCall("pick", [.init("part", .string("red_block"))])])
            == "there is no object called \"yellow block\" here")
        #expect(try reason(arm.0, arm.1, "drop the red block in the left bin",
                           [ActionCall("pick", [.init("part", .string("red_block"))]), ActionCall("drop_in", [.init("bin", .string("left_bin"))])]) == nil)
        // What a verb of handling is to handle is missing, whatever else the plan does.
        #expect(try reason(rover.0, rover.1, "bring the laptop to the bedroom", [ActionCall("navigate_to", [.init("target", .string("bedroom"))])])
            == "there is no object called \"laptop\" here")
    }

    @Test func kindsOfWorkTheRobotFileNeverMentionsAreNamed() throws {
        let barn = [ActionCall("fly_to", [.init("waypoint", .string("barn"))])]
        #expect(try reason(drone.0, drone.1, "spray the barn with water", barn) == "drone cannot spray: none of its actions does that")
        #expect(try reason(drone.0, drone.1, "record a video of the barn", barn) == "drone cannot record a video: none of its actions does that")
        #expect(try reason(drone.0, drone.1, "drop the bucket at the barn", barn) == "drone cannot drop: none of its actions does that")
        #expect(try reason(drone.0, drone.1, "film a video of the barn", barn) == "drone cannot film a video: none of its actions does that")
        #expect(try reason(rover.0, rover.1, "climb onto the sofa", []) == "rover cannot climb: none of its actions does that")
        #expect(try reason(arm.0, arm.1, "weld the red block to the blue block", [ActionCall("pick", [.init("part", .string("blue_block"))])])
            == "arm cannot weld: none of its actions does that")
        #expect(try reason(rover.0, rover.1, "open the bedroom window", [ActionCall("dock")]) == "rover cannot open: none of its actions does that")
        // Before any limit of the plan the model wrote for it.
        let (r, w) = try load(arm.0, arm.1)
        #expect(Refusals(robot: r, world: w).missingAction("rotate the wrist by 45 degrees") == "arm cannot rotate: none of its actions does that")
        // Verbs of acting on a thing need the thing: "drop to 5 m" is a descent; and a robot whose file has the verb
        // (or one it is an everyday synonym of: the arm's "release") has the kind.
        let down = [ActionCall("change_altitude", [.init("altitude_m", .number(5))])]
        #expect(try reason(drone.0, drone.1, "drop to 5 metres", down) == nil)
        #expect(try reason(arm.0, arm.1, "throw the red block in the left bin",
                           [ActionCall("pick", [.init("part", .string("red_block"))]), ActionCall("drop_in", [.init("bin", .string("left_bin"))])]) == nil)
        #expect(try reason(rover.0, rover.1, "spin to the left by 90 degrees", [ActionCall("rotate", [.init("angle_deg", .number(90))])]) == nil)
        // A world's noun is no verb ("the water tower" is no watering).
        #expect(try reason(drone.0, drone.1, "fly to the water tower", [ActionCall("fly_to", [.init("waypoint", .string("water_tower"))])]) == nil)
        // "lift off" is a flight verb, "lift" alone a pick; folding and tightening are kinds of their own.
        #expect(try reason(drone.0, drone.1, "lift off to 12 metres", [ActionCall("takeoff", [.init("altitude_m", .number(12))])]) == nil)
        #expect(try reason(rover.0, rover.1, "fold the towel", [ActionCall("pick", [.init("object", .string("towel"))])])
            == "rover cannot fold: none of its actions does that")
        #expect(try reason(arm.0, arm.1, "tighten the screws in the screw box", []) == "arm cannot tighten: none of its actions does that")
        // "water" is a verb, except in a name the world has ("the water bottle").
        #expect(try reason(rover.0, rover.1, "water the plant in the hallway", []) == "rover cannot water: none of its actions does that")
        #expect(try reason(rover.0, rover.1, "bring the water bottle to the kitchen", []) == nil)
        // "the southern field" is the south field.
        #expect(try reason(drone.0, drone.1, "go to the southern field", [ActionCall("fly_to", [.init("waypoint", .string("south_field"))])]) == nil)
        // "minus" is a sign, not a thing's name.
        #expect(try reason(arm.0, arm.1, "move the gripper minus 5 cm in y",
                           [ActionCall("move_gripper", [.init("dx_cm", .number(0)), .init("dy_cm", .number(-5)), .init("dz_cm", .number(0))])]) == nil)
    }

    @Test func whatTheRobotAndWorldHaveIsNotRefused() throws {
        let kitchen = [ActionCall("navigate_to", [.init("target", .string("kitchen"))])]
        // Aliases and typos the normalizer resolved; politeness; time words.
        #expect(try reason(rover.0, rover.1, "head over to the lounge pls", normalized: "head over to the living_room pls",
                           [ActionCall("navigate_to", [.init("target", .string("living_room"))])]) == nil)
        #expect(try reason(rover.0, rover.1, "drive to the hallwya", normalized: "drive to the hallway",
                           [ActionCall("navigate_to", [.init("target", .string("hallway"))])]) == nil)
        #expect(try reason(rover.0, rover.1, "in the meantime, could you go to the kitchen", kitchen) == nil)
        #expect(try reason(rover.0, rover.1, "could you do me a favor and go to the kitchen", kitchen) == nil)
        // Free text carries its own words.
        #expect(try reason(rover.0, rover.1, "say the dinner is ready", [ActionCall("say", [.init("text", .string("the dinner is ready"))])]) == nil)
        #expect(try reason(drone.0, drone.1, "take a photo of the cows", [ActionCall("take_photo", [.init("subject", .string("the cows"))])]) == nil)
        // Light uses of a verb the robot lacks, and take off.
        #expect(try reason(drone.0, drone.1, "bring it down to 2 meters", [ActionCall("change_altitude", [.init("altitude_m", .number(2))])]) == nil)
        #expect(try reason(drone.0, drone.1, "grab a shot of the barn", [ActionCall("take_photo", [.init("subject", .string("the barn"))])]) == nil)
        #expect(try reason(drone.0, drone.1, "take off to 10 m", [ActionCall("takeoff", [.init("altitude_m", .number(10))])]) == nil)
        // A phrase with an entity in it names the entity; generic nouns name nothing.
        #expect(try reason(rover.0, rover.1, "actually, go to the bathroom instead", []) == nil)
        #expect(try reason(arm.0, arm.1, "go back to the home position", [ActionCall("home")]) == nil)
        // A part of a compound the world uses ("bench" of "workbench").
        #expect(try reason(arm.0, arm.1, "take the blue block from the bench",
                           [ActionCall("pick", [.init("part", .string("blue_block"))])]) == nil)
    }
}
