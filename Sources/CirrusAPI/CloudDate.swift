import Foundation

/// CloudStack's date handling: responses use `yyyy-MM-dd'T'HH:mm:ssZ` in UTC
/// (`2024-05-01T12:34:56+0000`); `expires` and date parameters accept several forms.
public enum CloudDate {
    /// Formats `date` as CloudStack does, always in UTC with `+0000`.
    public static func format(_ date: Date) -> String {
        var seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        seconds -= days * 86_400
        let (y, m, d) = civil(fromDays: days)
        let hh = seconds / 3600, mm = (seconds % 3600) / 60, ss = seconds % 60
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(hh, 2)):\(pad(mm, 2)):\(pad(ss, 2))+0000"
    }

    /// Parses `expires` and `tzdate` values: `2030-01-01T00:00:00+0000`, `+00:00`, `Z`,
    /// fractional seconds, and the legacy `…ss'Z'+0000` form.
    public static func parseTimestamp(_ raw: String) -> Date? {
        var s = Substring(raw.trimmingCharacters(in: .whitespaces))
        guard let (date, rest) = parseDateTime(s) else { return nil }
        s = rest
        // fractional seconds
        if s.first == "." {
            s = s.dropFirst()
            let digits = s.prefix(while: \.isNumber)
            guard !digits.isEmpty else { return nil }
            s = s.dropFirst(digits.count)
        }
        if s.hasPrefix("Z") {
            s = s.dropFirst()
            if s.isEmpty { return date }
        }
        guard let sign = s.first, sign == "+" || sign == "-" else { return s.isEmpty ? date : nil }
        s = s.dropFirst()
        let digits = s.filter { $0 != ":" }
        guard digits.count == 4, digits.allSatisfy(\.isNumber), let hh = Int(digits.prefix(2)), let mm = Int(digits.suffix(2)) else { return nil }
        let offset = TimeInterval((hh * 60 + mm) * 60) * (sign == "+" ? 1 : -1)
        return date.addingTimeInterval(-offset)
    }

    /// Parses `date` parameters (`startdate`, `enddate`): `yyyy-MM-dd`, `yyyy-MM-dd HH:mm:ss`
    /// or any timestamp form, taken as UTC.
    public static func parseDate(_ raw: String) -> Date? {
        let s = raw.trimmingCharacters(in: .whitespaces)
        if s.count == 10, let day = parseDay(Substring(s)) { return day }
        if let (date, rest) = parseDateTime(Substring(s)), rest.isEmpty { return date }
        return parseTimestamp(s)
    }

    private static func parseDay(_ s: Substring) -> Date? {
        let parts = s.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(days(fromCivil: y, m, d) * 86_400))
    }

    /// `yyyy-MM-ddTHH:mm:ss` or with a space; returns the date (as UTC) and the unparsed rest.
    private static func parseDateTime(_ s: Substring) -> (Date, Substring)? {
        guard s.count >= 19 else { return nil }
        let dayPart = s.prefix(10)
        let sep = s[s.index(s.startIndex, offsetBy: 10)]
        guard sep == "T" || sep == " ", let day = parseDay(dayPart) else { return nil }
        let timePart = s.dropFirst(11).prefix(8)
        let t = timePart.split(separator: ":")
        guard t.count == 3, t.allSatisfy({ $0.count == 2 }), let hh = Int(t[0]), let mm = Int(t[1]), let ss = Int(t[2]),
              hh < 24, mm < 60, ss < 61 else { return nil }
        return (day.addingTimeInterval(TimeInterval(hh * 3600 + mm * 60 + ss)), s.dropFirst(19))
    }

    private static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    // Howard Hinnant's civil-from-days and days-from-civil algorithms.
    private static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    private static func days(fromCivil y0: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = Int64(m <= 2 ? y0 - 1 : y0)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mm = Int64(m)
        let doy = (153 * (mm > 2 ? mm - 3 : mm + 9) + 2) / 5 + Int64(d) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
