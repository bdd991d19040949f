import RoboBridgeDecoding
import RoboBridgeConfig
import RoboBridgeProtocol

/// OpenAI-style function definitions (`[{"type": "function", "function": {...}}]`, bare function
/// objects accepted too) as a robot schema, so the same constrained decoder serves tools outside robotics.
public enum ToolSet {
    public struct Problem: Error, Equatable, Sendable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    /// Converts a tools array to a robot.
    /// - Throws: `Problem` naming the JSON path of the first unsupported or malformed definition.
    public static func robot(from tools: JSONValue, file: String = "<tools>") throws(Problem) -> Robot {
        guard let list = tools.arrayValue, !list.isEmpty else { throw Problem(path: "tools", message: "expected a non-empty array of functions") }
        var actions: [Action] = []
        for (i, item) in list.enumerated() {
            let path = "tools[\(i)]"
            let function = item["function"] ?? item
            guard let name = function["name"]?.stringValue, !name.isEmpty,
                  name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw Problem(path: path + ".name", message: "expected a function name of letters, digits and underscores")
            }
            var params: [Parameter] = []
            let required = Set((function["parameters"]?["required"]?.arrayValue ?? []).compactMap(\.stringValue))
            for (pname, spec) in function["parameters"]?["properties"]?.objectValue ?? [] {
                let ppath = "\(path).parameters.properties.\(pname)"
                var p = try parameter(pname, spec, path: ppath)
                p.required = required.contains(pname)
                params.append(p)
            }
            actions.append(Action(name: name, description: function["description"]?.stringValue ?? "", parameters: params))
        }
        return Robot(id: "tools", description: "Call the functions that fulfil the request.", kind: "tools", actions: actions, file: file)
    }

    /// The largest array a plan may hold when the schema gives no `maxItems`.
    public static let defaultMaxItems = 16

    private static func parameter(_ name: String, _ spec: JSONValue, path: String, isItem: Bool = false) throws(Problem) -> Parameter {
        let description = spec["description"]?.stringValue ?? ""
        if let values = spec["enum"]?.arrayValue {
            let strings = values.compactMap(\.stringValue)
            guard strings.count == values.count, !strings.isEmpty, !strings.contains("") else {
                throw Problem(path: path + ".enum", message: "expected a non-empty list of non-empty strings")
            }
            return Parameter(name: name, kind: .enum, description: description, values: strings)
        }
        switch spec["type"]?.stringValue {
        case "number", "integer":
            let lo = spec["minimum"]?.numberValue ?? -1_000_000, hi = spec["maximum"]?.numberValue ?? 1_000_000
            guard lo <= hi else { throw Problem(path: path + ".maximum", message: "expected maximum ≥ minimum (\(lo)), got \(hi)") }
            return Parameter(name: name, kind: spec["type"]?.stringValue == "integer" ? .integer : .number, description: description,
                             minimum: lo, maximum: hi)
        case "string":
            let maxLength = spec["maxLength"]?.integerValue.map { Int($0) } ?? 120
            guard maxLength > 0 else { throw Problem(path: path + ".maxLength", message: "expected a length above 0, got \(maxLength)") }
            return Parameter(name: name, kind: .string, description: description, maxLength: maxLength)
        case "boolean":
            return Parameter(name: name, kind: .boolean, description: description)
        case "array" where !isItem:
            guard let items = spec["items"], items.objectValue != nil else {
                throw Problem(path: path + ".items", message: "expected the schema of the array's items (an object with a type or an enum)")
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
        case "array":
            throw Problem(path: path + ".type", message: "arrays of arrays are not supported; expected items of type number, integer, string, boolean or an enum")
        case "object":
            throw Problem(path: path + ".type", message: "object\(isItem ? " items" : " parameters") are not supported; flatten their fields into parameters of the function")
        case let other:
            throw Problem(path: path + ".type", message: "\(other.map { "type \"\($0)\"" } ?? "a missing type") is not supported; expected number, integer, string, boolean, array or an enum")
        }
    }
}
