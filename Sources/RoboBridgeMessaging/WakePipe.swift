#if canImport(Glibc)
import Glibc
#endif

/// A self-pipe that wakes a thread blocked in `Poller.poll`: any thread may `wake()` it; the thread
/// that polls `readDescriptor` calls `drain()` when it is readable. Both descriptors are closed only
/// when the last reference goes, so a late `wake()` (a shutdown request racing the thread's exit)
/// never writes into a descriptor number the process has since reused.
final class WakePipe: Sendable {
    /// The end to poll.
    let readDescriptor: Int32
    private let writeDescriptor: Int32

    /// - Throws: `MessagingError` when no pipe can be made or set non-blocking.
    init() throws(MessagingError) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw Self.failure("pipe") }
        for fd in fds {
            guard fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0, fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 else {
                let error = Self.failure("fcntl")
                close(fds[0])
                close(fds[1])
                throw error
            }
        }
        (readDescriptor, writeDescriptor) = (fds[0], fds[1])
    }

    deinit {
        close(readDescriptor)
        close(writeDescriptor)
    }

    /// Makes the read end readable. Never blocks: a full pipe already means "wake up", so EAGAIN is fine.
    func wake() {
        var one: UInt8 = 1
        _ = write(writeDescriptor, &one, 1)
    }

    /// Empties the pipe, so the next poll waits again.
    func drain() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(readDescriptor, &buffer, buffer.count) > 0 {}
    }

    private static func failure(_ call: String) -> MessagingError {
        MessagingError(.zmq(errno: errno), operation: call, detail: String(cString: strerror(errno)))
    }
}
