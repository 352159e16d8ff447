import CirrusEngine
import CirrusModel
import Foundation

/// Response shapes of guest networks and NICs.
extension Schemas {
    /// CloudStack's `NetworkResponse`.
    static let network = ResponseSchema<NetworkView>(objectName: "network", fields: [
        .string("id", "the ID of the network") { id($0.network.uuid) },
        .string("name", "the name of the network") { $0.network.name },
        .string("displaytext", "the description of the network") { $0.network.displayText },
        .string("broadcastdomaintype", "Vlan, Vxlan or Native") { $0.network.broadcastDomainType },
        .string("traffictype", "the traffic type of the network") { $0.network.trafficType.rawValue },
        .string("gateway", "the IPv4 gateway of the network") { $0.network.gateway },
        .string("netmask", "the IPv4 netmask of the network") { $0.network.cidr.flatMap { IPv4CIDR($0) }?.netmask },
        .string("cidr", "the guest CIDR of the network") { $0.network.cidr },
        .string("networkcidr", "the whole CIDR when only part of it is used by guests") { $0.network.networkCIDR },
        .string("reservediprange", "the part of the network CIDR kept out of guest allocation") { v in
            guard let whole = v.network.networkCIDR.flatMap({ IPv4CIDR($0) }), let guest = v.network.cidr.flatMap({ IPv4CIDR($0) }) else { return nil }
            if guest.range.first > whole.hostRange.first { return "\(whole.hostRange.first)-\(IPv4Address(guest.range.first.value - 1))" }
            if guest.range.last < whole.hostRange.last { return "\(IPv4Address(guest.range.last.value + 1))-\(whole.hostRange.last)" }
            return nil
        },
        .string("zoneid", "the ID of the zone") { $0.zone.map { id($0.uuid) } },
        .string("zonename", "the name of the zone") { $0.zone?.name },
        .string("networkofferingid", "the ID of the network offering") { $0.offering.map { id($0.uuid) } },
        .string("networkofferingname", "the name of the network offering") { $0.offering?.name },
        .string("networkofferingdisplaytext", "the description of the network offering") { $0.offering?.displayText },
        .bool("networkofferingconservemode", "whether the offering uses conserve mode") { $0.offering?.conserveMode },
        .string("networkofferingavailability", "Required or Optional") { $0.offering?.availability.rawValue },
        .bool("issystem", "whether it is a system network") { _ in false },
        .string("state", "Allocated, Setup, Implemented, …") { $0.network.state.rawValue },
        .string("related", "the ID of the related network") { id($0.network.uuid) },
        .string("broadcasturi", "the broadcast URI (vlan://, vxlan://) while implemented") { $0.network.broadcastURI },
        .string("dns1", "the first DNS server") { $0.network.dns1 ?? $0.zone?.dns1 },
        .string("dns2", "the second DNS server") { $0.network.dns2 ?? $0.zone?.dns2 },
        .string("type", "Isolated, Shared or L2") { $0.network.guestType.rawValue },
        .string("vlan", "the VLAN id or VNI of the network") { $0.network.vlan },
        .string("acltype", "Account or Domain") { $0.network.aclType.rawValue },
        .bool("subdomainaccess", "whether subdomains may use a domain-wide network") { $0.network.subdomainAccess },
        .string("account", "the owner account") { $0.network.aclType == .account ? $0.account?.name : nil },
        .string("domainid", "the ID of the owner's domain") { $0.domain.map { id($0.uuid) } },
        .string("domain", "the name of the owner's domain") { $0.domain?.name },
        .string("domainpath", "the path of the owner's domain") { $0.domain?.path },
        .bool("isdefault", "whether it is the default network of the instance (in instance answers)") { $0.isDefault },
        .list("service", "the services of the network", schema: offeringService) { v in
            guard let o = v.offering else { return [] }
            return OfferingServiceEntry.entries(o.services) { o.capability($0, $1) }
        },
        .string("networkdomain", "the DNS domain of the network") { $0.network.networkDomain },
        .string("physicalnetworkid", "the ID of the physical network") { $0.physicalNetworkUUID.map(id) },
        .bool("restartrequired", "whether the network must be restarted to apply a change") { $0.network.restartRequired },
        .bool("specifyipranges", "whether its offering asks for IP ranges") { $0.offering?.specifyIPRanges },
        .bool("canusefordeploy", "whether the caller may deploy instances into it") { $0.canUseForDeploy },
        .bool("ispersistent", "whether it is implemented at creation") { $0.network.isPersistent },
        .bool("displaynetwork", "whether it is shown to its owner") { $0.network.displayNetwork },
        .bool("redundantrouter", "whether it has a redundant router pair") { $0.network.redundant },
        .bool("strechedl2subnet", "whether it spans zones") { _ in false },
        .bool("supportsvmautoscaling", "whether instances on it can be autoscaled") { _ in false },
        .string("egressdefaultpolicy", "the default egress policy: Allow or Deny") { v in
            guard let o = v.offering, v.network.guestType == .isolated else { return nil }
            return o.egressDefaultPolicy ? "Allow" : "Deny"
        },
        .string("internetprotocol", "IPv4 or DualStack") { $0.network.ip6CIDR == nil ? "IPv4" : "DualStack" },
        .string("ip6gateway", "the IPv6 gateway") { $0.network.ip6Gateway },
        .string("ip6cidr", "the IPv6 CIDR") { $0.network.ip6CIDR },
        .string("ip6routing", "how the /64 reaches the network: Static (a route via the router's public IPv6 address)") { $0.network.ip6CIDR == nil ? nil : "Static" },
        .list("ip6routes", "the routes the upstream router needs: the /64 via the router's public IPv6 address", schema: ip6Route) { $0.ip6Routes },
        .long("publicmtu", "the MTU of the router's public interface") { Int64($0.network.publicMTU) },
        .long("privatemtu", "the MTU of the guest interfaces") { Int64($0.network.privateMTU) },
        .string("externalid", "an external reference of the network") { $0.network.externalID },
        .string("vpcid", "the ID of the VPC of a tier") { $0.vpc.map { id($0.uuid) } },
        .string("vpcname", "the name of the VPC of a tier") { $0.vpc?.name },
        .string("aclid", "the ID of a tier's network ACL list") { $0.acl.map { id($0.uuid) } },
        .string("aclname", "the name of a tier's network ACL list") { $0.acl?.name },
        .date("created", "when the network was created") { $0.network.created },
        .bool("hasannotations", "whether the network has annotations") { _ in false },
    ])

    /// CloudStack's `Ipv6RouteResponse`.
    static let ip6Route = ResponseSchema<IPv6Route>(objectName: "ip6route", fields: [
        .string("subnet", "the routed IPv6 subnet") { $0.subnet },
        .string("gateway", "the router's public IPv6 address to route it to") { $0.gateway },
    ])

    static let nicSecondaryIP = ResponseSchema<NicSecondaryIP>(objectName: "secondaryip", fields: [
        .string("id", "the ID of the secondary address") { id($0.uuid) },
        .string("ipaddress", "the secondary address") { $0.address },
    ])

    /// CloudStack's `NicResponse`.
    static let nic = ResponseSchema<NicView>(objectName: "nic", fields: [
        .string("id", "the ID of the NIC") { id($0.nic.uuid) },
        .string("networkid", "the ID of its network") { $0.network.map { id($0.uuid) } },
        .string("networkname", "the name of its network") { $0.network?.name },
        .string("netmask", "the IPv4 netmask") { $0.nic.netmask },
        .string("gateway", "the IPv4 gateway") { $0.nic.gateway },
        .string("ipaddress", "the IPv4 address") { $0.nic.ipv4Address },
        .string("isolationuri", "the isolation URI") { $0.nic.isolationURI },
        .string("broadcasturi", "the broadcast URI") { $0.nic.broadcastURI },
        .string("traffictype", "the traffic type of its network") { $0.network?.trafficType.rawValue },
        .string("type", "the type of its network: Isolated, Shared or L2") { $0.network?.guestType.rawValue },
        .bool("isdefault", "whether it is the instance's default NIC") { $0.nic.isDefault },
        .string("macaddress", "the MAC address") { $0.nic.macAddress },
        .string("ip6gateway", "the IPv6 gateway") { $0.nic.ipv6Gateway },
        .string("ip6cidr", "the IPv6 CIDR") { $0.nic.ipv6CIDR },
        .string("ip6address", "the IPv6 address") { $0.nic.ipv6Address },
        .list("secondaryip", "the secondary addresses of the NIC", schema: nicSecondaryIP) { $0.secondaryIPs },
        .string("deviceid", "the position of the NIC on the instance") { String($0.nic.deviceID) },
        .string("virtualmachineid", "the ID of the instance") { $0.instanceUUID.map(id) },
        .long("mtu", "the MTU of the NIC") { $0.network.map { Int64($0.privateMTU) } },
        .string("vpcid", "the ID of the VPC of its network") { _ in nil },
    ])
}
