import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation

extension Schemas {
    /// CloudStack's `UserVmResponse`, as far as instances go without guest networks.
    static let virtualMachine = ResponseSchema<InstanceView>(objectName: "virtualmachine", fields: [
        .string("id", "the ID of the instance") { id($0.vm.uuid) },
        .string("name", "the host name of the instance") { $0.vm.hostName },
        .string("displayname", "the display name of the instance") { $0.vm.displayName },
        .string("account", "the account owning the instance") { $0.item.accountName },
        .string("userid", "the ID of the user who deployed the instance") { $0.item.userUUID.map(id) },
        .string("username", "the name of the user who deployed the instance") { $0.item.userName },
        .string("domainid", "the ID of the domain of the instance") { id($0.item.domainUUID) },
        .string("domain", "the name of the domain of the instance") { $0.item.domainName },
        .string("domainpath", "the path of the domain of the instance") { $0.item.domainPath },
        .date("created", "when the instance was created") { $0.vm.created },
        .string("state", "the state of the instance") { $0.vm.state.rawValue },
        .bool("haenable", "whether high availability is enabled for the instance") { $0.vm.haEnabled },
        .string("group", "the group of the instance") { $0.vm.group },
        .string("zoneid", "the ID of the zone") { $0.item.zoneUUID.map(id) },
        .string("zonename", "the name of the zone") { $0.item.zoneName },
        .string("hostid", "the ID of the host running the instance (admins only)") { $0.item.hostUUID.map(id) },
        .string("hostname", "the name of the host running the instance (admins only)") { $0.item.hostName },
        .string("templateid", "the ID of the template of the instance") { $0.item.templateUUID.map(id) },
        .string("templatename", "the name of the template of the instance") { $0.item.templateName },
        .string("templatedisplaytext", "the display text of the template") { $0.item.templateDisplayText },
        .bool("passwordenabled", "whether the template sets a password on the instance") { $0.item.passwordEnabled },
        .string("serviceofferingid", "the ID of the service offering") { $0.item.serviceOfferingUUID.map(id) },
        .string("serviceofferingname", "the name of the service offering") { $0.item.serviceOfferingName },
        .integer("cpunumber", "the number of CPU cores") { $0.vm.cpu },
        .integer("cpuspeed", "the speed of each core in MHz") { Int($0.vm.cpuSpeed) },
        .integer("memory", "the memory in MiB") { Int($0.vm.memory) },
        .string("guestosid", "the ID of the guest OS type") { $0.item.osTypeUUID.map(id) },
        .string("ostypeid", "the ID of the guest OS type") { $0.item.osTypeUUID.map(id) },
        .string("osdisplayname", "the name of the guest OS type") { $0.item.osTypeDescription },
        .long("rootdeviceid", "the device id of the ROOT volume") { $0.rootVolume.map { Int64($0.deviceID ?? 0) } },
        .string("rootdevicetype", "the type of the ROOT volume") { $0.rootVolume.map { _ in "ROOT" } },
        .string("hypervisor", "the hypervisor of the instance") { $0.vm.hypervisorType.rawValue },
        .string("instancename", "the hypervisor's name for the instance (admins only)") { $0.vm.instanceName },
        .string("password", "the password of the instance, shown once") { $0.password },
        .string("keypairs", "the SSH key pairs of the instance, comma-separated") { $0.vm.keyPairs.isEmpty ? nil : $0.vm.keyPairs.joined(separator: ",") },
        .map("details", "details of the instance") { v in v.vm.details.isEmpty ? nil : v.vm.details.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } },
        .bool("displayvm", "whether the instance is shown to its owner") { $0.vm.displayVM },
        .bool("isdynamicallyscalable", "whether CPU and memory can be changed while it runs") { $0.vm.dynamicallyScalable },
        .string("userdata", "the base64 user data of the instance") { $0.vm.userData },
        .string("pooltype", "the type of the pool of the ROOT volume") { _ in nil },
        .date("lastupdated", "when the instance's state last changed") { _ in nil },
        .list("nic", "the NICs of the instance", schema: nic) { $0.nics },
        .list("securitygroup", "the security groups of the instance", schema: instanceSecurityGroup) { $0.securityGroups },
        .list("affinitygroup", "the affinity groups of the instance", schema: instanceAffinityGroup) { $0.affinityGroups },
        .resourceTags { $0.tags },
        // What its host last reported, while it runs.
        .string("cpuused", "the share of its CPU the instance used, as a percentage") { v in v.stats.map { String(format: "%.2f%%", $0.cpuUtilization) } },
        .long("networkkbsread", "the KiB the instance read from the network") { v in v.stats.map { Int64($0.networkReadKBs) } },
        .long("networkkbswrite", "the KiB the instance wrote to the network") { v in v.stats.map { Int64($0.networkWriteKBs) } },
        .long("diskkbsread", "the KiB the instance read from its disks") { v in v.stats.map { Int64($0.diskReadKBs) } },
        .long("diskkbswrite", "the KiB the instance wrote to its disks") { v in v.stats.map { Int64($0.diskWriteKBs) } },
        .long("diskioread", "the read operations on the instance's disks") { v in v.stats?.diskReadIOs },
        .long("diskiowrite", "the write operations on the instance's disks") { v in v.stats?.diskWriteIOs },
        .long("memorykbs", "the memory the instance has, in KiB") { v in v.stats?.memoryKBs },
        .long("memoryintfreekbs", "the memory free inside the instance, in KiB") { v in v.stats?.memoryInternalFreeKBs },
        .long("memorytargetkbs", "the memory the host targets for the instance, in KiB") { v in v.stats?.memoryTargetKBs },
    ])

    /// The `details` groups of listVirtualMachines (CloudStack's VMDetails) and the fields each
    /// brings; fields in no group are always shown. `all` (the default) shows every group, `min`
    /// none of them.
    static let instanceDetailGroups: [String: Set<String>] = [
        "group": ["group", "groupid"],
        "tmpl": ["templateid", "templatename", "templatedisplaytext", "passwordenabled"],
        "servoff": ["serviceofferingid", "serviceofferingname", "cpunumber", "cpuspeed", "memory"],
        "diskoff": ["diskofferingid", "diskofferingname"],
        "backoff": ["backupofferingid", "backupofferingname"],
        "iso": ["isoid", "isoname", "isodisplaytext"],
        "volume": ["rootdeviceid", "rootdevicetype"],
        "stats": ["cpuused", "networkkbsread", "networkkbswrite", "diskkbsread", "diskkbswrite", "diskioread", "diskiowrite", "memorykbs",
                  "memoryintfreekbs", "memorytargetkbs"],
        "secgrp": ["securitygroup"],
        "nics": ["nic"],
        "affgrp": ["affinitygroup"],
    ]

    /// The instance schema for a `details` list: every field for none or `all`, otherwise the
    /// fields of no group plus those of the groups named. An unknown value is refused (431).
    static func virtualMachine(details: [String]) throws -> ResponseSchema<InstanceView> {
        let asked = Set(details.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
        let allowed = Set(instanceDetailGroups.keys).union(["all", "min"])
        if let bad = asked.subtracting(allowed).sorted().first {
            throw CloudError.invalidParameter("The details parameter contains a non permitted value \(bad). The allowed values are \(allowed.sorted().joined(separator: ", "))")
        }
        guard !asked.isEmpty, !asked.contains("all") else { return virtualMachine }
        var hidden = Set(instanceDetailGroups.values.joined())
        for group in asked { hidden.subtract(instanceDetailGroups[group] ?? []) }
        return ResponseSchema(objectName: virtualMachine.objectName, fields: virtualMachine.fields.filter { !hidden.contains($0.info.name) })
    }

    /// listVirtualMachinesMetrics: an instance with its totals and traffic in readable units.
    static let virtualMachineMetrics = ResponseSchema<InstanceView>(objectName: "virtualmachine", fields: virtualMachine.fields + [
        .string("cputotal", "the cores and speed of the instance") { v in
            "\(v.vm.cpu) x \(String(format: "%.2f", Double(v.vm.cpuSpeed) / 1000)) Ghz"
        },
        .string("memorytotal", "the memory of the instance") { v in String(format: "%.2f GB", Double(v.vm.memory) / 1024) },
        .string("networkread", "the data the instance read from the network") { v in v.stats.map { String(format: "%.2f MB", $0.networkReadKBs / 1024) } },
        .string("networkwrite", "the data the instance wrote to the network") { v in v.stats.map { String(format: "%.2f MB", $0.networkWriteKBs / 1024) } },
        .string("diskread", "the data the instance read from its disks") { v in v.stats.map { String(format: "%.2f MB", $0.diskReadKBs / 1024) } },
        .string("diskwrite", "the data the instance wrote to its disks") { v in v.stats.map { String(format: "%.2f MB", $0.diskWriteKBs / 1024) } },
        .long("diskiopstotal", "the read and write operations on the instance's disks") { v in v.stats.map { $0.diskReadIOs + $0.diskWriteIOs } },
    ])

    /// An affinity group as listed inside an instance.
    static let instanceAffinityGroup = ResponseSchema<AffinityGroup>(objectName: "affinitygroup", fields: [
        .string("id", "the ID of the affinity group") { id($0.uuid) },
        .string("name", "the name of the affinity group") { $0.name },
        .string("description", "the description of the affinity group") { $0.description },
        .string("type", "the type of the affinity group") { $0.type.rawValue },
    ])

    /// CloudStack's `VolumeResponse`.
    static let volume = ResponseSchema<VolumeListItem>(objectName: "volume", fields: [
        .string("id", "the ID of the volume") { id($0.volume.uuid) },
        .string("name", "the name of the volume") { $0.volume.name },
        .string("zoneid", "the ID of the zone") { $0.zoneUUID.map(id) },
        .string("zonename", "the name of the zone") { $0.zoneName },
        .string("type", "ROOT or DATADISK") { $0.volume.type.rawValue },
        .long("deviceid", "the device id on the instance") { $0.volume.deviceID.map(Int64.init) },
        .string("virtualmachineid", "the ID of the instance it is attached to") { $0.instanceUUID.map(id) },
        .string("vmname", "the host name of the instance it is attached to") { $0.instanceName },
        .string("vmdisplayname", "the display name of the instance it is attached to") { $0.instanceDisplayName },
        .string("vmstate", "the state of the instance it is attached to") { $0.instanceState },
        .string("provisioningtype", "thin, sparse or fat") { $0.volume.provisioningType.rawValue },
        .long("size", "the size in bytes") { $0.volume.size },
        .long("miniops", "the minimum IOPS") { $0.volume.minIOPS },
        .long("maxiops", "the maximum IOPS") { $0.volume.maxIOPS },
        .date("created", "when the volume was created") { $0.volume.created },
        .string("state", "the state of the volume") { $0.volume.state.rawValue },
        .string("account", "the account owning the volume") { $0.accountName },
        .string("domainid", "the ID of the domain") { id($0.domainUUID) },
        .string("domain", "the name of the domain") { $0.domainName },
        .string("domainpath", "the path of the domain") { $0.domainPath },
        .string("storagetype", "shared or local") { $0.poolType == "Filesystem" ? "local" : "shared" },
        .string("hypervisor", "the hypervisor of the volume") { $0.volume.hypervisorType?.rawValue },
        .string("diskofferingid", "the ID of the disk offering") { $0.diskOfferingUUID.map(id) },
        .string("diskofferingname", "the name of the disk offering") { $0.diskOfferingName },
        .string("diskofferingdisplaytext", "the display text of the disk offering") { $0.diskOfferingDisplayText },
        .string("storage", "the name of the primary storage pool") { $0.poolName },
        .string("storageid", "the ID of the primary storage pool (admins only)") { $0.poolUUID.map(id) },
        .string("templateid", "the ID of the template a ROOT volume was made from") { $0.templateUUID.map(id) },
        .string("templatename", "the name of that template") { $0.templateName },
        .date("attached", "when the volume was attached") { $0.volume.attached },
        .bool("destroyed", "whether the volume is destroyed (recoverable until expunged)") { $0.volume.state == .destroy },
        .bool("isextractable", "whether the volume can be downloaded") { _ in true },
        .bool("displayvolume", "whether the volume is shown to its owner") { $0.volume.displayVolume },
        .string("path", "the path of the volume on its pool") { $0.volume.path },
        .string("format", "the disk format") { $0.volume.format },
        .resourceTags { $0.tags },
    ])
}
