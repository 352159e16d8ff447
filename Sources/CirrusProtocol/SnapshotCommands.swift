import Foundation

/// A volume snapshot as the host sees it: taken from the volume on its pool and backed up
/// to `installPath` on the zone's image store.
public struct SnapshotTO: Codable, Sendable, Equatable {
    public var snapshotUUID: String
    public var volumeUUID: String
    /// Where the volume is on its pool.
    public var volumePath: String
    /// Where the backup goes on (or is read from) secondary storage.
    public var installPath: String
    public var sizeBytes: Int64

    public init(snapshotUUID: String, volumeUUID: String, volumePath: String, installPath: String, sizeBytes: Int64) {
        self.snapshotUUID = snapshotUUID; self.volumeUUID = volumeUUID; self.volumePath = volumePath; self.installPath = installPath; self.sizeBytes = sizeBytes
    }
}

/// An instance snapshot: all disks of the instance and, with `withMemory`, its memory.
public struct VMSnapshotTO: Codable, Sendable, Equatable {
    public var snapshotName: String
    public var instanceName: String
    public var withMemory: Bool
    public var volumes: [VolumeTO]

    public init(snapshotName: String, instanceName: String, withMemory: Bool, volumes: [VolumeTO]) {
        self.snapshotName = snapshotName; self.instanceName = instanceName; self.withMemory = withMemory; self.volumes = volumes
    }
}

/// One end of a ``CopyCommand`` (CloudStack's `DataTO`): a volume on a primary pool, or a
/// snapshot backup or template file on an image store.
public struct DataObjectTO: Codable, Sendable, Equatable {
    /// What the object is.
    public enum Kind: String, Codable, Sendable { case volume = "VOLUME", snapshot = "SNAPSHOT", template = "TEMPLATE" }
    /// Where it is kept.
    public enum Store: String, Codable, Sendable { case primary = "Primary", image = "Image" }

    public var kind: Kind
    public var store: Store
    /// The UUID of the object (volume, snapshot or template).
    public var uuid: String
    /// The UUID of the primary pool or image store; empty when the host finds it itself.
    public var storeUUID: String
    /// The file on that store.
    public var path: String
    public var sizeBytes: Int64

    public init(kind: Kind, store: Store, uuid: String, storeUUID: String, path: String, sizeBytes: Int64) {
        self.kind = kind; self.store = store; self.uuid = uuid; self.storeUUID = storeUUID; self.path = path; self.sizeBytes = sizeBytes
    }
}

/// Copies data between stores (CloudStack's `CopyCommand`): a snapshot backup into a new
/// volume on a primary pool, or a snapshot backup or a volume into a template file on an
/// image store. The answer's details carry the destination path.
public struct CopyCommand: Codable, Sendable, Equatable {
    public var source: DataObjectTO
    public var destination: DataObjectTO
    /// Seconds the host may take.
    public var wait: Int

    public init(source: DataObjectTO, destination: DataObjectTO, wait: Int) {
        self.source = source; self.destination = destination; self.wait = wait
    }
}
