import Foundation

/// `ROOT` (the boot disk made from the template) or `DATADISK` (from a disk offering).
public enum VolumeType: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case root = "ROOT"
    case dataDisk = "DATADISK"
    case swap = "SWAP"
    case iso = "ISO"
    case unknown = "UNKNOWN"
}

/// The lifecycle state of a volume (see ``VolumeStateMachine``).
public enum VolumeState: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case allocated = "Allocated"
    case creating = "Creating"
    case ready = "Ready"
    case migrating = "Migrating"
    case snapshotting = "Snapshotting"
    case revertSnapshotting = "RevertSnapshotting"
    case resizing = "Resizing"
    case expunging = "Expunging"
    case expunged = "Expunged"
    case destroy = "Destroy"
    case destroying = "Destroying"
    case uploadOp = "UploadOp"
    case copying = "Copying"
    case uploaded = "Uploaded"
    case notUploaded = "NotUploaded"
    case uploadInProgress = "UploadInProgress"
    case uploadError = "UploadError"
    case uploadAbandoned = "UploadAbandoned"
    case attaching = "Attaching"

    /// Volumes counted against the account's `volume` and `primary_storage` limits.
    public var countsAgainstLimits: Bool {
        switch self {
        case .destroy, .expunging, .expunged, .destroying: false
        default: true
        }
    }

    /// A busy state: an operation holds the volume.
    public var isBusy: Bool {
        switch self {
        case .creating, .migrating, .snapshotting, .revertSnapshotting, .resizing, .expunging, .destroying, .copying, .attaching, .uploadInProgress: true
        default: false
        }
    }
}

/// A disk: the ROOT volume of an instance or a data disk, attached or not.
public struct Volume: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var name: String
    public var type: VolumeType
    public var state: VolumeState
    public var accountID: Int64
    public var domainID: Int64
    public var zoneID: Int64
    public var podID: Int64?
    /// The primary storage pool holding it (nil while Allocated).
    public var poolID: Int64?
    public var lastPoolID: Int64?
    /// The instance it is attached to.
    public var instanceID: Int64?
    /// The disk's position on the instance (0 = ROOT).
    public var deviceID: Int?
    public var diskOfferingID: Int64?
    /// The template a ROOT volume was made from.
    public var templateID: Int64?
    /// Bytes.
    public var size: Int64
    public var minIOPS: Int64?
    public var maxIOPS: Int64?
    public var provisioningType: ProvisioningType
    public var format: String?
    /// Where the hypervisor finds it on the pool.
    public var path: String?
    public var displayVolume: Bool
    public var hypervisorType: HypervisorType?
    public var updateCount: Int64
    public var attached: Date?
    public var created: Date
    public var destroyed: Date?
    public var removed: Date?

    public init(id: Int64 = 0, uuid: UUID = UUID(), name: String, type: VolumeType, state: VolumeState = .allocated, accountID: Int64, domainID: Int64,
                zoneID: Int64, podID: Int64? = nil, poolID: Int64? = nil, lastPoolID: Int64? = nil, instanceID: Int64? = nil, deviceID: Int? = nil,
                diskOfferingID: Int64?, templateID: Int64? = nil, size: Int64, minIOPS: Int64? = nil, maxIOPS: Int64? = nil,
                provisioningType: ProvisioningType = .thin, format: String? = nil, path: String? = nil, displayVolume: Bool = true,
                hypervisorType: HypervisorType? = nil, updateCount: Int64 = 0, attached: Date? = nil, created: Date, destroyed: Date? = nil,
                removed: Date? = nil) {
        self.id = id; self.uuid = uuid; self.name = name; self.type = type; self.state = state; self.accountID = accountID
        self.domainID = domainID; self.zoneID = zoneID; self.podID = podID; self.poolID = poolID; self.lastPoolID = lastPoolID
        self.instanceID = instanceID; self.deviceID = deviceID; self.diskOfferingID = diskOfferingID; self.templateID = templateID
        self.size = size; self.minIOPS = minIOPS; self.maxIOPS = maxIOPS; self.provisioningType = provisioningType; self.format = format
        self.path = path; self.displayVolume = displayVolume; self.hypervisorType = hypervisorType; self.updateCount = updateCount
        self.attached = attached; self.created = created; self.destroyed = destroyed; self.removed = removed
    }
}

/// CloudStack's volume state machine (`Volume.State` transitions) as a pure value.
public enum VolumeStateMachine {
    public enum Event: String, Sendable, CaseIterable {
        case createRequested = "CreateRequested"
        case copyRequested = "CopyRequested"
        case copySucceeded = "CopySucceeded"
        case copyFailed = "CopyFailed"
        case operationFailed = "OperationFailed"
        case operationSucceeded = "OperationSucceeded"
        case operationRetry = "OperationRetry"
        case operationRetryFromError = "OperationRetryFromError"
        case operationTimeout = "OperationTimeout"
        case migrationRequested = "MigrationRequested"
        case migrationCopyRequested = "MigrationCopyRequested"
        case migrationCopySucceeded = "MigrationCopySucceeded"
        case migrationCopyFailed = "MigrationCopyFailed"
        case snapshotRequested = "SnapshotRequested"
        case revertSnapshotRequested = "RevertSnapshotRequested"
        case resizeRequested = "ResizeRequested"
        case attachRequested = "AttachRequested"
        case destroyRequested = "DestroyRequested"
        case expungingRequested = "ExpungingRequested"
        case recoverRequested = "RecoverRequested"
        case uploadRequested = "UploadRequested"
    }

    public static func next(_ state: VolumeState, on event: Event) -> VolumeState? {
        switch (state, event) {
        case (.allocated, .createRequested), (.allocated, .migrationCopyRequested): .creating
        case (.allocated, .destroyRequested): .destroy
        case (.allocated, .operationFailed), (.allocated, .operationSucceeded): .allocated
        case (.allocated, .uploadRequested): .uploadOp

        case (.creating, .operationSucceeded), (.creating, .migrationCopySucceeded): .ready
        case (.creating, .operationFailed), (.creating, .migrationCopyFailed): .allocated
        case (.creating, .operationRetry), (.creating, .createRequested): .creating
        case (.creating, .destroyRequested): .destroy

        case (.ready, .createRequested): .creating
        case (.ready, .resizeRequested): .resizing
        case (.ready, .snapshotRequested): .snapshotting
        case (.ready, .revertSnapshotRequested): .revertSnapshotting
        case (.ready, .migrationRequested): .migrating
        case (.ready, .attachRequested): .attaching
        case (.ready, .destroyRequested): .destroy
        case (.ready, .operationSucceeded), (.ready, .operationFailed): .ready

        case (.resizing, .operationSucceeded), (.resizing, .operationFailed),
             (.snapshotting, .operationSucceeded), (.snapshotting, .operationFailed),
             (.revertSnapshotting, .operationSucceeded), (.revertSnapshotting, .operationFailed),
             (.migrating, .operationSucceeded), (.migrating, .operationFailed),
             (.attaching, .operationSucceeded), (.attaching, .operationFailed): .ready

        case (.destroy, .expungingRequested): .expunging
        case (.destroy, .recoverRequested): .ready
        case (.destroy, .operationRetryFromError): .allocated
        case (.destroy, .operationSucceeded), (.destroy, .operationFailed): .destroy

        case (.expunging, .operationSucceeded): .expunged
        case (.expunging, .operationFailed): .destroy
        case (.expunging, .expungingRequested): .expunging
        case (.expunged, _): .expunged

        case (.notUploaded, .uploadRequested): .uploadInProgress
        case (.notUploaded, .operationSucceeded): .uploaded
        case (.notUploaded, .operationFailed): .uploadError
        case (.notUploaded, .operationTimeout): .uploadAbandoned
        case (.uploadInProgress, .operationSucceeded): .uploaded
        case (.uploadInProgress, .operationFailed), (.uploadInProgress, .operationTimeout): .uploadError
        case (.uploaded, .copyRequested): .copying
        case (.copying, .operationSucceeded), (.copying, .copySucceeded): .ready
        case (.copying, .operationFailed), (.copying, .copyFailed): .uploaded
        case (.uploadOp, .operationSucceeded): .uploaded
        case (.uploadOp, .operationFailed): .allocated
        case (.uploadError, .destroyRequested), (.uploadAbandoned, .destroyRequested), (.uploaded, .destroyRequested),
             (.uploadOp, .destroyRequested): .destroy
        default: nil
        }
    }
}
