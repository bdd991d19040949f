import Foundation
import Synchronization

/// Owns a value — a translator with its model context — on a thread of its own, and runs jobs on it one
/// at a time, in order. Model work blocks for hundreds of milliseconds in llama.cpp: it must not hold
/// one of the few threads of Swift's cooperative pool, where the sockets' consumers, timers and e-stop
/// path run. The value never leaves the thread (one owner per model context).
public final class ModelWorker<Owned>: Sendable {
    private struct Queue {
        var jobs: [Job] = []
        var stopping = false
        var setup: Result<Void, WorkerError>?
        var setupWaiters: [CheckedContinuation<Void, any Error>] = []
    }

    private struct Job {
        var run: @Sendable (Owned) -> Void
        var refuse: @Sendable (WorkerError) -> Void
    }

    public struct WorkerError: Error, CustomStringConvertible {
        public var description: String
    }

    private let queue = Mutex(Queue())
    private let wake = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    /// Starts the thread, which makes the value with `setup` (loading a model takes a while: `ready()`
    /// waits for it) and then runs jobs until `shutdown()`.
    public init(name: String, setup: @escaping @Sendable () throws -> Owned) {
        let thread = Thread { [self] in
            let owned: Owned
            do {
                owned = try setup()
            } catch {
                let failure = WorkerError(description: String(describing: error))
                let (waiters, jobs) = queue.withLock { q in
                    q.setup = .failure(failure)
                    defer { q.setupWaiters = []; q.jobs = [] }
                    return (q.setupWaiters, q.jobs)
                }
                waiters.forEach { $0.resume(throwing: failure) }
                jobs.forEach { $0.refuse(failure) }
                done.signal()
                return
            }
            let waiters = queue.withLock { q in
                q.setup = .success(())
                defer { q.setupWaiters = [] }
                return q.setupWaiters
            }
            waiters.forEach { $0.resume() }
            loop(owned)
            done.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Waits until the value is made.
    /// - Throws: the error `setup` threw, as a `WorkerError`.
    public func ready() async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let now = queue.withLock { q -> Result<Void, WorkerError>? in
                if q.setup == nil { q.setupWaiters.append(c) }
                return q.setup
            }
            if let now { c.resume(with: now) }
        }
    }

    /// Runs `job` on the worker's thread after the jobs queued before it.
    /// - Throws: what the job throws; a `WorkerError` when the worker failed to start or has stopped.
    public func run<R: Sendable>(_ job: @escaping @Sendable (Owned) throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<R, any Error>) in
            let refused = queue.withLock { q -> WorkerError? in
                if q.stopping { return WorkerError(description: "the model worker has stopped") }
                if case .failure(let e) = q.setup { return e }
                q.jobs.append(Job(run: { owned in c.resume(with: Result { try job(owned) }) },
                                  refuse: { c.resume(throwing: $0) }))
                return nil
            }
            if let refused { c.resume(throwing: refused) } else { wake.signal() }
        }
    }

    /// Finishes the queued jobs, then ends the thread (and releases the value on it). Blocks until then.
    public func shutdown() {
        let first = queue.withLock { q -> Bool in
            defer { q.stopping = true }
            return !q.stopping
        }
        guard first else { return }
        wake.signal()
        done.wait()
    }

    private func loop(_ owned: Owned) {
        while true {
            wake.wait()
            while let job = queue.withLock({ q in q.jobs.isEmpty ? nil : q.jobs.removeFirst() }) { job.run(owned) }
            if queue.withLock({ $0.stopping && $0.jobs.isEmpty }) { return }
        }
    }
}
