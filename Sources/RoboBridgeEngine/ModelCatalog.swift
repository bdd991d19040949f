#if canImport(Glibc)
import Glibc
#endif

/// Resolves model names to GGUF paths. A name is one of the bundled models (installed by
/// `scripts/bootstrap` into `.deps/models/<name>.gguf`) or a path to any GGUF file.
///
/// The models folder is, in order: `$ROBOBRIDGE_MODELS_DIR`; `.deps/models` in the current
/// directory or one of its parents; `.deps/models` beside the executable or one of its parents.
public enum ModelCatalog {
    public static let defaultModel = "smollm2-135m-fast"
    /// The bundled models, by name. `smollm2-135m` is SmolLM2-135M-Instruct as shipped (Q4_1); the setup requantizes it
    /// twice: `smollm2-135m-fast` (Q4_0 with ffn_down and attn_v at Q8_0: the default, as accurate and about twice as
    /// fast on AVX-512) and `smollm2-135m-q4_0` (all Q4_0: a draft model for speculation).
    public static let bundled = ["smollm2-135m-fast", "smollm2-135m", "gemma3-270m", "smollm2-135m-q4_0"]

    /// Resolves a model name or path.
    /// - Throws: `EngineError.unknownModelName` for a name that is neither bundled nor a path;
    ///   `.modelNotFound` for a bundled model that is not installed or a path that does not exist.
    public static func resolve(_ nameOrPath: String) throws(EngineError) -> String {
        if bundled.contains(nameOrPath) {
            for dir in modelDirectories() {
                let candidate = dir + "/" + nameOrPath + ".gguf"
                if access(candidate, F_OK) == 0 { return candidate }
            }
            throw .modelNotFound(path: (modelDirectories().first ?? ".deps/models") + "/\(nameOrPath).gguf (run scripts/bootstrap)")
        }
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".gguf") || access(nameOrPath, F_OK) == 0 {
            return nameOrPath
        }
        throw .unknownModelName(nameOrPath, known: bundled)
    }

    static func modelDirectories() -> [String] {
        var dirs: [String] = []
        if let env = getenv("ROBOBRIDGE_MODELS_DIR") { dirs.append(String(cString: env)) }
        return dirs + dependencyPaths(".deps/models")
    }

    /// Existing paths `<dir>/<relative>` for the current directory, the executable's directory and
    /// their parents: where `scripts/bootstrap` put the project's dependencies.
    public static func dependencyPaths(_ relative: String) -> [String] {
        var roots: [String] = []
        var cwd = [CChar](repeating: 0, count: Int(PATH_MAX))
        if getcwd(&cwd, cwd.count) != nil { roots += ancestors(of: cString(cwd)) }
        if let exe = executablePath(), let slash = exe.lastIndex(of: "/") {
            roots += ancestors(of: String(exe[..<slash]))
        }
        var seen = Set<String>()
        return roots.map { $0 + "/" + relative }.filter { seen.insert($0).inserted && access($0, F_OK) == 0 }
    }

    static func ancestors(of path: String) -> [String] {
        var result: [String] = []
        var p = path
        while !p.isEmpty {
            result.append(p)
            guard let slash = p.lastIndex(of: "/") else { break }
            p = String(p[..<slash])
        }
        return result
    }

    static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A Swift string from a NUL-terminated C buffer.
func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
