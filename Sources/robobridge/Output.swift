#if canImport(Glibc)
import Glibc
#endif

enum FileHandleOutput {
    static func writeStderr(_ s: String) {
        var s = s
        s.withUTF8 { buf in _ = fwrite(buf.baseAddress, 1, buf.count, stderr) }
    }
    /// Writes to stdout and flushes, so streamed text shows up at once.
    static func writeStdout(_ s: String) {
        var s = s
        s.withUTF8 { buf in _ = fwrite(buf.baseAddress, 1, buf.count, stdout) }
        fflush(stdout)
    }
}
