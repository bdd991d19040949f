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
/// says. An array of objects becomes one list parameter per field, `stops[].city`, `stops[].nights` (columns of
/// one length, see `Parameter.ListShape`), which `arguments(of:)` zips back into objects.
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
                guard !pname.isEmpty, !pname.contains(where: { ".=,()[] ".contains($0) }) else {
                    throw Problem(path: ppath, message: "expected a parameter name without '.', '=', ',', '(', ')', '[', ']' or spaces")
                }
                if isObject(spec) {
                    guard let inner = spec["properties"], let list = inner.objectValue, !list.isEmpty else {
                        throw Problem(path: ppath + ".properties", message: "an object parameter needs the properties it takes")
                    }
                    var nested = try fields(inner, required: needed(spec), prefix: name + ".", path: ppath + ".properties", skipped: &skipped)
                    if !isRequired { for k in nested.indices { nested[k].required = false } }
                    // A required object is given with at least one field: its first, when it requires none.
                    if isRequired, !nested.isEmpty, !nested.contains(where: \.required) { nested[0].required = true }
                    params += nested
                } else if isArray(spec), let items = spec["items"], isObject(items) {
                    params += try columns(name, spec, items, required: isRequired, path: ppath, skipped: &skipped)
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

    /// The fields an object schema needs: those its `required` lists; when it has no such list, those without a
    /// `default` (a schema that marks optional fields by their default). On the leaderboard's live data, objects with
    /// no `required` list have 27 of 33 fields without a default given in the accepted answers, against 37 of 86
    /// with one; arrays of such objects, 12 of 12.
    private static func needed(_ spec: JSONValue) -> Set<String> {
        if let listed = spec["required"]?.arrayValue { return Set(listed.compactMap(\.stringValue)) }
        return Set((spec["properties"]?.objectValue ?? []).filter { $0.1["default"] == nil }.map(\.0))
    }

    /// What joins an array of objects' name to a field's in a column's name (`stops[].city`).
    static let columnInfix = "[]."

    /// A column's array and field (`stops[].hotel.stars` → `stops`, `hotel.stars`); nil for any other parameter.
    public static func column(_ name: String) -> (array: Substring, field: Substring)? {
        name.range(of: columnInfix).map { (name[..<$0.lowerBound], name[$0.upperBound...]) }
    }

    private static func isArray(_ spec: JSONValue) -> Bool {
        ["array", "tuple", "list"].contains(spec["type"]?.stringValue ?? "")
    }

    /// An array of objects as columns: one list parameter per field of its objects (nested objects flattened),
    /// named `array[].field`. The first column is a field the objects require (the first field when none is);
    /// the others follow it with as many items. The array's own description goes with the first column.
    private static func columns(_ name: String, _ spec: JSONValue, _ items: JSONValue, required: Bool, path: String,
                                skipped: inout [Problem]) throws(Problem) -> [Parameter] {
        let itemPath = path + ".items"
        guard let inner = items["properties"], let list = inner.objectValue, !list.isEmpty else {
            throw Problem(path: itemPath + ".properties", message: "an array of objects needs the properties its objects take")
        }
        let shape = try listShape(spec, path: path)
        var fields = try fields(inner, required: needed(items), prefix: name + columnInfix, path: itemPath + ".properties", skipped: &skipped)
        for (k, f) in fields.enumerated().reversed() where f.list != nil {
            let problem = Problem(path: itemPath + ".properties." + (column(f.name)?.field ?? ""), message:
                "arrays inside an array of objects are not supported; expected fields of type number, integer, string, boolean, object or an enum")
            if f.required { throw problem }
            skipped.append(problem)
            fields.remove(at: k)
        }
        guard !fields.isEmpty else { throw Problem(path: itemPath + ".properties", message: "no field of the array's objects could be read") }
        if let first = fields.firstIndex(where: \.required) { fields.insert(fields.remove(at: first), at: 0) }
        let lead = fields[0].name
        for k in fields.indices {
            let fieldRequired = fields[k].required
            fields[k].required = k == 0 && required
            fields[k].list = Parameter.ListShape(minItems: shape.minItems, maxItems: shape.maxItems, sameLengthAs: k == 0 ? nil : lead,
                                                 requiredWithLead: k > 0 && fieldRequired)
        }
        if let about = spec["description"]?.stringValue, !about.isEmpty {
            let field = column(lead)?.field ?? ""
            fields[0].description = about + " Each item's \(field)" + (fields[0].description.isEmpty ? "." : ": " + fields[0].description)
        }
        return fields
    }

    private static func listShape(_ spec: JSONValue, path: String) throws(Problem) -> Parameter.ListShape {
        let minItems = spec["minItems"]?.integerValue.map { Int($0) } ?? 0
        let maxItems = spec["maxItems"]?.integerValue.map { Int($0) } ?? max(defaultMaxItems, minItems)
        guard minItems >= 0, minItems <= maxItems, maxItems <= 64 else {
            throw Problem(path: path, message: "expected 0 ≤ minItems ≤ maxItems ≤ 64, got minItems \(minItems), maxItems \(maxItems)")
        }
        return Parameter.ListShape(minItems: minItems, maxItems: maxItems)
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
                throw Problem(path: path + ".items.type", message: "arrays of objects inside arrays are not supported; expected items of type number, integer, string, boolean or an enum")
            }
            var p = try parameter(name, items, path: path + ".items", isItem: true)
            p.list = try listShape(spec, path: path)
            if !description.isEmpty { p.description = description }
            return p
        case "object", "dict":
            throw Problem(path: path + ".type", message: "objects inside arrays are not supported; expected items of type number, integer, string, boolean or an enum")
        case let other:
            throw Problem(path: path + ".type", message: "\(other.map { "type \"\($0)\"" } ?? "a missing type") is not supported; expected number, integer, string, boolean, array, object or an enum")
        }
    }

    /// A call's arguments as JSON: flattened object fields (`room.type`) nested again under their object, the
    /// columns of an array of objects (`stops[].city`) zipped into its objects.
    public static func arguments(of call: ActionCall) -> [(String, JSONValue)] {
        var out: [(String, JSONValue)] = []
        for a in call.arguments {
            if let (arrayName, fieldName) = column(a.name), case .list(let items) = a.value {
                let field = keys(fieldName)
                update(keys(arrayName), in: &out) { array in
                    var objects = array?.arrayValue ?? []
                    for (i, item) in items.enumerated() {
                        if objects.count <= i { objects.append(.object([])) }
                        var object = objects[i].objectValue ?? []
                        update(field, in: &object) { _ in json(item) }
                        objects[i] = .object(object)
                    }
                    return .array(objects)
                }
            } else {
                update(keys(a.name[...]), in: &out) { _ in json(a.value) }
            }
        }
        return out
    }

    private static func keys(_ name: Substring) -> ArraySlice<String> {
        name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)[...]
    }

    /// Sets the value at a key path of nested objects (made as needed) to `change` of the value there.
    private static func update(_ path: ArraySlice<String>, in object: inout [(String, JSONValue)], _ change: (JSONValue?) -> JSONValue) {
        guard let key = path.first else { return }
        let at = object.firstIndex { $0.0 == key }
        if path.count == 1 {
            let value = change(at.map { object[$0].1 })
            if let at { object[at].1 = value } else { object.append((key, value)) }
            return
        }
        var inner: [(String, JSONValue)] = []
        if let at, case .object(let o) = object[at].1 { inner = o }
        update(path.dropFirst(), in: &inner, change)
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
