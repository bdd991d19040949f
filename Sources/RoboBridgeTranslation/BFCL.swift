import Foundation
import RoboBridgeConfig
import RoboBridgeEngine
import RoboBridgeProtocol

/// The Berkeley Function-Calling Leaderboard's non-live AST categories, read from the data files of its PyPI
/// package (`bfcl-eval`, fetched by the setup into `.deps/bfcl`), scored with its AST rule (a port of
/// `bfcl_eval/eval_checker/ast_eval/ast_checker.py` for Python, the rule these categories use).
public enum BFCL {
    /// One question: the functions offered, the user's request, and the accepted answers (none for irrelevance).
    public struct Case: Sendable {
        public var id: String
        public var category: String
        public var question: String
        public var functions: [JSONValue]
        /// Per expected call: the function's name and, per parameter, the accepted values ("" = may be left out).
        public var answers: [(name: String, params: [(String, [JSONValue])])]
    }

    /// Category name → the leaderboard's file stem.
    public static let files: [(String, String)] = [
        ("simple", "simple_python"), ("multiple", "multiple"), ("parallel", "parallel"), ("irrelevance", "irrelevance"),
        ("parallel_multiple", "parallel_multiple"), ("live_simple", "live_simple"), ("live_multiple", "live_multiple"),
        ("live_irrelevance", "live_irrelevance"),
    ]
    /// The categories `eval --bfcl` runs unless told otherwise (the issue's four).
    public static let defaultCategories = ["simple", "multiple", "parallel", "irrelevance"]

    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads a category's questions and answers from the folder of `BFCL_v4_*.json` files.
    public static func load(_ category: String, folder: String) throws(LoadError) -> [Case] {
        guard let stem = files.first(where: { $0.0 == category })?.1 else {
            throw LoadError(description: "no BFCL category \"\(category)\"; expected one of \(files.map(\.0).joined(separator: ", "))")
        }
        let questions = "\(folder)/BFCL_v4_\(stem).json", answersPath = "\(folder)/possible_answer/BFCL_v4_\(stem).json"
        let lines = try jsonLines(questions)
        var answers: [String: JSONValue] = [:]
        if !category.contains("irrelevance") {
            for a in try jsonLines(answersPath) { if let id = a["id"]?.stringValue { answers[id] = a["ground_truth"] } }
        }
        var cases: [Case] = []
        for (n, q) in lines.enumerated() {
            guard let id = q["id"]?.stringValue, let functions = q["function"]?.arrayValue,
                  let turns = q["question"]?.arrayValue?.first?.arrayValue else {
                throw LoadError(description: "\(questions):\(n + 1): expected {id, question: [[{role, content}]], function: [...]}")
            }
            let question = turns.filter { $0["role"]?.stringValue == "user" }.compactMap { $0["content"]?.stringValue }.joined(separator: "\n")
            var expected: [(name: String, params: [(String, [JSONValue])])] = []
            if !category.contains("irrelevance") {
                guard let truth = answers[id]?.arrayValue else { throw LoadError(description: "\(answersPath): no answer for \(id)") }
                for call in truth {
                    guard let (name, params) = call.objectValue?.first, let fields = params.objectValue else {
                        throw LoadError(description: "\(answersPath): \(id): expected [{name: {param: [values]}}]")
                    }
                    expected.append((name, fields.map { ($0.0, $0.1.arrayValue ?? [$0.1]) }))
                }
            }
            cases.append(Case(id: id, category: category, question: question, functions: functions, answers: expected))
        }
        return cases
    }

    private static func jsonLines(_ path: String) throws(LoadError) -> [JSONValue] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(description: "\(path): cannot read the file (the setup fetches the BFCL data into .deps/bfcl: run `make setup`)")
        }
        var out: [JSONValue] = []
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() where !line.allSatisfy(\.isWhitespace) {
            do { out.append(try JSONValue.parse(String(line))) } catch { throw LoadError(description: "\(path):\(n + 1): malformed JSON: \(error)") }
        }
        return out
    }

    /// What the translator answered to a case.
    public struct Answer: Sendable {
        public var calls: [Call]
        /// ok, no_action, ..., "unreadable" (the functions could not be read) or "error" (the request could not be taken).
        public var outcome: String
        public var reason: String?
        public var latencyMs: Double?
    }

    /// Translates a case's request against its own functions (a translator per case: each brings its functions).
    /// - Parameter configure: settings for the translator (drafters, guides), before it translates.
    /// - Throws: `EngineError` when the model fails.
    public static func answer(_ c: Case, model: Model, threads: Int, retrievedExamples: Int = 2, speculative: Bool = true,
                              configure: (Translator) -> Void = { _ in }) throws -> Answer {
        let robot: Robot
        do { robot = try ToolSet.load(.array(c.functions), file: c.id).robot } catch {
            return Answer(calls: [], outcome: "unreadable", reason: error.description)
        }
        let translator = try Translator(model: model, robot: robot, world: nil, threads: threads, retrievedExamples: retrievedExamples)
        configure(translator)
        do {
            let t = try translator.translate(c.question, speculative: speculative)
            let calls = t.outcome == "ok" ? t.actions.map { Call(name: $0.name, arguments: ToolSet.arguments(of: $0)) } : []
            return Answer(calls: calls, outcome: t.outcome, reason: t.reason, latencyMs: t.timing.totalMs)
        } catch let e as TranslationError {
            return Answer(calls: [], outcome: "error", reason: e.description)
        }
    }

    // MARK: - The AST rule

    /// A model's call: name and arguments as JSON.
    public typealias Call = (name: String, arguments: [(String, JSONValue)])

    /// Whether the calls answer the case by the leaderboard's AST rule; the first error otherwise.
    public static func check(_ calls: [Call], _ c: Case) -> (valid: Bool, error: String?) {
        if c.category.contains("irrelevance") {
            return calls.isEmpty ? (true, nil) : (false, "a function was called")
        }
        guard calls.count == c.answers.count else { return (false, "wrong number of functions: \(calls.count), expected \(c.answers.count)") }
        if c.category.contains("parallel") {
            var matched = Set<Int>()
            for answer in c.answers {
                guard let description = c.functions.first(where: { $0["name"]?.stringValue == answer.name }) else {
                    return (false, "no description of \(answer.name)")
                }
                var last: String?
                var found = false
                for (i, call) in calls.enumerated() where !matched.contains(i) {
                    let r = simple(description, call, answer)
                    if r.valid { matched.insert(i); found = true; break }
                    last = r.error
                }
                if !found { return (false, "no call matches \(answer.name): \(last ?? "")") }
            }
            return (true, nil)
        }
        guard let description = c.functions.first(where: { $0["name"]?.stringValue == c.answers[0].name }) ?? c.functions.first else {
            return (false, "no function")
        }
        return simple(description, calls[0], c.answers[0])
    }

    /// `simple_function_checker`.
    static func simple(_ description: JSONValue, _ call: Call, _ answer: (name: String, params: [(String, [JSONValue])])) -> (valid: Bool, error: String?) {
        let name = description["name"]?.stringValue ?? ""
        guard call.name == name else { return (false, "function \(name) not in the output (got \(call.name))") }
        let details = description["parameters"]?["properties"]?.objectValue ?? []
        let required = (description["parameters"]?["required"]?.arrayValue ?? []).compactMap(\.stringValue)
        let given = Dictionary(call.arguments, uniquingKeysWith: { a, _ in a })
        let possible = Dictionary(answer.params, uniquingKeysWith: { a, _ in a })
        for p in required where given[p] == nil { return (false, "missing required parameter \(p)") }
        for (param, raw) in call.arguments {
            guard let spec = details.first(where: { $0.0 == param })?.1, let accepted = possible[param] else {
                return (false, "unexpected parameter \(param)")
            }
            let type = spec["type"]?.stringValue ?? "string"
            var value = raw
            if type == "float", case .integer(let i) = value { value = .number(Double(i)) }
            let expected = pythonType(ofSchema: type)
            let nested = ["array", "tuple"].contains(type) ? spec["items"]?["type"]?.stringValue.map(pythonType(ofSchema:)) : nil
            let check = typeCheck(value, accepted, expected: expected, nested: nested)
            guard check.valid else { return (false, "incorrect type for \(param): expected \(type), got \(pythonType(of: value))") }
            let isVariable = check.isVariable
            if !isVariable {
                if expected == "dict" {
                    if !dictMatches(value, accepted) { return (false, "invalid value for \(param): \(value)") }
                    continue
                } else if expected == "list", nested == "dict" {
                    if !accepted.contains(where: { listOfDictsMatches(value, $0) }) { return (false, "invalid value for \(param): \(value)") }
                    continue
                } else if expected == "str" {
                    let s = standardize(value.stringValue ?? "")
                    if !accepted.contains(where: { $0.stringValue.map(standardize) == s }) {
                        return (false, "invalid value for \(param): \(value), expected one of \(accepted.map(\.description).joined(separator: ", "))")
                    }
                    continue
                } else if expected == "list" {
                    let v = standardizedList(value)
                    if !accepted.contains(where: { pythonEqual(standardizedList($0), v) }) {
                        return (false, "invalid value for \(param): \(value), expected one of \(accepted.map(\.description).joined(separator: ", "))")
                    }
                    continue
                }
            }
            if !accepted.contains(where: { pythonEqual($0, value) }) {
                return (false, "invalid value for \(param): \(value), expected one of \(accepted.map(\.description).joined(separator: ", "))")
            }
        }
        for (param, accepted) in answer.params where given[param] == nil && !accepted.contains(.string("")) {
            return (false, "optional parameter \(param) not given and not marked optional")
        }
        return (true, nil)
    }

    /// `type_checker`: the value has the schema's type (and its items the items' type, against some list answer),
    /// or the answers' own type (then it is compared as is: `is_variable`).
    static func typeCheck(_ value: JSONValue, _ accepted: [JSONValue], expected: String, nested: String?) -> (valid: Bool, isVariable: Bool) {
        let answerType = accepted.first { $0 != .string("") }.map(pythonType(of:))
        let isVariable = answerType != nil && answerType != expected
        if pythonType(of: value) == expected {
            guard let nested else { return (true, isVariable) }
            for a in accepted {
                var flag = true
                if let items = a.arrayValue {
                    for v in value.arrayValue ?? [] where !typeCheck(v, items, expected: nested, nested: nil).valid { flag = false; break }
                }
                if flag { return (true, isVariable) }
            }
        }
        if let answerType, pythonType(of: value) == answerType { return (true, true) }
        return (false, false)
    }

    /// `PYTHON_TYPE_MAPPING`.
    static func pythonType(ofSchema type: String) -> String {
        switch type {
        case "string", "any": "str"
        case "integer": "int"
        case "float": "float"
        case "boolean": "bool"
        case "array", "tuple": "list"
        case "dict": "dict"
        default: type
        }
    }

    static func pythonType(of v: JSONValue) -> String {
        switch v {
        case .null: "NoneType"
        case .bool: "bool"
        case .integer: "int"
        case .number: "float"
        case .string: "str"
        case .array: "list"
        case .object: "dict"
        }
    }

    /// `standardize_string`: no spaces or `,./-_*^`, lower case, single quotes as double.
    static func standardize(_ s: String) -> String {
        String(s.filter { !" ,./-_*^".contains($0) }).lowercased().replacingOccurrences(of: "'", with: "\"")
    }

    private static func standardizedList(_ v: JSONValue) -> JSONValue {
        guard let items = v.arrayValue else { return v }
        return .array(items.map { $0.stringValue.map { .string(standardize($0)) } ?? $0 })
    }

    /// Python's `==` on JSON values: 1 == 1.0, True == 1.
    static func pythonEqual(_ a: JSONValue, _ b: JSONValue) -> Bool {
        func num(_ v: JSONValue) -> Double? {
            if case .bool(let x) = v { return x ? 1 : 0 }
            return v.numberValue
        }
        switch (a, b) {
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy(pythonEqual)
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { k, v in y.contains { $0.0 == k && pythonEqual($0.1, v) } }
        default:
            if let x = num(a), let y = num(b) { return x == y }
            return a == b
        }
    }

    /// `dict_checker`: some accepted dict takes every key given with an accepted value, and every key it needs.
    private static func dictMatches(_ value: JSONValue, _ accepted: [JSONValue]) -> Bool {
        guard let given = value.objectValue else { return false }
        return accepted.contains { a in
            guard let fields = a.objectValue else { return false }
            for (k, v) in given {
                guard let options = fields.first(where: { $0.0 == k })?.1.arrayValue else { return false }
                let sv = v.stringValue.map { JSONValue.string(standardize($0)) } ?? v
                if !options.contains(where: { pythonEqual($0.stringValue.map { .string(standardize($0)) } ?? $0, sv) }) { return false }
            }
            for (k, options) in fields where !given.contains(where: { $0.0 == k }) {
                if !(options.arrayValue ?? []).contains(.string("")) { return false }
            }
            return true
        }
    }

    private static func listOfDictsMatches(_ value: JSONValue, _ accepted: JSONValue) -> Bool {
        guard let items = value.arrayValue, let options = accepted.arrayValue, items.count == options.count else { return false }
        return zip(items, options).allSatisfy { dictMatches($0, [$1]) }
    }
}
