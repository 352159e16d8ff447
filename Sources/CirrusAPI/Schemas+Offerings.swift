import CirrusEngine
import CirrusModel
import Foundation

/// One service of a network or VPC offering, for rendering.
struct OfferingServiceEntry: Sendable {
    var service: NetworkService
    var providers: [NetworkProvider]
    var capabilities: [(name: String, value: String, choosable: Bool)]

    /// The capabilities shown for each service: the ones a caller can choose, with the
    /// offering's value or CloudStack's default.
    static func entries(_ services: ServiceProviderMap, capability: (NetworkService, String) -> String?) -> [OfferingServiceEntry] {
        services.entries.map { entry in
            let names = entry.service.choosableCapabilities.sorted()
            let caps = names.compactMap { name in capability(entry.service, name).map { (name: name, value: $0, choosable: true) } }
            return OfferingServiceEntry(service: entry.service, providers: entry.providers, capabilities: caps)
        }
    }
}

extension Schemas {
    /// Comma-joined ids and names of an offering's domains or zones; `nil` when unlimited.
    static func joinedIDs(_ uuids: [UUID]) -> String? { uuids.isEmpty ? nil : uuids.map(id).joined(separator: ",") }
    static func joinedNames(_ names: [String]) -> String? { names.isEmpty ? nil : names.joined(separator: ",") }

    /// The response names of the twelve disk rate fields, in ``DiskRates/parameterNames`` order.
    static let rateFieldNames = [
        "diskBytesReadRate", "diskBytesReadRateMax", "diskBytesReadRateMaxLength", "diskBytesWriteRate", "diskBytesWriteRateMax", "diskBytesWriteRateMaxLength",
        "diskIopsReadRate", "diskIopsReadRateMax", "diskIopsReadRateMaxLength", "diskIopsWriteRate", "diskIopsWriteRateMax", "diskIopsWriteRateMaxLength",
    ]

    static func rateFields<S>(_ rates: @escaping @Sendable (S) -> DiskRates?) -> [ResponseField<S>] {
        zip(DiskRates.parameterNames, rateFieldNames).map { param, field in
            .long(field, "the \(param) throttle of volumes from this offering") { rates($0)?[param] }
        }
    }

    static let serviceOffering = ResponseSchema<ServiceOfferingView>(objectName: "serviceoffering", fields: [
        .string("id", "the ID of the service offering") { id($0.offering.uuid) },
        .string("name", "the name of the service offering") { $0.offering.name },
        .string("state", "Active or Inactive") { $0.offering.state.rawValue },
        .string("displaytext", "the description of the service offering") { $0.offering.displayText },
        .integer("cpunumber", "the number of CPUs (fixed offerings)") { $0.offering.cpuNumber },
        .integer("cpuspeed", "the speed of each CPU in MHz") { $0.offering.cpuSpeed },
        .integer("memory", "the memory in MB (fixed offerings)") { $0.offering.memory },
        .date("created", "when the offering was created") { $0.offering.created },
        .string("storagetype", "shared or local storage for the ROOT volume") { $0.disk?.storageType.rawValue },
        .string("provisioningtype", "thin, sparse or fat provisioning of the ROOT volume") { $0.disk?.provisioningType.rawValue },
        .bool("offerha", "whether instances are restarted elsewhere when their host fails") { $0.offering.offerHA },
        .bool("limitcpuuse", "whether the CPU use is capped at the offered speed") { $0.offering.limitCPUUse },
        .bool("isvolatile", "whether the ROOT volume is replaced on every reboot") { $0.offering.isVolatile },
        .string("storagetags", "the storage tags of the ROOT volume's disk offering") { $0.disk?.tags },
        .string("domainid", "the IDs of the domains the offering is limited to, comma separated") { joinedIDs($0.domains.map(\.uuid)) },
        .string("domain", "the names of those domains, comma separated") { joinedNames($0.domains.map(\.name)) },
        .string("zoneid", "the IDs of the zones the offering is limited to, comma separated") { joinedIDs($0.zones.map(\.uuid)) },
        .string("zone", "the names of those zones, comma separated") { joinedNames($0.zones.map(\.name)) },
        .string("hosttags", "the host tags an instance's host must carry") { $0.offering.hostTags },
        .bool("issystem", "whether this is a system VM offering") { $0.offering.isSystem },
        .bool("defaultuse", "whether this is the default system offering of its system VM type") { $0.offering.defaultUse },
        .string("systemvmtype", "the system VM type of a system offering") { $0.offering.systemVMType?.rawValue },
        .integer("networkrate", "the network rate in Mbps") { $0.offering.networkRate },
        .bool("iscustomizediops", "whether the user picks the IOPS of the ROOT volume") { $0.disk?.isCustomizedIOPS },
        .long("miniops", "the minimum IOPS of the ROOT volume") { $0.disk?.minIOPS },
        .long("maxiops", "the maximum IOPS of the ROOT volume") { $0.disk?.maxIOPS },
        .integer("hypervisorsnapshotreserve", "extra space (%) reserved for hypervisor snapshots") { $0.disk?.hypervisorSnapshotReserve },
    ] + rateFields { $0.disk?.rates } + [
        .string("deploymentplanner", "the deployment planner of the offering") { $0.offering.deploymentPlanner?.rawValue },
        .map("serviceofferingdetails", "the bounds of a customized offering") { $0.offering.details.isEmpty ? nil : $0.offering.details },
        .bool("iscustomized", "whether the user picks CPU and memory") { $0.offering.isCustomized },
        .string("cacheMode", "the cache mode of the ROOT volume: none, writeback or writethrough") { $0.disk?.cacheMode.rawValue },
        .long("rootdisksize", "the size of the ROOT volume in GB") { $0.disk.flatMap { $0.diskSizeGB > 0 ? $0.diskSizeGB : nil } },
        .bool("dynamicscalingenabled", "whether instances may be scaled while running") { $0.offering.dynamicScalingEnabled },
        .bool("diskofferingstrictness", "whether the ROOT disk offering cannot be changed for instances of this offering") { $0.offering.diskOfferingStrictness },
        .string("diskofferingid", "the ID of the ROOT volume's disk offering") { $0.disk.map { id($0.uuid) } },
        .string("diskofferingname", "the name of the ROOT volume's disk offering") { $0.disk?.name },
        .string("diskofferingdisplaytext", "the description of the ROOT volume's disk offering") { $0.disk?.displayText },
        .bool("encryptroot", "whether the ROOT volume is encrypted") { $0.disk?.encrypt ?? false },
        .bool("hasannotations", "whether the offering has comments") { _ in false },
    ])

    static let diskOffering = ResponseSchema<DiskOfferingView>(objectName: "diskoffering", fields: [
        .string("id", "the ID of the disk offering") { id($0.offering.uuid) },
        .string("domainid", "the IDs of the domains the offering is limited to, comma separated") { joinedIDs($0.domains.map(\.uuid)) },
        .string("domain", "the names of those domains, comma separated") { joinedNames($0.domains.map(\.name)) },
        .string("zoneid", "the IDs of the zones the offering is limited to, comma separated") { joinedIDs($0.zones.map(\.uuid)) },
        .string("zone", "the names of those zones, comma separated") { joinedNames($0.zones.map(\.name)) },
        .string("name", "the name of the disk offering") { $0.offering.name },
        .string("state", "Active or Inactive") { $0.offering.state.rawValue },
        .string("displaytext", "the description of the disk offering") { $0.offering.displayText },
        .long("disksize", "the size of the disk in GB; 0 for a customized offering") { $0.offering.diskSizeGB },
        .date("created", "when the offering was created") { $0.offering.created },
        .bool("iscustomized", "whether the user picks the size") { $0.offering.isCustomized },
        .bool("iscustomizediops", "whether the user picks the IOPS") { $0.offering.isCustomizedIOPS },
        .long("miniops", "the minimum IOPS") { $0.offering.minIOPS },
        .long("maxiops", "the maximum IOPS") { $0.offering.maxIOPS },
        .integer("hypervisorsnapshotreserve", "extra space (%) reserved for hypervisor snapshots") { $0.offering.hypervisorSnapshotReserve },
        .string("tags", "the storage tags a pool must carry") { $0.offering.tags },
        .string("storagetype", "shared or local storage") { $0.offering.storageType.rawValue },
        .string("provisioningtype", "thin, sparse or fat provisioning") { $0.offering.provisioningType.rawValue },
    ] + rateFields { $0.offering.rates } + [
        .string("cacheMode", "none, writeback or writethrough") { $0.offering.cacheMode.rawValue },
        .bool("displayoffering", "whether the offering is shown to users") { $0.offering.displayOffering },
        .bool("disksizestrictness", "whether volumes of this offering cannot be resized") { $0.offering.diskSizeStrictness },
        .bool("encrypt", "whether volumes of this offering are encrypted") { $0.offering.encrypt },
        .bool("hasannotations", "whether the offering has comments") { _ in false },
    ])

    static let offeringProvider = ResponseSchema<NetworkProvider>(objectName: "provider", fields: [
        .string("name", "the name of the provider") { $0.rawValue },
    ])

    static let offeringCapability = ResponseSchema<(name: String, value: String, choosable: Bool)>(objectName: "capability", fields: [
        .string("name", "the name of the capability") { $0.name },
        .string("value", "the value of the capability") { $0.value },
        .bool("canchooseservicecapability", "whether the capability can be chosen when creating an offering") { $0.choosable },
    ])

    static let offeringService = ResponseSchema<OfferingServiceEntry>(objectName: "service", fields: [
        .string("name", "the name of the service") { $0.service.rawValue },
        .list("provider", "the providers of the service", schema: offeringProvider) { $0.providers },
        .list("capability", "the capabilities of the service", schema: offeringCapability) { $0.capabilities },
    ])

    static let networkOffering = ResponseSchema<NetworkOfferingView>(objectName: "networkoffering", fields: [
        .string("id", "the ID of the network offering") { id($0.offering.uuid) },
        .string("name", "the name of the network offering") { $0.offering.name },
        .string("displaytext", "the description of the network offering") { $0.offering.displayText },
        .string("tags", "the tag a physical network must carry") { $0.offering.tags },
        .date("created", "when the offering was created") { $0.offering.created },
        .string("traffictype", "the traffic type, Guest for user networks") { $0.offering.trafficType.rawValue },
        .bool("isdefault", "whether the offering was installed with the cloud") { $0.offering.isDefault },
        .bool("specifyvlan", "whether networks of this offering name their VLAN") { $0.offering.specifyVlan },
        .bool("conservemode", "whether one public IP may carry several kinds of rules") { $0.offering.conserveMode },
        .bool("specifyipranges", "whether networks of this offering name their IP ranges") { $0.offering.specifyIPRanges },
        .string("availability", "Required, Optional or Unavailable") { $0.offering.availability.rawValue },
        .integer("networkrate", "the network rate in Mbps") { $0.offering.networkRate },
        .string("state", "Enabled or Disabled") { $0.offering.state.rawValue },
        .string("guestiptype", "Isolated, Shared or L2") { $0.offering.guestIPType?.rawValue },
        .string("serviceofferingid", "the system offering of the network's virtual routers") { $0.serviceOfferingUUID.map(id) },
        .list("service", "the services of the offering", schema: offeringService) { v in
            OfferingServiceEntry.entries(v.offering.services) { v.offering.capability($0, $1) }
        },
        .bool("forvpc", "whether the offering is for VPC tiers") { $0.offering.forVPC },
        .bool("ispersistent", "whether networks are implemented as soon as they are created") { $0.offering.isPersistent },
        .bool("egressdefaultpolicy", "true: egress traffic is allowed unless a rule denies it") { $0.offering.egressDefaultPolicy },
        .integer("maxconnections", "the maximum connections of the load balancer") { $0.offering.maxConnections },
        .bool("supportsstrechedl2subnet", "whether networks may stretch across zones") { $0.offering.capability(.connectivity, "StretchedL2Subnet") == "true" },
        .bool("supportspublicaccess", "whether networks may be reached from the public network") { $0.offering.capability(.connectivity, "PublicAccess") == "true" },
        .bool("supportsinternallb", "whether the offering has the internal load balancer") { $0.offering.services.providers(of: .lb).contains(.internalLbVm) },
        .string("domainid", "the IDs of the domains the offering is limited to, comma separated") { joinedIDs($0.domains.map(\.uuid)) },
        .string("domain", "the names of those domains, comma separated") { joinedNames($0.domains.map(\.name)) },
        .string("zoneid", "the IDs of the zones the offering is limited to, comma separated") { joinedIDs($0.zones.map(\.uuid)) },
        .string("zone", "the names of those zones, comma separated") { joinedNames($0.zones.map(\.name)) },
        .string("internetprotocol", "IPv4 or DualStack") { $0.offering.internetProtocol ?? "IPv4" },
        .bool("hasannotations", "whether the offering has comments") { _ in false },
    ])

    static let vpcOffering = ResponseSchema<VPCOfferingView>(objectName: "vpcoffering", fields: [
        .string("id", "the ID of the VPC offering") { id($0.offering.uuid) },
        .string("name", "the name of the VPC offering") { $0.offering.name },
        .string("displaytext", "the description of the VPC offering") { $0.offering.displayText },
        .date("created", "when the offering was created") { $0.offering.created },
        .bool("isdefault", "whether the offering was installed with the cloud") { $0.offering.isDefault },
        .string("state", "Enabled or Disabled") { $0.offering.state.rawValue },
        .list("service", "the services of the offering", schema: offeringService) { v in
            OfferingServiceEntry.entries(v.offering.services) { v.offering.capability($0, $1) }
        },
        .bool("distributedvpcrouter", "whether the VPC router is distributed") { $0.offering.capability(.connectivity, "DistributedRouter") == "true" },
        .string("supportsregionLevelvpc", "whether VPCs may span the zones of a region") { $0.offering.capability(.connectivity, "RegionLevelVpc") ?? "false" },
        .string("domainid", "the IDs of the domains the offering is limited to, comma separated") { joinedIDs($0.domains.map(\.uuid)) },
        .string("domain", "the names of those domains, comma separated") { joinedNames($0.domains.map(\.name)) },
        .string("zoneid", "the IDs of the zones the offering is limited to, comma separated") { joinedIDs($0.zones.map(\.uuid)) },
        .string("zone", "the names of those zones, comma separated") { joinedNames($0.zones.map(\.name)) },
        .string("internetprotocol", "IPv4 or DualStack") { $0.offering.internetProtocol ?? "IPv4" },
    ])
}
