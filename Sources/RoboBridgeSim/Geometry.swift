import Foundation
import RoboBridgeConfig

/// A point or vector in the plane (metres).
public struct Vec2: Sendable, Equatable, Hashable {
    public var x: Double
    public var y: Double
    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }
    public init(_ p: Position) { self.init(p.x, p.y) }

    static func + (a: Vec2, b: Vec2) -> Vec2 { Vec2(a.x + b.x, a.y + b.y) }
    static func - (a: Vec2, b: Vec2) -> Vec2 { Vec2(a.x - b.x, a.y - b.y) }
    static func * (a: Vec2, k: Double) -> Vec2 { Vec2(a.x * k, a.y * k) }
    var length: Double { (x * x + y * y).squareRoot() }
    func distance(to b: Vec2) -> Double { (self - b).length }
    func dot(_ b: Vec2) -> Double { x * b.x + y * b.y }
}

/// Distance from `p` to the segment `a`–`b`.
func distance(from p: Vec2, toSegment a: Vec2, _ b: Vec2) -> Double {
    let ab = b - a
    let len2 = ab.dot(ab)
    guard len2 > 0 else { return p.distance(to: a) }
    let t = max(0, min(1, (p - a).dot(ab) / len2))
    return p.distance(to: a + ab * t)
}

/// Angle wrapped into (-180, 180] degrees.
func wrapDegrees(_ a: Double) -> Double {
    var x = a.truncatingRemainder(dividingBy: 360)
    if x > 180 { x -= 360 }
    if x <= -180 { x += 360 }
    return x
}

/// The solid parts of a world for a body of some radius: walls, closed doors and obstacles.
public struct Solids {
    var segments: [(a: Vec2, b: Vec2, name: String)] = []
    var circles: [(c: Vec2, r: Double, name: String)] = []

    public init(world: World) {
        segments = world.walls.map { (Vec2($0.from), Vec2($0.to), "a wall") } +
            world.doors.filter { !$0.open }.map { (Vec2($0.from), Vec2($0.to), "the \($0.name.replacingOccurrences(of: "_", with: " ")) (closed)") }
        circles = world.obstacles.map { (Vec2($0.position), $0.radius, "the \($0.name.replacingOccurrences(of: "_", with: " "))") }
    }

    /// What a disc of `radius` at `p` touches, if anything.
    public func collision(at p: Vec2, radius: Double) -> String? {
        for s in segments where distance(from: p, toSegment: s.a, s.b) < radius { return s.name }
        for c in circles where p.distance(to: c.c) < c.r + radius { return c.name }
        return nil
    }

    /// How far a disc at `p` is from the nearest solid (edge to edge).
    public func clearance(at p: Vec2) -> Double {
        var d = Double.infinity
        for s in segments { d = min(d, distance(from: p, toSegment: s.a, s.b)) }
        for c in circles { d = min(d, p.distance(to: c.c) - c.r) }
        return d
    }
}

/// Paths for a ground robot: A* on an occupancy grid (solids inflated by the body's radius), then
/// shortcut by line of sight.
struct PathPlanner {
    let resolution = 0.1
    let origin: Vec2
    let width: Int
    let height: Int
    /// Cells a robot of the planner's radius can stand in.
    let free: [Bool]
    let solids: Solids
    let radius: Double

    init(world: World, radius: Double) {
        solids = Solids(world: world)
        self.radius = radius
        var pts = world.walls.flatMap { [Vec2($0.from), Vec2($0.to)] } + (world.places + world.surfaces + world.waypoints).map { Vec2($0.position) }
        pts += world.obstacles.map { Vec2($0.position) } + [Vec2(world.robotStart.position)]
        let minX = (pts.map(\.x).min() ?? 0) - 1, minY = (pts.map(\.y).min() ?? 0) - 1
        let maxX = (pts.map(\.x).max() ?? 0) + 1, maxY = (pts.map(\.y).max() ?? 0) + 1
        origin = Vec2(minX, minY)
        width = max(1, Int(((maxX - minX) / resolution).rounded(.up)))
        height = max(1, Int(((maxY - minY) / resolution).rounded(.up)))
        let margin = radius + 0.05
        var grid = [Bool](repeating: true, count: width * height)
        for j in 0..<height {
            for i in 0..<width {
                let p = Vec2(origin.x + (Double(i) + 0.5) * resolution, origin.y + (Double(j) + 0.5) * resolution)
                grid[j * width + i] = solids.clearance(at: p) >= margin
            }
        }
        free = grid
    }

    func cell(_ p: Vec2) -> (Int, Int) {
        (min(width - 1, max(0, Int((p.x - origin.x) / resolution))), min(height - 1, max(0, Int((p.y - origin.y) / resolution))))
    }
    func center(_ c: (Int, Int)) -> Vec2 { Vec2(origin.x + (Double(c.0) + 0.5) * resolution, origin.y + (Double(c.1) + 0.5) * resolution) }
    func isFree(_ c: (Int, Int)) -> Bool { c.0 >= 0 && c.1 >= 0 && c.0 < width && c.1 < height && free[c.1 * width + c.0] }

    /// The free cell nearest to `p` within `within` metres.
    func nearestFree(_ p: Vec2, within: Double) -> (Int, Int)? {
        let c = cell(p)
        if isFree(c) { return c }
        let r = Int((within / resolution).rounded(.up))
        var best: ((Int, Int), Double)?
        for dj in -r...r {
            for di in -r...r {
                let n = (c.0 + di, c.1 + dj)
                guard isFree(n) else { continue }
                let d = center(n).distance(to: p)
                if d <= within, d < (best?.1 ?? .infinity) { best = (n, d) }
            }
        }
        return best?.0
    }

    /// A path from `start` to within reach of `goal` (points after the start), or why there is none.
    func path(from start: Vec2, to goal: Vec2, goalName: String) -> Result<[Vec2], PathError> {
        guard let s = nearestFree(start, within: 1.0) else { return .failure(PathError("the robot is boxed in at (\(fmt(start.x)), \(fmt(start.y)))")) }
        guard let g = nearestFree(goal, within: 1.0) else { return .failure(PathError("\(goalName) cannot be reached: it is blocked")) }
        let sIndex = s.1 * width + s.0, gIndex = g.1 * width + g.0
        var cost = [Double](repeating: .infinity, count: width * height)
        var parent = [Int](repeating: -1, count: width * height)
        var open = Heap()
        cost[sIndex] = 0
        open.push(sIndex, priority: 0)
        let steps: [(Int, Int, Double)] = [(1, 0, 1), (-1, 0, 1), (0, 1, 1), (0, -1, 1), (1, 1, 1.4142), (1, -1, 1.4142), (-1, 1, 1.4142), (-1, -1, 1.4142)]
        func h(_ i: Int) -> Double {
            let dx = Double(abs(i % width - g.0)), dy = Double(abs(i / width - g.1))
            return max(dx, dy) + 0.4142 * min(dx, dy)
        }
        while let current = open.pop() {
            if current == gIndex { break }
            let (ci, cj) = (current % width, current / width)
            for (di, dj, w) in steps {
                let n = (ci + di, cj + dj)
                guard isFree(n) else { continue }
                if di != 0 && dj != 0, !isFree((ci + di, cj)) || !isFree((ci, cj + dj)) { continue }  // no corner cutting
                let ni = n.1 * width + n.0
                let c = cost[current] + w
                if c < cost[ni] {
                    cost[ni] = c
                    parent[ni] = current
                    open.push(ni, priority: c + h(ni))
                }
            }
        }
        guard cost[gIndex].isFinite else { return .failure(PathError("no path to \(goalName): walls or obstacles are in the way")) }
        var cells: [Int] = []
        var i = gIndex
        while i != -1 { cells.append(i); i = parent[i] }
        let raw = cells.reversed().map { center(($0 % width, $0 / width)) }
        // Shortcut: keep a point only when the straight line from the last kept one is not clear.
        var out: [Vec2] = []
        var anchor = start
        var k = 0
        while k < raw.count {
            var far = k
            while far + 1 < raw.count, clear(anchor, raw[far + 1]) { far += 1 }
            out.append(raw[far])
            anchor = raw[far]
            k = far + 1
        }
        if out.last.map({ $0.distance(to: goal) > 0.05 }) ?? true, clear(out.last ?? start, goal) { out.append(goal) }
        return .success(out)
    }

    /// Whether a robot can drive straight from `a` to `b`.
    func clear(_ a: Vec2, _ b: Vec2) -> Bool {
        let d = a.distance(to: b)
        let n = max(1, Int(d / (resolution / 2)))
        for s in 0...n {
            let p = a + (b - a) * (Double(s) / Double(n))
            if solids.clearance(at: p) < radius + 0.02 { return false }
        }
        return true
    }
}

public struct PathError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

/// A binary min-heap of grid indices.
struct Heap {
    private var items: [(Int, Double)] = []
    mutating func push(_ v: Int, priority: Double) {
        items.append((v, priority))
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard items[p].1 > items[i].1 else { break }
            items.swapAt(p, i)
            i = p
        }
    }
    mutating func pop() -> Int? {
        guard !items.isEmpty else { return nil }
        let top = items[0].0
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, items[l].1 < items[m].1 { m = l }
                if r < items.count, items[r].1 < items[m].1 { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}

/// `2.4`, `-0.35`, `12`: numbers as a person reads them.
package func fmt(_ x: Double, _ digits: Int = 1) -> String {
    let p = pow(10, Double(digits))
    let r = (x * p).rounded() / p
    if r == r.rounded() { return String(Int(r)) }
    return String(format: "%.\(digits)f", r)
}

/// A small deterministic generator (SplitMix64): the same seed gives the same run.
struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    /// Normal(0, sigma), Box–Muller.
    mutating func gaussian(_ sigma: Double) -> Double {
        let u1 = max(unit(), 1e-12), u2 = unit()
        return sigma * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}
