import Foundation
import RoboBridgeProtocol
import Testing

/// A node in another language — Python with plain pyzmq, written against docs/protocol.md — talks to
/// the bridge over TCP: heartbeat, commands, acks, actions, sensors, a rejected message, e-stop, and
/// request/reply. pyzmq is installed by scripts/bootstrap into .deps/python.
@Suite("Interop with a Python peer", .serialized)
struct PythonPeerTests {
    @Test func pythonPeerSpeaksTheProtocol() async throws {
        let h = try await NodeHarness()
        let bound = await h.node.ready()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("Tests/peers/python_peer.py").path,
                             bound.inbound.description, bound.outbound.description, try #require(bound.requests).description, "rover"]
        var env = ProcessInfo.processInfo.environment
        env["PYTHONPATH"] = root.appendingPathComponent(".deps/python").path + (env["PYTHONPATH"].map { ":" + $0 } ?? "")
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Wait on a thread of its own: the node under test runs on Swift's cooperative pool.
        let (data, errorData) = await withCheckedContinuation { (c: CheckedContinuation<(Data, Data), Never>) in
            Thread {
                let d = out.fileHandleForReading.readDataToEndOfFile()
                let e = err.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                c.resume(returning: (d, e))
            }.start()
        }
        let errors = String(decoding: errorData, as: UTF8.self)
        #expect(process.terminationStatus == 0, "python peer failed: \(errors)")
        let summary = try JSONValue.parse(Array(data))
        #expect(summary["heartbeat_state"] == .string("ready"))
        #expect(summary["heartbeat_subscribed"]?.arrayValue?.contains(.string("rover/command")) == true)
        #expect(summary["action"] == .object([("actions", .array([.object([("args", .object([("target", .string("kitchen"))])), ("name", .string("navigate_to"))])])),
                                              ("outcome", .string("ok"))]))
        #expect(summary["rejected_reason"] == .string("malformed_json"))
        #expect((summary["validated_against_schemas"]?.integerValue ?? 0) >= 5)
        #expect(summary["estop_action"] == .object([("actions", .array([.object([("args", .object([])), ("name", .string("stop"))])])), ("outcome", .string("estop"))]))
        #expect(summary["reply_topic"] == .string("rover/plan"))
        #expect(summary["reply"]?["correlation_id"] == summary["reply"]?["request_id"])
        #expect(summary["reply"]?["outcome"] == .string("ok"))
        // The sensor readings the peer published: the newest is kept.
        let pose = try #require(h.node.latestSensor("pose"))
        #expect(pose.payload == .sensor(data: .object([("x", .integer(4)), ("y", .number(2.5)), ("frame", .string("map"))])))
        #expect(pose.envelope.sender == summary["sender"]?.stringValue)
        try await h.stop()
    }
}

@Suite("Protocol documentation")
struct ProtocolDocumentationTests {
    /// Every inbound example in docs/schemas/examples decodes with the bridge's codec.
    @Test(arguments: ["command", "estop", "sensor", "action_status", "translate"])
    func inboundExampleDecodes(_ name: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("docs/schemas/examples/\(name).json"))
        let example = try JSONValue.parse(Array(data))
        let topic = try #require(example["topic"]?.stringValue)
        let body = try #require(example["body"])
        let message = try Codec(robot: "rover").decode([Array(topic.utf8), body.utf8Bytes])
        #expect(message.topic.description == topic)
        #expect(message.body == body)
    }
}
