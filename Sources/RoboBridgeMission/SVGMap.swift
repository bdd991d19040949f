import Foundation
import RoboBridgeConfig
import RoboBridgeProtocol
import RoboBridgeSim

/// The mission drawn on the world's map: walls, doors, places, obstacles, objects at the start (hollow) and
/// at the end (filled), each robot's trajectory, and numbered markers where each step began.
struct SVGMap {
    let report: MissionReport

    func render() -> String {
        let w = report.world
        var pts: [(Double, Double)] = w.walls.flatMap { [($0.from.x, $0.from.y), ($0.to.x, $0.to.y)] }
        pts += (w.places + w.surfaces + w.waypoints).map { ($0.position.x, $0.position.y) }
        for state in report.end.values {
            for p in state["trajectory"]?.arrayValue ?? [] { pts.append((p.arrayValue?[0].numberValue ?? 0, p.arrayValue?[1].numberValue ?? 0)) }
        }
        // A margin of a tenth of the extent (at least 1 m) keeps labels at the edges on the map.
        let x0 = pts.map(\.0).min() ?? 0, x1 = pts.map(\.0).max() ?? 1, y0 = pts.map(\.1).min() ?? 0, y1 = pts.map(\.1).max() ?? 1
        let margin = max(1, 0.1 * max(x1 - x0, y1 - y0))
        let minX = x0 - margin, maxX = x1 + margin * 1.5, minY = y0 - margin, maxY = y1 + margin
        let width = 900.0
        let scale = width / max(maxX - minX, 1e-6)
        let height = max(200, (maxY - minY) * scale)
        let s = scale
        func X(_ x: Double) -> String { String(format: "%.1f", (x - minX) * s) }
        func Y(_ y: Double) -> String { String(format: "%.1f", (maxY - y) * s) }
        func esc(_ t: String) -> String {
            t.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        let font = max(9, min(14, s * 0.35))
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height) + 40)" viewBox="0 0 \(Int(width)) \(Int(height) + 40)" font-family="sans-serif" font-size="\(Int(font))">
            <title>\(esc(report.mission)): \(report.passed ? "passed" : "failed")</title>
            <rect width="100%" height="100%" fill="#fbfaf7"/>

            """
        for wall in w.walls {
            out += "<line x1=\"\(X(wall.from.x))\" y1=\"\(Y(wall.from.y))\" x2=\"\(X(wall.to.x))\" y2=\"\(Y(wall.to.y))\" stroke=\"#333\" stroke-width=\"4\" stroke-linecap=\"round\"/>\n"
        }
        let endDoors = report.end.values.first?["doors"]?.arrayValue ?? []
        for d in w.doors {
            let open = endDoors.first { $0["name"]?.stringValue == d.name }?["open"]?.boolValue ?? d.open
            out += "<line x1=\"\(X(d.from.x))\" y1=\"\(Y(d.from.y))\" x2=\"\(X(d.to.x))\" y2=\"\(Y(d.to.y))\" stroke=\"#a0522d\" stroke-width=\"4\"\(open ? " stroke-dasharray=\"4 4\"" : "")><title>\(d.name) (\(open ? "open" : "closed"))</title></line>\n"
        }
        let obstacles = report.end.values.first?["obstacles"]?.arrayValue ?? []
        let startObstacles = Set((report.start.values.first?["obstacles"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue })
        for o in obstacles {
            guard let x = o["position"]?["x"]?.numberValue, let y = o["position"]?["y"]?.numberValue, let r = o["radius"]?.numberValue else { continue }
            let name = o["name"]?.stringValue ?? "obstacle"
            // One put in the way during the mission: hatched outline, labelled.
            let added = !startObstacles.contains(name)
            let style = added ? "fill=\"#f3e3c3\" stroke=\"#b7791f\" stroke-width=\"2\" stroke-dasharray=\"4 3\"" : "fill=\"#c9c2b8\""
            out += "<circle cx=\"\(X(x))\" cy=\"\(Y(y))\" r=\"\(String(format: "%.1f", r * s))\" \(style)><title>\(esc(name))\(added ? " (put in the way during the mission)" : "")</title></circle>\n"
            out += "<text x=\"\(X(x))\" y=\"\(Y(y))\" dy=\"4\" text-anchor=\"middle\" fill=\"#6b6155\" font-size=\"\(Int(font * 0.85))\">\(esc(name))\(added ? " (added)" : "")</text>\n"
        }
        for p in w.places {
            out += "<circle cx=\"\(X(p.position.x))\" cy=\"\(Y(p.position.y))\" r=\"4\" fill=\"#2b6cb0\"/><text x=\"\(X(p.position.x))\" y=\"\(Y(p.position.y))\" dx=\"6\" dy=\"-4\" fill=\"#2b6cb0\">\(esc(p.name))</text>\n"
        }
        for p in w.surfaces {
            out += "<rect x=\"\(X(p.position.x - 0.3))\" y=\"\(Y(p.position.y + 0.3))\" width=\"\(String(format: "%.1f", 0.6 * s))\" height=\"\(String(format: "%.1f", 0.6 * s))\" fill=\"#e8d9b5\" stroke=\"#8b6b2e\"/><text x=\"\(X(p.position.x))\" y=\"\(Y(p.position.y - 0.3))\" dy=\"\(Int(font))\" text-anchor=\"middle\" fill=\"#8b6b2e\">\(esc(p.name))</text>\n"
        }
        for p in w.waypoints {
            out += "<path d=\"M\(X(p.position.x)) \(Y(p.position.y)) m-6 0 l6 -6 l6 6 l-6 6 z\" fill=\"#2f855a\"/><text x=\"\(X(p.position.x))\" y=\"\(Y(p.position.y))\" dx=\"8\" dy=\"-6\" fill=\"#2f855a\">\(esc(p.name))</text>\n"
        }
        // Objects: hollow where they started, filled where they ended, joined when they moved.
        func objectPoints(_ state: JSONValue?) -> [String: (Double, Double)] {
            var m: [String: (Double, Double)] = [:]
            for o in state?["objects"]?.arrayValue ?? [] {
                guard let n = o["name"]?.stringValue else { continue }
                if let on = o["on"]?.stringValue, let p = w.place(named: on) {
                    m[n] = (p.position.x, p.position.y)
                } else if let x = o["position"]?["x"]?.numberValue, let y = o["position"]?["y"]?.numberValue {
                    m[n] = (x, y)
                }
            }
            return m
        }
        let startObjects = report.start.values.reduce(into: [String: (Double, Double)]()) { acc, s in acc.merge(objectPoints(s)) { a, _ in a } }
        let endObjects = report.end.values.reduce(into: [String: (Double, Double)]()) { acc, s in acc.merge(objectPoints(s)) { a, _ in a } }
        for (n, p) in startObjects.sorted(by: { $0.key < $1.key }) {
            let jitter = Double(abs(n.hashValue % 7) - 3) * 0.04
            out += "<circle cx=\"\(X(p.0 + jitter))\" cy=\"\(Y(p.1 + jitter))\" r=\"4\" fill=\"none\" stroke=\"#c05621\" stroke-width=\"1.5\"><title>\(esc(n)) at the start</title></circle>\n"
            if let e = endObjects[n], abs(e.0 - p.0) + abs(e.1 - p.1) > 0.05 {
                out += "<line x1=\"\(X(p.0))\" y1=\"\(Y(p.1))\" x2=\"\(X(e.0))\" y2=\"\(Y(e.1))\" stroke=\"#c05621\" stroke-width=\"1\" stroke-dasharray=\"2 3\"/>\n"
            }
        }
        for (n, p) in endObjects.sorted(by: { $0.key < $1.key }) {
            out += "<circle cx=\"\(X(p.0))\" cy=\"\(Y(p.1))\" r=\"3\" fill=\"#c05621\"><title>\(esc(n)) at the end</title></circle>\n"
            if startObjects[n].map({ abs($0.0 - p.0) + abs($0.1 - p.1) > 0.05 }) ?? true {
                out += "<text x=\"\(X(p.0))\" y=\"\(Y(p.1))\" dx=\"5\" dy=\"10\" fill=\"#c05621\" font-size=\"\(Int(font * 0.85))\">\(esc(n))</text>\n"
            }
        }
        let colours = ["#d53f8c", "#6b46c1", "#dd6b20", "#319795"]
        for (i, robot) in report.robots.enumerated() {
            let colour = colours[i % colours.count]
            let traj = (report.end[robot]?["trajectory"]?.arrayValue ?? []).compactMap { p -> (Double, Double)? in
                guard let a = p.arrayValue, a.count >= 2, let x = a[0].numberValue, let y = a[1].numberValue else { return nil }
                return (x, y)
            }
            if traj.count > 1 {
                out += "<polyline points=\"" + traj.map { "\(X($0.0)),\(Y($0.1))" }.joined(separator: " ") + "\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" stroke-opacity=\"0.8\"><title>\(esc(robot))'s trajectory</title></polyline>\n"
            }
            if let f = traj.first { out += "<rect x=\"\(X(f.0))\" y=\"\(Y(f.1))\" width=\"8\" height=\"8\" transform=\"translate(-4 -4)\" fill=\"\(colour)\"><title>\(esc(robot)) starts</title></rect>\n" }
            var placed: [(Double, Double)] = []
            for step in report.steps where step.robot == robot {
                guard let x = step.startPosition?["x"]?.numberValue, let y = step.startPosition?["y"]?.numberValue else { continue }
                // Steps that begin at the same spot stand side by side.
                let here = ((x - minX) * s, (maxY - y) * s)
                let shift = Double(placed.filter { abs($0.0 - here.0) < 12 && abs($0.1 - here.1) < 12 }.count) * 20
                placed.append(here)
                let cx = String(format: "%.1f", here.0 + shift), cy = String(format: "%.1f", here.1)
                let fill = step.passed ? "#fff" : "#e53e3e"
                out += "<g><circle cx=\"\(cx)\" cy=\"\(cy)\" r=\"9\" fill=\"\(fill)\" stroke=\"\(colour)\" stroke-width=\"2\"/><text x=\"\(cx)\" y=\"\(cy)\" dy=\"4\" text-anchor=\"middle\" font-size=\"11\" font-weight=\"bold\" fill=\"\(step.passed ? colour : "#fff")\">\(step.number)</text><title>step \(step.number): \(esc(step.label)) — \(step.passed ? "pass" : "FAIL")</title></g>\n"
            }
        }
        let title = "\(report.mission) — \(report.passed ? "passed" : "FAILED") (\(report.steps.filter(\.passed).count)/\(report.steps.count) steps), sim \(fmt(report.simS)) s"
        let key = "Objects: hollow at the start, filled at the end, dotted where they moved. Numbers: where steps began (red: failed). Discs: obstacles (dashed: added)."
        out += "<text x=\"8\" y=\"\(Int(height) + 16)\" fill=\"#333\" font-weight=\"bold\">\(esc(title))</text>\n"
        out += "<text x=\"8\" y=\"\(Int(height) + 34)\" fill=\"#555\" font-size=\"11\">\(esc(key))</text>\n</svg>\n"
        return out
    }
}
