extension EventType {
    public static let snapshotCreate = "SNAPSHOT.CREATE"
    public static let snapshotDelete = "SNAPSHOT.DELETE"
    public static let snapshotRevert = "SNAPSHOT.REVERT"
    public static let snapshotCopy = "SNAPSHOT.COPY"
    public static let snapshotPolicyCreate = "SNAPSHOTPOLICY.CREATE"
    public static let snapshotPolicyUpdate = "SNAPSHOTPOLICY.UPDATE"
    public static let snapshotPolicyDelete = "SNAPSHOTPOLICY.DELETE"
    public static let vmSnapshotCreate = "VMSNAPSHOT.CREATE"
    public static let vmSnapshotDelete = "VMSNAPSHOT.DELETE"
    public static let vmSnapshotRevert = "VMSNAPSHOT.REVERTTO"

    /// The snapshot event types.
    static let snapshots: [String] = [snapshotCreate, snapshotDelete, snapshotRevert, snapshotCopy, snapshotPolicyCreate, snapshotPolicyUpdate,
                                      snapshotPolicyDelete, vmSnapshotCreate, vmSnapshotDelete, vmSnapshotRevert]
}
