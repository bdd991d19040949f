/// A simulated (or mapped) world: places, surfaces, objects, waypoints, walls and obstacles.
public struct World: Sendable, Equatable {
    public var id: String
    public var description: String
    public var places: [Place]
    public var surfaces: [Place]
    public var waypoints: [Place]
    public var objects: [WorldObject]
    public var walls: [Wall]
    public var obstacles: [Obstacle]
    /// Wall segments that open and close (a closed door is a wall).
    public var doors: [Door] = []
    public var robotStart: Pose
    /// alias → canonical entity name
    public var aliases: [String: String]
    public var file: String

    /// The entity classes a robot parameter may name, and their members.
    /// `place` holds places and surfaces (a surface is a place things can be put on).
    public var entityClasses: [String: [String]] {
        var classes: [String: [String]] = [:]
        if !places.isEmpty || !surfaces.isEmpty { classes["place"] = places.map(\.name) + surfaces.map(\.name) }
        if !surfaces.isEmpty { classes["surface"] = surfaces.map(\.name) }
        if !waypoints.isEmpty { classes["waypoint"] = waypoints.map(\.name) }
        if !objects.isEmpty { classes["object"] = objects.map(\.name) }
        let rooms = Set(places.compactMap(\.room) + surfaces.compactMap(\.room)).sorted()
        if !rooms.isEmpty { classes["room"] = rooms }
        return classes
    }

    /// Every named entity.
    public var entityNames: [String] { places.map(\.name) + surfaces.map(\.name) + waypoints.map(\.name) + objects.map(\.name) }
    /// Object → the place or surface it lies on (objects placed at a position are left out).
    public var supports: [String: String] {
        Dictionary(objects.compactMap { o -> (String, String)? in if case .on(let s) = o.location { (o.name, s) } else { nil } },
                   uniquingKeysWith: { a, _ in a })
    }

    /// The canonical name for a name or alias.
    public func canonical(_ name: String) -> String? {
        if entityNames.contains(name) { return name }
        return aliases[name]
    }

    public func place(named name: String) -> Place? {
        (places + surfaces + waypoints).first { $0.name == name }
    }
    public func object(named name: String) -> WorldObject? { objects.first { $0.name == name } }

    /// Whether `s` is a valid name (ids, actions, entities): letters, digits and underscores, starting with a letter.
    public static func isEntityName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first.properties.isAlphabetic else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }
}

/// A position in metres, in the world frame (x forward/east, y left/north, z up).
public struct Position: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var z: Double
    public init(x: Double, y: Double, z: Double = 0) {
        self.x = x
        self.y = y
        self.z = z
    }
}

public struct Place: Sendable, Equatable {
    public var name: String
    public var position: Position
    public var room: String?
    public var description: String?
}

public struct WorldObject: Sendable, Equatable {
    public enum Location: Sendable, Equatable {
        case on(String)
        case at(Position)
    }
    public var name: String
    public var location: Location
    public var color: String?
    public var graspable: Bool
    public var description: String?

    public init(name: String, location: Location, color: String? = nil, graspable: Bool = true, description: String? = nil) {
        self.name = name
        self.location = location
        self.color = color
        self.graspable = graspable
        self.description = description
    }
}

public struct Wall: Sendable, Equatable {
    public var from: Position
    public var to: Position
}

public struct Door: Sendable, Equatable {
    public var name: String
    public var from: Position
    public var to: Position
    public var open: Bool
    public init(name: String, from: Position, to: Position, open: Bool) {
        self.name = name
        self.from = from
        self.to = to
        self.open = open
    }
}

public struct Obstacle: Sendable, Equatable {
    public var name: String
    public var position: Position
    public var radius: Double
    public init(name: String, position: Position, radius: Double) {
        self.name = name
        self.position = position
        self.radius = radius
    }
}

public struct Pose: Sendable, Equatable {
    /// The place the robot starts at, if it starts at one.
    public var place: String?
    public var position: Position
    public var headingDeg: Double
    public init(place: String?, position: Position, headingDeg: Double) {
        self.place = place
        self.position = position
        self.headingDeg = headingDeg
    }
}
