import CirrusModel
import Foundation
import Testing

@Suite("Snapshots: state machines and schedules")
struct SnapshotModelTests {
    @Test("The snapshot state machine follows CloudStack's transitions and refuses the rest")
    func snapshotStates() {
        #expect(SnapshotStateMachine.next(.allocated, on: .createRequested) == .creating)
        #expect(SnapshotStateMachine.next(.creating, on: .operationSucceeded) == .createdOnPrimary)
        #expect(SnapshotStateMachine.next(.creating, on: .operationNotPerformed) == .backedUp)
        #expect(SnapshotStateMachine.next(.creating, on: .operationFailed) == .error)
        #expect(SnapshotStateMachine.next(.createdOnPrimary, on: .backupToSecondary) == .backingUp)
        #expect(SnapshotStateMachine.next(.backingUp, on: .operationSucceeded) == .backedUp)
        #expect(SnapshotStateMachine.next(.backingUp, on: .operationFailed) == .error)
        #expect(SnapshotStateMachine.next(.backedUp, on: .destroyRequested) == .destroying)
        #expect(SnapshotStateMachine.next(.backedUp, on: .copyingRequested) == .copying)
        #expect(SnapshotStateMachine.next(.copying, on: .operationFailed) == .backedUp)
        #expect(SnapshotStateMachine.next(.destroying, on: .operationSucceeded) == .destroyed)
        #expect(SnapshotStateMachine.next(.destroying, on: .operationFailed) == .backedUp)
        // Not allowed.
        #expect(SnapshotStateMachine.next(.creating, on: .destroyRequested) == nil)
        #expect(SnapshotStateMachine.next(.destroyed, on: .destroyRequested) == nil)
        #expect(SnapshotStateMachine.next(.error, on: .copyingRequested) == nil)
        #expect(SnapshotStateMachine.next(.allocated, on: .operationSucceeded) == nil)
    }

    @Test("The instance snapshot state machine")
    func vmSnapshotStates() {
        #expect(VMSnapshotStateMachine.next(.allocated, on: .createRequested) == .creating)
        #expect(VMSnapshotStateMachine.next(.creating, on: .operationSucceeded) == .ready)
        #expect(VMSnapshotStateMachine.next(.creating, on: .operationFailed) == .error)
        #expect(VMSnapshotStateMachine.next(.ready, on: .revertRequested) == .reverting)
        #expect(VMSnapshotStateMachine.next(.reverting, on: .operationSucceeded) == .ready)
        #expect(VMSnapshotStateMachine.next(.ready, on: .expungeRequested) == .expunging)
        #expect(VMSnapshotStateMachine.next(.expunging, on: .operationSucceeded) == .removed)
        #expect(VMSnapshotStateMachine.next(.creating, on: .revertRequested) == nil)
        #expect(VMSnapshotStateMachine.next(.removed, on: .expungeRequested) == nil)
    }

    @Test("Schedules parse as CloudStack writes them and refuse wrong fields or ranges")
    func parsing() throws {
        #expect(try SnapshotSchedule.parse("15", interval: .hourly) == SnapshotSchedule(interval: .hourly, minute: 15))
        #expect(try SnapshotSchedule.parse("30:02", interval: .daily) == SnapshotSchedule(interval: .daily, minute: 30, hour: 2))
        #expect(try SnapshotSchedule.parse("00:23:7", interval: .weekly) == SnapshotSchedule(interval: .weekly, minute: 0, hour: 23, day: 7))
        #expect(try SnapshotSchedule.parse("05:01:28", interval: .monthly).day == 28)
        #expect(try SnapshotSchedule.parse("30:02", interval: .daily).text == "30:02")
        for (text, interval) in [("60", SnapshotIntervalType.hourly), ("15:02", .hourly), ("30", .daily), ("30:24", .daily), ("x:02", .daily),
                                 ("00:01:0", .weekly), ("00:01:8", .weekly), ("00:01:29", .monthly), ("00:01", .monthly), ("", .hourly)] {
            #expect(throws: SnapshotSchedule.Invalid.self, "\(text) \(interval)") { try SnapshotSchedule.parse(text, interval: interval) }
        }
        #expect(SnapshotIntervalType(parameter: "daily") == .daily)
        #expect(SnapshotIntervalType(parameter: "3") == .monthly)
        #expect(SnapshotIntervalType(parameter: "4") == nil)
        #expect(SnapshotIntervalType(parameter: "yearly") == nil)
    }

    func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test("The next run of each interval type, strictly after now, in the policy's time zone")
    func nextRun() throws {
        let utc = TimeZone(identifier: "UTC")!
        let now = date("2024-03-13T10:20:00Z") // a Wednesday
        #expect(SnapshotSchedule(interval: .hourly, minute: 30).nextRun(after: now, in: utc) == date("2024-03-13T10:30:00Z"))
        #expect(SnapshotSchedule(interval: .hourly, minute: 10).nextRun(after: now, in: utc) == date("2024-03-13T11:10:00Z"))
        #expect(SnapshotSchedule(interval: .hourly, minute: 20).nextRun(after: now, in: utc) == date("2024-03-13T11:20:00Z"))
        #expect(SnapshotSchedule(interval: .daily, minute: 0, hour: 2).nextRun(after: now, in: utc) == date("2024-03-14T02:00:00Z"))
        #expect(SnapshotSchedule(interval: .daily, minute: 45, hour: 10).nextRun(after: now, in: utc) == date("2024-03-13T10:45:00Z"))
        // Weekly: day 1 is Sunday.
        #expect(SnapshotSchedule(interval: .weekly, minute: 0, hour: 1, day: 1).nextRun(after: now, in: utc) == date("2024-03-17T01:00:00Z"))
        #expect(SnapshotSchedule(interval: .weekly, minute: 0, hour: 9, day: 4).nextRun(after: now, in: utc) == date("2024-03-20T09:00:00Z"))
        // Monthly: the 5th has passed this month; across the year end too.
        #expect(SnapshotSchedule(interval: .monthly, minute: 0, hour: 0, day: 5).nextRun(after: now, in: utc) == date("2024-04-05T00:00:00Z"))
        #expect(SnapshotSchedule(interval: .monthly, minute: 0, hour: 0, day: 1).nextRun(after: date("2024-12-15T00:00:00Z"), in: utc)
                == date("2025-01-01T00:00:00Z"))
        // Time zones: 02:00 in Kolkata (UTC+5:30) is 20:30 UTC the day before.
        let kolkata = try #require(TimeZone(identifier: "Asia/Kolkata"))
        #expect(SnapshotSchedule(interval: .daily, minute: 0, hour: 2).nextRun(after: now, in: kolkata) == date("2024-03-13T20:30:00Z"))
        // New York changes to summer time on 10 March 2024: 02:30 does not exist and runs at the next instant.
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        let skipped = SnapshotSchedule(interval: .daily, minute: 30, hour: 2).nextRun(after: date("2024-03-10T05:00:00Z"), in: newYork)
        #expect(skipped > date("2024-03-10T05:00:00Z") && skipped <= date("2024-03-10T08:00:00Z"), "\(skipped)")
        // Before and after the change the wall clock is kept.
        #expect(SnapshotSchedule(interval: .daily, minute: 0, hour: 1).nextRun(after: date("2024-03-09T12:00:00Z"), in: newYork) == date("2024-03-10T06:00:00Z"))
        #expect(SnapshotSchedule(interval: .daily, minute: 0, hour: 1).nextRun(after: date("2024-03-10T12:00:00Z"), in: newYork) == date("2024-03-11T05:00:00Z"))
    }

    @Test("Names and retention arithmetic")
    func namesAndRetention() {
        let at = date("2024-03-13T10:20:05Z")
        #expect(Snapshot.defaultName(instanceHostName: "web-1", volumeName: "ROOT-5", at: at) == "web-1_ROOT-5_20240313102005")
        #expect(Snapshot.defaultName(instanceHostName: nil, volumeName: "DATA-7", at: at) == "detached_DATA-7_20240313102005")
        #expect(VMSnapshot.defaultName(instanceName: "i-2-5-VM", at: at) == "i-2-5-VM_VS_20240313102005")
        #expect(SnapshotPolicy.excess(kept: 5, maxSnaps: 3) == 2)
        #expect(SnapshotPolicy.excess(kept: 2, maxSnaps: 3) == 0)
        #expect(SnapshotType(.weekly) == .weekly)
        #expect(SnapshotType.daily.interval == .daily)
        #expect(SnapshotType.manual.interval == nil)
    }
}
