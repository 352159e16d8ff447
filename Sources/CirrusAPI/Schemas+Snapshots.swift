import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation

extension Schemas {
    /// CloudStack's `SnapshotResponse`: one snapshot as seen in one zone.
    static let snapshot = ResponseSchema<SnapshotListItem>(objectName: "snapshot", fields: [
        .string("id", "the ID of the snapshot") { id($0.snapshot.uuid) },
        .string("name", "the name of the snapshot") { $0.snapshot.name },
        .string("account", "the account owning the snapshot") { $0.accountName },
        .string("domainid", "the ID of the domain") { id($0.domainUUID) },
        .string("domain", "the name of the domain") { $0.domainName },
        .string("domainpath", "the path of the domain") { $0.domainPath },
        .string("snapshottype", "MANUAL, HOURLY, DAILY, WEEKLY or MONTHLY") { $0.snapshot.type.rawValue },
        .string("intervaltype", "the interval of the policy that took it") { $0.snapshot.type.interval?.rawValue },
        .string("volumeid", "the ID of the volume") { $0.volumeUUID.map(id) },
        .string("volumename", "the name of the volume") { $0.volumeName },
        .string("volumetype", "the type of the volume") { $0.volumeType },
        .string("volumestate", "whether the volume still exists") { $0.volumeExists ? "Ready" : "Expunged" },
        .date("created", "when the snapshot was taken") { $0.snapshot.created },
        .string("state", "the state of the snapshot") { $0.snapshot.state.rawValue },
        .string("locationtype", "PRIMARY or SECONDARY") { $0.snapshot.locationType?.rawValue },
        .long("physicalsize", "the bytes the snapshot takes on secondary storage") { $0.snapshot.physicalSize },
        .long("virtualsize", "the size of the volume when it was taken") { $0.snapshot.size },
        .string("zoneid", "the ID of the zone of this copy") { $0.zoneUUID.map(id) },
        .string("zonename", "the name of the zone of this copy") { $0.zoneName },
        .bool("revertable", "whether the snapshot can be reverted onto its volume") { $0.volumeExists && $0.snapshot.state == .backedUp },
        .string("datastoreid", "the ID of the image store of this copy") { $0.storeUUID.map(id) },
        .string("datastorename", "the name of the image store of this copy") { $0.storeName },
        .string("datastorestate", "the state of this copy") { $0.storeState },
        .string("datastoretype", "the kind of store of this copy") { $0.storeUUID == nil ? nil : "Image" },
        .string("status", "the state of this copy") { $0.storeState },
        .resourceTags { $0.tags },
    ])

    /// CloudStack's `SnapshotPolicyResponse`.
    static let snapshotPolicy = ResponseSchema<SnapshotPolicyListItem>(objectName: "snapshotpolicy", fields: [
        .string("id", "the ID of the policy") { id($0.policy.uuid) },
        .string("volumeid", "the ID of the volume") { id($0.volumeUUID) },
        .string("schedule", "when it runs: MM, MM:HH or MM:HH:DD") { $0.policy.schedule.text },
        .integer("intervaltype", "0 hourly, 1 daily, 2 weekly, 3 monthly") { $0.policy.interval.ordinal },
        .integer("maxsnaps", "the snapshots it keeps") { $0.policy.maxSnaps },
        .string("timezone", "the time zone of the schedule") { $0.policy.timeZone },
        .bool("fordisplay", "whether it is shown to its owner") { $0.policy.display },
        .stringList("zone", "the zones it copies snapshots to") { _ in [] },
        .resourceTags { $0.tags },
    ])

    /// CloudStack's `VMSnapshotResponse`.
    static let vmSnapshot = ResponseSchema<VMSnapshotListItem>(objectName: "vmSnapshot", fields: [
        .string("id", "the ID of the VM snapshot") { id($0.snapshot.uuid) },
        .string("name", "the internal name of the VM snapshot") { $0.snapshot.name },
        .string("displayname", "the name of the VM snapshot") { $0.snapshot.displayName },
        .string("description", "the description") { $0.snapshot.description },
        .string("state", "the state of the VM snapshot") { $0.snapshot.state.rawValue },
        .string("type", "Disk or DiskAndMemory") { $0.snapshot.type.rawValue },
        .bool("current", "whether the instance's disks are at this snapshot") { $0.snapshot.current },
        .string("parent", "the ID of the parent snapshot") { $0.parentUUID.map(id) },
        .string("parentName", "the name of the parent snapshot") { $0.parentName },
        .date("created", "when it was taken") { $0.snapshot.created },
        .string("virtualmachineid", "the ID of the instance") { $0.instanceUUID.map(id) },
        .string("virtualmachinename", "the name of the instance") { $0.instanceName },
        .string("hypervisor", "the hypervisor of the instance") { $0.hypervisor },
        .string("zoneid", "the ID of the zone") { $0.zoneUUID.map(id) },
        .string("zonename", "the name of the zone") { $0.zoneName },
        .string("account", "the account owning it") { $0.accountName },
        .string("domainid", "the ID of the domain") { id($0.domainUUID) },
        .string("domain", "the name of the domain") { $0.domainName },
        .string("domainpath", "the path of the domain") { $0.domainPath },
        .resourceTags { $0.tags },
    ])
}
