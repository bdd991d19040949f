import Foundation
import RoboBridgeConfig
import RoboBridgeProtocol

/// Moving the robot through an action's phases, within its body's limits.
extension Simulator {

    /// Advances the running action; returns its result when it ends.
    func advance(_ run: inout Running, dt: Double) -> Result<String?, SimError>? {
        var budget = dt
        var lastDetail: String?
        while budget > 1e-9 {
            guard !run.phases.isEmpty else { return .success(lastDetail) }
            switch run.phases[0] {
            case .effect(let f):
                lastDetail = f() ?? lastDetail
                run.phases.removeFirst()
                continue
            case .wait(let s):
                let used = min(s, budget)
                budget -= used
                if s - used <= 1e-9 { run.phases.removeFirst() } else { run.phases[0] = .wait(s - used) }
            case .turn(let remaining):
                let step = min(abs(remaining), body.maxTurnRateDegS * budget)
                headingDeg = wrapDegrees(headingDeg + (remaining < 0 ? -step : step))
                budget -= step / body.maxTurnRateDegS
                let left = remaining < 0 ? remaining + step : remaining - step
                if abs(left) < 1e-6 { run.phases.removeFirst() } else { run.phases[0] = .turn(remaining: left) }
            case .straight(let remaining, let sign, let total):
                if battery <= 0 { return .failure(SimError("the battery ran out after \(fmt(total - remaining)) m of \(fmt(total)) m")) }
                let step = min(remaining, speedSetting * budget)
                let h = headingDeg * .pi / 180
                let next = Vec2(position.x + cos(h) * step * sign, position.y + sin(h) * step * sign)
                if let hit = planner?.solids.collision(at: next, radius: body.radiusM) {
                    return .failure(SimError("bumped into \(hit) after \(fmt(total - remaining)) m of \(fmt(total)) m"))
                }
                moveTo(next, z: position.z)
                budget -= step / speedSetting
                if remaining - step < 1e-6 { run.phases.removeFirst() } else { run.phases[0] = .straight(remaining: remaining - step, sign: sign, total: total) }
            case .follow(var points, let goal):
                if battery <= 0 { return .failure(SimError("the battery ran out on the way to \(goal)")) }
                guard let target = points.first else { run.phases.removeFirst(); continue }
                let here = Vec2(position)
                let d = here.distance(to: target)
                if d < 0.02 {
                    points.removeFirst()
                    run.phases[0] = .follow(points, goal: goal)
                    continue
                }
                let want = atan2(target.y - here.y, target.x - here.x) * 180 / .pi
                let err = wrapDegrees(want - headingDeg)
                if abs(err) > 1 {
                    // Turn toward the next point first (in place when far off), at the turn-rate limit.
                    let turn = min(abs(err), body.maxTurnRateDegS * budget)
                    headingDeg = wrapDegrees(headingDeg + (err < 0 ? -turn : turn))
                    let used = turn / body.maxTurnRateDegS
                    budget -= used
                    if abs(err) > 25 { continue }
                }
                guard budget > 1e-9 else { break }
                let step = min(d, speedSetting * budget)
                let h = headingDeg * .pi / 180
                let next = Vec2(here.x + cos(h) * step, here.y + sin(h) * step)
                if let hit = planner?.solids.collision(at: next, radius: body.radiusM * 0.8) {
                    return .failure(SimError("bumped into \(hit) on the way to \(goal)"))
                }
                moveTo(next, z: position.z)
                budget -= step / speedSetting
                if step >= d - 1e-9 {
                    points.removeFirst()
                }
                run.phases[0] = .follow(points, goal: goal)
            case .vertical(let z):
                let step = min(abs(z - position.z), body.climbRateMps * budget)
                position.z += z > position.z ? step : -step
                budget -= step / body.climbRateMps
                if abs(z - position.z) < 1e-6 { position.z = z; run.phases.removeFirst() }
            case .fly(var points):
                if battery <= 0 { return .failure(SimError("the battery ran out in flight")) }
                guard let target = points.first else { run.phases.removeFirst(); continue }
                let here = Vec2(position)
                let d = here.distance(to: target)
                let step = min(d, speedSetting * budget)
                if d > 1e-9 {
                    headingDeg = atan2(target.y - here.y, target.x - here.x) * 180 / .pi
                    moveTo(here + (target - here) * (step / d), z: position.z)
                }
                budget -= step / speedSetting
                if step >= d - 1e-9 { points.removeFirst() }
                run.phases[0] = .fly(points)
            case .gripper(let to):
                let speed = 0.25 * speedSetting
                let dx = to.x - position.x, dy = to.y - position.y, dz = to.z - position.z
                let d = (dx * dx + dy * dy + dz * dz).squareRoot()
                let step = min(d, speed * budget)
                if d > 1e-9 {
                    position = Position(x: position.x + dx * step / d, y: position.y + dy * step / d, z: position.z + dz * step / d)
                    odometerM += step
                }
                budget -= step / speed
                if step >= d - 1e-9 { position = to; run.phases.removeFirst() }
            }
        }
        return run.phases.isEmpty ? .success(lastDetail) : nil
    }

    func moveTo(_ p: Vec2, z: Double) {
        let d = p.distance(to: Vec2(position))
        position = Position(x: p.x, y: p.y, z: z)
        odometerM += d
        charging = false
        if let b = body.battery { battery = max(0, battery - b.drainPercentPerM * d) }
    }
}
