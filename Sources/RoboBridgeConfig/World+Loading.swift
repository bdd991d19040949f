extension World {
    static let keys = ["id", "description", "places", "surfaces", "waypoints", "objects", "walls", "obstacles", "doors", "robot_start", "aliases"]

    /// Reads a world from YAML text.
    /// - Throws: `ConfigError` naming the file, line:column and key path of the first mistake.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> World {
        let root = try YAMLValue.parse(text, file: file).object(keys)
        var world = World(id: try root.required("id").identifier(), description: try root["description"]?.string() ?? "",
                          places: [], surfaces: [], waypoints: [], objects: [], walls: [], obstacles: [],
                          robotStart: Pose(place: nil, position: Position(x: 0, y: 0), headingDeg: 0), aliases: [:], file: file)
        var names: [String: String] = [:]  // name → path where it was declared
        func declare(_ name: String, at v: YAMLValue) throws(ConfigError) {
            if let first = names[name] { throw v.error("duplicate entity name \"\(name)\" (first declared at \(first))") }
            names[name] = v.path
        }
        for (key, into) in [("places", \World.places), ("surfaces", \World.surfaces), ("waypoints", \World.waypoints)] {
            guard let list = root[key] else { continue }
            for item in try list.list() {
                let o = try item.object(["name", "position", "room", "description"])
                let nameValue = try o.required("name")
                let place = Place(name: try nameValue.identifier(), position: try readPosition(try o.required("position")),
                                  room: try o["room"]?.identifier(), description: try o["description"]?.string())
                try declare(place.name, at: nameValue)
                world[keyPath: into].append(place)
            }
        }
        if let list = root["objects"] {
            for item in try list.list() {
                let o = try item.object(["name", "on", "position", "color", "graspable", "description"])
                let nameValue = try o.required("name")
                let location: WorldObject.Location
                switch (o["on"], o["position"]) {
                case (let on?, nil): location = .on(try on.identifier())
                case (nil, let p?): location = .at(try readPosition(p))
                default: throw item.error("an object needs exactly one of \"on\" (a place or surface) or \"position\"")
                }
                let object = WorldObject(name: try nameValue.identifier(), location: location, color: try o["color"]?.string(),
                                         graspable: try o["graspable"]?.bool() ?? true, description: try o["description"]?.string())
                try declare(object.name, at: nameValue)
                world.objects.append(object)
            }
        }
        if let list = root["walls"] {
            for item in try list.list() {
                let o = try item.object(["from", "to"])
                world.walls.append(Wall(from: try readPosition(try o.required("from")), to: try readPosition(try o.required("to"))))
            }
        }
        if let list = root["doors"] {
            for item in try list.list() {
                let o = try item.object(["name", "from", "to", "open"])
                let nameValue = try o.required("name")
                let name = try nameValue.identifier()
                if world.doors.contains(where: { $0.name == name }) { throw nameValue.error("duplicate door \"\(name)\"") }
                world.doors.append(Door(name: name, from: try readPosition(try o.required("from")), to: try readPosition(try o.required("to")),
                                        open: try o["open"]?.bool() ?? true))
            }
        }
        if let list = root["obstacles"] {
            for item in try list.list() {
                let o = try item.object(["name", "position", "radius"])
                let r = try o.required("radius")
                let radius = try r.number()
                guard radius > 0 else { throw r.error("expected a radius above 0, got \(trim(radius))") }
                world.obstacles.append(Obstacle(name: try o["name"]?.string() ?? "obstacle", position: try readPosition(try o.required("position")), radius: radius))
            }
        }
        // Where objects are placed must exist.
        for (i, object) in world.objects.enumerated() {
            if case .on(let where_) = object.location, world.place(named: where_) == nil {
                let v = try root.required("objects").list()[i]
                let hint = closest(to: where_, in: (world.places + world.surfaces + world.waypoints).map(\.name)).map { " (did you mean \"\($0)\"?)" } ?? ""
                throw (try v.object(["name", "on", "position", "color", "graspable", "description"]).required("on"))
                    .error("unknown place \"\(where_)\"\(hint)")
            }
        }
        let start = try root.required("robot_start")
        let s = try start.object(["place", "position", "heading_deg"])
        switch (s["place"], s["position"]) {
        case (let p?, nil):
            let name = try p.identifier()
            guard let place = world.place(named: name) else {
                let hint = closest(to: name, in: (world.places + world.surfaces + world.waypoints).map(\.name)).map { " (did you mean \"\($0)\"?)" } ?? ""
                throw p.error("unknown place \"\(name)\"\(hint)")
            }
            world.robotStart = Pose(place: name, position: place.position, headingDeg: 0)
        case (nil, let p?):
            world.robotStart = Pose(place: nil, position: try readPosition(p), headingDeg: 0)
        default:
            throw start.error("robot_start needs exactly one of \"place\" or \"position\"")
        }
        if let h = s["heading_deg"] {
            let heading = try h.number()
            guard (-180...180).contains(heading) else { throw h.error("expected -180 to 180 degrees, got \(trim(heading))") }
            world.robotStart.headingDeg = heading
        }
        if let a = root["aliases"] {
            for (alias, target) in try a.entries() {
                let t = try target.identifier()
                if names[alias] != nil {
                    throw target.error("alias \"\(alias)\" collides with the entity of the same name")
                }
                guard names[t] != nil else {
                    let hint = closest(to: t, in: names.keys).map { " (did you mean \"\($0)\"?)" } ?? ""
                    throw target.error("alias \"\(alias)\" points to unknown entity \"\(t)\"\(hint)")
                }
                world.aliases[alias] = t
            }
        }
        guard !world.entityNames.isEmpty else {
            throw root.value.error("a world needs at least one place, surface, waypoint or object")
        }
        return world
    }

    /// `{x: 1, y: 2, z: 0}` or `[1, 2]` / `[1, 2, 0]`.
    static func readPosition(_ v: YAMLValue) throws(ConfigError) -> Position {
        if case .sequence = v.node {
            let items = try v.list()
            guard items.count == 2 || items.count == 3 else { throw v.error("expected [x, y] or [x, y, z], got \(items.count) numbers") }
            return Position(x: try items[0].number(), y: try items[1].number(), z: items.count == 3 ? try items[2].number() : 0)
        }
        guard case .mapping = v.node else { throw v.error("expected a position {x, y, z} or [x, y], got \(v.shown)") }
        let o = try v.object(["x", "y", "z"])
        return Position(x: try o.required("x").number(), y: try o.required("y").number(), z: try o["z"]?.number() ?? 0)
    }
}
