#if canImport(Glibc)
import Glibc
#endif

/// Folders for `ipc://` socket files that only their owner can use.
public enum PrivateDirectory {
    /// A fresh private folder (mode 0700) under the system temporary folder, for ipc endpoints.
    public static func make(prefix: String = "robobridge") throws(MessagingError) -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else {
            throw MessagingError(.zmq(errno: errno), operation: "mkdtemp", detail: String(cString: strerror(errno)))
        }
        return String(cString: p)  // mkdtemp creates it with mode 0700
    }

    /// Makes sure the folder holding an ipc socket file exists, belongs to us and is private.
    static func ensure(parentOf path: String, for endpoint: String) throws(MessagingError) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else {
            throw MessagingError(.invalidEndpoint, operation: "zmq_bind", endpoint: endpoint,
                                 detail: "an ipc endpoint needs an absolute path inside a private folder (mode 0700)")
        }
        let dir = String(path[..<slash])
        var st = stat()
        if stat(dir, &st) != 0 {
            guard errno == ENOENT, mkdir(dir, 0o700) == 0 else {
                throw MessagingError(.zmq(errno: errno), operation: "mkdir", endpoint: endpoint, detail: "\(dir): \(String(cString: strerror(errno)))")
            }
            return
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw MessagingError(.invalidEndpoint, operation: "zmq_bind", endpoint: endpoint, detail: "\(dir) is not a folder")
        }
        guard st.st_uid == getuid(), st.st_mode & 0o077 == 0 else {
            let mode = String(st.st_mode & 0o777, radix: 8)
            throw MessagingError(.invalidEndpoint, operation: "zmq_bind", endpoint: endpoint,
                                 detail: "\(dir) has mode 0\(mode) (owner uid \(st.st_uid)); ipc sockets must live in a folder only their owner can use (0700)")
        }
    }
}
