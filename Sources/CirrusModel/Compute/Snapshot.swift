import Foundation

/// The lifecycle state of a volume snapshot (CloudStack's `Snapshot.State`).
public enum SnapshotState: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case allocated = "Allocated"
    case creating = "Creating"
    case createdOnPrimary = "CreatedOnPrimary"
    case backingUp = "BackingUp"
    case backedUp = "BackedUp"
    case copying = "Copying"
    case destroying = "Destroying"
    case destroyed = "Destroyed"
    case error = "Error"

    /// Snapshots counted against the `snapshot` and `secondary_storage` limits.
    public var countsAgainstLimits: Bool {
        switch self {
        case .destroyed, .error: false
        default: true
        }
    }
}

/// How a snapshot came to be (CloudStack's `Snapshot.Type`, stored by ordinal there).
public enum SnapshotType: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case manual = "MANUAL"
    case recurring = "RECURRING"
    case template = "TEMPLATE"
    case hourly = "HOURLY"
    case daily = "DAILY"
    case weekly = "WEEKLY"
    case monthly = "MONTHLY"
    case group = "GROUP"

    /// The recurring type a policy of `interval` gives its snapshots.
    public init(_ interval: SnapshotIntervalType) {
        switch interval {
        case .hourly: self = .hourly
        case .daily: self = .daily
        case .weekly: self = .weekly
        case .monthly: self = .monthly
        }
    }

    /// The policy interval of a recurring snapshot, nil for manual ones.
    public var interval: SnapshotIntervalType? {
        switch self {
        case .hourly: .hourly
        case .daily: .daily
        case .weekly: .weekly
        case .monthly: .monthly
        default: nil
        }
    }
}

/// Where a snapshot is kept: on primary storage only, or backed up to secondary storage.
public enum SnapshotLocationType: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case primary = "PRIMARY"
    case secondary = "SECONDARY"
}

/// A point-in-time copy of a volume, kept on the image stores of one or more zones.
public struct Snapshot: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var name: String
    public var accountID: Int64
    public var domainID: Int64
    /// The zone of the volume (copies in other zones are store refs).
    public var zoneID: Int64
    public var volumeID: Int64
    public var diskOfferingID: Int64?
    public var type: SnapshotType
    public var state: SnapshotState
    /// Bytes: the volume's size when it was taken.
    public var size: Int64
    public var physicalSize: Int64
    public var hypervisorType: HypervisorType?
    public var locationType: SnapshotLocationType?
    /// The policy that took it (recurring snapshots).
    public var policyID: Int64?
    public var created: Date
    public var removed: Date?

    public init(id: Int64 = 0, uuid: UUID = UUID(), name: String, accountID: Int64, domainID: Int64, zoneID: Int64, volumeID: Int64,
                diskOfferingID: Int64? = nil, type: SnapshotType = .manual, state: SnapshotState = .allocated, size: Int64, physicalSize: Int64 = 0,
                hypervisorType: HypervisorType? = nil, locationType: SnapshotLocationType? = nil, policyID: Int64? = nil, created: Date,
                removed: Date? = nil) {
        self.id = id; self.uuid = uuid; self.name = name; self.accountID = accountID; self.domainID = domainID; self.zoneID = zoneID
        self.volumeID = volumeID; self.diskOfferingID = diskOfferingID; self.type = type; self.state = state; self.size = size
        self.physicalSize = physicalSize; self.hypervisorType = hypervisorType; self.locationType = locationType; self.policyID = policyID
        self.created = created; self.removed = removed
    }

    /// CloudStack's snapshot name: `<instance host name or "detached">_<volume name>_<yyyyMMddHHmmss>` in UTC.
    public static func defaultName(instanceHostName: String?, volumeName: String, at date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let stamp = String(format: "%04d%02d%02d%02d%02d%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        return "\(instanceHostName ?? "detached")_\(volumeName)_\(stamp)"
    }
}

/// CloudStack's snapshot state machine (`SnapshotStateMachineManagerImpl`) as a pure value.
public enum SnapshotStateMachine {
    public enum Event: String, Sendable, CaseIterable {
        case createRequested = "CreateRequested"
        case operationSucceeded = "OperationSucceeded"
        case operationNotPerformed = "OperationNotPerformed"
        case operationFailed = "OperationFailed"
        case backupToSecondary = "BackupToSecondary"
        case destroyRequested = "DestroyRequested"
        case copyingRequested = "CopyingRequested"
    }

    /// The state after `event`, or nil when the event is not allowed in `state`.
    public static func next(_ state: SnapshotState, on event: Event) -> SnapshotState? {
        switch (state, event) {
        case (.allocated, .createRequested): .creating
        case (.creating, .operationSucceeded): .createdOnPrimary
        case (.creating, .operationNotPerformed): .backedUp
        case (.creating, .operationFailed): .error
        case (.createdOnPrimary, .backupToSecondary): .backingUp
        case (.createdOnPrimary, .operationNotPerformed): .backedUp
        case (.backingUp, .operationSucceeded): .backedUp
        case (.backingUp, .operationFailed): .error
        case (.backedUp, .destroyRequested): .destroying
        case (.backedUp, .copyingRequested): .copying
        case (.copying, .operationSucceeded), (.copying, .operationFailed): .backedUp
        case (.destroying, .operationSucceeded): .destroyed
        case (.destroying, .operationFailed): .backedUp
        default: nil
        }
    }
}
