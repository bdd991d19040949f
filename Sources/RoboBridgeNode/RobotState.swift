import RoboBridgeConfig
import RoboBridgeProtocol

/// What the robot's sensors say now. Documented with JSON Schemas in docs/protocol.md
/// ("Sensors the bridge understands"); other sensor names are kept as they come and not interpreted.
public struct RobotState: Sendable, Equatable {
    /// `sensor/pose`: where the robot is, in the world frame.
    public var position: Position?
    public var headingDeg: Double?
    public var poseReceived: ContinuousClock.Instant?
    /// `sensor/objects`: what the robot has detected (name, class, position, the surface it lies on), each
    /// object as its latest reading saw it.
    public var detections: [Detection] = []
    public var objectsReceived: ContinuousClock.Instant?
    /// `sensor/held`: the object in the gripper (nil: empty, or no reading).
    public var held: String?
    public var heldReceived: ContinuousClock.Instant?
    /// `sensor/battery`: charge in percent.
    public var batteryPercent: Double?
    /// `sensor/flight`: airborne or landed, and the altitude in metres.
    public var airborne: Bool?
    public var altitudeM: Double?

    public init() {}

    public struct Detection: Sendable, Equatable {
        public var name: String
        public var objectClass: String?
        public var position: Position?
        public var surface: String?

        public init(name: String, objectClass: String? = nil, position: Position? = nil, surface: String? = nil) {
            self.name = name
            self.objectClass = objectClass
            self.position = position
            self.surface = surface
        }
    }

    /// What the sensors say, as the facts an action's `when` names (only those a reading told).
    public var facts: [String: Bool] {
        var f: [String: Bool] = [:]
        if let airborne { f["airborne"] = airborne }
        if heldReceived != nil { f["holding"] = held != nil }
        return f
    }

    /// The sensors this type reads; readings of other names are stored but not interpreted.
    public static let understood: Set<String> = ["pose", "objects", "held", "battery", "flight"]

    /// Takes in one sensor reading.
    /// - Throws: a `Violation` (`invalid_field`) naming the field that does not have the documented shape;
    ///   the state is then unchanged.
    public mutating func apply(sensor name: String, data: JSONValue, at received: ContinuousClock.Instant) throws(Violation) {
        let topic = "sensor/\(name)"
        func bad(_ path: String, _ expected: String, _ got: JSONValue?) -> Violation {
            Violation(.invalidField, "\(topic): data\(path): expected \(expected), got \(got.map(\.typeName) ?? "nothing")", topic: topic)
        }
        func number(_ v: JSONValue?, _ path: String) throws(Violation) -> Double {
            guard let x = v?.numberValue, x.isFinite else { throw bad(path, "a number", v) }
            return x
        }
        func readPosition(_ v: JSONValue?, _ path: String) throws(Violation) -> Position {
            guard let v, case .object = v else { throw bad(path, "an object {x, y, z}", v) }
            let z = v["z"] == nil ? 0 : try number(v["z"], path + ".z")
            return Position(x: try number(v["x"], path + ".x"), y: try number(v["y"], path + ".y"), z: z)
        }
        switch name {
        case "pose":
            let p = try readPosition(data, "")
            let heading = data["heading_deg"] == nil ? nil : try number(data["heading_deg"], ".heading_deg")
            position = p
            headingDeg = heading
            poseReceived = received
        case "objects":
            guard let items = data["objects"]?.arrayValue else { throw bad(".objects", "an array of detections", data["objects"]) }
            var found: [Detection] = []
            for (i, item) in items.enumerated() {
                let path = ".objects[\(i)]"
                guard let n = item["name"]?.stringValue, World.isEntityName(n) else {
                    throw bad(path + ".name", "an entity name (a letter, then letters, digits or _)", item["name"])
                }
                var d = Detection(name: n)
                if let c = item["class"], c != .null {
                    guard let s = c.stringValue else { throw bad(path + ".class", "a string", c) }
                    d.objectClass = s
                }
                if let p = item["position"], p != .null { d.position = try readPosition(p, path + ".position") }
                if let s = item["surface"], s != .null {
                    guard let surface = s.stringValue else { throw bad(path + ".surface", "a string", s) }
                    d.surface = surface
                }
                guard d.position != nil || d.surface != nil else { throw bad(path, "a position or a surface", item) }
                found.append(d)
            }
            // A sensor sees part of the world: what this reading lacks stays where it was last seen.
            let seen = Set(found.map(\.name))
            detections = detections.filter { !seen.contains($0.name) } + found
            objectsReceived = received
        case "held":
            switch data["object"] {
            case .string(let s)?: held = s
            case .null?: held = nil
            case let other: throw bad(".object", "an object name or null", other)
            }
            heldReceived = received
        case "battery":
            let percent = try number(data["percent"], ".percent")
            guard (0...100).contains(percent) else { throw bad(".percent", "0 to 100", data["percent"]) }
            batteryPercent = percent
        case "flight":
            guard case .bool(let up)? = data["airborne"] else { throw bad(".airborne", "true or false", data["airborne"]) }
            airborne = up
            altitudeM = try number(data["altitude_m"], ".altitude_m")
        default:
            return
        }
    }

    /// The world file's world as the detections show it now: a detected object the file lists is where
    /// the sensor says (on the surface it names, else at its position); a new one joins the world, so it
    /// becomes a valid argument. Objects not detected stay where they were last known.
    public func world(from base: World) -> World {
        guard !detections.isEmpty else { return base }
        var world = base
        let surfaces = Set(base.places.map(\.name) + base.surfaces.map(\.name))
        for d in detections {
            let location: WorldObject.Location
            if let s = d.surface, surfaces.contains(s) {
                location = .on(s)
            } else if let p = d.position {
                location = .at(p)
            } else {
                continue  // on a surface this world does not know, and no position: nothing to ground on
            }
            if let i = world.objects.firstIndex(where: { $0.name == d.name }) {
                world.objects[i].location = location
            } else if world.canonical(d.name) == nil {
                world.objects.append(WorldObject(name: d.name, location: location, color: nil, graspable: true, description: d.objectClass))
            }
        }
        return world
    }
}
