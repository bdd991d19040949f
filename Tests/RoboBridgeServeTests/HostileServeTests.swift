import Foundation
import RoboBridgeNode
import RoboBridgeProtocol
import Testing

@Suite("Hostile commands through serve: within the robot file, decided by the deadline, the node still serving", .serialized)
struct HostileServeTests {
    /// The rover's lines of corpus/hostile.jsonl, plus empty, whitespace-only and over-long commands, each sent with the
    /// robot's own deadline: each gets its outcome by the deadline (plus a margin for the sockets), every action
    /// published is one of the rover's; a 100 kB command is refused by the codec; and the node answers an ordinary
    /// command afterwards.
    @Test func theHostileCorpusThroughTheNode() async throws {
        let h = try await ServeHarness()
        let lines = try String(contentsOfFile: root + "/corpus/hostile.jsonl", encoding: .utf8).split(separator: "\n")
        var instructions = try lines.compactMap { line -> String? in
            let v = try JSONValue.parse(String(line))
            return v["robot"] == .string("rover") ? v["instruction"]?.stringValue : nil
        }
        #expect(instructions.count >= 40)
        instructions += ["", "   \t  ", String(repeating: "go to the kitchen ", count: 100)]
        let budget = h.robot.latencyBudgetMs
        let names = Set(h.robot.actions.map(\.name))
        var tally: [String: Int] = [:], slowest = Duration.zero
        for instruction in instructions {
            let sent = h.client.publish(.command, .command(instruction: instruction, deadlineMs: nil))
            let sentAt = ContinuousClock.now
            // Everything about it up to its end: an outcome, or a `rejected` event when the codec refuses it (an empty instruction).
            var messages: [BridgeClient.Received] = []
            while let m = await h.client.next(timeout: .seconds(10), where: { $0.correlationId == sent.envelope.id }) {
                messages.append(m)
                if m.event == "outcome" || m.event == "rejected" { break }
            }
            let outcome = try #require(messages.last { $0.event == "outcome" || $0.event == "rejected" }, "no answer for \(instruction.prefix(80))")
            let took = outcome.at - sentAt
            slowest = max(slowest, took)
            #expect(took <= .milliseconds(budget + 150), "\(instruction.prefix(80)): decided after \(took)")
            #expect(messages.actionNames.allSatisfy(names.contains), "\(instruction.prefix(80)): \(messages.actionNames)")
            tally[outcome.body["outcome"]?.stringValue ?? "rejected by the codec", default: 0] += 1
            // Let navigate_to's rate limit (2 Hz) pass, so a plan is judged on itself, not on the one before.
            try await Task.sleep(for: .milliseconds(550))
        }
        // 100 kB: over the protocol's body limit (64 kB), refused by the codec with a `rejected` event naming the message.
        h.client.publish(.command, .command(instruction: String(repeating: "go to the kitchen ", count: 6000), deadlineMs: nil))
        let refused = await h.client.next(timeout: .seconds(5)) { $0.event == "rejected" }
        #expect(refused?.body["reason"] == .string("message_too_large"), "\(String(describing: refused?.body))")
        let (_, after) = try await h.run("go to the kitchen")
        #expect(after.outcome?.body["outcome"] == .string("ok"))
        print("hostile through serve: \(instructions.count) commands, slowest decision \(slowest): "
              + tally.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        try await h.stop()
    }
}
