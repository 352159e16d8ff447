import Foundation

/// How often a snapshot policy runs (CloudStack's `DateUtil.IntervalType`; the ordinal is
/// what `listSnapshotPolicies` shows as `intervaltype`).
public enum SnapshotIntervalType: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case hourly = "HOURLY"
    case daily = "DAILY"
    case weekly = "WEEKLY"
    case monthly = "MONTHLY"

    /// CloudStack's ordinal (HOURLY 0 … MONTHLY 3).
    public var ordinal: Int {
        switch self {
        case .hourly: 0
        case .daily: 1
        case .weekly: 2
        case .monthly: 3
        }
    }

    public init?(ordinal: Int) {
        guard let t = Self.allCases.first(where: { $0.ordinal == ordinal }) else { return nil }
        self = t
    }

    /// Parses a name (`daily`) or an ordinal (`1`), as CloudStack accepts both.
    public init?(parameter: String) {
        if let n = Int(parameter) { self.init(ordinal: n) } else { self.init(caseInsensitive: parameter) }
    }
}

/// When a policy runs: CloudStack's schedule text parsed for one interval type.
/// `MM` (hourly), `MM:HH` (daily), `MM:HH:DD` (weekly: DD is the day of the week, 1 =
/// Sunday … 7 = Saturday; monthly: DD is the day of the month, 1 … 28).
public struct SnapshotSchedule: Sendable, Equatable {
    public var interval: SnapshotIntervalType
    public var minute: Int
    public var hour: Int
    /// Day of the week (weekly) or of the month (monthly); 0 otherwise.
    public var day: Int

    public struct Invalid: Error, Equatable {}

    public init(interval: SnapshotIntervalType, minute: Int, hour: Int = 0, day: Int = 0) {
        self.interval = interval; self.minute = minute; self.hour = hour; self.day = day
    }

    /// Parses `text` for `interval`; throws ``Invalid`` for a wrong number of fields or a value out of range.
    public static func parse(_ text: String, interval: SnapshotIntervalType) throws(Invalid) -> SnapshotSchedule {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        let expected = switch interval {
        case .hourly: 1
        case .daily: 2
        case .weekly, .monthly: 3
        }
        guard parts.count == expected, parts.allSatisfy({ $0 != nil }) else { throw Invalid() }
        let values = parts.map { $0! }
        let s = SnapshotSchedule(interval: interval, minute: values[0], hour: values.count > 1 ? values[1] : 0, day: values.count > 2 ? values[2] : 0)
        guard (0...59).contains(s.minute), (0...23).contains(s.hour) else { throw Invalid() }
        switch interval {
        case .weekly: guard (1...7).contains(s.day) else { throw Invalid() }
        case .monthly: guard (1...28).contains(s.day) else { throw Invalid() }
        case .hourly, .daily: break
        }
        return s
    }

    /// The schedule as CloudStack writes it.
    public var text: String {
        switch interval {
        case .hourly: String(format: "%02d", minute)
        case .daily: String(format: "%02d:%02d", minute, hour)
        case .weekly, .monthly: String(format: "%02d:%02d:%02d", minute, hour, day)
        }
    }

    /// The first run strictly after `date`, reading the schedule as wall-clock time in `timeZone`.
    /// A wall-clock time skipped by a daylight-saving change runs at the next existing instant.
    public func nextRun(after date: Date, in timeZone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var match = DateComponents()
        match.minute = minute
        match.second = 0
        switch interval {
        case .hourly: break
        case .daily: match.hour = hour
        case .weekly: match.hour = hour; match.weekday = day
        case .monthly: match.hour = hour; match.day = day
        }
        if let next = calendar.nextDate(after: date, matching: match, matchingPolicy: .nextTime, repeatedTimePolicy: .first, direction: .forward) {
            return next
        }
        // Unreachable for valid schedules; one period later keeps the scheduler going.
        let seconds: Double = switch interval {
        case .hourly: 3600
        case .daily: 86400
        case .weekly: 7 * 86400
        case .monthly: 28 * 86400
        }
        return date.addingTimeInterval(seconds)
    }
}

/// A recurring snapshot schedule on one volume: one policy per volume and interval type.
public struct SnapshotPolicy: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var volumeID: Int64
    public var accountID: Int64
    public var domainID: Int64
    public var schedule: SnapshotSchedule
    /// A time zone id (`Asia/Kolkata`, `UTC`) the schedule is read in.
    public var timeZone: String
    /// Snapshots of this policy kept; older ones are deleted after a new one is taken.
    public var maxSnaps: Int
    public var display: Bool
    /// When the scheduler runs it next.
    public var nextRun: Date
    public var created: Date
    public var removed: Date?

    public init(id: Int64 = 0, uuid: UUID = UUID(), volumeID: Int64, accountID: Int64, domainID: Int64, schedule: SnapshotSchedule, timeZone: String,
                maxSnaps: Int, display: Bool = true, nextRun: Date, created: Date, removed: Date? = nil) {
        self.id = id; self.uuid = uuid; self.volumeID = volumeID; self.accountID = accountID; self.domainID = domainID; self.schedule = schedule
        self.timeZone = timeZone; self.maxSnaps = maxSnaps; self.display = display; self.nextRun = nextRun; self.created = created; self.removed = removed
    }

    public var interval: SnapshotIntervalType { schedule.interval }

    /// How many snapshots of a recurring policy to delete so that `kept` + the new one fit in `maxSnaps`.
    public static func excess(kept: Int, maxSnaps: Int) -> Int { max(0, kept - maxSnaps) }
}
