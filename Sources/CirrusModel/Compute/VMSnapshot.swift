import Foundation

/// The lifecycle state of an instance snapshot (CloudStack's `VMSnapshot.State`).
public enum VMSnapshotState: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case allocated = "Allocated"
    case creating = "Creating"
    case ready = "Ready"
    case reverting = "Reverting"
    case expunging = "Expunging"
    case removed = "Removed"
    case error = "Error"
}

/// Disk only, or disk and memory (`snapshotmemory=true`).
public enum VMSnapshotType: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case disk = "Disk"
    case diskAndMemory = "DiskAndMemory"
}

/// A snapshot of a whole instance: every volume, and its memory when taken with `snapshotmemory`.
public struct VMSnapshot: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    /// CloudStack's internal name: `<instance name>_VS_<yyyyMMddHHmmss>`.
    public var name: String
    public var displayName: String
    public var description: String?
    public var instanceID: Int64
    public var accountID: Int64
    public var domainID: Int64
    public var zoneID: Int64
    public var state: VMSnapshotState
    public var type: VMSnapshotType
    public var parentID: Int64?
    /// The snapshot the instance's disks were last taken or reverted to.
    public var current: Bool
    public var created: Date
    public var removed: Date?

    public init(id: Int64 = 0, uuid: UUID = UUID(), name: String, displayName: String, description: String? = nil, instanceID: Int64, accountID: Int64,
                domainID: Int64, zoneID: Int64, state: VMSnapshotState = .allocated, type: VMSnapshotType, parentID: Int64? = nil, current: Bool = false,
                created: Date, removed: Date? = nil) {
        self.id = id; self.uuid = uuid; self.name = name; self.displayName = displayName; self.description = description; self.instanceID = instanceID
        self.accountID = accountID; self.domainID = domainID; self.zoneID = zoneID; self.state = state; self.type = type; self.parentID = parentID
        self.current = current; self.created = created; self.removed = removed
    }

    /// CloudStack's internal name for an instance snapshot taken at `date` (UTC).
    public static func defaultName(instanceName: String, at date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return instanceName + "_VS_" + String(format: "%04d%02d%02d%02d%02d%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }
}

/// CloudStack's instance-snapshot state machine (`VMSnapshot.State` transitions).
public enum VMSnapshotStateMachine {
    public enum Event: String, Sendable, CaseIterable {
        case createRequested = "CreateRequested"
        case operationSucceeded = "OperationSucceeded"
        case operationFailed = "OperationFailed"
        case revertRequested = "RevertRequested"
        case expungeRequested = "ExpungeRequested"
    }

    public static func next(_ state: VMSnapshotState, on event: Event) -> VMSnapshotState? {
        switch (state, event) {
        case (.allocated, .createRequested): .creating
        case (.creating, .operationSucceeded): .ready
        case (.creating, .operationFailed): .error
        case (.ready, .revertRequested): .reverting
        case (.reverting, .operationSucceeded), (.reverting, .operationFailed): .ready
        case (.ready, .expungeRequested), (.error, .expungeRequested): .expunging
        case (.expunging, .expungeRequested): .expunging
        case (.expunging, .operationSucceeded): .removed
        case (.expunging, .operationFailed): .ready
        default: nil
        }
    }
}
