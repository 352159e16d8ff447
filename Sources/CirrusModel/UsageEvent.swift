import Foundation

/// A usage event: one billable change of a resource (an instance created, started or
/// stopped, a volume created or deleted, an address assigned...). The usage server turns
/// these into usage records; they are written in the transaction of the change itself.
public struct UsageEvent: Sendable, Equatable {
    public var id: Int64
    /// One of ``UsageEventType``'s constants, such as `VM.CREATE`.
    public var type: String
    public var accountID: Int64
    public var domainID: Int64
    public var zoneID: Int64?
    /// The internal id of the resource (instance, volume, template, address...).
    public var resourceID: Int64?
    public var resourceUUID: UUID?
    public var resourceName: String?
    /// Service or disk offering, where one applies.
    public var offeringID: Int64?
    public var templateID: Int64?
    /// Bytes (volumes, templates, snapshots).
    public var size: Int64?
    public var virtualSize: Int64?
    /// A detail such as the hypervisor or the snapshot's kind (CloudStack's `resource_type`).
    public var resourceType: String?
    /// Whether the usage server has taken it.
    public var processed: Bool
    public var created: Date

    public init(id: Int64 = 0, type: String, accountID: Int64, domainID: Int64, zoneID: Int64? = nil, resourceID: Int64? = nil, resourceUUID: UUID? = nil,
                resourceName: String? = nil, offeringID: Int64? = nil, templateID: Int64? = nil, size: Int64? = nil, virtualSize: Int64? = nil,
                resourceType: String? = nil, processed: Bool = false, created: Date = Date()) {
        self.id = id
        self.type = type
        self.accountID = accountID
        self.domainID = domainID
        self.zoneID = zoneID
        self.resourceID = resourceID
        self.resourceUUID = resourceUUID
        self.resourceName = resourceName
        self.offeringID = offeringID
        self.templateID = templateID
        self.size = size
        self.virtualSize = virtualSize
        self.resourceType = resourceType
        self.processed = processed
        self.created = created
    }
}

/// CloudStack's usage event types.
public enum UsageEventType {
    public static let vmCreate = "VM.CREATE"
    public static let vmStart = "VM.START"
    public static let vmStop = "VM.STOP"
    public static let vmDestroy = "VM.DESTROY"
    public static let vmUpgrade = "VM.UPGRADE"
    public static let volumeCreate = "VOLUME.CREATE"
    public static let volumeDelete = "VOLUME.DELETE"
    public static let volumeResize = "VOLUME.RESIZE"
    public static let snapshotCreate = "SNAPSHOT.CREATE"
    public static let snapshotDelete = "SNAPSHOT.DELETE"
    public static let templateCreate = "TEMPLATE.CREATE"
    public static let templateDelete = "TEMPLATE.DELETE"
    public static let isoCreate = "ISO.CREATE"
    public static let isoDelete = "ISO.DELETE"
    public static let vmSnapshotCreate = "VMSNAPSHOT.CREATE"
    public static let vmSnapshotDelete = "VMSNAPSHOT.DELETE"
    public static let vmSnapshotOnPrimary = "VMSNAPSHOT.ON_PRIMARY"
    public static let vmSnapshotOffPrimary = "VMSNAPSHOT.OFF_PRIMARY"
    public static let ipAssign = "NET.IPASSIGN"
    public static let ipRelease = "NET.IPRELEASE"

    /// Every type above.
    public static let all: [String] = [
        vmCreate, vmStart, vmStop, vmDestroy, vmUpgrade, volumeCreate, volumeDelete, volumeResize, snapshotCreate, snapshotDelete,
        templateCreate, templateDelete, isoCreate, isoDelete, vmSnapshotCreate, vmSnapshotDelete, vmSnapshotOnPrimary, vmSnapshotOffPrimary,
        ipAssign, ipRelease,
    ]
}
