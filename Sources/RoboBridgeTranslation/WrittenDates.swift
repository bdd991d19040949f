/// Dates and times a request writes in words or digits ("March 8th, 2023", "the 2nd of march 2023", "2023-03-08",
/// "at 5 in the afternoon", "14:00"), given in the format a parameter's description names ("in the format
/// YYYY-MM-DD", "dd/mm/yyyy", "HH:MM"). No span of the request can be "2023-03-08" when it says "March 8th, 2023";
/// a tool's date parameter wants that form. Only dates the request writes in full (day, month and year) are read:
/// nothing is assumed about today.
public enum WrittenDates {
    public struct Stamp: Equatable, Sendable {
        public var year: Int, month: Int, day: Int
        /// Hours (0–23) and minutes when the request gives a time with the date.
        public var time: Clock?
    }

    public struct Clock: Equatable, Sendable {
        public var hour: Int, minute: Int
    }

    /// The format a description names: date fields (YYYY, MM, DD in either case) and, optionally, HH:MM.
    public static func format(in description: String) -> String? {
        let upper = description.uppercased()
        for pattern in ["YYYY-MM-DD HH:MM:SS", "YYYY-MM-DDTHH:MM:SS", "YYYY-MM-DD HH:MM", "DD/MM/YYYY HH:MM", "MM/DD/YYYY HH:MM",
                        "YYYY-MM-DD", "YYYY/MM/DD", "MM/DD/YYYY", "DD/MM/YYYY", "MM-DD-YYYY", "DD-MM-YYYY", "DD.MM.YYYY", "HH:MM"]
        where upper.contains(pattern) { return pattern }
        return nil
    }

    /// Each stamp in `format`; a format with a time takes only stamps with one, a time alone only times.
    public static func values(_ text: String, format: String) -> [String] {
        let wantsDate = format.contains("YYYY"), wantsTime = format.contains("HH")
        var out: [String] = []
        for s in stamps(text) {
            if wantsTime, s.time == nil { continue }
            if wantsDate, s.year == 0 { continue }
            var v = format
            if wantsDate {
                v = v.replacingOccurrences(of: "YYYY", with: pad(s.year, 4)).replacingOccurrences(of: "MM/", with: pad(s.month, 2) + "/")
                    .replacingOccurrences(of: "MM-", with: pad(s.month, 2) + "-").replacingOccurrences(of: "-MM", with: "-" + pad(s.month, 2))
                    .replacingOccurrences(of: "/MM", with: "/" + pad(s.month, 2)).replacingOccurrences(of: ".MM", with: "." + pad(s.month, 2))
                    .replacingOccurrences(of: "DD", with: pad(s.day, 2))
            }
            if let t = s.time {
                v = v.replacingOccurrences(of: "HH:MM:SS", with: pad(t.hour, 2) + ":" + pad(t.minute, 2) + ":00")
                    .replacingOccurrences(of: "HH:MM", with: pad(t.hour, 2) + ":" + pad(t.minute, 2))
            }
            if !out.contains(v) { out.append(v) }
        }
        return out
    }

    /// The dates (with the time said right after them) and the lone times a request writes, in order. A lone time
    /// has year 0.
    public static func stamps(_ text: String) -> [Stamp] {
        let words = text.lowercased().split { $0 == " " || $0 == "," || $0 == "\n" }.map { w in
            String(w.drop { "(".contains($0) }.reversed().drop { ".?!;:)".contains($0) }.reversed())
        }
        var out: [Stamp] = []
        var i = 0
        while i < words.count {
            if let (stamp, used) = date(at: i, words) {
                var s = stamp
                var j = i + used
                if let (t, n) = time(at: j, words) ?? time(at: j + 1, words).map({ ($0.0, $0.1 + 1) }) { s.time = t; j += n }
                out.append(s)
                i = j
            } else if let (t, n) = time(at: i, words) {
                out.append(Stamp(year: 0, month: 0, day: 0, time: t))
                i += n
            } else {
                i += 1
            }
        }
        return out
    }

    static let months = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]

    static func month(_ w: String) -> Int? {
        guard w.count >= 3 else { return nil }
        if let k = months.firstIndex(where: { $0 == w || ($0.hasPrefix(w) && w.count == 3) || (w == "sept" && $0 == "september") }) { return k + 1 }
        return nil
    }

    /// A day of the month: "8", "8th", "2nd", "21st".
    static func day(_ w: String) -> Int? {
        var digits = w
        for suffix in ["st", "nd", "rd", "th"] where digits.hasSuffix(suffix) { digits.removeLast(2) }
        guard let d = Int(digits), (1...31).contains(d), digits.count <= 2 else { return nil }
        return d
    }

    static func year(_ w: String) -> Int? {
        guard w.count == 4, let y = Int(w), (1000...2999).contains(y) else { return nil }
        return y
    }

    /// A date starting at word `i`, and how many words it takes.
    static func date(at i: Int, _ w: [String]) -> (Stamp, Int)? {
        func at(_ k: Int) -> String? { k < w.count ? w[k] : nil }
        guard let first = at(i) else { return nil }
        // 2023-03-08, 2023/03/08
        for sep: Character in ["-", "/"] {
            let p = first.split(separator: sep)
            if p.count == 3, let y = year(String(p[0])), let m = Int(p[1]), let d = Int(p[2]), (1...12).contains(m), (1...31).contains(d) {
                return (Stamp(year: y, month: m, day: d), 1)
            }
        }
        // March 8th, 2023 / March 8 2023
        if let m = month(first), let d = at(i + 1).flatMap(day), let y = at(i + 2).flatMap(year) {
            return (Stamp(year: y, month: m, day: d), 3)
        }
        // (the) 8th (of) March 2023
        var k = i
        if first == "the" { k += 1 }
        guard let d = at(k).flatMap(day) else { return nil }
        k += 1
        if at(k) == "of" { k += 1 }
        guard let m = at(k).flatMap(month), let y = at(k + 1).flatMap(year) else { return nil }
        return (Stamp(year: y, month: m, day: d), k + 2 - i)
    }

    /// A time starting at word `i` ("at" before it is skipped): "14:00", "5pm", "5 pm", "5:30 p.m.", "5 in the
    /// afternoon", "noon".
    static func time(at i: Int, _ w: [String]) -> (Clock, Int)? {
        func at(_ k: Int) -> String? { k < w.count ? w[k] : nil }
        var k = i
        if at(k) == "at" || at(k) == "around" { k += 1 }
        guard let first = at(k) else { return nil }
        if first == "noon" || first == "midday" { return (Clock(hour: 12, minute: 0), k + 1 - i) }
        if first == "midnight" { return (Clock(hour: 0, minute: 0), k + 1 - i) }
        var clock = first, suffix: String?
        for s in ["am", "pm", "a.m", "p.m"] where clock.hasSuffix(s) && clock.count > s.count { suffix = s; clock.removeLast(s.count) }
        let parts = clock.split(separator: ":")
        guard (1...2).contains(parts.count), let h = Int(parts[0]), (0...23).contains(h), parts[0].count <= 2 else { return nil }
        let minute = parts.count == 2 ? Int(parts[1]) : 0
        guard let minute, (0...59).contains(minute), parts.count == 1 || parts[1].count == 2 else { return nil }
        var used = k + 1 - i
        if suffix == nil, let next = at(k + 1), ["am", "pm", "a.m", "p.m"].contains(next) { suffix = next; used += 1 }
        if suffix == nil, at(k + 1) == "in", at(k + 2) == "the", let part = at(k + 3), ["morning", "afternoon", "evening"].contains(part) {
            suffix = part == "morning" ? "am" : "pm"
            used += 3
        }
        if suffix == nil, at(k + 1) == "o'clock" { used += 1 }
        // A bare number is a time only with a colon ("14:00") or a word that says so.
        guard suffix != nil || parts.count == 2 || used > k + 1 - i else { return nil }
        var hour = h
        if let s = suffix, s.hasPrefix("p"), hour < 12 { hour += 12 }
        if let s = suffix, s.hasPrefix("a"), hour == 12 { hour = 0 }
        return (Clock(hour: hour, minute: minute), used)
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}
