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
                let description = spec["description"]?.stringValue ?? ""
                let isRequired = required.contains(pname)
                if let values = spec["enum"]?.arrayValue {
                    let strings = values.compactMap(\.stringValue)
                    guard strings.count == values.count, !strings.isEmpty else { throw Problem(path: ppath + ".enum", message: "expected a non-empty list of strings") }
                    params.append(Parameter(name: pname, kind: .enum, description: description, values: strings, required: isRequired))
                    continue
                }
                switch spec["type"]?.stringValue {
                case "number", "integer":
                    params.append(Parameter(name: pname, kind: spec["type"]?.stringValue == "integer" ? .integer : .number, description: description,
                                            minimum: spec["minimum"]?.numberValue ?? -1_000_000, maximum: spec["maximum"]?.numberValue ?? 1_000_000,
                                            required: isRequired))
                case "string":
                    params.append(Parameter(name: pname, kind: .string, description: description,
                                            maxLength: spec["maxLength"]?.integerValue.map { Int($0) } ?? 120, required: isRequired))
                case "boolean":
                    params.append(Parameter(name: pname, kind: .boolean, description: description, required: isRequired))
                case let other:
                    throw Problem(path: ppath + ".type", message: "\(other.map { "type \"\($0)\"" } ?? "a missing type") is not supported yet; expected number, integer, string, boolean or an enum")
                }
            }
            actions.append(Action(name: name, description: function["description"]?.stringValue ?? "", parameters: params))
        }
        return Robot(id: "tools", description: "Call the functions that fulfil the request.", kind: "tools", actions: actions, file: file)
    }
}
