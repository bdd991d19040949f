internal import CLlama
import Logging
import Synchronization

/// Process-wide llama.cpp state: `llama_backend_init` runs exactly once, and llama.cpp's log goes
/// through swift-log. The backend is never freed (other threads may still hold contexts at exit).
enum Backend {
    /// Touch this to make sure the backend is initialised.
    static let initialized: Void = {
        llama_log_set(llamaLogCallback, nil)
        llama_backend_init()
    }()

    struct LogState: ~Copyable {
        var logger = Logger(label: "llama.cpp", factory: { _ in SwiftLogNoOpLogHandler() })  // quiet until setEngineLogger
        var pending = ""
        var pendingLevel = Logger.Level.debug
        /// The last error-level line, kept so that load failures can say why.
        var lastError: String?
    }
    static let log = Mutex(LogState())
    /// Serializes model loads (rare), so a failed load reads its own error from the log.
    static let loading = Mutex(())

    static func takeLastError() -> String? {
        log.withLock { state in
            defer { state.lastError = nil }
            return state.lastError
        }
    }
}

/// Sets the logger that receives llama.cpp's own log lines (INFO/DEBUG at `.debug`, WARN at `.warning`).
public func setEngineLogger(_ logger: Logger) {
    _ = Backend.initialized
    Backend.log.withLock { $0.logger = logger }
}

private func llamaLogCallback(_ level: ggml_log_level, _ text: UnsafePointer<CChar>?, _ user: UnsafeMutableRawPointer?) {
    guard let text else { return }
    let chunk = String(cString: text)
    Backend.log.withLock { state in
        if level != GGML_LOG_LEVEL_CONT {
            state.pendingLevel = switch level {
            case GGML_LOG_LEVEL_ERROR: .error
            case GGML_LOG_LEVEL_WARN: .warning
            default: .debug
            }
        }
        state.pending += chunk
        while let nl = state.pending.firstIndex(of: "\n") {
            let line = String(state.pending[..<nl])
            state.pending.removeSubrange(...nl)
            if line.isEmpty { continue }
            // A forward pass stopped by the abort flag (a deadline, an e-stop, a newer command) is not an error:
            // llama.cpp reports GGML_STATUS_ABORTED (1) up the stack, and llama_decode returns 2.
            let aborted = line.hasSuffix("failed with error 1") || line.hasSuffix("compute status: 1") || line.hasSuffix("failed to decode, ret = 2")
            if state.pendingLevel == .error, !aborted { state.lastError = line.trimmingCharacters(in: " :") }
            state.logger.log(level: aborted ? .debug : state.pendingLevel, "\(line)")
        }
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
