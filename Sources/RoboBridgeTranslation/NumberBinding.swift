import RoboBridgeConfig

/// Which written number goes to which parameter: the one the request writes next to the parameter's name ("a
/// triangle with base 10 and height 5": base 10, height 5; "a height of 5 and a base of 10": height 5, base 10).
/// A small model fills a call's number parameters in the order the function lists them, or with the numbers in the
/// order the request writes them; this moves each value to the parameter whose name stands nearest to it.
///
/// Only the call's own number parameters are rebound, and only where the text decides: every one of them must
/// have a word of its name within `reach` words of a number, each number near one parameter at most. Otherwise the
/// call is left as the model wrote it.
public enum NumberBinding {
    /// The most words between a parameter's name and its number ("radius of 5": 1).
    public static let reach = 3

    /// `call` with its number arguments bound by proximity, or unchanged when the text does not decide.
    public static func rebinding(_ call: ActionCall, instruction: String, robot: Robot) -> ActionCall {
        guard let action = robot.action(named: call.name) else { return call }
        let slots = call.arguments.indices.filter { k in
            guard let p = action.parameter(named: call.arguments[k].name), p.list == nil else { return false }
            return p.kind == .number || p.kind == .integer
        }
        guard slots.count >= 2 else { return call }
        let tokens = Self.tokens(instruction)
        let own = Set(ToolGrounding.contentWords(action.name))
        var nearest: [(slot: Int, token: Int, distance: Int)] = []
        for k in slots {
            let p = action.parameter(named: call.arguments[k].name)!
            // Ordinals also order a request's sentences ("Second, ..."): a cue only when the name has no other word.
            let words = Set(ToolGrounding.contentWords(p.name)).subtracting(own)
            let cues = words.subtracting(ordinals).isEmpty ? words : words.subtracting(ordinals)
            guard !cues.isEmpty else { return call }
            let at = tokens.indices.filter { if case .word(let w) = tokens[$0] { cues.contains(w) } else { false } }
            var best: (Int, Int)?
            for (n, t) in tokens.enumerated() {
                guard case .number(let v) = t, p.problem(with: p.kind == .integer ? .integer(Int(exactly: v) ?? .min) : .number(v), world: nil) == nil
                else { continue }
                for a in at {
                    let d = distance(name: a, number: n)
                    if d <= reach, best.map({ d < $0.1 }) ?? true { best = (n, d) }
                }
            }
            guard var best else { return call }
            // The model's own number, when it is as near, stays.
            if let mine = tokens.indices.first(where: { tokens[$0] == .number(call.arguments[k].value.numeric ?? .nan) }),
               at.contains(where: { distance(name: $0, number: mine) <= best.1 }) {
                best = (mine, best.1)
            }
            nearest.append((k, best.0, best.1))
        }
        // Each number goes to one parameter.
        guard Set(nearest.map(\.token)).count == nearest.count else { return call }
        var out = call
        for b in nearest {
            guard case .number(let v) = tokens[b.token] else { continue }
            let p = action.parameter(named: call.arguments[b.slot].name)!
            out.arguments[b.slot].value = p.kind == .integer ? .integer(Int(v)) : .number(v)
        }
        return out
    }

    /// `call` with a number that the request writes only inside one of the call's own text arguments ("from 2020
    /// Addison Street … wait up to 600 seconds": `loc` holds 2020) replaced by the one number written outside them
    /// that the parameter takes and no other argument holds. Left as it is when that number is not unique.
    public static func outsideText(_ call: ActionCall, instruction: String, robot: Robot) -> ActionCall {
        guard let action = robot.action(named: call.name) else { return call }
        var outside = ToolGrounding.written(instruction)
        for arg in call.arguments {
            guard case .string(let text) = arg.value else { continue }
            for n in ToolGrounding.written(text) { if let k = outside.firstIndex(of: n) { outside.remove(at: k) } }
        }
        let values = outside.compactMap { Double($0) }
        var out = call
        for k in out.arguments.indices {
            guard let p = action.parameter(named: out.arguments[k].name), p.list == nil, p.kind == .number || p.kind == .integer,
                  let mine = out.arguments[k].value.numeric, !values.contains(mine) else { continue }
            let held = Set(out.arguments.compactMap(\.value.numeric))
            let fits = Set(values.filter { v in
                !held.contains(v) && p.problem(with: p.kind == .integer ? .integer(Int(exactly: v) ?? .min) : .number(v), world: nil) == nil
            })
            guard fits.count == 1, let v = fits.first else { continue }
            out.arguments[k].value = p.kind == .integer ? .integer(Int(v)) : .number(v)
        }
        return out
    }

    /// Words between a parameter's name and a number, tokens apart; a number after its name ("radius 5") comes before
    /// one ahead of it ("5 radius").
    private static func distance(name a: Int, number n: Int) -> Int { abs(a - n) - 1 + (n < a ? 1 : 0) }

    static let ordinals: Set<String> = ["first", "second", "third", "fourth", "fifth", "next", "last", "final", "finally"]

    enum Token: Equatable { case word(String), number(Double) }

    /// The request as words (stemmed, lower case, common words left out) and numbers, in order.
    static func tokens(_ text: String) -> [Token] {
        let c = Array(text)
        let numbers = Coordination.numbers(c)
        var out: [Token] = []
        var i = 0, n = 0
        while i < c.count {
            if n < numbers.count, numbers[n].range.lowerBound == i {
                out.append(.number(numbers[n].value))
                i = numbers[n].range.upperBound
                n += 1
                continue
            }
            guard c[i].isLetter else { i += 1; continue }
            var j = i
            while j < c.count, c[j].isLetter || c[j] == "_" { j += 1 }
            let words = ToolGrounding.contentWords(String(c[i..<j]))
            // Common and short words keep their place: they count in distances.
            out += words.isEmpty ? [.word("")] : words.map(Token.word)
            i = j
        }
        return out
    }
}
