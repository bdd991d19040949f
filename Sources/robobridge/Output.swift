#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered writes to the standard streams (stdout carries results, stderr carries logs).
enum FileHandleOutput {
    static func writeStderr(_ s: String) { write(fd: 2, s) }
    /// Writes to stdout at once, so streamed text shows up as it is generated.
    static func writeStdout(_ s: String) { write(fd: 1, s) }

    private static func write(fd: Int32, _ s: String) {
        var s = s
        s.withUTF8 { buf in
            var offset = 0
            while offset < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + offset, buf.count - offset)
                if n < 0 { if errno == EINTR { continue } else { return } }
                offset += n
            }
        }
    }
}

/// A number with a fixed count of decimals.
func fixed(_ x: Double, _ decimals: Int = 1) -> String {
    guard x.isFinite else { return "\(x)" }
    if decimals == 0 { return String(Int64(x.rounded())) }
    var p = 1.0
    for _ in 0..<decimals { p *= 10 }
    let r = (x * p).rounded() / p
    var s = "\(r)"
    if let dot = s.firstIndex(of: ".") {
        let have = s.distance(from: dot, to: s.endIndex) - 1
        if have < decimals { s += String(repeating: "0", count: decimals - have) }
    } else if decimals > 0 { s += "." + String(repeating: "0", count: decimals) }
    return s
}
