import Yams

/// A YAML node with where it came from: the file and the key path. Reads typed values out of it,
/// and every mismatch becomes a `ConfigError` that names file, line:column, key path and what was expected.
struct YAMLValue {
    let node: Node
    let file: String
    let path: String

    /// The most aliases (`*name`) a file may use. Aliases of aliases grow a document exponentially, and Yams hashes
    /// a mapping key whole (for duplicate keys): found by fuzzing, a 2 kB file took 22 s. With at most 32 aliases, what
    /// they can expand to stays around 10^5 nodes; real files use a few (merge keys, shared parameter blocks).
    static let maxAliases = 32

    /// Parses a whole YAML document.
    static func parse(_ text: String, file: String) throws(ConfigError) -> YAMLValue {
        let aliases = countAliases(text)
        guard aliases <= maxAliases else {
            throw ConfigError(file: file, line: 0, column: 0, path: "",
                              message: "too many YAML aliases (*name): \(aliases); at most \(maxAliases) in one file (a guard against alias bombs)")
        }
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigError(file: file, line: 0, column: 0, path: "", message: "the file is empty")
            }
            return YAMLValue(node: node, file: file, path: "")
        } catch let e as ConfigError {
            throw e
        } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
            throw ConfigError(file: file, line: context.mark.line, column: context.mark.column, path: "",
                              message: "duplicate key \(duplicates.map { "\"\($0)\"" }.joined(separator: ", "))")
        } catch let e as YamlError {
            throw Self.syntaxError(e, file: file)
        } catch {
            throw ConfigError(file: file, line: 0, column: 0, path: "", message: "invalid YAML: \(error)")
        }
    }

    /// Counts what may be an alias token: `*` followed by a name character where a node may start (after a space,
    /// a line break, `[`, `{`, `,`, `:`, `-` or `?`). Quotes and comments are not excluded, so it may count a `*` in
    /// text ("a *very* big box"), but it never misses an alias.
    static func countAliases(_ text: String) -> Int {
        let bytes = Array(text.utf8)
        let before: Set<UInt8> = [10, 13, 32, 9, 91, 123, 44, 58, 45, 63]
        let notName: Set<UInt8> = [10, 13, 32, 9, 44, 91, 93, 123, 125]
        var count = 0
        for i in bytes.indices where bytes[i] == 42 && i + 1 < bytes.count && !notName.contains(bytes[i + 1])
            && (i == 0 || before.contains(bytes[i - 1])) {
            count += 1
        }
        return count
    }

    static func syntaxError(_ e: YamlError, file: String) -> ConfigError {
        switch e {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _):
            let what = context.map { "\($0.text) " } ?? ""
            return ConfigError(file: file, line: mark.line, column: mark.column, path: "", message: "invalid YAML: \(what)\(problem)")
        default:
            return ConfigError(file: file, line: 0, column: 0, path: "", message: "invalid YAML: \(e)")
        }
    }

    func error(_ message: String) -> ConfigError {
        ConfigError(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, path: path, message: message)
    }

    func child(_ key: String, _ node: Node) -> YAMLValue {
        YAMLValue(node: node, file: file, path: path.isEmpty ? key : "\(path).\(key)")
    }

    /// How the node is described in "got ..." messages.
    var shown: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let s):
            switch node.tagName {
            case .null: return "nothing (null)"
            case .str: return "\"\(s.string)\""
            default: return s.string
            }
        }
    }

    var isNull: Bool { node.tagName == .null }

    // MARK: Scalars

    func string() throws(ConfigError) -> String {
        guard case .scalar(let s) = node, node.tagName == .str else { throw error("expected a string, got \(shown)") }
        return s.string
    }

    /// A non-empty name made of letters, digits and underscores, starting with a letter.
    func identifier() throws(ConfigError) -> String {
        let s = try string()
        guard World.isEntityName(s) else {
            throw error("expected a name of letters, digits and underscores starting with a letter, got \"\(s)\"")
        }
        return s
    }

    func number() throws(ConfigError) -> Double {
        guard case .scalar = node, node.tagName == .int || node.tagName == .float, let v = node.float, v.isFinite
        else { throw error("expected a number, got \(shown)") }
        return v
    }

    func integer() throws(ConfigError) -> Int {
        guard case .scalar = node, node.tagName == .int, let v = node.int else { throw error("expected an integer, got \(shown)") }
        return v
    }

    func bool() throws(ConfigError) -> Bool {
        guard case .scalar = node, node.tagName == .bool, let v = node.bool else { throw error("expected true or false, got \(shown)") }
        return v
    }

    /// Any scalar as a typed value.
    func scalarValue() throws(ConfigError) -> ConfigValue {
        guard case .scalar(let s) = node else { throw error("expected a number, string or boolean, got \(shown)") }
        switch node.tagName {
        case .bool: return .bool(node.bool!)
        case .int: return .integer(node.int!)
        case .float: return .number(node.float!)
        case .str: return .string(s.string)
        default: throw error("expected a number, string or boolean, got \(shown)")
        }
    }

    // MARK: Collections

    func list() throws(ConfigError) -> [YAMLValue] {
        guard case .sequence(let seq) = node else { throw error("expected a list, got \(shown)") }
        return seq.enumerated().map { i, n in YAMLValue(node: n, file: file, path: "\(path)[\(i)]") }
    }

    func stringList() throws(ConfigError) -> [String] {
        var out: [String] = []
        for item in try list() { out.append(try item.string()) }
        return out
    }

    /// The entries of a mapping, in file order (keys must be strings).
    func entries() throws(ConfigError) -> [(key: String, value: YAMLValue)] {
        guard case .mapping(let m) = node else { throw error("expected a mapping, got \(shown)") }
        var out: [(String, YAMLValue)] = []
        for (k, v) in m {
            guard case .scalar(let ks) = k else {
                throw YAMLValue(node: k, file: file, path: path).error("expected a string key, got \(YAMLValue(node: k, file: file, path: path).shown)")
            }
            out.append((ks.string, child(ks.string, v)))
        }
        return out
    }

    /// A mapping whose keys must all be among `allowed`; unknown keys are errors, with a
    /// "did you mean" hint when one is close.
    func object(_ allowed: [String]) throws(ConfigError) -> YAMLObject {
        let e = try entries()
        for (key, value) in e where !allowed.contains(key) {
            let hint = closest(to: key, in: allowed).map { " (did you mean \"\($0)\"?)" } ?? ""
            let keyNode = YAMLValue(node: keyNode(key) ?? value.node, file: file, path: value.path)
            throw keyNode.error("unknown key\(hint); expected one of: \(allowed.joined(separator: ", "))")
        }
        return YAMLObject(value: self, fields: Dictionary(e.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }))
    }

    private func keyNode(_ key: String) -> Node? {
        guard case .mapping(let m) = node else { return nil }
        return m.first { $0.key.scalar?.string == key }?.key
    }
}

/// A YAML mapping with known keys.
struct YAMLObject {
    let value: YAMLValue
    let fields: [String: YAMLValue]

    subscript(_ key: String) -> YAMLValue? {
        guard let v = fields[key], !v.isNull else { return nil }
        return v
    }

    func required(_ key: String) throws(ConfigError) -> YAMLValue {
        guard let v = fields[key] else { throw value.error("missing required key \"\(key)\"") }
        guard !v.isNull else { throw v.error("expected a value, got nothing (null)") }
        return v
    }
}

/// A value from a configuration file or a plan: an argument value or a default (a scalar, or the
/// items of an array parameter).
public enum ConfigValue: Sendable, Equatable, Hashable, CustomStringConvertible {
    case number(Double)
    case integer(Int)
    case string(String)
    case bool(Bool)
    /// The items of an array parameter's value.
    case list([ConfigValue])

    public var description: String {
        switch self {
        case .number(let d): trim(d)
        case .integer(let i): "\(i)"
        case .string(let s): "\"\(s)\""
        case .bool(let b): "\(b)"
        case .list(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        }
    }

    /// The numeric value, for numbers and integers.
    public var numeric: Double? {
        switch self {
        case .number(let d): d
        case .integer(let i): Double(i)
        default: nil
        }
    }
}

extension YAMLValue {
    /// The node at a key path such as `steps[2].expect.robot_at`, or the deepest node on the way.
    func descend(_ keyPath: String) -> YAMLValue {
        var current = self
        for component in keyPath.split(separator: ".") {
            var name = Substring(component)
            var indices: [Int] = []
            while name.hasSuffix("]"), let open = name.lastIndex(of: "["), let i = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) {
                indices.insert(i, at: 0)
                name = name[..<open]
            }
            if !name.isEmpty {
                guard let next = (try? current.entries())?.first(where: { $0.key == name })?.value else { return current }
                current = next
            }
            for i in indices {
                guard let items = try? current.list(), i < items.count else { return current }
                current = items[i]
            }
        }
        return current
    }
}

extension ConfigError {
    /// Fills in line:column from the key path for errors found after parsing (checks across files).
    func located() -> ConfigError {
        guard line == 0, !path.isEmpty, let text = try? ConfigLoader.read(file),
              let root = try? YAMLValue.parse(text, file: file), let mark = root.descend(path).node.mark else { return self }
        var e = self
        e.line = mark.line
        e.column = mark.column
        return e
    }
}

extension Node {
    /// The resolved tag's name (`tag:yaml.org,2002:int`, ...).
    var tagName: Tag.Name { Tag.Name(rawValue: tag.rawValue) }
}
