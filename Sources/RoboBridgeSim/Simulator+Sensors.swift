import Foundation
import RoboBridgeConfig
import RoboBridgeProtocol

/// What the robot's sensors report.
extension Simulator {

    /// The readings the robot's sensors give now, as `(sensor name, data)`: pose (with the seeded
    /// noise), objects within range, held, battery, flight.
    public func sensors(includeSlow: Bool = true) -> [(String, JSONValue)] {
        let sigma = body.kind == .arm ? 0.0005 : 0.01
        var out: [(String, JSONValue)] = [("pose", .object([
            ("x", .number(round3(position.x + noise.gaussian(sigma)))), ("y", .number(round3(position.y + noise.gaussian(sigma)))),
            ("z", .number(round3(position.z))), ("heading_deg", .number(round3(headingDeg))),
        ]))]
        guard includeSlow else { return out }
        out.append(("objects", .object([("objects", .array(visibleObjects().map { o -> JSONValue in
            var f: [(String, JSONValue)] = [("name", .string(o.name))]
            if let c = o.color { f.append(("class", .string(c))) }
            switch o.location {
            case .on(let s):
                f.append(("surface", .string(s)))
                if let p = world.place(named: s)?.position { f.append(("position", .object([("x", .number(p.x)), ("y", .number(p.y)), ("z", .number(p.z))]))) }
            case .at(let p): f.append(("position", .object([("x", .number(round3(p.x))), ("y", .number(round3(p.y))), ("z", .number(round3(p.z)))])))
            }
            return .object(f)
        }))])))
        out.append(("held", .object([("object", held.map { .string($0) } ?? .null)])))
        if body.battery != nil { out.append(("battery", .object([("percent", .number(round3(battery))), ("charging", .bool(charging))]))) }
        if body.kind == .multirotor { out.append(("flight", .object([("airborne", .bool(airborne)), ("altitude_m", .number(round3(position.z)))]))) }
        return out
    }

    /// Objects within sensor range (not the one held: `sensor/held` tells that).
    public func visibleObjects() -> [WorldObject] {
        let eye = body.kind == .arm ? Vec2(0, 0) : Vec2(position)
        return world.objects.filter { o in
            guard o.name != held, let p = location(of: o.name) else { return false }
            return Vec2(p).distance(to: eye) <= body.sensorRangeM
        }
    }

    func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}
