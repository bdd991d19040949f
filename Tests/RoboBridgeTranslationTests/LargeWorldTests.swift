import Foundation
import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeTranslation
import RoboBridgeEngine
import Testing

/// A warehouse of a few hundred entities, written as real files: the system prompt does not list them,
/// each instruction carries the ones it names, and the grammar still admits every one.
@Suite("Large worlds", .serialized)
struct LargeWorldTests {
    static let colors = ["red", "blue", "green", "yellow", "black", "white", "orange", "grey"]
    static let items = ["box", "crate", "drum", "bag", "toolbox", "helmet", "ladder", "cone", "barrel", "cable"]

    /// 40 aisles, a loading dock and an office; 120 shelves; 80 objects, each on a shelf.
    static let files: Result<(robot: String, world: String), Error> = Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("robobridge-large-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var w = "id: warehouse\ndescription: A warehouse with aisles of shelves.\nplaces:\n"
        w += "  - {name: loading_dock, room: dock, position: {x: 0, y: 0}}\n  - {name: office, room: office, position: {x: 2, y: -3}}\n"
        for a in 1...40 { w += "  - {name: aisle_\(a), room: aisle_\(a), position: {x: \(a * 3), y: 5}}\n" }
        w += "surfaces:\n"
        for s in 1...120 { w += "  - {name: shelf_\(s), room: aisle_\((s - 1) / 3 + 1), position: {x: \(((s - 1) / 3 + 1) * 3), y: \(6 + s % 3)}}\n" }
        w += "objects:\n"
        var n = 0
        for c in colors { for i in items { n += 1; w += "  - {name: \(c)_\(i), on: shelf_\(n * 7 % 120 + 1), color: \(c)}\n" } }
        w += "robot_start:\n  place: loading_dock\n  heading_deg: 0\n"
        let robot = """
            id: picker
            kind: mobile_manipulator
            description: A warehouse robot on wheels with one arm. It drives to aisles and shelves, picks up items and puts them down.
            world: warehouse.yaml
            model: {name: smollm2-135m-fast, context_length: 2048, threads: 2, temperature: 0, max_tokens: 96}
            limits: {max_plan_actions: 8, max_instruction_length: 300}
            actions:
              - name: navigate_to
                description: Drive to a place or a shelf.
                parameters:
                  target: {type: enum, entity_class: place, description: The place to drive to.}
              - name: pick
                description: Pick up an item that is within reach.
                parameters:
                  object: {type: enum, entity_class: object, description: The item to pick up.}
              - name: place
                description: Put the held item on a place or shelf.
                parameters:
                  target: {type: enum, entity_class: place, description: Where to put the item.}
              - name: say
                description: Say something out loud.
                parameters:
                  text: {type: string, max_length: 80, description: What to say.}
              - name: stop
                description: Stop all motion at once.
            examples:
              - instruction: go to aisle 3
                plan:
                  - {action: navigate_to, args: {target: aisle_3}}
              - instruction: bring the red box to the office
                plan:
                  - {action: navigate_to, args: {target: shelf_8}}
                  - {action: pick, args: {object: red_box}}
                  - {action: navigate_to, args: {target: office}}
                  - {action: place, args: {target: office}}
            """
        try w.write(to: dir.appendingPathComponent("warehouse.yaml"), atomically: true, encoding: .utf8)
        try robot.write(to: dir.appendingPathComponent("picker.yaml"), atomically: true, encoding: .utf8)
        return (dir.appendingPathComponent("picker.yaml").path, dir.appendingPathComponent("warehouse.yaml").path)
    }

    static func loadWarehouse() throws -> (Robot, World) {
        let (r, w) = try files.get()
        let robot = try ConfigLoader.loadRobot(r), world = try ConfigLoader.loadWorld(w)
        #expect(ConfigLoader.validate([r, w]).isEmpty)
        return (robot, world)
    }

    @Test func thePromptListsOnlyWhatTheInstructionNames() throws {
        let (robot, world) = try Self.loadWarehouse()
        #expect(world.entityNames.count > 200)
        let prompt = PromptBuilder(robot: robot, world: world)
        #expect(!prompt.listsWholeWorld)
        #expect(!prompt.systemMessage.contains("shelf_57") && !prompt.systemMessage.contains("green_drum"))
        #expect(prompt.systemMessage.contains("42 places, 120 pieces of furniture, 80 objects"))
        let shelf = try #require(world.object(named: "blue_crate").flatMap { if case .on(let s) = $0.location { s } else { nil } })
        #expect(prompt.worldNote(for: "bring the blue_crate to the office") == "Named here: blue_crate (on \(shelf)), office.")
        // A word of a name finds every entity that has it.
        let note = try #require(prompt.worldNote(for: "where are the ladders and the ladder"))
        #expect(note.contains("red_ladder (on ") && note.contains("grey_ladder (on "))
        #expect(prompt.worldNote(for: "tell me a joke") == nil)
        // A small world is listed whole, with no note.
        let (rover, apartment) = try load("rover", "apartment")
        #expect(PromptBuilder(robot: rover, world: apartment).worldNote(for: "go to the kitchen") == nil)
    }

    @Test func translationsStayValidAndFindTheNamedEntities() throws {
        let (robot, world) = try Self.loadWarehouse()
        let t = try Translator(model: try TranslatorTests.model.get(), robot: robot, world: world)
        let shelfOf = { (o: String) -> String in
            if case .on(let s)? = world.object(named: o)?.location { return s }
            return ""
        }
        let cases: [(String, [ActionCall])] = [
            ("go to aisle 17", [ActionCall("navigate_to", [.init("target", .string("aisle_17"))])]),
            ("drive to the loading dock", [ActionCall("navigate_to", [.init("target", .string("loading_dock"))])]),
            ("bring the green drum to the office", [
                ActionCall("navigate_to", [.init("target", .string(shelfOf("green_drum")))]), ActionCall("pick", [.init("object", .string("green_drum"))]),
                ActionCall("navigate_to", [.init("target", .string("office"))]), ActionCall("place", [.init("target", .string("office"))]),
            ]),
            ("pick up the orange helmet", [
                ActionCall("navigate_to", [.init("target", .string(shelfOf("orange_helmet")))]), ActionCall("pick", [.init("object", .string("orange_helmet"))]),
            ]),
        ]
        var exact = 0
        for (instruction, expected) in cases {
            let r = try t.translate(instruction)
            for call in r.actions {
                #expect(robot.action(named: call.name)?.problem(with: call, world: world) == nil, "\(instruction) → \(call)")
            }
            if r.actions == expected { exact += 1 } else { print("large world: \(instruction) → \(PlanText.render(r.actions))") }
        }
        print("large world: \(exact) of \(cases.count) exact")
        #expect(exact >= 3)
    }
}
