import Foundation

/// Where a primary storage pool is visible: one host (local storage), a cluster or a zone.
public enum StoragePoolScope: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case host = "HOST"
    case cluster = "CLUSTER"
    case zone = "ZONE"
}

/// The primary storage pool types Cirrus drives.
public enum StoragePoolType: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    /// A local directory on one host.
    case filesystem = "Filesystem"
    /// A path mounted at the same place on every host of the cluster or zone.
    case sharedMountPoint = "SharedMountPoint"
    /// NFS.
    case networkFilesystem = "NetworkFilesystem"

    /// Shared pools are visible to more than one host.
    public var isShared: Bool { self != .filesystem }
}

/// A primary storage pool's state (CloudStack's `StoragePoolStatus`).
public enum StoragePoolStatus: String, Sendable, Codable, CaseIterable {
    case initial = "Initial"
    case initialized = "Initialized"
    case creating = "Creating"
    case attaching = "Attaching"
    case up = "Up"
    case prepareForMaintenance = "PrepareForMaintenance"
    case errorInMaintenance = "ErrorInMaintenance"
    case cancelMaintenance = "CancelMaintenance"
    case maintenance = "Maintenance"
    case disabled = "Disabled"
    case removed = "Removed"
}

/// A primary storage pool: where volumes live.
public struct StoragePool: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var name: String
    public var zoneID: Int64
    public var podID: Int64?
    public var clusterID: Int64?
    /// Set for local (HOST-scope) pools.
    public var hostID: Int64?
    public var scope: StoragePoolScope
    public var type: StoragePoolType
    /// The URL given to `createStoragePool`, such as `nfs://10.0.0.5/export` or `SharedMountPoint:///mnt/primary`.
    public var url: String?
    public var hostAddress: String?
    public var path: String
    public var hypervisorType: HypervisorType?
    /// The storage provider: `DefaultPrimary`.
    public var provider: String
    public var capacityBytes: Int64
    public var usedBytes: Int64
    public var capacityIOPS: Int64?
    public var status: StoragePoolStatus
    public var managed: Bool
    public var tags: [String]
    public var created: Date

    public init(id: Int64, uuid: UUID, name: String, zoneID: Int64, podID: Int64?, clusterID: Int64?, hostID: Int64?, scope: StoragePoolScope,
                type: StoragePoolType, url: String?, hostAddress: String?, path: String, hypervisorType: HypervisorType?, provider: String = "DefaultPrimary",
                capacityBytes: Int64, usedBytes: Int64, capacityIOPS: Int64? = nil, status: StoragePoolStatus, managed: Bool = false, tags: [String] = [], created: Date) {
        self.id = id; self.uuid = uuid; self.name = name; self.zoneID = zoneID; self.podID = podID; self.clusterID = clusterID
        self.hostID = hostID; self.scope = scope; self.type = type; self.url = url; self.hostAddress = hostAddress; self.path = path
        self.hypervisorType = hypervisorType; self.provider = provider; self.capacityBytes = capacityBytes; self.usedBytes = usedBytes
        self.capacityIOPS = capacityIOPS; self.status = status; self.managed = managed; self.tags = tags; self.created = created
    }
}

/// A secondary (image) store: holds templates, ISOs and snapshot backups.
public struct ImageStore: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var name: String
    /// Nil for region-wide stores.
    public var zoneID: Int64?
    /// `NFS` (and, for the embedded default, a local directory).
    public var provider: String
    /// `nfs` or `file`.
    public var protocolName: String
    public var url: String
    /// Where the management server reads and writes the store's files.
    public var path: String
    /// `ZONE` or `REGION`.
    public var scope: String
    /// `Image` or `ImageCache`.
    public var role: String
    public var totalBytes: Int64
    public var usedBytes: Int64
    public var readOnly: Bool
    public var created: Date

    public init(id: Int64, uuid: UUID, name: String, zoneID: Int64?, provider: String, protocolName: String, url: String, path: String,
                scope: String = "ZONE", role: String = "Image", totalBytes: Int64, usedBytes: Int64, readOnly: Bool = false, created: Date) {
        self.id = id; self.uuid = uuid; self.name = name; self.zoneID = zoneID; self.provider = provider; self.protocolName = protocolName
        self.url = url; self.path = path; self.scope = scope; self.role = role; self.totalBytes = totalBytes; self.usedBytes = usedBytes
        self.readOnly = readOnly; self.created = created
    }
}
