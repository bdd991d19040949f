internal import CZeroMQ
#if canImport(Glibc)
import Glibc
#endif

/// Waits until sockets (or plain file descriptors) are readable, with a timeout.
/// Used by the owner of the sockets, on its own thread.
public struct Poller {
    private var items: [zmq_pollitem_t] = []

    public init() {}

    /// Adds a socket; returns its index.
    @discardableResult
    public mutating func add(_ socket: Socket) -> Int {
        items.append(zmq_pollitem_t(socket: socket.raw, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0))
        return items.count - 1
    }

    /// Adds a file descriptor (a pipe that wakes the poller, for example); returns its index.
    @discardableResult
    public mutating func add(fileDescriptor fd: Int32) -> Int {
        items.append(zmq_pollitem_t(socket: nil, fd: fd, events: Int16(ZMQ_POLLIN), revents: 0))
        return items.count - 1
    }

    /// Waits up to `timeoutMs` (-1 = forever).
    /// - Returns: which items are readable.
    public mutating func poll(timeoutMs: Int) throws(MessagingError) -> [Bool] {
        while true {
            let rc = zmq_poll(&items, Int32(items.count), timeoutMs)
            if rc >= 0 { return items.map { $0.revents & Int16(ZMQ_POLLIN) != 0 } }
            if zmq_errno() == EINTR { continue }
            throw .fromErrno("zmq_poll")
        }
    }
}
