import Foundation

/// The messaging benchmark's Swift side: the same loops as the plain-C reference, through this
/// module's `Socket` wrapper.
public enum MessagingBenchmark {
    /// Round trips of one `size`-byte frame between two DEALERs (an echo thread owns one of them).
    /// - Returns: round-trip times in microseconds.
    public static func roundTrips(endpoint: Endpoint, size: Int, count: Int) throws -> [Double] {
        let ctx = try MessagingContext()
        let server = try Socket(ctx, .dealer), client = try Socket(ctx, .dealer)
        let bound = try server.bind(endpoint)
        try client.connect(bound)
        let handed = Handoff(server)  // the echo thread owns the server socket from here on
        let echo = Thread {
            let server = handed.value
            for _ in 0..<(count + 10) {
                guard let m = try? server.receive(), (try? server.send(m)) == true else { break }
            }
        }
        echo.start()
        let message = [[UInt8](repeating: 0x78, count: size)]
        var times: [Double] = []
        times.reserveCapacity(count)
        for i in 0..<(count + 10) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try client.send(message)
            _ = try client.receive()
            if i >= 10 { times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1000) }
        }
        while !echo.isFinished { usleep(100) }
        client.close()
        return times
    }

    /// PUB→SUB throughput: `count` two-frame messages (topic + `size`-byte body), received whole.
    /// - Returns: messages per second.
    public static func pubSubThroughput(endpoint: Endpoint, size: Int, count: Int) throws -> Double {
        let ctx = try MessagingContext()
        var o = SocketOptions()
        o.sendHighWaterMark = 0
        o.receiveHighWaterMark = 0
        let pub = try Socket(ctx, .pub, options: o), sub = try Socket(ctx, .sub, options: o)
        let bound = try pub.bind(endpoint)
        try sub.connect(bound)
        try sub.subscribe("rover/")
        var joined = false
        for _ in 0..<1000 where !joined {
            try pub.send(["rover/probe", "p"])
            usleep(2000)
            joined = try sub.receive(wait: false) != nil
        }
        while try sub.receive(wait: false) != nil {}
        let topic = Array("rover/sensor/pose".utf8), body = [UInt8](repeating: 0x79, count: size)
        nonisolated(unsafe) var received = 0
        nonisolated(unsafe) var end: UInt64 = 0
        let handed = Handoff(sub)  // the reader thread owns the SUB socket from here on
        let reader = Thread {
            let sub = handed.value
            while received < count, let m = try? sub.receive(), m.count == 2 { received += 1 }
            end = DispatchTime.now().uptimeNanoseconds
        }
        reader.start()
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<count { try pub.send([topic, body]) }
        while !reader.isFinished { usleep(100) }
        pub.close()
        return Double(received) / (Double(end - t0) / 1e9)
    }
}

/// Hands a non-Sendable value (a socket) to another thread. The giver must not use it afterwards:
/// ownership moves with it.
struct Handoff<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
