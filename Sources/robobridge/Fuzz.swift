import ArgumentParser
import Foundation
import RoboBridgeFuzz
#if canImport(Glibc)
import Glibc
#endif

struct Fuzz: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fuzz the parsers that read other programs' and people's input (make fuzz runs every target).",
        discussion: """
            Targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")). Each starts from the repository's own files \
            and the inputs kept in --corpus, mutates them, and keeps the inputs that reach a new kind of answer. An input that \
            crashes the process (a trap, a segfault) or runs longer than --hang-ms is written to --crashes/<target>/ before the \
            process dies; fix the crash, then move the file into --corpus/<target>/, which `make test` replays.
            """)

    @Option(name: .long, help: "One target, or all of them in turn (default).")
    var target: String?
    @Option(name: .long, help: "Seconds per target.")
    var seconds: Double = 60
    @Option(name: .long, help: "Where kept inputs are read from (<corpus>/<target>/).")
    var corpus: String = "fuzz/corpus"
    @Option(name: .long, help: "Where crashing and hanging inputs are written (<crashes>/<target>/).")
    var crashes: String = "fuzz/crashes"
    @Option(name: .long, help: "An input running longer than this counts as a hang.")
    var hangMs: Int = 2000
    @Option(name: .long, help: "Random seed (a run is deterministic for a seed, apart from where time stops it).")
    var seed: UInt64 = 1

    func validate() throws {
        if let target, FuzzTarget(rawValue: target) == nil {
            throw ValidationError("unknown target \"\(target)\"; expected one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive, got \(seconds)") }
        guard hangMs > 0 else { throw ValidationError("--hang-ms must be positive, got \(hangMs)") }
    }

    func run() throws {
        let targets = target.map { [FuzzTarget(rawValue: $0)!] } ?? FuzzTarget.allCases
        CrashCapture.install(hangMs: hangMs)
        print("target          seconds   executions   exec/s   answers   kept   result")
        for t in targets {
            let kept = corpus + "/" + t.rawValue
            let saved = Self.files(in: kept)
            let crashDir = crashes + "/" + t.rawValue
            do { try FileManager.default.createDirectory(atPath: crashDir, withIntermediateDirectories: true) } catch {
                throw fail("\(crashDir): cannot create the crashes folder: \(error.localizedDescription)")
            }
            CrashCapture.arm(path: crashDir + "/crash-\(t.rawValue)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            var fuzzer = Fuzzer(target: t, seeds: t.seeds(root: FileManager.default.currentDirectoryPath) + saved, seed: seed)
            let limit = seconds
            let report = fuzzer.run(willRun: CrashCapture.willRun, shouldStop: { $0.seconds >= limit })
            CrashCapture.disarm()
            let rate = Double(report.executions) / max(report.seconds, 0.001)
            print(t.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)
                  + String(format: "%9.1f %12d %8.0f %9d %6d", report.seconds, report.executions, rate, report.answers, report.corpus) + "   0 crashes")
            fflush(nil)  // every output stream (stdout is a C global Swift 6 will not touch)
        }
    }

    static func files(in dir: String) -> [[UInt8]] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        return names.compactMap { FileManager.default.contents(atPath: dir + "/" + $0).map { [UInt8]($0) } }
    }
}

/// Writes the input being run to a file when the process crashes (a signal handler may only use async-signal-safe
/// calls: `open`, `write`, `close`, `raise`), or when one input runs too long (a watchdog thread). Globals, because a
/// C signal handler captures nothing.
enum CrashCapture {
    private static let capacity = 1 << 20
    nonisolated(unsafe) private static let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    nonisolated(unsafe) private static var length = 0
    nonisolated(unsafe) private static var path: UnsafeMutablePointer<CChar>?
    /// When the current input started (monotonic ns), 0 between inputs.
    nonisolated(unsafe) private static var startedNs: UInt64 = 0
    nonisolated(unsafe) private static var hangNs: UInt64 = 2_000_000_000

    static func install(hangMs: Int) {
        hangNs = UInt64(hangMs) * 1_000_000
        // An alternate stack, so a stack overflow (deep recursion) still runs the handler.
        let size = 1 << 16
        var stack = stack_t()
        stack.ss_sp = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        stack.ss_size = size
        sigaltstack(&stack, nil)
        for sig in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                CrashCapture.dump()
                signal(sig, SIG_DFL)
                raise(sig)
            }
            action.sa_flags = Int32(SA_ONSTACK) | Int32(bitPattern: UInt32(SA_RESETHAND))
            sigaction(sig, &action, nil)
        }
        Thread.detachNewThread {
            while true {
                usleep(100_000)
                let started = startedNs
                if started != 0, now() - started > hangNs {
                    dump(suffix: true)
                    var e = StandardError()
                    fflush(nil)  // every output stream (stdout is a C global Swift 6 will not touch)
                    print("robobridge: error: an input ran longer than \(hangNs / 1_000_000) ms: written to \(String(cString: path!)).hang", to: &e)
                    _exit(70)
                }
            }
        }
    }

    static func arm(path p: String) {
        path?.deallocate()
        path = strdup(p)
    }

    static func disarm() { startedNs = 0 }

    static func willRun(_ input: [UInt8]) {
        let n = min(input.count, capacity)
        input.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: n) }
        length = n
        startedNs = now()
    }

    private static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Writes the current input to `path` (or `path.hang`).
    private static func dump(suffix: Bool = false) {
        guard let path else { return }
        var name = [CChar](repeating: 0, count: 4096)
        let base = strlen(path)
        guard base + 6 < name.count else { return }
        memcpy(&name, path, base)
        if suffix { memcpy(&name[base], ".hang", 5) }
        let fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return }
        _ = write(fd, buffer, length)
        close(fd)
        let note = "robobridge fuzz: crash; the input is in the crashes folder\n"
        _ = note.withCString { write(2, $0, strlen($0)) }
    }
}
