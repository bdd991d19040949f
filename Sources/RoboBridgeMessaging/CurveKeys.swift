internal import CZeroMQ
import Foundation

/// A key file that cannot be used: which file, and what is wrong with it. Never contains key material.
public struct KeyFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var detail: String

    public init(file: String, _ detail: String) {
        self.file = file
        self.detail = detail
    }

    public var description: String { "\(file): \(detail)" }
}

/// CURVE key files, in the format pyzmq (`zmq.auth.create_certificates`, `load_certificate`) and CZMQ
/// (`zcert`) read and write, so peers in other languages use the same files: `NAME.key` holds the public
/// key, `NAME.key_secret` (mode 0600) the public and the secret key, each as a `public-key = "…"` /
/// `secret-key = "…"` line (Z85, 40 characters) in a `curve` section.
public enum CurveKeyFile {
    /// The public key file beside a secret one (`rover.key_secret` → `rover.key`).
    public static func publicPath(forSecret path: String) -> String {
        path.hasSuffix("_secret") ? String(path.dropLast("_secret".count)) : path
    }

    /// Writes `directory/NAME.key` and `directory/NAME.key_secret` (0600) for a new key pair. Refuses to
    /// replace existing files (a replaced key locks out every peer that knows the old one) unless `overwrite`.
    /// - Returns: the two paths.
    @discardableResult
    public static func generate(name: String, directory: String, overwrite: Bool = false) throws -> (publicFile: String, secretFile: String) {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) }), !name.hasPrefix(".") else {
            throw KeyFileError(file: name, "a key name is letters, digits, '_', '-' and '.', not starting with '.'")
        }
        let pair = try MessagingContext.curveKeyPair()
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let publicFile = (directory as NSString).appendingPathComponent("\(name).key")
        let secretFile = publicFile + "_secret"
        if !overwrite {
            for f in [publicFile, secretFile] where fm.fileExists(atPath: f) {
                throw KeyFileError(file: f, "already exists; remove it first or pass --force (peers that know the old key will be refused)")
            }
        }
        try write(secretFile, text(pair, secret: true), mode: 0o600)
        try write(publicFile, text(pair, secret: false), mode: 0o644)
        return (publicFile, secretFile)
    }

    /// Reads a key pair from a secret key file; the public key is checked against the secret one.
    public static func readPair(_ path: String) throws(KeyFileError) -> CurveKeyPair {
        let fields = try read(path)
        guard let secret = fields["secret-key"] else {
            throw KeyFileError(file: path, "no secret-key line: this is a public key file; give the NAME.key_secret file written by `robobridge keygen`")
        }
        guard let derived = publicKey(ofSecret: secret) else { throw KeyFileError(file: path, "secret-key is not a valid Z85 CURVE key (40 characters)") }
        if let pub = fields["public-key"], pub != derived {
            throw KeyFileError(file: path, "public-key does not belong to secret-key (the file was edited or mixed up)")
        }
        return CurveKeyPair(publicKey: derived, secretKey: secret)
    }

    /// Reads a public key from a key file (public or secret).
    public static func readPublic(_ path: String) throws(KeyFileError) -> String {
        let fields = try read(path)
        guard let pub = fields["public-key"] else { throw KeyFileError(file: path, "no public-key line (expected a file written by `robobridge keygen`)") }
        guard Z85.decode(pub)?.count == 32 else { throw KeyFileError(file: path, "public-key is not a valid Z85 CURVE key (40 characters)") }
        return pub
    }

    /// The Z85 public key of a Z85 secret key, or nil when it is not one.
    public static func publicKey(ofSecret secret: String) -> String? {
        guard secret.utf8.count == 40, Z85.decode(secret) != nil else { return nil }
        var out = [CChar](repeating: 0, count: 41)
        guard secret.withCString({ zmq_curve_public(&out, $0) }) == 0 else { return nil }
        return cString(out)
    }

    private static func read(_ path: String) throws(KeyFileError) -> [String: String] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw KeyFileError(file: path, FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
        guard data.count <= 64 * 1024, let text = String(data: data, encoding: .utf8) else {
            throw KeyFileError(file: path, "not a key file (expected a small UTF-8 text file written by `robobridge keygen`)")
        }
        var fields: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            guard key == "public-key" || key == "secret-key" else { continue }
            let value = line[line.index(after: eq)...].trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'"))
            guard value.utf8.count == 40 else {
                throw KeyFileError(file: path, "\(key) is \(value.utf8.count) characters; a Z85 CURVE key is 40")
            }
            fields[key] = value
        }
        return fields
    }

    private static func text(_ pair: CurveKeyPair, secret: Bool) -> String {
        var s = """
            #   ****  Generated by robobridge keygen  ****
            #   ZeroMQ CURVE \(secret ? "**Secret** Certificate" : "Public Certificate")
            #   \(secret ? "DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions." : "Exchange securely, or use a secure mechanism to verify the contents of this file after exchange.")

            metadata
            curve
                public-key = "\(pair.publicKey)"

            """
        if secret { s += "    secret-key = \"\(pair.secretKey)\"\n" }
        return s
    }

    private static func write(_ path: String, _ text: String, mode: mode_t) throws {
        // Created with its final mode (no window in which a secret is readable by others), written, renamed into place.
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw KeyFileError(file: path, "cannot be written: \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, fchmodPath(tmp, mode), rename(tmp, path) == 0 else {
            unlink(tmp)
            throw KeyFileError(file: path, "cannot be written: \(String(cString: strerror(errno)))")
        }
    }

    private static func fchmodPath(_ path: String, _ mode: mode_t) -> Bool { chmod(path, mode) == 0 }
}

/// Z85 (ZeroMQ RFC 32), as libzmq implements it.
public enum Z85 {
    /// 32 bytes for a 40-character key; nil when the text is not Z85 or not a multiple of 5 characters.
    public static func decode(_ text: String) -> [UInt8]? {
        let n = text.utf8.count
        guard n > 0, n % 5 == 0 else { return nil }
        var out = [UInt8](repeating: 0, count: n * 4 / 5)
        let ok = text.withCString { zmq_z85_decode(&out, $0) != nil }
        return ok ? out : nil
    }

    /// Text for bytes whose count is a multiple of 4.
    public static func encode(_ bytes: [UInt8]) -> String? {
        guard !bytes.isEmpty, bytes.count % 4 == 0 else { return nil }
        var out = [CChar](repeating: 0, count: bytes.count * 5 / 4 + 1)
        guard zmq_z85_encode(&out, bytes, bytes.count) != nil else { return nil }
        return cString(out)
    }
}

/// The clients a node admits: every `*.key` public key file in a folder, by name (the file's name
/// without `.key`). Secret files (`*.key_secret`) in the folder are ignored.
public struct AllowedKeys: Sendable, Equatable {
    /// Public key (Z85) → client name.
    public var names: [String: String]
    /// Files that could not be read (skipped: they admit nobody).
    public var problems: [KeyFileError]

    public init(names: [String: String] = [:], problems: [KeyFileError] = []) {
        self.names = names
        self.problems = problems
    }

    /// Reads the folder.
    /// - Throws: `KeyFileError` when the folder itself cannot be listed.
    public static func load(folder: String) throws(KeyFileError) -> AllowedKeys {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw KeyFileError(file: folder, "no such folder (expected a folder of clients' public key files, NAME.key)")
        }
        let entries: [String]
        do { entries = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw KeyFileError(file: folder, "cannot be listed")
        }
        var keys = AllowedKeys()
        for entry in entries.sorted() where entry.hasSuffix(".key") && !entry.hasPrefix(".") {
            let path = (folder as NSString).appendingPathComponent(entry)
            do throws(KeyFileError) {
                keys.names[try CurveKeyFile.readPublic(path)] = String(entry.dropLast(4))
            } catch {
                keys.problems.append(error)
            }
        }
        return keys
    }
}
