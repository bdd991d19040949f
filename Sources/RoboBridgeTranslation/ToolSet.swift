import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeProtocol

/// OpenAI-style function definitions (`[{"type": "function", "function": {...}}]`, bare function objects and
/// the Berkeley Function-Calling Leaderboard's spellings accepted too) as a robot schema, so the same constrained
/// decoder serves tools outside robotics.
///
/// Names are letters, digits, `_`, `-` and `.` (`math.factorial`). Types: `number`/`float`/`double`,
/// `integer`/`int`, `string`/`any`, `boolean`/`bool`, `array`/`tuple`/`list` of scalars, `object`/`dict` with
/// `properties`. An object parameter's fields become parameters named `object.field` (nested objects likewise),
/// which the plan writes flat and `arguments(of:)` nests again: the grammar stays flat, the JSON is as the schema
/// says.
public enum ToolSet {
    public struct Problem: Error, Equatable, Sendable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    /// A tool set read leniently: the robot made of every function that could be read, and the functions or
    /// optional parameters left out, each with its problem.
    public struct Loaded: Sendable {
        public var robot: Robot
        public var skipped: [Problem]
    }

    /// Converts a tools array to a robot; any definition that cannot be read is an error.
    /// - Throws: `Problem` naming the JSON path of the first unsupported or malformed definition.
    public static func robot(from tools: JSONValue, file: String = "<tools>") throws(Problem) -> Robot {
        let loaded = try load(tools, file: file)
        if let first = loaded.skipped.first { throw first }
        return loaded.robot
    }

    /// Converts a tools array to a robot, leaving out what cannot be read: a function whose name, or a required
    /// parameter, is unsupported; an optional parameter that is (the function keeps its other parameters).
    /// - Throws: `Problem` when the value is not a non-empty array, two functions share a name, or no function
    ///   could be read (the first function's problem).
    public static func load(_ tools: JSONValue, file: String = "<tools>") throws(Problem) -> Loaded {
        guard let list = tools.arrayValue, !list.isEmpty else { throw Problem(path: "tools", message: "expected a non-empty array of functions") }
        var actions: [Action] = []
        var skipped: [Problem] = []
        for (i, item) in list.enumerated() {
            let path = "tools[\(i)]"
            let function = item["function"] ?? item
            guard let name = function["name"]?.stringValue, !name.isEmpty, name.utf8.count <= 64,
                  name.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" || $0 == "-" || $0 == "." }) else {
                skipped.append(Problem(path: path + ".name", message: "expected a function name of 1 to 64 ASCII letters, digits, '_', '-' and '.'"))
                continue
            }
            if actions.contains(where: { $0.name == name }) {
                throw Problem(path: path + ".name", message: "a second function named \(name)")
            }
            let parameters = function["parameters"]
            let required = Set((parameters?["required"]?.arrayValue ?? []).compactMap(\.stringValue))
            do throws(Problem) {
                let params = try fields(parameters?["properties"], required: required, prefix: "", path: "\(path).parameters.properties",
                                        skipped: &skipped)
                actions.append(Action(name: name, description: function["description"]?.stringValue ?? "", parameters: params))
            } catch {
                skipped.append(error)
            }
        }
        guard !actions.isEmpty else { throw skipped.first ?? Problem(path: "tools", message: "no function could be read") }
        var robot = Robot(id: "tools", description: "Call the functions that fulfil the request.", kind: "tools", actions: actions, file: file)
        // Requests to tools are longer than commands to a robot, and so are their arguments.
        robot.limits.maxInstructionLength = 4000
        robot.model.maxTokens = 256
        return Loaded(robot: robot, skipped: skipped)
    }

    /// The largest array a plan may hold when the schema gives no `maxItems`.
    public static let defaultMaxItems = 16

    /// The parameters of an object's properties, objects flattened. A required field that cannot be read throws
    /// (the function cannot be called without it); an optional one is left out and noted.
    private static func fields(_ properties: JSONValue?, required: Set<String>, prefix: String, path: String,
                               skipped: inout [Problem]) throws(Problem) -> [Parameter] {
        var params: [Parameter] = []
        for (pname, spec) in properties?.objectValue ?? [] {
            let ppath = "\(path).\(pname)"
            let name = prefix + pname
            let isRequired = required.contains(pname)
            do throws(Problem) {
                guard !pname.isEmpty, !pname.contains("."), !pname.contains("="), !pname.contains(","), !pname.contains("("),
                      !pname.contains(")"), !pname.contains(" ") else {
                    throw Problem(path: ppath, message: "expected a parameter name without '.', '=', ',', '(', ')' or spaces")
                }
                if isObject(spec) {
                    guard let inner = spec["properties"], let list = inner.objectValue, !list.isEmpty else {
                        throw Problem(path: ppath + ".properties", message: "an object parameter needs the properties it takes")
                    }
                    let innerRequired = Set((spec["required"]?.arrayValue ?? []).compactMap(\.stringValue))
                    var nested = try fields(inner, required: innerRequired, prefix: name + ".", path: ppath + ".properties", skipped: &skipped)
                    if !isRequired { for k in nested.indices { nested[k].required = false } }
                    // A required object is given with at least one field: its first, when it requires none.
                    if isRequired, !nested.isEmpty, !nested.contains(where: \.required) { nested[0].required = true }
                    params += nested
                } else {
                    var p = try parameter(name, spec, path: ppath)
                    p.required = isRequired
                    params.append(p)
                }
            } catch {
                if isRequired { throw error }
                skipped.append(error)
            }
        }
        return params
    }

    private static func isObject(_ spec: JSONValue) -> Bool {
        ["object", "dict"].contains(spec["type"]?.stringValue ?? "")
    }

    private static func parameter(_ name: String, _ spec: JSONValue, path: String, isItem: Bool = false) throws(Problem) -> Parameter {
        let description = spec["description"]?.stringValue ?? ""
        let type = spec["type"]?.stringValue
        if let values = spec["enum"]?.arrayValue, type == nil || type == "string" {
            let strings = values.compactMap(\.stringValue)
            guard strings.count == values.count, !strings.isEmpty, !strings.contains(""), !strings.contains(where: { $0.contains("\"") }) else {
                throw Problem(path: path + ".enum", message: "expected a non-empty list of non-empty strings without quotes")
            }
            return Parameter(name: name, kind: .enum, description: description, values: strings)
        }
        switch type {
        case "number", "float", "double", "integer", "int":
            // A numeric enum bounds the range (the grammar has no numeric choices).
            let listed = spec["enum"]?.arrayValue?.compactMap(\.numberValue) ?? []
            let lo = spec["minimum"]?.numberValue ?? listed.min() ?? -1e9, hi = spec["maximum"]?.numberValue ?? listed.max() ?? 1e9
            guard lo <= hi else { throw Problem(path: path + ".maximum", message: "expected maximum ≥ minimum (\(lo)), got \(hi)") }
            let integer = type == "integer" || type == "int"
            return Parameter(name: name, kind: integer ? .integer : .number, description: description, minimum: lo, maximum: hi)
        case "string", "any":
            let maxLength = spec["maxLength"]?.integerValue.map { Int($0) } ?? 120
            guard maxLength > 0 else { throw Problem(path: path + ".maxLength", message: "expected a length above 0, got \(maxLength)") }
            return Parameter(name: name, kind: .string, description: description, maxLength: maxLength)
        case "boolean", "bool":
            return Parameter(name: name, kind: .boolean, description: description)
        case "array", "tuple", "list":
            // (A `where` after several patterns binds the last one only: checked here instead.)
            guard !isItem else {
                throw Problem(path: path + ".type", message: "arrays of arrays are not supported; expected items of type number, integer, string, boolean or an enum")
            }
            guard let items = spec["items"], items.objectValue != nil else {
                throw Problem(path: path + ".items", message: "expected the schema of the array's items (an object with a type or an enum)")
            }
            if isObject(items) {
                throw Problem(path: path + ".items.type", message: "arrays of objects are not supported; expected items of type number, integer, string, boolean or an enum")
            }
            var p = try parameter(name, items, path: path + ".items", isItem: true)
            let minItems = spec["minItems"]?.integerValue.map { Int($0) } ?? 0
            let maxItems = spec["maxItems"]?.integerValue.map { Int($0) } ?? max(defaultMaxItems, minItems)
            guard minItems >= 0, minItems <= maxItems, maxItems <= 64 else {
                throw Problem(path: path, message: "expected 0 ≤ minItems ≤ maxItems ≤ 64, got minItems \(minItems), maxItems \(maxItems)")
            }
            p.list = Parameter.ListShape(minItems: minItems, maxItems: maxItems)
            if !description.isEmpty { p.description = description }
            return p
        case "object", "dict":
            throw Problem(path: path + ".type", message: "objects inside arrays are not supported; expected items of type number, integer, string, boolean or an enum")
        case let other:
            throw Problem(path: path + ".type", message: "\(other.map { "type \"\($0)\"" } ?? "a missing type") is not supported; expected number, integer, string, boolean, array, object or an enum")
        }
    }

    /// A call's arguments as JSON, flattened object fields (`room.type`) nested again under their object.
    public static func arguments(of call: ActionCall) -> [(String, JSONValue)] {
        var out: [(String, JSONValue)] = []
        for a in call.arguments {
            insert(a.name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)[...], json(a.value), into: &out)
        }
        return out
    }

    private static func insert(_ path: ArraySlice<String>, _ value: JSONValue, into object: inout [(String, JSONValue)]) {
        guard let key = path.first else { return }
        if path.count == 1 { object.append((key, value)); return }
        var inner: [(String, JSONValue)] = []
        let at = object.firstIndex { $0.0 == key }
        if let at, case .object(let o) = object[at].1 { inner = o }
        insert(path.dropFirst(), value, into: &inner)
        if let at { object[at].1 = .object(inner) } else { object.append((key, .object(inner))) }
    }

    /// The JSON form of a plan value: integers stay integers, numbers are numbers (a float parameter written `5` is `5.0`).
    public static func json(_ v: ConfigValue) -> JSONValue {
        switch v {
        case .number(let d): .number(d)
        case .integer(let i): .integer(Int64(i))
        case .string(let s): .string(s)
        case .bool(let b): .bool(b)
        case .list(let items): .array(items.map(json))
        }
    }
}
