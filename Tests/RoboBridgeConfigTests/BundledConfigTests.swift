import Foundation
import RoboBridgeConfig
import Testing

/// The repository's root (tests run from it under `swift test`; found from this file otherwise).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

func bundled(_ relative: String) -> String { repositoryRoot + "/" + relative }

func bundledFiles(_ folder: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: bundled(folder)).filter { $0.hasSuffix(".yaml") }.sorted().map { bundled(folder + "/" + $0) }
}

@Suite("Bundled robots, worlds and missions")
struct BundledConfigTests {
    @Test func everyBundledFileValidates() throws {
        let files = try bundledFiles("robots") + bundledFiles("simulator/worlds") + bundledFiles("missions")
        #expect(files.count >= 9)
        let errors = ConfigLoader.validate(files)
        #expect(errors.isEmpty, "\(errors.map(\.description).joined(separator: "\n"))")
    }

    @Test func roverMatchesTheReference() throws {
        let rover = try ConfigLoader.loadRobot(bundled("robots/rover.yaml"))
        #expect(rover.id == "rover")
        #expect(rover.actions.map(\.name) == ["navigate_to", "move", "rotate", "pick", "place", "say", "set_speed", "dock", "stop"])
        let move = try #require(rover.action(named: "move")?.parameter(named: "distance_m"))
        #expect(move.kind == .number && move.minimum == -3 && move.maximum == 3 && move.unit == "m")
        let rotate = try #require(rover.action(named: "rotate")?.parameter(named: "angle_deg"))
        #expect(rotate.minimum == -180 && rotate.maximum == 180)
        #expect(rover.action(named: "say")?.parameter(named: "text")?.maxLength == 120)
        let speed = try #require(rover.action(named: "set_speed")?.parameter(named: "speed_mps"))
        #expect(speed.minimum == 0.1 && speed.maximum == 1.0)
        #expect(rover.action(named: "navigate_to")?.parameter(named: "target")?.entityClass == "place")
        #expect(rover.action(named: "pick")?.parameter(named: "object")?.entityClass == "object")
        #expect(rover.action(named: "dock")?.parameters.isEmpty == true)
        #expect(rover.stopWords.contains("halt"))
        #expect(rover.examples.count >= 5)
        #expect(rover.examples[1].plan.map(\.description) == [
            "navigate_to(target=\"kitchen_counter\")", "pick(object=\"apple\")",
            "navigate_to(target=\"coffee_table\")", "place(target=\"coffee_table\")",
        ])
    }

    @Test func droneMatchesTheReference() throws {
        let drone = try ConfigLoader.loadRobot(bundled("robots/drone.yaml"))
        #expect(drone.actions.map(\.name) == ["takeoff", "land", "fly_to", "change_altitude", "hover", "take_photo", "return_home", "stop"])
        #expect(drone.action(named: "takeoff")?.parameter(named: "altitude_m")?.maximum == 30)
        #expect(drone.action(named: "hover")?.parameter(named: "seconds")?.minimum == 1)
        #expect(drone.action(named: "take_photo")?.parameter(named: "subject")?.maxLength == 60)
        #expect(drone.action(named: "fly_to")?.parameter(named: "waypoint")?.entityClass == "waypoint")
    }

    @Test func apartmentMatchesTheReference() throws {
        let w = try ConfigLoader.loadWorld(bundled("simulator/worlds/apartment.yaml"))
        #expect(Set(w.places.map(\.name)) == ["kitchen", "living_room", "bedroom", "bathroom", "hallway", "charging_dock"])
        #expect(w.surfaces.map(\.name) == ["kitchen_counter", "dining_table", "coffee_table", "bedside_table"])
        #expect(w.place(named: "charging_dock")?.room == "hallway")
        #expect(w.robotStart.place == "charging_dock")
        let on = Dictionary(uniqueKeysWithValues: w.objects.map { o -> (String, String) in
            guard case .on(let s) = o.location else { return (o.name, "?") }
            return (o.name, s)
        })
        #expect(on == ["red_cup": "kitchen_counter", "apple": "kitchen_counter", "water_bottle": "kitchen_counter",
                       "blue_mug": "dining_table", "banana": "dining_table", "tv_remote": "coffee_table", "keys": "coffee_table",
                       "book": "bedside_table", "phone": "bedside_table", "towel": "bathroom"])
        for (alias, target) in ["lounge": "living_room", "restroom": "bathroom", "charger": "charging_dock",
                                "nightstand": "bedside_table", "counter": "kitchen_counter", "remote": "tv_remote"] {
            #expect(w.canonical(alias) == target)
        }
        #expect(w.entityClasses["place"]?.contains("coffee_table") == true)
        #expect(w.entityClasses["object"]?.count == 10)
    }

    @Test func farmMatchesTheReference() throws {
        let w = try ConfigLoader.loadWorld(bundled("simulator/worlds/farm.yaml"))
        #expect(w.waypoints.map(\.name) == ["home_pad", "barn", "north_field", "south_field", "pond", "water_tower", "east_gate", "greenhouse"])
        #expect(w.robotStart.place == "home_pad")
        for (alias, target) in ["base": "home_pad", "helipad": "home_pad", "tower": "water_tower", "gate": "east_gate"] {
            #expect(w.canonical(alias) == target)
        }
    }

    @Test func missionsReadTheirSteps() throws {
        let m = try ConfigLoader.loadMission(bundled("missions/rover_fetch_mug.yaml"))
        #expect(m.steps.count == 6)
        #expect(m.steps[0].kind == .instruction("put the blue mug on the coffee table"))
        #expect(m.steps[0].expect == [.outcome("ok"), .holding(nil), .objectAt(object: "blue_mug", place: "coffee_table")])
        #expect(m.steps[2].kind == .estop)
        #expect(m.steps[3].kind == .wait(seconds: 2))
        let d = try ConfigLoader.loadMission(bundled("missions/drone_survey.yaml"))
        #expect(d.steps[0].expect.contains(.altitude(min: 14.5, max: 15.5)))
        #expect(d.steps[1].atS == 10)
    }

    @Test func argumentValidation() throws {
        let rover = try ConfigLoader.loadRobot(bundled("robots/rover.yaml"))
        let world = try ConfigLoader.loadWorld(bundled("simulator/worlds/apartment.yaml"))
        let setSpeed = try #require(rover.action(named: "set_speed"))
        #expect(setSpeed.problem(with: ActionCall("set_speed", [.init("speed_mps", .number(10))]), world: world)
            == "set_speed.speed_mps: expected a value ≤ 1, got 10")
        #expect(setSpeed.problem(with: ActionCall("set_speed", [.init("speed_mps", .number(0.5))]), world: world) == nil)
        let nav = try #require(rover.action(named: "navigate_to"))
        #expect(nav.problem(with: ActionCall("navigate_to", [.init("target", .string("garage"))]), world: world)
            == "navigate_to.target: expected a place of the world apartment (hallway, charging_dock, kitchen, living_room, bedroom, bathroom, kitchen_counter, dining_table, coffee_table, bedside_table), got \"garage\"")
        #expect(nav.problem(with: ActionCall("navigate_to", []), world: world) == "navigate_to: missing required argument target")
        let arm = try ConfigLoader.loadRobot(bundled("robots/arm.yaml"))
        let moveGripper = try #require(arm.action(named: "move_gripper"))
        #expect(moveGripper.normalized(ActionCall("move_gripper", [.init("dz_cm", .integer(5))])).description
            == "move_gripper(dx_cm=0, dy_cm=0, dz_cm=5)")
        #expect(moveGripper.normalized(ActionCall("move_gripper", [.init("dz_cm", .number(-2.5))]))[ "dx_cm"] == .number(0))
    }
}
