import Foundation

/// Which kind of configuration file a document is.
public enum ConfigKind: String, Sendable { case robot, world, mission }

/// Loads configuration files from disk and runs the checks that span files.
public enum ConfigLoader {
    static func read(_ path: String) throws(ConfigError) -> String {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ConfigError(file: path, line: 0, column: 0, path: "", message: "no such file")
        }
        guard !isDir.boolValue else { throw ConfigError(file: path, line: 0, column: 0, path: "", message: "is a directory, expected a YAML file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: 0, column: 0, path: "", message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: 0, column: 0, path: "", message: "not UTF-8 text")
        }
        return text
    }

    public static func loadRobot(_ path: String) throws(ConfigError) -> Robot { try Robot.parse(try read(path), file: path) }
    public static func loadWorld(_ path: String) throws(ConfigError) -> World { try World.parse(try read(path), file: path) }
    public static func loadMission(_ path: String) throws(ConfigError) -> Mission { try Mission.parse(try read(path), file: path) }

    /// Tells a robot (it has `actions`), a mission (`steps`) and a world (places, objects, ...) apart.
    public static func kind(of path: String) throws(ConfigError) -> ConfigKind {
        let root = try YAMLValue.parse(try read(path), file: path)
        let keys = try root.entries().map(\.key)
        if keys.contains("actions") { return .robot }
        if keys.contains("steps") { return .mission }
        if keys.contains(where: { ["places", "surfaces", "waypoints", "objects"].contains($0) }) { return .world }
        throw root.error("cannot tell what this file is: expected a robot (with \"actions\"), a world (with \"places\", \"surfaces\", \"waypoints\" or \"objects\") or a mission (with \"steps\")")
    }

    /// A path named inside `file`, resolved relative to that file's folder.
    public static func resolve(_ reference: String, relativeTo file: String) -> String {
        if reference.hasPrefix("/") { return reference }
        let dir = (file as NSString).deletingLastPathComponent
        return dir.isEmpty ? reference : (dir as NSString).appendingPathComponent(reference)
    }

    /// Checks a robot against a world: entity classes exist and the examples' arguments are entities of the world.
    public static func check(robot: Robot, world: World) -> [ConfigError] {
        var errors: [ConfigError] = []
        let classes = world.entityClasses
        for (i, action) in robot.actions.enumerated() {
            for p in action.parameters {
                if let c = p.entityClass, classes[c] == nil {
                    errors.append(ConfigError(file: robot.file, line: 0, column: 0, path: "actions[\(i)].parameters.\(p.name).entity_class",
                        message: "the world \(world.id) (\(world.file)) has no entities of class \"\(c)\"; it has: \(classes.keys.sorted().joined(separator: ", "))"))
                }
            }
        }
        if let dock = robot.body?.dockPlace, world.place(named: dock) == nil {
            errors.append(ConfigError(file: robot.file, line: 0, column: 0, path: "body.dock",
                message: "the world \(world.id) (\(world.file)) has no place \"\(dock)\""))
        }
        guard errors.isEmpty else { return errors }
        for (i, example) in robot.examples.enumerated() {
            for (j, call) in example.plan.enumerated() {
                if let action = robot.action(named: call.name), let problem = action.problem(with: call, world: world) {
                    errors.append(ConfigError(file: robot.file, line: 0, column: 0, path: "examples[\(i)].plan[\(j)]",
                        message: "\(problem) (checked against the world \(world.file))"))
                }
            }
        }
        return errors
    }

    /// Validates any mix of robot, world and mission files, with the checks across files.
    /// - Returns: every error found (empty when all files are valid).
    public static func validate(_ paths: [String]) -> [ConfigError] {
        var errors: [ConfigError] = []
        for path in paths {
            do {
                switch try kind(of: path) {
                case .world: _ = try loadWorld(path)
                case .robot:
                    let robot = try loadRobot(path)
                    if let w = robot.defaultWorld {
                        let worldPath = resolve(w, relativeTo: path)
                        do { errors += check(robot: robot, world: try loadWorld(worldPath)) }
                        catch { errors.append(ConfigError(file: path, line: 0, column: 0, path: "world", message: "the robot's world \(worldPath) is invalid: \(error)")) }
                    }
                case .mission: errors += validateMission(path)
                }
            } catch {
                errors.append(error)
            }
        }
        return errors.map { $0.located() }
    }

    /// Checks a mission against its robots and world: entities, robot ids of steps, actions, doors.
    public static func validateMission(_ path: String) -> [ConfigError] {
        let mission: Mission
        do { mission = try loadMission(path) } catch { return [error] }
        let worldPath = resolve(mission.worldFile, relativeTo: path)
        let world: World
        do { world = try loadWorld(worldPath) } catch {
            return [ConfigError(file: path, line: 0, column: 0, path: "world", message: "cannot load the world \(worldPath): \(error)")]
        }
        var errors: [ConfigError] = []
        var robots: [Robot] = []
        for (i, r) in mission.robots.enumerated() {
            let robotPath = resolve(r.file, relativeTo: path)
            let at = mission.robots.count == 1 ? "robot" : "robots[\(i)]"
            do { robots.append(try loadRobot(robotPath)) } catch {
                errors.append(ConfigError(file: path, line: 0, column: 0, path: at, message: "cannot load the robot \(robotPath): \(error)"))
                continue
            }
            errors += check(robot: robots.last!, world: world)
            if let place = r.start.place, world.place(named: place) == nil {
                let names = (world.places + world.surfaces + world.waypoints).map(\.name)
                let hint = closest(to: place, in: names).map { " (did you mean \"\($0)\"?)" } ?? "; it has: \(names.joined(separator: ", "))"
                errors.append(ConfigError(file: path, line: 0, column: 0, path: (mission.robots.count == 1 ? "start" : at + ".start") + ".place",
                                          message: "unknown place \"\(place)\" in the world \(world.id)\(hint)"))
            }
        }
        guard errors.isEmpty else { return errors }
        if let dup = robots.map(\.id).firstDuplicate {
            return [ConfigError(file: path, line: 0, column: 0, path: "robots", message: "two robots with the id \"\(dup)\"; each needs its own")]
        }
        let places = Set((world.places + world.surfaces + world.waypoints).map(\.name))
        var objects = Set(world.objects.map(\.name))
        let doors = Set(world.doors.map(\.name))
        func entity(_ name: String, in set: Set<String>, what: String, at p: String) {
            if !set.contains(name) {
                let hint = closest(to: name, in: set).map { " (did you mean \"\($0)\"?)" } ?? ""
                errors.append(ConfigError(file: path, line: 0, column: 0, path: p, message: "unknown \(what) \"\(name)\" in the world \(world.id)\(hint)"))
            }
        }
        for (i, step) in mission.steps.enumerated() {
            var robot = robots[0]
            if let id = step.robot {
                if let r = robots.first(where: { $0.id == id }) { robot = r } else {
                    errors.append(ConfigError(file: path, line: 0, column: 0, path: "steps[\(i)].robot",
                                              message: "no robot \"\(id)\" in this mission; it has: \(robots.map(\.id).joined(separator: ", "))"))
                }
            }
            if case .world(let changes) = step.kind {
                for (j, c) in changes.enumerated() {
                    let p = "steps[\(i)].world[\(j)]"
                    switch c {
                    case .moveObject(let o, let to):
                        entity(o, in: objects, what: "object", at: p + ".move_object.object")
                        if case .on(let place) = to { entity(place, in: places, what: "place", at: p + ".move_object.to") }
                    case .removeObject(let o): entity(o, in: objects, what: "object", at: p + ".remove_object")
                    case .addObject(let o):
                        if case .on(let place) = o.location { entity(place, in: places, what: "place", at: p + ".add_object.on") }
                        objects.insert(o.name)
                    case .closeDoor(let d): entity(d, in: doors, what: "door", at: p + ".close_door")
                    case .openDoor(let d): entity(d, in: doors, what: "door", at: p + ".open_door")
                    case .addObstacle: break
                    }
                }
            }
            for e in step.expect {
                let p = "steps[\(i)].expect"
                switch e {
                case .robotAt(let place): entity(place, in: places, what: "place", at: p + ".robot_at")
                case .holding(let object?): entity(object, in: objects, what: "object", at: p + ".holding")
                case .objectAt(let object, let place):
                    entity(object, in: objects, what: "object", at: p + ".object_at.object")
                    entity(place, in: places, what: "place", at: p + ".object_at.place")
                case .actions(let names):
                    for n in names where robot.action(named: n) == nil {
                        errors.append(ConfigError(file: path, line: 0, column: 0, path: p + ".actions",
                            message: "the robot \(robot.id) has no action \"\(n)\""))
                    }
                default: break
                }
            }
        }
        return errors
    }
}
