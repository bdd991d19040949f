import RoboBridgeProtocol
import Testing

func frames(_ topic: String, _ body: String) -> [[UInt8]] { [Array(topic.utf8), Array(body.utf8)] }

let validCommand = #"{"version":1,"id":"c-1","timestamp_ns":1764400000000000000,"robot":"rover","sender":"ui","seq":1,"instruction":"go to the kitchen"}"#

@Suite("Protocol codec")
struct CodecTests {
    let codec = Codec(robot: "rover")

    @Test func decodesACommand() throws {
        let m = try codec.decode(frames("rover/command", validCommand))
        #expect(m.topic == Topic(robot: "rover", .command))
        #expect(m.envelope == Envelope(id: "c-1", timestampNs: 1_764_400_000_000_000_000, robot: "rover", sender: "ui", seq: 1))
        #expect(m.payload == .command(instruction: "go to the kitchen", deadlineMs: nil))
    }

    @Test func roundTrips() throws {
        let messages = [
            Message(topic: Topic(robot: "rover", .command), envelope: Envelope(id: "a", timestampNs: 1, robot: "rover", sender: "s", seq: 7),
                    payload: .command(instruction: "put the \"blue\" mug\non the table 🤖", deadlineMs: 300)),
            Message(topic: Topic(robot: "rover", .sensor("battery")), envelope: Envelope(id: "b", timestampNs: 2, robot: "rover", sender: "s", seq: 8),
                    payload: .sensor(data: .object([("percent", .number(87.5)), ("charging", .bool(false)), ("cells", .array([.integer(1), .null]))]))),
            Message(topic: Topic(robot: "rover", .estop), envelope: Envelope(id: "c", timestampNs: 3, robot: "rover", sender: "s", seq: 9), payload: .estop(reason: nil)),
            Message(topic: Topic(robot: "rover", .actionStatus), envelope: Envelope(id: "d", timestampNs: 4, robot: "rover", sender: "s", seq: 10, correlationId: "a"),
                    payload: .actionStatus(index: 0, status: "running", detail: "halfway")),
        ]
        for m in messages { #expect(try codec.decode(m.frames) == m) }
    }

    @Test func topics() {
        #expect(Topic.parse("rover/sensor/pose") == Topic(robot: "rover", .sensor("pose")))
        #expect(Topic.parse("rover/action_status") == Topic(robot: "rover", .actionStatus))
        #expect(Topic.parse("rover/sensor/") == nil)
        #expect(Topic.parse("rover/flyaway") == nil)
        #expect(Topic.parse("/command") == nil)
        #expect(Topic(robot: "drone", .heartbeat).description == "drone/heartbeat")
    }

    static let violations: [(String, [[UInt8]], String)] = [
        ("one frame", [Array("rover/command".utf8)], "wrong_frame_count: expected 2 frames (topic, JSON body), got 1"),
        ("three frames", frames("rover/command", "{}") + [[1]], "wrong_frame_count: expected 2 frames (topic, JSON body), got 3"),
        ("binary topic", [[0xFF, 0xFE], Array("{}".utf8)], "not_utf8: the topic frame is not UTF-8"),
        ("unknown topic", frames("rover/dance", validCommand), "unknown_topic: unknown topic \"rover/dance\""),
        ("other robot", frames("drone/command", validCommand), "wrong_robot: topic for robot \"drone\", this bridge is \"rover\""),
        ("outbound topic", frames("rover/action", validCommand), "unknown_topic: \"rover/action\" is an outbound topic of the bridge"),
        ("binary body", [Array("rover/command".utf8), [0x7B, 0xC3, 0x28, 0x7D]], "not_utf8: the body frame is not UTF-8"),
        ("malformed JSON", frames("rover/command", #"{"version":1,"#), "malformed_json: malformed JSON: expected a string key at byte 13"),
        ("not an object", frames("rover/command", "[1,2]"), "malformed_json: the body must be a JSON object, got an array"),
        ("wrong version", frames("rover/command", validCommand.replacingOccurrences(of: #""version":1"#, with: #""version":2"#)),
         "wrong_version: protocol version 2, this bridge speaks 1"),
        ("missing instruction", frames("rover/command", validCommand.replacingOccurrences(of: #","instruction":"go to the kitchen""#, with: "")),
         "missing_field: missing field \"instruction\""),
        ("missing id", frames("rover/command", validCommand.replacingOccurrences(of: #""id":"c-1","#, with: "")), "missing_field: missing field \"id\""),
        ("seq as text", frames("rover/command", validCommand.replacingOccurrences(of: #""seq":1"#, with: #""seq":"one""#)),
         "invalid_field: field \"seq\": expected an integer ≥ 0, got \"one\""),
        ("empty instruction", frames("rover/command", validCommand.replacingOccurrences(of: "go to the kitchen", with: "")),
         "invalid_field: field \"instruction\": expected a non-empty string of at most 2000 characters, got \"\""),
        ("body robot differs", frames("rover/command", validCommand.replacingOccurrences(of: #""robot":"rover""#, with: #""robot":"drone""#)),
         "wrong_robot: body for robot \"drone\", this bridge is \"rover\""),
        ("bad status", frames("rover/action_status", #"{"version":1,"id":"x","timestamp_ns":1,"robot":"rover","sender":"s","seq":1,"action_index":0,"status":"done"}"#),
         "invalid_field: field \"status\": expected one of accepted, running, succeeded, failed, cancelled, got \"done\""),
        ("sensor without data", frames("rover/sensor/pose", #"{"version":1,"id":"x","timestamp_ns":1,"robot":"rover","sender":"s","seq":1}"#),
         "missing_field: missing field \"data\""),
    ]

    @Test(arguments: violations.indices)
    func violationsAreNamed(_ i: Int) {
        let (_, input, expected) = Self.violations[i]
        do {
            _ = try codec.decode(input)
            Issue.record("accepted: \(Self.violations[i].0)")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func oversizeBody() {
        var limits = ProtocolLimits()
        limits.maxBodyBytes = 100
        let small = Codec(robot: "rover", limits: limits)
        #expect(throws: Violation(.messageTooLarge, "body of \(validCommand.utf8.count) bytes exceeds 100", topic: "rover/command")) {
            try small.decode(frames("rover/command", validCommand))
        }
    }

    @Test func jsonParserIsStrict() throws {
        #expect(try JSONValue.parse(#"{"a":[1,2.5,-3e2,true,null,"\u00e9\ud83e\udd16"]}"#)
            == .object([("a", .array([.integer(1), .number(2.5), .number(-300), .bool(true), .null, .string("é🤖")]))]))
        for bad in ["", "{", "[1,]", "01", "1.", "\"\\x\"", "\"\\ud800\"", "{\"a\" 1}", "nul", "[1] 2", String(repeating: "[", count: 100)] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONValue.parse(bad) }
        }
        #expect(JSONValue.object([("s", .string("a\"b\n\u{1}"))]).description == #"{"s":"a\"b\n\u0001"}"#)
    }

    /// ≥ 10,000 random and mutated messages: the decoder never crashes, rejects what is invalid with
    /// a reason, and every valid message decodes to exactly what was sent.
    @Test func fuzzedInputNeverCrashesTheDecoder() throws {
        var rng = SystemRandomNumberGenerator()
        let seeds: [[[UInt8]]] = [frames("rover/command", validCommand)] + Self.violations.map(\.1)
        var rejected = 0, accepted = 0
        for i in 0..<12_000 {
            var input: [[UInt8]]
            switch i % 4 {
            case 0:  // pure garbage
                input = (0..<Int.random(in: 0...4, using: &rng)).map { _ in (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) } }
            case 1, 2:  // mutated valid/invalid messages: flip, insert, delete bytes
                input = seeds.randomElement(using: &rng)!
                for _ in 0..<Int.random(in: 1...6, using: &rng) {
                    let f = Int.random(in: 0..<max(1, input.count), using: &rng)
                    guard f < input.count else { break }
                    var frame = input[f]
                    let at = Int.random(in: 0...frame.count, using: &rng)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0 where at < frame.count: frame[at] = UInt8.random(in: 0...255, using: &rng)
                    case 1: frame.insert(UInt8.random(in: 0...255, using: &rng), at: at)
                    default: if at < frame.count { frame.remove(at: at) }
                    }
                    input[f] = frame
                }
            default:  // valid messages with random content, which must decode exactly
                let m = Message(topic: Topic(robot: "rover", .command),
                                envelope: Envelope(id: "m\(i)", timestampNs: Int64.random(in: 0...Int64.max, using: &rng), robot: "rover", sender: "fuzz", seq: UInt64(i)),
                                payload: .command(instruction: String((0..<Int.random(in: 1...80, using: &rng)).map { _ in Character(UnicodeScalar(UInt8.random(in: 32...126, using: &rng))) }), deadlineMs: nil))
                #expect(try codec.decode(m.frames) == m)
                accepted += 1
                continue
            }
            do {
                _ = try codec.decode(input)
                accepted += 1
            } catch {
                #expect(!error.detail.isEmpty)
                rejected += 1
            }
        }
        #expect(accepted + rejected == 12_000)
        #expect(rejected > 5000)
    }
}
