import Foundation
import RoboBridgeConfig
import RoboBridgeDecoding
import RoboBridgeEngine

// Shared by the suites of this target (RoboBridgeTranslationTests has its own copy: test targets do not share code).

let root: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

func load(_ robot: String, _ world: String) throws -> (Robot, World) {
    (try ConfigLoader.loadRobot(root + "/robots/\(robot).yaml"), try ConfigLoader.loadWorld(root + "/simulator/worlds/\(world).yaml"))
}

/// The real SmolLM2 vocabulary (loaded without weights), shared by the tests.
enum Vocab {
    static let smol: Result<(bytes: [[UInt8]], end: [Int32]), Error> = Result {
        let model = try Model(path: try ModelCatalog.resolve("smollm2-135m"), options: ModelOptions(vocabularyOnly: true))
        let v = model.vocabulary
        return (v.allTokenBytes(), [v.eos, v.eot].compactMap { $0 })
    }
}

/// A fake model: a pseudo-random logit per (step, token), from a seed. Cheap for any vocabulary size.
struct RandomLogits: LogitsSource {
    var seed: UInt64
    var step: UInt64 = 0
    var firstRow = 0
    /// The rows of the last batch that have logits: reading another one is the decoder's bug.
    var rows: Set<Int> = []
    /// The logits at a position depend on the position only (as a real model's depend on the tokens before).
    mutating func append(_ tokens: [Int32], logitsAt rows: [Int]) throws {
        precondition(rows.allSatisfy { tokens.indices.contains($0) }, "logits asked for outside the batch")
        firstRow = Int(step)
        step &+= UInt64(tokens.count)
        self.rows = Set(rows)
    }
    mutating func rollback(_ count: Int) throws { step &-= UInt64(count) }
    func logit(_ token: Int32, row: Int) -> Float {
        precondition(rows.contains(row), "row \(row) read without logits asked for")
        let position = UInt64(firstRow + row)
        var z = seed &+ position &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(bitPattern: Int64(token)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z % 10_000) / 1000
    }
}
