import RoboBridgeDecoding
import RoboBridgeConfig

/// The prompt: a system message describing the robot, its actions and the world, few-shot examples as
/// earlier turns, then the instruction. Everything up to the instruction is static: it is decoded once
/// and kept in the KV cache.
public struct PromptBuilder: Sendable {
    public let robot: Robot
    public let world: World?

    public init(robot: Robot, world: World?) {
        self.robot = robot
        self.world = world
    }

    public var systemMessage: String {
        if robot.kind == "tools" { return toolsSystemMessage }
        var s = "You turn instructions for a robot into action calls. \(robot.description)\n"
        s += "Actions:\n"
        for a in robot.actions {
            s += "- \(a.name)(" + a.parameters.map(\.name).joined(separator: ", ") + "): \(a.description)"
            for p in a.parameters { s += " " + describe(p) }
            s += "\n"
        }
        if let world, !listsWholeWorld {
            let counts = [(world.places.count, "places"), (world.surfaces.count, "pieces of furniture"), (world.waypoints.count, "waypoints"),
                          (world.objects.count, "objects")].filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
            s += "The world has \(counts.joined(separator: ", ")); the ones a request names are listed before it.\n"
            if let start = world.robotStart.place { s += "The robot is at \(start).\n" }
        } else if let world {
            let classes = world.entityClasses
            if !world.places.isEmpty { s += "Places: " + world.places.map(\.name).joined(separator: ", ") + ".\n" }
            if !world.surfaces.isEmpty { s += "Furniture: " + world.surfaces.map(\.name).joined(separator: ", ") + ".\n" }
            if !world.waypoints.isEmpty { s += "Waypoints: " + world.waypoints.map(\.name).joined(separator: ", ") + ".\n" }
            if !world.objects.isEmpty {
                s += "Objects: " + world.objects.map { o in
                    switch o.location {
                    case .on(let p): "\(o.name) (on \(p))"
                    case .at: o.name
                    }
                }.joined(separator: ", ") + ".\n"
            }
            _ = classes
            if let start = world.robotStart.place { s += "The robot is at \(start).\n" }
        }
        s += "Answer with one call per line, using only these actions and names. To fetch an object, go to where it is, pick it, go to the target, place it. Answer none if the request cannot be done with these actions."
        return s
    }

    /// For a tool set: each function with its parameters' types, whether they are required, and their descriptions
    /// (a function's parameters are only as good as what they say), and how to fill them.
    var toolsSystemMessage: String {
        var s = "You answer a request by calling functions. Functions:\n"
        for a in robot.actions {
            s += "- \(a.name)(" + a.parameters.map(\.name).joined(separator: ", ") + "): \(a.description)\n"
            for p in a.parameters {
                let column = ToolSet.column(p.name).map { ", one per item of " + $0.array } ?? ""
                let type = p.list != nil ? "list" + column : p.kind == .enum ? "one of " + (p.values ?? []).joined(separator: ", ") : p.kind.rawValue
                s += "  \(p.name) (\(type)\(p.required ? "" : ", optional"))" + (p.description.isEmpty ? "" : ": \(p.description)") + "\n"
            }
        }
        s += "Answer with one call per line, name(param=value, ...). Copy each value from the request: text exactly as written, "
        s += "between quotes; numbers as written. Give an optional parameter only when the request says it. One call per thing asked; "
        s += "answer none if no function does what the request asks."
        return s
    }

    /// Worlds with more entities than this are not listed in the (static) system message; each
    /// instruction gets the entities it names instead (`worldNote(for:)`). The grammar still admits all.
    public static let fullListingLimit = 60
    /// The most entities listed with one instruction.
    public static let noteLimit = 12

    public var listsWholeWorld: Bool { (world?.entityNames.count ?? 0) <= Self.fullListingLimit }

    /// For a large world: the entities a (normalized) instruction names — by canonical name (aliases and
    /// multi-word names are canonical after normalization) or by a word of their name ("mug" → blue_mug,
    /// red_mug) — with where named objects lie. Nil for small worlds (listed whole) or when none is named.
    public func worldNote(for instruction: String) -> String? {
        guard let world, !listsWholeWorld else { return nil }
        let words = InstructionNormalizer.tokenize(instruction)
        let wordSet = Set(words)
        var scored: [(name: String, score: Int, order: Int)] = []
        for name in world.entityNames {
            let parts = name.split(separator: "_").map(String.init).filter { $0.count > 2 && !PromptBuilder.fillers.contains($0) }
            let score = wordSet.contains(name) ? 100 : parts.filter(wordSet.contains).count
            guard score > 0 else { continue }
            let order = words.firstIndex(of: name) ?? words.firstIndex { parts.contains($0) } ?? words.count
            scored.append((name, score, order))
        }
        guard !scored.isEmpty else { return nil }
        let chosen = scored.sorted { ($0.score, -$0.order) > ($1.score, -$1.order) }.prefix(Self.noteLimit).sorted { $0.order < $1.order }
        var listed = Set<String>()
        var items: [String] = []
        for (name, _, _) in chosen where listed.insert(name).inserted {
            if let o = world.object(named: name), case .on(let place) = o.location {
                items.append("\(name) (on \(place))")
                listed.insert(place)
            } else {
                items.append(name)
            }
        }
        return "Named here: " + items.joined(separator: ", ") + "."
    }

    private static let fillers: Set<String> = ["the", "and", "for", "with", "room", "table", "side", "left", "right", "front", "back", "top", "one", "two"]

    func describe(_ p: Parameter) -> String {
        if let shape = p.list {
            var item = p
            item.list = nil
            let count = shape.minItems == shape.maxItems ? "\(shape.minItems)" : "\(shape.minItems) to \(shape.maxItems)"
            return "\(p.name): a list of \(count) items written [a, b]; each item: " + String(describe(item).dropFirst(p.name.count + 1).drop(while: { $0 == " " }))
        }
        switch p.kind {
        case .number, .integer:
            let range = [p.minimum.map { "from \(num($0))" }, p.maximum.map { "to \(num($0))" }].compactMap { $0 }.joined(separator: " ")
            return "\(p.name) in \(p.unit ?? "units") \(range)\(p.description.isEmpty ? "" : " (\(p.description))")."
        case .string: return "\(p.name): text, at most \(p.maxLength ?? 0) characters."
        case .boolean: return "\(p.name): true or false."
        case .enum:
            if let v = p.values { return "\(p.name): one of \(v.joined(separator: ", "))." }
            return "\(p.name): a \(p.entityClass ?? "name")."
        }
    }

    private func num(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }

    /// The few-shot turns: (instruction, plan text).
    public var examples: [(String, String)] {
        robot.examples.map { ($0.instruction, PlanText.render($0.plan)) }
    }
}
