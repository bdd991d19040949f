import Foundation
import RoboBridgeNode
import RoboBridgeProtocol
import Testing

@Suite("Hostile commands through serve: within the robot file, decided by the deadline, the node still serving", .serialized)
struct HostileServeTests {
    /// The rover's lines of corpus/hostile.jsonl, plus 100 kB, empty and whitespace-only commands, each sent with the
    /// robot's own deadline: each gets its outcome by the deadline (plus a margin for the sockets), every action
    /// published is one of the rover's, and the node answers an ordinary command afterwards.
    @Test func theHostileCorpusThroughTheNode() async throws {
        let h = try await ServeHarness()
        let lines = try String(contentsOfFile: root + "/corpus/hostile.jsonl", encoding: .utf8).split(separator: "\n")
        var instructions = try lines.compactMap { line -> String? in
            let v = try JSONValue.parse(String(line))
            return v["robot"] == .string("rover") ? v["instruction"]?.stringValue : nil
        }
        #expect(instructions.count >= 40)
        instructions += [String(repeating: "go to the kitchen ", count: 6000), "", "   \t  "]
        let budget = h.robot.latencyBudgetMs
        let names = Set(h.robot.actions.map(\.name))
        var tally: [String: Int] = [:], slowest = Duration.zero
        for instruction in instructions {
            let sent = h.client.publish(.command, .command(instruction: instruction, deadlineMs: nil))
            let sentAt = ContinuousClock.now
            let messages = try await h.collect(sent.envelope.id, timeout: .seconds(10))
            let outcome = try #require(messages.outcome, "no outcome for \(instruction.prefix(80))")
            let took = outcome.at - sentAt
            slowest = max(slowest, took)
            #expect(took <= .milliseconds(budget + 150), "\(instruction.prefix(80)): decided after \(took)")
            #expect(messages.actionNames.allSatisfy(names.contains), "\(instruction.prefix(80)): \(messages.actionNames)")
            tally[outcome.body["outcome"]?.stringValue ?? "?", default: 0] += 1
            // Let navigate_to's rate limit (2 Hz) pass, so a plan is judged on itself, not on the one before.
            try await Task.sleep(for: .milliseconds(550))
        }
        // Empty and whitespace-only commands are refused by the codec: a `rejected` event, no outcome... or an outcome?
        let (_, after) = try await h.run("go to the kitchen")
        #expect(after.outcome?.body["outcome"] == .string("ok"))
        print("hostile through serve: \(instructions.count) commands, slowest decision \(slowest): "
              + tally.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        try await h.stop()
    }
}
