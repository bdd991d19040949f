import Foundation
import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeTranslation
import RoboBridgeEngine
import RoboBridgeProtocol

/// A quality corpus (JSONL) with the robot files its lines name (`<robots>/<id>.yaml` and their worlds).
struct CorpusFile {
    var cases: [CorpusCase]
    var schemas: [String: (Robot, World?)]

    /// - Throws: an exit code, after printing the file and line of the first bad line.
    static func load(_ path: String, robots: String) throws -> CorpusFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("\(path): cannot read the file") }
        var schemas: [String: (Robot, World?)] = [:]
        func schema(_ id: String) throws -> (Robot, World?) {
            if let s = schemas[id] { return s }
            let file = robots + "/\(id).yaml"
            let r = try ConfigLoader.loadRobot(file)
            let w = try r.defaultWorld.map { try ConfigLoader.loadWorld(ConfigLoader.resolve($0, relativeTo: file)) }
            schemas[id] = (r, w)
            return (r, w)
        }
        var cases: [CorpusCase] = []
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            do {
                cases.append(try CorpusCase(json: try JSONValue.parse(String(line)), robot: { try schema($0).0 }))
            } catch {
                throw fail("\(path):\(n + 1): \(error)")
            }
        }
        return CorpusFile(cases: cases, schemas: schemas)
    }
}

/// Options shared by the commands that translate.
enum SpeculationOptions {
    static let drafterNames: Set<String> = ["plan_cache", "lexicon", "prompt_lookup", "draft_model"]

    /// Loads the draft model, if one is named.
    static func draftModel(_ ref: String?) throws -> Model? {
        guard let ref else { return nil }
        do { return try Model(path: try ModelCatalog.resolve(ref)) } catch { throw fail("--draft-model: \(error)") }
    }

    /// The drafter names given, checked.
    static func drafters(_ list: String?) throws -> Set<String>? {
        guard let list else { return nil }
        let names = Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        let unknown = names.subtracting(drafterNames)
        guard unknown.isEmpty else {
            throw fail("--drafters: unknown drafter \(unknown.sorted().joined(separator: ", ")); expected some of \(drafterNames.sorted().joined(separator: ", "))")
        }
        return names
    }
}
