import CirrusEngine
import CirrusModel
import Foundation

/// A pod's management range as `ipranges` lists it.
struct PodIPRange: Sendable {
    var startIP: String
    var endIP: String
}

/// Response shapes of zones, physical networks and their traffic types, providers and
/// virtual-router elements, pods, clusters, storage pools, image stores and public IP ranges.
extension Schemas {
    static func optionalID(_ uuid: UUID?) -> String? { uuid.map(id) }

    /// The `capacity` list of zones, pods and clusters, present only when asked for.
    static func capacities<Source>(_ get: @escaping @Sendable (Source) -> [CapacityView]) -> ResponseField<Source> {
        ResponseField("capacity", "the capacities (with showcapacities=true)", type: .list, children: CapacityCommands.capacity.fieldInfo) { source in
            let items = get(source)
            return items.isEmpty ? nil : .array(items.map(CapacityCommands.capacity.render))
        }
    }

    static let zone = ResponseSchema<ZoneView>(objectName: "zone", fields: [
        .string("id", "the ID of the zone") { id($0.zone.uuid) },
        .string("name", "the name of the zone") { $0.zone.name },
        .string("description", "the description of the zone") { $0.zone.description },
        .string("dns1", "the first public DNS server") { $0.full ? $0.zone.dns1 : nil },
        .string("dns2", "the second public DNS server") { $0.full ? $0.zone.dns2 : nil },
        .string("ip6dns1", "the first IPv6 DNS server") { $0.full ? $0.zone.ip6DNS1 : nil },
        .string("ip6dns2", "the second IPv6 DNS server") { $0.full ? $0.zone.ip6DNS2 : nil },
        .string("internaldns1", "the first internal DNS server") { $0.full ? $0.zone.internalDNS1 : nil },
        .string("internaldns2", "the second internal DNS server") { $0.full ? $0.zone.internalDNS2 : nil },
        .string("guestcidraddress", "the default guest CIDR of isolated networks") { $0.full ? $0.zone.guestCIDR : nil },
        .string("displaytext", "the display text of the zone") { $0.zone.description ?? $0.zone.name },
        .string("domain", "the network domain of the zone") { $0.zone.networkDomain },
        .string("domainid", "the ID of the domain the zone is dedicated to") { optionalID($0.domain?.uuid) },
        .string("domainname", "the name of the domain the zone is dedicated to") { $0.domain?.name },
        .string("networktype", "the network type of the zone: Basic or Advanced") { $0.zone.networkType.rawValue },
        .bool("securitygroupsenabled", "whether security groups are enabled") { $0.zone.securityGroupEnabled },
        .string("allocationstate", "the allocation state of the zone") { $0.zone.allocationState.rawValue },
        .string("zonetoken", "the token of the zone") { $0.full ? $0.zone.uuid.uuidString.lowercased() : nil },
        .string("dhcpprovider", "the DHCP provider of the zone") { $0.zone.networkType == .basic ? "DhcpServer" : "VirtualRouter" },
        .bool("localstorageenabled", "whether local storage may be used for user instances") { $0.zone.localStorageEnabled },
        .string("type", "the type of the zone: Core or Edge") { $0.zone.zoneType.rawValue },
        capacities { $0.capacities },
        .bool("allowuserspecifyvrmtu", "whether users may set the MTU of virtual router interfaces") { _ in false },
        .integer("routerprivateinterfacemaxmtu", "the largest MTU of a virtual router's private interface") { _ in 1500 },
        .integer("routerpublicinterfacemaxmtu", "the largest MTU of a virtual router's public interface") { _ in 1500 },
        .bool("isnsxenabled", "whether NSX is enabled in the zone") { _ in false },
        .bool("hasannotations", "whether the zone has annotations") { _ in false },
    ])

    static let physicalNetwork = ResponseSchema<PhysicalNetworkView>(objectName: "physicalnetwork", fields: [
        .string("id", "the ID of the physical network") { id($0.network.uuid) },
        .string("name", "the name of the physical network") { $0.network.name },
        .string("broadcastdomainrange", "the broadcast domain range: ZONE or POD") { $0.network.broadcastDomainRange },
        .string("zoneid", "the ID of the zone") { optionalID($0.zone?.uuid) },
        .string("zonename", "the name of the zone") { $0.zone?.name },
        .string("state", "the state of the physical network") { $0.network.state.rawValue },
        .string("vlan", "the guest VLAN/VNI ranges") { $0.network.vlan },
        .string("domainid", "the ID of the domain the network belongs to") { optionalID($0.domain?.uuid) },
        .string("tags", "the tags of the physical network") { $0.network.tags.isEmpty ? nil : $0.network.tags.joined(separator: ",") },
        .string("isolationmethods", "the isolation methods") { $0.network.isolationMethods.map(\.rawValue).joined(separator: ",") },
        .string("networkspeed", "the speed of the physical network") { $0.network.networkSpeed },
    ])

    static let trafficType = ResponseSchema<TrafficTypeView>(objectName: "traffictype", fields: [
        .string("id", "the ID of the traffic type") { id($0.trafficType.uuid) },
        .string("traffictype", "the traffic type") { $0.trafficType.trafficType.rawValue },
        .string("physicalnetworkid", "the ID of the physical network") { id($0.physicalNetwork.uuid) },
        .string("kvmnetworklabel", "the bridge carrying this traffic on KVM hosts") { $0.trafficType.kvmLabel },
        .string("vlan", "the VLAN of the traffic type") { $0.trafficType.vlan },
        .string("isolationmethods", "the isolation method of the traffic type") { $0.trafficType.isolationMethod },
    ])

    static let networkServiceProvider = ResponseSchema<ProviderView>(objectName: "networkserviceprovider", fields: [
        .string("name", "the name of the provider") { $0.provider.name },
        .string("physicalnetworkid", "the ID of the physical network") { optionalID($0.physicalNetwork?.uuid) },
        .string("destinationphysicalnetworkid", "the ID of the destination physical network") { optionalID($0.destination?.uuid) },
        .string("state", "the state of the provider") { $0.provider.state.rawValue },
        .string("id", "the ID of the provider") { id($0.provider.uuid) },
        .stringList("servicelist", "the services the provider offers") { $0.provider.services },
        .bool("canenableindividualservice", "whether services can be enabled one by one") { _ in true },
    ])

    static let virtualRouterElement = ResponseSchema<RouterElementView>(objectName: "virtualrouterelement", fields: [
        .string("id", "the ID of the element") { id($0.element.uuid) },
        .string("nspid", "the ID of its network service provider") { optionalID($0.provider?.uuid) },
        .bool("enabled", "whether the element is enabled") { $0.element.enabled },
    ])

    static let podIPRange = ResponseSchema<PodIPRange>(objectName: "iprange", fields: [
        .string("startip", "the first address of the range") { $0.startIP },
        .string("endip", "the last address of the range") { $0.endIP },
        .string("forsystemvms", "whether the range is for system VMs") { _ in "0" },
        .string("vlanid", "the VLAN of the range") { _ in nil },
    ])

    static func podRanges(_ pod: Pod) -> [PodIPRange] {
        guard let s = pod.startIP, let e = pod.endIP else { return [] }
        return [PodIPRange(startIP: s, endIP: e)]
    }

    static let pod = ResponseSchema<PodView>(objectName: "pod", fields: [
        .string("id", "the ID of the pod") { id($0.pod.uuid) },
        .string("name", "the name of the pod") { $0.pod.name },
        .string("zoneid", "the ID of the zone") { optionalID($0.zone?.uuid) },
        .string("zonename", "the name of the zone") { $0.zone?.name },
        .string("gateway", "the gateway of the pod") { $0.pod.gateway },
        .string("netmask", "the netmask of the pod") { IPv4CIDR($0.pod.cidr)?.netmask },
        .list("ipranges", "the management IP ranges of the pod", schema: podIPRange) { podRanges($0.pod) },
        .stringList("startip", "the first addresses of the pod's ranges") { podRanges($0.pod).map(\.startIP) },
        .stringList("endip", "the last addresses of the pod's ranges") { podRanges($0.pod).map(\.endIP) },
        .stringList("forsystemvms", "whether each range is for system VMs") { podRanges($0.pod).map { _ in "0" } },
        .stringList("vlanid", "the VLAN of each range") { podRanges($0.pod).map { _ in "" } },
        .string("allocationstate", "the allocation state of the pod") { $0.pod.allocationState.rawValue },
        capacities { $0.capacities },
        .bool("hasannotations", "whether the pod has annotations") { _ in false },
    ])

    static let cluster = ResponseSchema<ClusterView>(objectName: "cluster", fields: [
        .string("id", "the ID of the cluster") { id($0.cluster.uuid) },
        .string("name", "the name of the cluster") { $0.cluster.name },
        .string("podid", "the ID of the pod") { optionalID($0.pod?.uuid) },
        .string("podname", "the name of the pod") { $0.pod?.name },
        .string("zoneid", "the ID of the zone") { optionalID($0.zone?.uuid) },
        .string("zonename", "the name of the zone") { $0.zone?.name },
        .string("hypervisortype", "the hypervisor of the cluster") { $0.cluster.hypervisorType.rawValue },
        .string("clustertype", "the type of the cluster") { $0.cluster.clusterType },
        .string("allocationstate", "the allocation state of the cluster") { $0.cluster.allocationState.rawValue },
        .string("managedstate", "whether the cluster is managed") { $0.cluster.managedState },
        .string("cpuovercommitratio", "the CPU overcommit ratio") { $0.cpuOvercommit },
        .string("memoryovercommitratio", "the memory overcommit ratio") { $0.memoryOvercommit },
        capacities { $0.capacities },
        .string("arch", "the CPU architecture of the cluster") { $0.cluster.arch },
        .bool("hasannotations", "whether the cluster has annotations") { _ in false },
    ])

    static let storagePool = ResponseSchema<StoragePoolView>(objectName: "storagepool", fields: [
        .string("id", "the ID of the storage pool") { id($0.pool.uuid) },
        .string("zoneid", "the ID of the zone") { optionalID($0.zone?.uuid) },
        .string("zonename", "the name of the zone") { $0.zone?.name },
        .string("podid", "the ID of the pod") { optionalID($0.pod?.uuid) },
        .string("podname", "the name of the pod") { $0.pod?.name },
        .string("name", "the name of the storage pool") { $0.pool.name },
        .string("ipaddress", "the address of the storage server") { $0.pool.hostAddress },
        .string("path", "the path of the pool on the storage server") { $0.pool.path },
        .date("created", "when the pool was created") { $0.pool.created },
        .string("type", "the type of the pool") { $0.pool.type.rawValue },
        .string("clusterid", "the ID of the cluster") { optionalID($0.cluster?.uuid) },
        .string("clustername", "the name of the cluster") { $0.cluster?.name },
        .long("disksizetotal", "the total size of the pool in bytes") { $0.pool.capacityBytes },
        .long("disksizeallocated", "the bytes allocated to volumes") { $0.allocatedBytes },
        .long("disksizeused", "the bytes used on the pool") { $0.pool.usedBytes },
        .long("capacityiops", "the IOPS the pool provides") { $0.pool.capacityIOPS },
        .string("tags", "the storage tags of the pool") { $0.pool.tags.isEmpty ? nil : $0.pool.tags.joined(separator: ",") },
        .bool("istagarule", "whether the tags are a rule") { _ in false },
        .string("state", "the state of the pool") { $0.pool.status.rawValue },
        .string("scope", "the scope of the pool: HOST, CLUSTER or ZONE") { $0.pool.scope.rawValue },
        .string("overprovisionfactor", "the storage overprovisioning factor") { $0.overprovisionFactor },
        .string("hypervisor", "the hypervisor of the pool") { $0.pool.hypervisorType?.rawValue },
        .string("provider", "the storage provider") { $0.pool.provider },
        .bool("managed", "whether the pool is managed storage") { $0.pool.managed },
        .bool("hasannotations", "whether the pool has annotations") { _ in false },
    ])

    static let imageStore = ResponseSchema<ImageStoreView>(objectName: "imagestore", fields: [
        .string("id", "the ID of the image store") { id($0.store.uuid) },
        .string("zoneid", "the ID of the zone") { optionalID($0.zone?.uuid) },
        .string("zonename", "the name of the zone") { $0.zone?.name },
        .string("name", "the name of the image store") { $0.store.name },
        .string("url", "the URL of the image store") { $0.store.url },
        .string("protocol", "the protocol of the image store") { $0.store.protocolName },
        .string("providername", "the provider of the image store") { $0.store.provider },
        .string("scope", "the scope of the image store") { $0.store.scope },
        .bool("readonly", "whether the store is read-only") { $0.store.readOnly },
        .long("disksizetotal", "the total size in bytes") { $0.store.totalBytes },
        .long("disksizeused", "the used size in bytes") { $0.store.usedBytes },
        .bool("hasannotations", "whether the store has annotations") { _ in false },
    ])

    static let vlanIPRange = ResponseSchema<VlanIPRangeView>(objectName: "vlan", fields: [
        .string("id", "the ID of the range") { id($0.range.uuid) },
        .bool("forvirtualnetwork", "whether the range is a public (virtual network) range") { $0.range.vlanType == "VirtualNetwork" },
        .string("zoneid", "the ID of the zone") { optionalID($0.zone?.uuid) },
        .string("vlan", "the VLAN of the range") { $0.range.vlanTag },
        .string("account", "the account the range is dedicated to") { $0.account?.name },
        .string("domainid", "the domain the range is dedicated to") { optionalID($0.domain?.uuid) },
        .string("domain", "the name of the domain the range is dedicated to") { $0.domain?.name },
        .string("podid", "the ID of the pod") { optionalID($0.pod?.uuid) },
        .string("podname", "the name of the pod") { $0.pod?.name },
        .string("description", "the addresses of the range") { v in v.range.startIP.map { "\($0)-\(v.range.endIP ?? $0)" } },
        .string("gateway", "the gateway of the range") { $0.range.gateway },
        .string("netmask", "the netmask of the range") { $0.range.netmask },
        .string("cidr", "the CIDR of the range") { v in
            v.range.gateway.flatMap(IPv4Address.init).flatMap { g in v.range.netmask.flatMap { IPv4CIDR(address: g, netmask: $0) } }?.description
        },
        .string("startip", "the first address of the range") { $0.range.startIP },
        .string("endip", "the last address of the range") { $0.range.endIP },
        .string("ip6gateway", "the IPv6 gateway of the range") { $0.range.ip6Gateway },
        .string("ip6cidr", "the public IPv6 prefix of the range") { $0.range.ip6CIDR },
        .string("startipv6", "the first IPv6 address of the range") { $0.range.ip6Start },
        .string("endipv6", "the last IPv6 address of the range") { $0.range.ip6End },
        .string("physicalnetworkid", "the ID of the physical network") { optionalID($0.physicalNetwork?.uuid) },
        .bool("forsystemvms", "whether the range is reserved for system VMs") { $0.range.forSystemVMs },
        .bool("fornsx", "whether the range is for NSX") { _ in false },
    ])
}
