import Foundation
import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeProtocol
import RoboBridgeTranslation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("robobridge tune: data from the robot file, training with llama.cpp's API, a model that loads", .serialized)
struct TuneTests {
    /// The data: every plan valid for the robot (or `none`), no template family on both sides of the split.
    @Test func theDataComesFromTheRobotFileAndSplitsByFamily() throws {
        let robot = try ConfigLoader.loadRobot(root + "/robots/rover.yaml")
        let world = try ConfigLoader.loadWorld(root + "/simulator/worlds/apartment.yaml")
        let set = TrainingSet(robot: robot, world: world, count: 600)
        #expect(set.train.count + set.validation.count >= 500)
        #expect(!set.validation.isEmpty)
        #expect(Set(set.train.map(\.family)).isDisjoint(with: set.validation.map(\.family)))
        for e in set.train + set.validation where e.plan != "none" {
            #expect(PlanText.parse(e.plan, robot: robot) != nil, "\(e.instruction) → \(e.plan)")
        }
        // Every action is asked for, and refusals are there.
        let named = Set((set.train + set.validation).flatMap { e in e.plan.split(separator: "\n").map { String($0.prefix { $0 != "(" }) } })
        #expect(Set(robot.actions.map(\.name)).isSubset(of: named), "\(Set(robot.actions.map(\.name)).subtracting(named))")
        #expect(set.train.contains { $0.plan == "none" })

        let all = set.train + set.validation
        // The robot's own examples with other entities: "bring the apple to the coffee table" for other objects and
        // places, the place an object lies on moving with it.
        let refilled = all.filter { $0.family.hasPrefix("example") && $0.plan.contains("pick(") }
        #expect(refilled.count >= 20)
        #expect(Set(refilled.map(\.plan)).count >= 10)
        var lies: [String: String] = [:]
        for o in world.objects { if case .on(let s) = o.location { lies[o.name] = s } }
        for e in all {
            let calls = try #require(e.plan == "none" ? [] : PlanText.parse(e.plan, robot: robot))
            for (i, c) in calls.enumerated() where c.name == "pick" {
                // Every pick comes after a drive to where the object lies or to its room, as the examples show.
                guard case .string(let object)? = c["object"], let surface = lies[object] else { continue }
                let room = world.place(named: surface)?.room
                let before: String? = if i > 0, calls[i - 1].name == "navigate_to", case .string(let t)? = calls[i - 1]["target"] { t } else { nil }
                #expect(before != nil && (before == surface || before == room), "\(e.instruction) → \(e.plan)")
            }
            // A verb of going never asks for place(); a signed number is said with its direction, never with a minus.
            if e.family.hasPrefix("place/") { #expect(!e.instruction.contains("go to"), "\(e.instruction)") }
            if e.family.hasPrefix("move/") || e.family.hasPrefix("rotate/") {
                #expect(e.instruction.range(of: #"-\d"#, options: .regularExpression) == nil, "\(e.instruction)")  // "fifty-five" is fine
            }
        }
        #expect(all.contains { $0.plan == "rotate(angle_deg=-90)" || $0.plan.hasPrefix("rotate(angle_deg=-") && $0.instruction.contains("right") })
    }

    /// A tiny tune (two windows, three passes): the training loss falls, the validation loss (families never trained
    /// on) falls, the file loads and translates within the robot file, and no work file is left.
    @Test func aTinyTuneLowersTheLossAndTheModelTranslates() async throws {
        let dir = NSTemporaryDirectory() + "rb-tune-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/rover-tuned.gguf"
        let r = try await robobridge(["tune", "--robot", root + "/robots/rover.yaml", "--examples", "200", "--max-windows", "2", "--epochs", "3",
                                      "--first-layer", "20", "--out", out])
        #expect(r.status == 0, "\(r.out)\n\(r.err)")
        let byEpoch = try #require(r.out.split(separator: "\n").first { $0.contains("training loss by epoch:") })
        let losses = byEpoch.split(separator: ":").last!.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        #expect(losses.count == 3 && losses[2] < losses[0], "\(byEpoch)")
        let validation = try #require(r.out.split(separator: "\n").first { $0.hasPrefix("validation loss") })
        let numbers = validation.split(whereSeparator: { !$0.isNumber && $0 != "." }).compactMap { Double($0) }
        #expect(numbers.count == 2 && numbers[1] < numbers[0], "\(validation)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["rover-tuned.gguf"], "work files left behind")
        let input = dir + "/in.jsonl"
        try ["go to the kitchen", "bring the apple to the coffee table", "tell me a joke"].map { #"{"instruction": "\#($0)"}"# }
            .joined(separator: "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let t = try await robobridge(["translate", "--robot", root + "/robots/rover.yaml", "--model", out, "--input", input])
        #expect(t.status == 0, "\(t.err)")
        let lines = t.out.split(separator: "\n").map { try? JSONValue.parse(String($0)) }
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { ["ok", "no_action"].contains($0?["outcome"]?.stringValue ?? "") }, "\(t.out)")
    }

    /// Interrupted while training: no model file, no work files.
    @Test func anInterruptedTuneLeavesNothingBehind() async throws {
        let dir = NSTemporaryDirectory() + "rb-tune-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tune = try Background(["tune", "--robot", root + "/robots/rover.yaml", "--examples", "400", "--first-layer", "20", "--out", dir + "/rover-tuned.gguf"])
        #expect(await tune.waitFor("training:", timeout: .seconds(60)), "\(tune.out.text) \(tune.err.text)")
        try await Task.sleep(for: .seconds(2))
        tune.kill(SIGINT)
        let status = await tune.wait()
        #expect(status != 0)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(left.isEmpty, "left behind: \(left)")
    }
}
