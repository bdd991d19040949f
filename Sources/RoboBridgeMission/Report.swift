import Foundation
import RoboBridgeConfig
import RoboBridgeProtocol
import RoboBridgeSim

/// One step's result.
public struct StepReport: Sendable {
    public var number: Int
    public var robot: String
    public var label: String
    public var location: String
    public var plan: [String] = []
    public var outcome: String?
    public var reason: String?
    /// Command received → outcome, as the bridge measured it.
    public var latencyMs: Double?
    public var firstActionMs: Double?
    public var simStartS: Double?
    public var simEndS: Double?
    public var wallS: Double?
    public var startPosition: JSONValue?
    public var endPosition: JSONValue?
    /// The simulator's action statuses for this step's command.
    public var statuses: [JSONValue] = []
    public var failures: [String] = []
    /// Things a person should know that are not failures (a step that started late).
    public var notes: [String] = []
    /// A step that moved on once its command was acknowledged (`until: sent`): its command, checked later.
    var pendingCommand: String?

    init(number: Int, robot: String, label: String, location: String) {
        self.number = number
        self.robot = robot
        self.label = label
        self.location = location
    }

    public var passed: Bool { failures.isEmpty }

    func progressLine(of total: Int) -> String {
        var s = "[\(number)/\(total)] \(label)"
        if !plan.isEmpty { s += " → " + plan.joined(separator: ", ") }
        // What the robot could not do, as the simulator said.
        let failed = statuses.filter { $0["status"]?.stringValue == "failed" }
            .map { "\($0["action"]?.stringValue ?? "?") failed: \($0["detail"]?.stringValue ?? "")" }
        if !failed.isEmpty { s += " [\(robot): " + failed.joined(separator: "; ") + "]" }
        if let o = outcome { s += "  \(o)\(reason.map { " (\($0))" } ?? "")" }
        if let l = latencyMs { s += " \(Int(l.rounded())) ms" }
        if let a = simStartS, let b = simEndS { s += "  sim \(fmt(a))→\(fmt(b)) s" }
        s += passed ? "  PASS" : "  FAIL: " + failures.joined(separator: "; ")
        if !notes.isEmpty { s += " (" + notes.joined(separator: "; ") + ")" }
        return s
    }

    var json: JSONValue {
        var f: [(String, JSONValue)] = [("step", .integer(Int64(number))), ("robot", .string(robot)), ("what", .string(label)),
                                        ("location", .string(location)), ("plan", .array(plan.map { .string($0) }))]
        f.append(("outcome", outcome.map { .string($0) } ?? .null))
        f.append(("reason", reason.map { .string($0) } ?? .null))
        f.append(("latency_ms", latencyMs.map { .number($0) } ?? .null))
        f.append(("first_action_ms", firstActionMs.map { .number($0) } ?? .null))
        f.append(("sim_start_s", simStartS.map { .number($0) } ?? .null))
        f.append(("sim_end_s", simEndS.map { .number($0) } ?? .null))
        f.append(("wall_s", wallS.map { .number($0) } ?? .null))
        f.append(("statuses", .array(statuses)))
        f.append(("passed", .bool(passed)))
        f.append(("failures", .array(failures.map { .string($0) })))
        f.append(("notes", .array(notes.map { .string($0) })))
        return .object(f)
    }
}

/// A whole mission's result: the steps, and the robots' states at the start and the end.
public struct MissionReport: Sendable {
    public var mission: String
    public var file: String
    public var description: String
    public var speed: Double
    public var model: String
    public var robots: [String]
    public var world: World
    public var steps: [StepReport] = []
    public var wallS = 0.0
    /// The simulator's state per robot at the start and at the end (with the trajectory).
    public var start: [String: JSONValue] = [:]
    public var end: [String: JSONValue] = [:]

    public var passed: Bool { !steps.isEmpty && steps.allSatisfy(\.passed) }
    public var simS: Double { steps.compactMap(\.simEndS).max() ?? 0 }

    public var json: JSONValue {
        .object([
            ("mission", .string(mission)), ("file", .string(file)), ("description", .string(description)), ("passed", .bool(passed)),
            ("model", .string(model)), ("speed", .number(speed)), ("wall_s", .number(wallS)), ("sim_s", .number(simS)),
            ("robots", .array(robots.map { .string($0) })), ("steps", .array(steps.map(\.json))),
            ("start", .object(start.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })),
            ("end", .object(end.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })),
        ])
    }

    /// The closing table: step, instruction, plan, outcome, translation latency, sim time, pass/fail.
    public var table: String {
        let header = ["#", "step", "plan", "outcome", "latency", "sim s", "result"]
        var rows = steps.map { s -> [String] in
            [String(s.number), clip((robots.count > 1 ? "\(s.robot): " : "") + s.label, 42), clip(s.plan.joined(separator: ", "), 58),
             s.outcome ?? "-", s.latencyMs.map { "\(Int($0.rounded())) ms" } ?? "-",
             s.simEndS.map { fmt($0) } ?? "-", s.passed ? "pass" : "FAIL: " + s.failures.joined(separator: "; ")]
        }
        rows.insert(header, at: 0)
        let widths = (0..<header.count - 1).map { c in rows.map { $0[c].count }.max() ?? 0 }
        var out = rows.map { row in
            (0..<row.count).map { c in c < widths.count ? row[c].padding(toLength: widths[c], withPad: " ", startingAt: 0) : row[c] }
                .joined(separator: "  ")
        }
        out.insert(String(repeating: "─", count: min(150, widths.reduce(0, +) + 2 * widths.count + 6)), at: 1)
        let passedCount = steps.filter(\.passed).count
        let lat = steps.compactMap(\.latencyMs).sorted()
        let median = lat.isEmpty ? "-" : "\(Int(lat[lat.count / 2].rounded())) ms"
        out.append("")
        out.append("\(mission): \(passed ? "PASSED" : "FAILED") — \(passedCount)/\(steps.count) steps, sim \(fmt(simS)) s, wall \(fmt(wallS)) s at ×\(fmt(speed)), translation latency median \(median), model \(model)")
        return out.joined(separator: "\n")
    }

    private func clip(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }

    /// Why `dir` cannot hold a report (nil: it can; it is created if needed).
    public static func checkFolder(_ dir: String) -> String? {
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            // Name the folder that stands in the way: the deepest one that exists.
            var parent = (dir as NSString).standardizingPath
            while !parent.isEmpty, parent != "/", !fm.fileExists(atPath: parent) { parent = (parent as NSString).deletingLastPathComponent }
            return "\(dir): cannot create the report folder: \(parent.isEmpty ? "." : parent) is not a folder this user can write to"
        }
        guard fm.isWritableFile(atPath: dir) else { return "\(dir): the report folder is not writable" }
        return nil
    }

    /// Writes `report.json` and `map.svg` into `dir` (created if needed).
    /// - Returns: the paths written.
    public func write(to dir: String) throws(MissionError) -> (json: String, svg: String) {
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw MissionError("\(dir): cannot create the report folder: \(error.localizedDescription)")
        }
        let json = (dir as NSString).appendingPathComponent("report.json")
        let svg = (dir as NSString).appendingPathComponent("map.svg")
        guard fm.createFile(atPath: json, contents: Data((json_pretty + "\n").utf8)) else { throw MissionError("\(json): cannot write the report") }
        guard fm.createFile(atPath: svg, contents: Data(SVGMap(report: self).render().utf8)) else { throw MissionError("\(svg): cannot write the map") }
        return (json, svg)
    }

    private var json_pretty: String { json.description }
}
