import Foundation
import RoboBridgeProtocol
import Testing

/// The `robobridge translate` command-line contract, on the built executable (other tools depend on it):
/// one JSON object per instruction on stdout and nothing else, logs on stderr, `--input` in order with
/// per-line tools, `--tools` with arrays, bad lines answered in place.
@Suite("translate command contract", .serialized)
struct TranslateCommandTests {
    static let executable = root + "/.build/release/robobridge"
    static let outcomes: Set<String> = ["ok", "no_action", "estop", "fallback", "deadline"]
    static let timingKeys = ["total_ms", "prefill_ms", "decode_ms", "forward_passes", "tokens", "draft_tokens", "accepted_tokens"]

    struct Run {
        var status: Int32
        var stdout: [String]
        var stderr: String
    }

    func run(_ args: [String]) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.executable)
        p.arguments = ["translate"] + args
        p.currentDirectoryURL = URL(fileURLWithPath: root)
        // stderr goes to a file, stdout through a pipe read to its end: neither can fill up and block.
        let errPath = FileManager.default.temporaryDirectory.appendingPathComponent("robobridge-cli-\(getpid())-\(UUID().uuidString).err").path
        FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let err = try #require(FileHandle(forWritingAtPath: errPath))
        let out = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try err.close()
        let errText = String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self)
        return Run(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self).split(separator: "\n").map(String.init), stderr: errText)
    }

    /// Checks one output line's shape; returns it parsed.
    @discardableResult
    func checkLine(_ line: String, names: Set<String>? = nil) throws -> JSONValue {
        let o = try JSONValue.parse(line)
        #expect(o["instruction"]?.stringValue != nil, "\(line)")
        #expect(Self.outcomes.contains(o["outcome"]?.stringValue ?? ""), "\(line)")
        let actions = try #require(o["actions"]?.arrayValue, "\(line)")
        for a in actions {
            #expect(a["name"]?.stringValue != nil && a["args"]?.objectValue != nil, "\(line)")
            if let names, let n = a["name"]?.stringValue { #expect(names.contains(n), "\(n) is not offered") }
        }
        for k in Self.timingKeys { #expect(o["timing"]?[k]?.numberValue != nil, "timing.\(k) in \(line)") }
        return o
    }

    func file(_ name: String, _ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("robobridge-cli-\(getpid())-\(name)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func oneInstructionGivesOneJSONLineAndLogsGoToStderr() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.executable), "build the package first (make test does)")
        let r = try run(["--robot", "robots/rover.yaml", "--world", "simulator/worlds/apartment.yaml", "--verbose", "go to the kitchen"])
        #expect(r.status == 0)
        #expect(r.stdout.count == 1, "stdout: \(r.stdout)")
        let o = try checkLine(try #require(r.stdout.first))
        #expect(o["instruction"]?.stringValue == "go to the kitchen")
        #expect(r.stderr.contains("debug"), "--verbose logs go to stderr")
    }

    @Test func inputFilesKeepTheirOrderWithPerLineToolsAndBadLinesInPlace() throws {
        let tools = #"[{"type": "function", "function": {"name": "set_light", "description": "Turn a lamp on or off", "parameters": {"type": "object", "properties": {"room": {"type": "string", "enum": ["hall", "office"]}, "on": {"type": "boolean"}}, "required": ["room", "on"]}}}]"#
        let lines = [
            #"{"instruction": "turn left 45 degrees"}"#,
            #"{"instruction": "STOP!"}"#,
            "not json",
            #"{"instruction": "turn on the hall lamp", "tools": \#(tools)}"#,
            // A required parameter that cannot be read leaves no function: the line's tools are refused.
            #"{"instruction": "dock", "tools": [{"name": "f", "parameters": {"properties": {"a": {"type": "object"}}, "required": ["a"]}}]}"#,
            #"{"text": "no instruction key"}"#,
            #"{"instruction": "what time is it?"}"#,
        ]
        let path = try file("input.jsonl", lines.joined(separator: "\n") + "\n")
        let r = try run(["--robot", "robots/rover.yaml", "--input", path])
        #expect(r.status == 1, "bad lines make the exit status 1")
        #expect(r.stdout.count == lines.count, "one output line per input: \(r.stdout)")
        guard r.stdout.count == lines.count else { return }
        #expect(try checkLine(r.stdout[0])["instruction"]?.stringValue == "turn left 45 degrees")
        #expect(try checkLine(r.stdout[1])["outcome"]?.stringValue == "estop")
        #expect(try JSONValue.parse(r.stdout[2])["error"]?.stringValue?.hasPrefix("\(path):3: malformed JSON") == true)
        try checkLine(r.stdout[3], names: ["set_light"])
        #expect(try JSONValue.parse(r.stdout[4])["error"]?.stringValue == "\(path):5: tools[0].parameters.properties.a.properties: an object parameter needs the properties it takes")
        #expect(try JSONValue.parse(r.stdout[5])["line"]?.numberValue == 6)
        #expect(try checkLine(r.stdout[6])["instruction"]?.stringValue == "what time is it?")
        #expect(r.stderr.contains("\(path):3: malformed JSON") && r.stderr.contains("3 line(s)"))
    }

    @Test func anOverlongInstructionCostsOnlyItsOwnLine() throws {
        let long = String(repeating: "go to the kitchen and ", count: 160)
        let lines = [#"{"instruction": "go to the kitchen"}"#, #"{"instruction": "\#(long)"}"#, #"{"instruction": "go to the garage"}"#]
        let path = try file("long.jsonl", lines.joined(separator: "\n") + "\n")
        let r = try run(["--robot", "robots/rover.yaml", "--input", path])
        #expect(r.status == 1)
        #expect(r.stdout.count == 3, "one output line per input: \(r.stdout)")
        guard r.stdout.count == 3 else { return }
        #expect(try checkLine(r.stdout[0])["outcome"]?.stringValue == "ok")
        #expect(try JSONValue.parse(r.stdout[1])["error"]?.stringValue
            == "\(path):2: the instruction has \(long.count) characters; rover takes at most 300 (limits.max_instruction_length)")
        // The next line is translated, and a place the world lacks is refused with the reason.
        let garage = try checkLine(r.stdout[2])
        #expect(garage["outcome"]?.stringValue == "no_action")
        #expect(garage["reason"]?.stringValue == "there is no place called \"garage\" here")
    }

    @Test func toolFilesWithArraysGiveJSONArrays() throws {
        let path = try file("tools.json", ToolSetTests.tools)
        let r = try run(["--tools", path, "visit the kitchen, the garage and the office"])
        #expect(r.status == 0)
        let o = try checkLine(try #require(r.stdout.first), names: ["visit_rooms", "set_altitudes", "send_message"])
        let rooms = o["actions"]?.arrayValue?.first?["args"]?["rooms"]?.arrayValue
        #expect(rooms?.compactMap(\.stringValue) == ["kitchen", "garage", "office"])
        // An unreadable required parameter drops its function; with none left the file is refused.
        let bad = try run(["--tools", try file("bad.json", #"[{"name": "f", "parameters": {"properties": {"a": {"type": "date"}}, "required": ["a"]}}]"#), "x"])
        #expect(bad.status != 0 && bad.stdout.isEmpty)
        #expect(bad.stderr.contains(#"tools[0].parameters.properties.a.type: type "date" is not supported"#), "\(bad.stderr)")
        // An unreadable optional one is left out with a warning naming it, and the function stays.
        let lenient = try run(["--tools", try file("lenient.json", #"[{"name": "f", "parameters": {"properties": {"a": {"type": "date"}, "b": {"type": "integer"}}}}]"#),
                               "call f with b 3"])
        #expect(lenient.status == 0 && lenient.stdout.count == 1)
        #expect(lenient.stderr.contains(#"tools[0].parameters.properties.a.type: type "date" is not supported"#) && lenient.stderr.contains("left out"))
    }

    @Test func textFormatIsForPeople() throws {
        let r = try run(["--robot", "robots/rover.yaml", "--format", "text", "go to the kitchen"])
        #expect(r.status == 0)
        #expect(r.stdout.first == "go to the kitchen")
        #expect(r.stdout.count == 2 && r.stdout[1].hasPrefix(#"    → navigate_to(target="kitchen")   [ok, "#), "\(r.stdout)")
    }
}
