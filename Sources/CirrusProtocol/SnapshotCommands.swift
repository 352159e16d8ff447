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
