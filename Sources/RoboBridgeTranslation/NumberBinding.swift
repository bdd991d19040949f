import RoboBridgeConfig

/// Which written number goes to which parameter. A small model fills a call's number parameters in the order the
/// function lists them, or with the numbers in the order the request writes them; the text often says better:
///
/// - a word of the parameter's name next to the number ("a triangle with base 10 and height 5"; "a height of 5 and a
///   base of 10");
/// - the number's unit, where the parameter's description names that unit ("warm 2 kg of water by 30°C": `mass`,
///   "in kilograms"; `temperature_change`, "in degrees Celsius");
/// - a word of the parameter's description next to the number ("sell for $6": "Selling price per unit").
///
/// Each number goes to one parameter; the binding with the most of these cues wins. It replaces the model's only when
/// it has strictly more cues than the model's own; among equally good bindings the one in the request's order
/// (parameters as the function lists them, numbers as the request writes them) wins, then the model's. Only the
/// call's own number parameters holding a number the request writes are rebound.
public enum NumberBinding {
    /// The most words between a parameter's name and its number ("radius of 5": 1).
    public static let reach = 3

    /// `call` with its number arguments bound by the text's cues, or unchanged when the text says no better.
    public static func rebinding(_ call: ActionCall, instruction: String, robot: Robot) -> ActionCall {
        guard let action = robot.action(named: call.name) else { return call }
        let chars = Array(instruction)
        let written = Coordination.numbers(chars)
        let tokens = Self.tokens(instruction)
        // Token index of each written number (`tokens` has them in the same order).
        let numberTokens = tokens.indices.filter { if case .number = tokens[$0] { true } else { false } }
        guard numberTokens.count == written.count else { return call }
        let values = written.map(\.value)
        let slots = call.arguments.indices.filter { k in
            guard let p = action.parameter(named: call.arguments[k].name), p.list == nil, p.kind == .number || p.kind == .integer,
                  let v = call.arguments[k].value.numeric else { return false }
            return values.contains(v)
        }
        guard slots.count >= 2, slots.count <= 6, written.count <= 12 else { return call }
        let own = Set(ToolGrounding.contentWords(action.name))
        let units = written.map { unit(after: $0.range, in: chars) }
        // A number inside one of the call's text arguments is that text's ("42 Maple Ave"), no candidate.
        let inText = written.map { w in
            call.arguments.contains { arg in
                guard case .string(let text) = arg.value, !text.isEmpty else { return false }
                let t = Array(text)
                guard t.count <= chars.count else { return false }
                return (0...(chars.count - t.count)).contains { k in
                    k <= w.range.lowerBound && w.range.upperBound <= k + t.count && chars[k..<(k + t.count)].elementsEqual(t)
                }
            }
        }
        // score[s][n]: the cues that number n belongs to slot s (nil: the parameter cannot take it).
        var score: [[Double?]] = []
        for k in slots {
            let p = action.parameter(named: call.arguments[k].name)!
            // Ordinals also order a request's sentences ("Second, ..."): a cue only when the name has no other word.
            let words = Set(ToolGrounding.contentWords(p.name)).subtracting(own)
            let cues = words.subtracting(ordinals).isEmpty ? words : words.subtracting(ordinals)
            let described = Set(ToolGrounding.contentWords(p.description)).subtracting(own).subtracting(cues)
            let families = unitFamilies(of: p)
            let named = tokens.indices.filter { if case .word(let w) = tokens[$0] { cues.contains(w) } else { false } }
            let describedAt = tokens.indices.filter { if case .word(let w) = tokens[$0] { described.contains(w) } else { false } }
            score.append(values.indices.map { n in
                let v = values[n]
                guard !inText[n], p.problem(with: p.kind == .integer ? .integer(Int(exactly: v) ?? .min) : .number(v), world: nil) == nil else { return nil }
                let t = numberTokens[n]
                var s = 0.0
                if let d = named.map({ distance(name: $0, number: t) }).filter({ $0 <= reach }).min() { s += 3 - 0.1 * Double(d) }
                if let d = describedAt.map({ distance(name: $0, number: t) }).filter({ $0 <= 2 }).min() { s += 1 - 0.1 * Double(d) }
                if let u = units[n], families.contains(where: { $0.surfaces.contains(u) }) { s += 2 }
                return s
            })
        }
        // The model's binding, as numbers written (the first place each value is written).
        let mine = slots.map { k in values.firstIndex(of: call.arguments[k].value.numeric!)! }
        func total(_ a: [Int]) -> Double? {
            var t = 0.0
            for (s, n) in a.enumerated() { guard let x = score[s][n] else { return nil }; t += x }
            return t
        }
        var best: (assignment: [Int], total: Double, inversions: Int, agreement: Int)?
        var current: [Int] = []
        func search() {
            if current.count == slots.count {
                guard let t = total(current) else { return }
                var inversions = 0
                for i in current.indices { for j in current.indices where i < j && current[i] > current[j] { inversions += 1 } }
                let agreement = zip(current, mine).filter { values[$0] == values[$1] }.count
                if let b = best {
                    if t < b.total - 1e-9 { return }
                    if abs(t - b.total) < 1e-9, (inversions, -agreement) >= (b.inversions, -b.agreement) { return }
                }
                best = (current, t, inversions, agreement)
                return
            }
            for n in values.indices where !current.contains(n) && score[current.count][n] != nil {
                current.append(n)
                search()
                current.removeLast()
            }
        }
        search()
        guard let best, let ownTotal = total(mine), Set(mine).count == mine.count ? best.total > ownTotal + 1e-9 : true else { return call }
        var out = call
        for (s, k) in slots.enumerated() {
            let v = values[best.assignment[s]]
            let p = action.parameter(named: call.arguments[k].name)!
            out.arguments[k].value = p.kind == .integer ? .integer(Int(v)) : .number(v)
        }
        return out
    }

    /// The unit written right after a number ("2 kg", "30°C", "50 mL", "5%") or the currency before it ("$6", "£240").
    static func unit(after range: Range<Int>, in c: [Character]) -> String? {
        if range.lowerBound > 0, ["$", "£", "€"].contains(c[range.lowerBound - 1]) { return String(c[range.lowerBound - 1]) }
        if c[range.lowerBound] == "$" { return "$" }
        var i = range.upperBound
        if i < c.count, c[i] == " " || c[i] == "-" { i += 1 }
        var j = i
        while j < c.count, c[j].isLetter || c[j] == "°" || c[j] == "%" || c[j] == "Ω" { j += 1 }
        guard j > i else { return nil }
        // A compound unit is none of its parts ("1.62 m/s²" is no length).
        if j + 1 < c.count, c[j] == "/", c[j + 1].isLetter { return nil }
        let u = String(c[i..<j])
        // Long unit words in any case ("Kilograms"); short symbols as written ("M" is molar, "m" metres).
        return u.count > 3 ? u.lowercased() : u
    }

    /// A unit: the words a parameter's description uses for it, and how requests write a number's unit.
    struct UnitFamily {
        let described: Set<String>
        let surfaces: Set<String>
    }

    /// Units of measurement and money, in everyday English.
    static let families: [UnitFamily] = [
        .init(described: ["kilogram", "kilograms", "kg"], surfaces: ["kg", "kgs", "kilo", "kilos", "kilogram", "kilograms"]),
        .init(described: ["gram", "grams"], surfaces: ["g", "gram", "grams"]),
        .init(described: ["pound", "pounds", "lb", "lbs"], surfaces: ["lb", "lbs", "pound", "pounds"]),
        .init(described: ["meter", "meters", "metre", "metres"], surfaces: ["m", "meter", "meters", "metre", "metres"]),
        .init(described: ["kilometer", "kilometers", "kilometre", "kilometres", "km"], surfaces: ["km", "kilometer", "kilometers", "kilometre", "kilometres"]),
        .init(described: ["centimeter", "centimeters", "centimetre", "centimetres", "cm"], surfaces: ["cm", "centimeter", "centimeters", "centimetre", "centimetres"]),
        .init(described: ["mile", "miles"], surfaces: ["mi", "mile", "miles"]),
        .init(described: ["foot", "feet", "ft"], surfaces: ["ft", "foot", "feet"]),
        .init(described: ["inch", "inches"], surfaces: ["inch", "inches"]),
        .init(described: ["second", "seconds"], surfaces: ["s", "sec", "secs", "second", "seconds"]),
        .init(described: ["minute", "minutes"], surfaces: ["min", "mins", "minute", "minutes"]),
        .init(described: ["hour", "hours"], surfaces: ["h", "hr", "hrs", "hour", "hours"]),
        .init(described: ["day", "days"], surfaces: ["day", "days"]),
        .init(described: ["year", "years"], surfaces: ["year", "years", "yr", "yrs"]),
        .init(described: ["celsius", "kelvin", "fahrenheit", "temperature"], surfaces: ["°C", "°F", "°", "C", "K", "F", "degrees", "celsius", "kelvin", "fahrenheit"]),
        .init(described: ["percent", "percentage", "%"], surfaces: ["%", "percent"]),
        .init(described: ["price", "cost", "costs", "dollars", "usd", "money", "income", "salary", "fee", "rent", "payment", "principal", "budget", "amount"],
              surfaces: ["$", "£", "€", "dollars", "usd", "euros", "eur", "gbp"]),
        .init(described: ["milliliter", "milliliters", "millilitre", "millilitres", "mL", "ml"], surfaces: ["mL", "ml"]),
        .init(described: ["liter", "liters", "litre", "litres"], surfaces: ["L", "l", "liter", "liters", "litre", "litres"]),
        .init(described: ["mol", "molar", "molarity"], surfaces: ["M", "mM"]),
        .init(described: ["joule", "joules", "J"], surfaces: ["J", "kJ", "joules"]),
        .init(described: ["hertz", "Hz", "frequency"], surfaces: ["Hz", "kHz", "hertz"]),
        .init(described: ["watt", "watts", "W"], surfaces: ["W", "kW", "watts"]),
        .init(described: ["volt", "volts", "voltage", "V"], surfaces: ["V", "volts"]),
        .init(described: ["ohm", "ohms", "resistance", "Ω"], surfaces: ["Ω", "kΩ", "ohm", "ohms"]),
        .init(described: ["kwh"], surfaces: ["kWh"]),
        .init(described: ["degree", "degrees", "angle"], surfaces: ["°", "degrees", "deg"]),
    ]

    /// The units a parameter's name and description speak of: long words in any case, short symbols as written.
    static func unitFamilies(of p: Parameter) -> [UnitFamily] {
        var words = Set<String>()
        for w in (p.name + " " + p.description).split(whereSeparator: { !($0.isLetter || $0 == "%" || $0 == "Ω") }) {
            words.insert(String(w))
            words.insert(w.lowercased())
        }
        return families.filter { $0.described.contains(where: words.contains) }
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
