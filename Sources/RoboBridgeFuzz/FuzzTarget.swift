import Foundation
import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeProtocol
import RoboBridgeTranslation

/// The parsers that read what other programs and people send or write: each must answer any input with a value
/// or an error, never a crash or a hang.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A wire message's frames (topic, body) through the node's codec.
    case envelope
    /// The JSON parser under every body and `--input` line.
    case json
    /// Robot, world and mission files.
    case robotYAML = "robot-yaml"
    case worldYAML = "world-yaml"
    case missionYAML = "mission-yaml"
    /// The plan text a model writes, read back against the rover.
    case planText = "plan-text"
    /// `--tools` files (OpenAI-style tool sets).
    case tools

    /// Runs one input. Returns what kind of answer it got — "ok", or the error's message with its digits and quoted
    /// words blanked — so the fuzzer can keep inputs that reach new answers.
    public func run(_ input: [UInt8]) -> String {
        switch self {
        case .envelope:
            // Frames are separated by a zero byte in the input.
            let frames = input.split(separator: 0, maxSplits: 7, omittingEmptySubsequences: false).map(Array.init)
            do throws(Violation) {
                let m = try Self.codec.decode(frames)
                _ = m.frames  // and encoded back
                return "ok " + m.payload.kindName
            } catch { return "violation " + error.reason.rawValue + " " + Self.shape(error.detail) }
        case .json:
            do throws(JSONParseError) {
                let v = try JSONValue.parse(input)
                _ = v.description
                return "ok"
            } catch { return Self.shape("\(error)") }
        case .robotYAML, .worldYAML, .missionYAML:
            let text = String(decoding: input, as: UTF8.self)
            do throws(ConfigError) {
                switch self {
                case .robotYAML:
                    let robot = try Robot.parse(text, file: "fuzz.yaml")
                    if let world = Self.world { _ = ConfigLoader.check(robot: robot, world: world) }
                case .worldYAML: _ = try World.parse(text, file: "fuzz.yaml")
                default: _ = try Mission.parse(text, file: "fuzz.yaml")
                }
                return "ok"
            } catch { return Self.shape(error.message) + " @" + error.path.prefix(20) }
        case .planText:
            guard let calls = PlanText.parse(String(decoding: input, as: UTF8.self), robot: Self.rover) else { return "nil" }
            _ = PlanText.render(calls)
            return "ok \(calls.count)"
        case .tools:
            do {
                let json = try JSONValue.parse(input)
                let loaded = try ToolSet.load(json, file: "fuzz.json")
                return "ok \(loaded.robot.actions.count) skipped \(loaded.skipped.count)"
            } catch { return Self.shape("\(error)") }
        }
    }

    /// The inputs a run starts from: the repository's own files of this kind, and a few made here.
    /// - Parameter root: the repository (robots/, simulator/worlds/, missions/, corpus/).
    public func seeds(root: String) -> [[UInt8]] {
        func files(_ dir: String, _ ext: String) -> [[UInt8]] {
            let path = root + "/" + dir
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(ext) }.sorted()
            return names.compactMap { FileManager.default.contents(atPath: path + "/" + $0).map { [UInt8]($0) } }
        }
        switch self {
        case .envelope:
            let body = #"{"version":1,"id":"c-1","timestamp_ns":1,"robot":"rover","sender":"fuzz","seq":1,"instruction":"go to the kitchen","deadline_ms":500}"#
            return [Array("rover/command".utf8) + [0] + Array(body.utf8),
                    Array("rover/estop".utf8) + [0] + Array(#"{"version":1,"id":"e-1","timestamp_ns":1,"robot":"rover","sender":"fuzz","seq":2,"reason":"x"}"#.utf8),
                    Array("rover/sensor/pose".utf8) + [0] + Array(#"{"version":1,"id":"s-1","timestamp_ns":1,"robot":"rover","sender":"fuzz","seq":3,"data":{"x":1.5,"y":-2,"heading_deg":90}}"#.utf8),
                    Array("rover/confirm".utf8) + [0] + Array(#"{"version":1,"id":"k-1","timestamp_ns":1,"robot":"rover","sender":"fuzz","seq":4,"correlation_id":"c-1","approve":true}"#.utf8)]
        case .json:
            return Array(Self.lines(root + "/corpus/robots.jsonl").prefix(40)) + [Array(#"{"a":[1,-2.5e3,true,null,"\u00e9\n"],"b":{}}"#.utf8)]
        case .robotYAML: return files("robots", ".yaml")
        case .worldYAML: return files("simulator/worlds", ".yaml")
        case .missionYAML: return files("missions", ".yaml")
        case .planText:
            return Self.rover.examples.map { Array(PlanText.render($0.plan).utf8) } + [Array(#"move(distance_m=-1.5), say(text="a \"quoted\" word")"#.utf8)]
        case .tools:
            return [Array(#"[{"type":"function","function":{"name":"math.factorial","description":"n!","parameters":{"type":"object","properties":{"n":{"type":"integer","minimum":0}},"required":["n"]}}},{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["c","f"]},"days":{"type":"array","items":{"type":"object","properties":{"d":{"type":"number"}}}}}}}]"#.utf8)]
        }
    }

    /// Words that mean something to this parser, spliced in by the mutator.
    public var dictionary: [String] {
        let json = ["{", "}", "[", "]", ",", ":", "\"", "\\u0000", "\\ud800", "null", "true", "-0", "1e999", "-1e-999", "NaN", "[[[[[[[[", "\"\":"]
        switch self {
        case .envelope: return json + ["rover/command", "rover/estop", "rover/sensor/", "\u{0}", "\"seq\":", "\"version\":2", "\"deadline_ms\":-1", "\"robot\":\"drone\""]
        case .json, .tools: return json + ["\"type\":\"object\"", "\"properties\":", "\"enum\":[]", "\"minimum\":", "\"items\":", "\"required\":["]
        case .robotYAML, .worldYAML, .missionYAML:
            return ["\n", ": ", "- ", "  ", "{", "}", "[", "]", "&a ", "*a", "<<: *a", "!!str ", "!!binary ", "? ", "|\n", ">-\n", "---\n", "...\n", "'", "\"",
                    "~", "null", ".nan", ".inf", "-.inf", "0x1F", "1e999", "min: ", "max: ", "type: enum", "values: []", "entity_class: ", "steps:\n  - ",
                    "expect: ", "position: [", "%YAML 1.1\n", "\t"]
        case .planText: return ["(", ")", ",", "=", "\"", "\\\"", "navigate_to", "move", "say", "pick", "-", ".", "1e308", "nan", "inf", "0x10", "]"]
        }
    }

    private static func lines(_ path: String) -> [[UInt8]] {
        (FileManager.default.contents(atPath: path).map { [UInt8]($0) } ?? []).split(separator: 10).map(Array.init)
    }

    /// Error messages with what varies (numbers, quoted text, what follows "got") blanked, cut to their first words:
    /// one class per kind of answer.
    static func shape(_ message: String) -> String {
        var out = "", quote: Character?
        for c in message {
            if let q = quote {
                if c == q { quote = nil; out.append(c) }
                continue
            }
            if c == "\"" || c == "'" || c == "`" { quote = c; out.append(c); continue }
            if c.isNumber { if out.last != "#" { out.append("#") }; continue }
            out.append(c)
            if out.hasSuffix(" got ") || out.count >= 48 { break }
        }
        return out
    }

    static let codec = Codec(robot: "rover")
    nonisolated(unsafe) static var repositoryRoot = FileManager.default.currentDirectoryPath
    static let rover: Robot = (try? ConfigLoader.loadRobot(repositoryRoot + "/robots/rover.yaml")) ?? Robot(id: "rover", actions: [
        Action(name: "stop", description: "", parameters: []),
    ])
    static let world: World? = try? ConfigLoader.loadWorld(repositoryRoot + "/simulator/worlds/apartment.yaml")
}
