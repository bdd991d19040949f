import Foundation
import RoboBridgeEngine
import Testing

@Suite("Model loading and metadata")
struct ModelLoadingTests {
    @Test func defaultModelMetadata() throws {
        let model = try Fixtures.smol()
        let m = model.metadata
        #expect(m.architecture == "llama")
        #expect(m.vocabularySize == 49152)
        #expect(m.trainingContextLength == 8192)
        #expect((130_000_000...140_000_000).contains(m.parameterCount))
        #expect(m.layerCount == 30)
        #expect(m.chatTemplate?.contains("<|im_start|>") == true)
        #expect(model.path.hasSuffix(".deps/models/smollm2-135m.gguf"))
    }

    @Test func gemmaMetadata() throws {
        let m = try Fixtures.gemma().metadata
        #expect(m.architecture == "gemma3")
        #expect(m.vocabularySize == 262144)
        #expect((250_000_000...300_000_000).contains(m.parameterCount))
        // This GGUF conversion carries no chat template: ChatTemplate recognises the family instead.
        #expect(m.chatTemplate == nil)
    }

    @Test func unknownModelName() {
        #expect(throws: EngineError.unknownModelName("smollm3", known: ["smollm2-135m-fast", "smollm2-135m", "gemma3-270m", "smollm2-135m-q4_0"])) {
            try ModelCatalog.resolve("smollm3")
        }
        #expect(EngineError.unknownModelName("x", known: ["a", "b"]).description
            == "unknown model \"x\": expected one of a, b or a path to a .gguf file")
    }

    @Test func pathsResolveToThemselves() throws {
        #expect(try ModelCatalog.resolve("/models/MiniCPM3-4B-q4_k_m.gguf") == "/models/MiniCPM3-4B-q4_k_m.gguf")
    }
}

@Suite("Bad model files give typed errors")
struct BadModelFileTests {
    let dir: String

    init() throws {
        dir = NSTemporaryDirectory() + "robobridge-badmodels-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func missingFile() {
        let path = dir + "/nope.gguf"
        #expect(throws: EngineError.modelNotFound(path: path)) { try Model(path: path) }
        #expect(EngineError.modelNotFound(path: path).description == "model file not found: \(path)")
    }

    @Test func directoryIsUnreadable() {
        #expect(throws: EngineError.modelUnreadable(path: dir, reason: "is a directory")) { try Model(path: dir) }
    }

    @Test func permissionDenied() throws {
        let path = try write("secret.gguf", Array("GGUF".utf8) + [3, 0, 0, 0])
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: path)
        if getuid() == 0 {
            // root reads any file: the permission bits cannot make it unreadable, so the GGUF header
            // is read and llama.cpp rejects the 8-byte file instead.
            #expect(throws: EngineError.self) { try Model(path: path) }
        } else {
            #expect(throws: EngineError.modelUnreadable(path: path, reason: "Permission denied")) { try Model(path: path) }
        }
    }

    @Test func emptyFile() throws {
        let path = try write("empty.gguf", [])
        #expect(throws: EngineError.notGGUF(path: path, found: "an empty file")) { try Model(path: path) }
    }

    @Test func textFile() throws {
        let path = try write("notes.gguf", Array("hello world\n".utf8))
        #expect(throws: EngineError.notGGUF(path: path, found: "\"hell\"")) { try Model(path: path) }
        #expect(EngineError.notGGUF(path: path, found: "\"hell\"").description
            == "not a GGUF model file: \(path): expected the magic bytes \"GGUF\", found \"hell\"")
    }

    @Test(arguments: [64, 4096, 1_000_000, 50_000_000])
    func truncatedModel(keeping bytes: Int) throws {
        let source = try Fixtures.smol().path
        let handle = try #require(FileHandle(forReadingAtPath: source))
        let prefix = try #require(try handle.read(upToCount: bytes))
        let path = try write("truncated-\(bytes).gguf", Array(prefix))
        do throws(EngineError) {
            _ = try Model(path: path)
            Issue.record("a model truncated to \(bytes) bytes loaded")
        } catch {
            guard case .modelLoadFailed(let p, let reason) = error else {
                Issue.record("expected modelLoadFailed, got \(error)"); return
            }
            #expect(p == path)
            #expect(!reason.isEmpty && reason != "unknown reason", "llama.cpp's reason is passed on: \(reason)")
        }
    }
}
