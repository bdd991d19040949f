internal import CLlama
#if canImport(Glibc)
import Glibc
#endif


/// Options for loading a model.
public struct ModelOptions: Sendable {
    /// Map the file instead of reading it (the default).
    public var useMmap = true
    /// Only load the vocabulary, not the weights (for tokenizer-only uses).
    public var vocabularyOnly = false
    public init(useMmap: Bool = true, vocabularyOnly: Bool = false) {
        self.useMmap = useMmap
        self.vocabularyOnly = vocabularyOnly
    }
}

/// Metadata read from a loaded GGUF model.
public struct ModelMetadata: Sendable, Equatable {
    public var architecture: String
    public var name: String?
    public var description: String
    public var parameterCount: UInt64
    public var sizeBytes: UInt64
    public var vocabularySize: Int
    public var trainingContextLength: Int
    public var embeddingLength: Int
    public var layerCount: Int
    /// The Jinja chat template stored in the file, if any.
    public var chatTemplate: String?
}

/// A loaded GGUF model. Immutable after load and safe to share across threads; contexts made from it
/// keep it alive. The single owner of its `llama_model` handle.
public final class Model: @unchecked Sendable {
    let pointer: OpaquePointer
    public let path: String
    public let metadata: ModelMetadata
    public let vocabulary: Vocabulary

    /// Loads a model from a GGUF file.
    /// - Parameters:
    ///   - path: path of the `.gguf` file.
    ///   - options: loading options.
    /// - Throws: `EngineError.modelNotFound`, `.modelUnreadable`, `.notGGUF` or `.modelLoadFailed`,
    ///   each naming the file.
    public init(path: String, options: ModelOptions = ModelOptions()) throws(EngineError) {
        _ = Backend.initialized
        try Self.checkFile(path)
        var params = llama_model_default_params()
        params.vocab_only = options.vocabularyOnly
        params.load_mode = options.useMmap ? LLAMA_LOAD_MODE_MMAP : LLAMA_LOAD_MODE_NONE
        // One load at a time, so the error llama.cpp logs is this load's.
        let (address, reason) = Backend.loading.withLock { _ -> (Int, String?) in
            _ = Backend.takeLastError()
            let m = llama_model_load_from_file(path, params)
            return (Int(bitPattern: m), m == nil ? Backend.takeLastError() : nil)
        }
        guard let model = OpaquePointer(bitPattern: address) else {
            throw .modelLoadFailed(path: path, reason: reason ?? "truncated, corrupt or unsupported (llama.cpp gave no reason)")
        }
        self.pointer = model
        self.path = path
        let vocab = Vocabulary(model: model)
        self.vocabulary = vocab
        self.metadata = ModelMetadata(
            architecture: Self.meta(model, "general.architecture") ?? "unknown",
            name: Self.meta(model, "general.name"),
            description: Self.describe(model),
            parameterCount: llama_model_n_params(model),
            sizeBytes: llama_model_size(model),
            vocabularySize: vocab.count,
            trainingContextLength: Int(llama_model_n_ctx_train(model)),
            embeddingLength: Int(llama_model_n_embd(model)),
            layerCount: Int(llama_model_n_layer(model)),
            chatTemplate: llama_model_chat_template(model, nil).map { String(cString: $0) })
    }

    deinit { llama_model_free(pointer) }

    /// The value of a GGUF metadata key, if present.
    public func metadataValue(_ key: String) -> String? { Self.meta(pointer, key) }

    static func meta(_ model: OpaquePointer, _ key: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        var n = llama_model_meta_val_str(model, key, &buffer, buffer.count)
        if n < 0 { return nil }
        if Int(n) >= buffer.count {
            buffer = [CChar](repeating: 0, count: Int(n) + 1)
            n = llama_model_meta_val_str(model, key, &buffer, buffer.count)
            if n < 0 { return nil }
        }
        return String(decoding: buffer.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func describe(_ model: OpaquePointer) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let n = llama_model_desc(model, &buffer, buffer.count)
        guard n > 0 else { return "" }
        return String(decoding: buffer.prefix(min(Int(n), buffer.count - 1)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Checks existence, readability and the GGUF magic before handing the file to llama.cpp,
    /// so that the common mistakes get a precise error. Cheap: a start-up can check before it binds anything.
    public static func checkFile(_ path: String) throws(EngineError) {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw .modelNotFound(path: path) }
            throw .modelUnreadable(path: path, reason: String(cString: strerror(errno)))
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw .modelUnreadable(path: path, reason: "is a directory") }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw .modelUnreadable(path: path, reason: "not a regular file")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .modelUnreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var magic = [UInt8](repeating: 0, count: 4)
        let n = read(fd, &magic, 4)
        if n < 0 { throw .modelUnreadable(path: path, reason: String(cString: strerror(errno))) }
        if n < 4 {
            throw .notGGUF(path: path, found: n == 0 ? "an empty file" : "only \(n) bytes")
        }
        guard magic == Array("GGUF".utf8) else {
            let shown = magic.map { (0x20..<0x7f).contains($0) ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
            throw .notGGUF(path: path, found: "\"\(shown)\"")
        }
    }
}
