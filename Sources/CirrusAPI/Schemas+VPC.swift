import CirrusEngine
import CirrusModel
import Foundation

/// Response shapes of VPCs, network ACLs, private gateways and static routes.
extension Schemas {
    /// CloudStack's `VpcResponse`.
    static let vpc = ResponseSchema<VPCView>(objectName: "vpc", fields: [
        .string("id", "the ID of the VPC") { id($0.vpc.uuid) },
        .string("name", "the name of the VPC") { $0.vpc.name },
        .string("displaytext", "the description of the VPC") { $0.vpc.displayText },
        .string("state", "Enabled, or Inactive while it is deleted") { $0.vpc.state.rawValue },
        .string("zoneid", "the ID of the zone") { $0.zone.map { id($0.uuid) } },
        .string("zonename", "the name of the zone") { $0.zone?.name },
        .list("service", "the services of its offering", schema: offeringService) { v in
            guard let o = v.offering else { return [] }
            return OfferingServiceEntry.entries(o.services) { o.capability($0, $1) }
        },
        .string("cidr", "the super CIDR of the VPC; its tiers lie inside it") { $0.vpc.cidr },
        .string("vpcofferingid", "the ID of the VPC offering") { $0.offering.map { id($0.uuid) } },
        .string("vpcofferingname", "the name of the VPC offering") { $0.offering?.name },
        .date("created", "when the VPC was created") { $0.vpc.created },
        .string("account", "the owner account") { $0.account?.name },
        .string("domainid", "the ID of the owner's domain") { $0.domain.map { id($0.uuid) } },
        .string("domain", "the name of the owner's domain") { $0.domain?.name },
        .list("network", "the tiers of the VPC", schema: network) { $0.tiers },
        .bool("restartrequired", "whether the VPC must be restarted to apply a change") { $0.vpc.restartRequired },
        .string("networkdomain", "the DNS domain of the VPC's tiers") { $0.vpc.networkDomain },
        .bool("fordisplay", "whether it is shown to its owner") { $0.vpc.display },
        .bool("distributedvpcrouter", "whether the VPC router is distributed") { _ in false },
        .bool("regionlevelvpc", "whether the VPC spans the zones of a region") { _ in false },
        .bool("redundantvpcrouter", "whether the VPC has a redundant router pair") { $0.vpc.redundant },
        .long("publicmtu", "the MTU of the router's public interface") { Int64($0.vpc.publicMTU) },
        .string("dns1", "the first DNS server") { $0.vpc.dns1 },
        .string("dns2", "the second DNS server") { $0.vpc.dns2 },
        .string("ip6dns1", "the first IPv6 DNS server") { $0.vpc.ip6DNS1 },
        .string("ip6dns2", "the second IPv6 DNS server") { $0.vpc.ip6DNS2 },
        .bool("hasannotations", "whether the VPC has comments") { _ in false },
    ])

    /// CloudStack's `NetworkACLResponse` (a list).
    static let networkACLList = ResponseSchema<NetworkACLListView>(objectName: "networkacllist", fields: [
        .string("id", "the ID of the list") { id($0.list.uuid) },
        .string("name", "the name of the list") { $0.list.name },
        .string("description", "the description of the list") { $0.list.description },
        .string("vpcid", "the ID of its VPC (none for default_allow and default_deny)") { $0.vpc.map { id($0.uuid) } },
        .string("vpcname", "the name of its VPC") { $0.vpc?.name },
        .bool("fordisplay", "whether it is shown to its owner") { $0.list.display },
    ])

    /// CloudStack's `NetworkACLItemResponse`.
    static let networkACLItem = ResponseSchema<NetworkACLItemView>(objectName: "networkacl", fields: [
        .string("id", "the ID of the item") { id($0.item.uuid) },
        .string("protocol", "tcp, udp, icmp, all or a protocol number") { $0.item.proto },
        .string("startport", "the first port") { $0.item.ports.map { String($0.start) } },
        .string("endport", "the last port") { $0.item.ports.map { String($0.end) } },
        .string("traffictype", "Ingress or Egress") { $0.item.trafficType.rawValue },
        .string("state", "the state of the item") { $0.item.state.rawValue },
        .string("cidrlist", "the CIDRs it matches, comma separated") { cidrs($0.item.cidrs) },
        .integer("icmptype", "the ICMP type (-1: any)") { $0.item.icmpType },
        .integer("icmpcode", "the ICMP code (-1: any)") { $0.item.icmpCode },
        .string("aclid", "the ID of its list") { $0.list.map { id($0.uuid) } },
        .string("aclname", "the name of its list") { $0.list?.name },
        .integer("number", "its position: items are evaluated by ascending number") { $0.item.number },
        .string("action", "Allow or Deny") { $0.item.action.rawValue },
        .bool("fordisplay", "whether it is shown to its owner") { $0.item.display },
        .string("reason", "why the item exists") { $0.item.reason },
    ])

    /// CloudStack's `PrivateGatewayResponse`.
    static let privateGateway = ResponseSchema<PrivateGatewayView>(objectName: "privategateway", fields: [
        .string("id", "the ID of the gateway") { id($0.gateway.uuid) },
        .string("gateway", "the gateway address on the private network") { $0.gateway.gateway },
        .string("netmask", "the netmask of the private network") { $0.gateway.netmask },
        .string("ipaddress", "the router's address on the private network") { $0.gateway.ipAddress },
        .string("zoneid", "the ID of the zone") { $0.zone.map { id($0.uuid) } },
        .string("zonename", "the name of the zone") { $0.zone?.name },
        .string("vlan", "the VLAN of the private network") { $0.gateway.vlan },
        .string("vpcid", "the ID of the VPC") { $0.vpc.map { id($0.uuid) } },
        .string("vpcname", "the name of the VPC") { $0.vpc?.name },
        .string("physicalnetworkid", "the ID of the physical network") { $0.physicalNetworkUUID.map(id) },
        .string("account", "the owner account") { $0.account?.name },
        .string("domainid", "the ID of the owner's domain") { $0.domain.map { id($0.uuid) } },
        .string("domain", "the name of the owner's domain") { $0.domain?.name },
        .string("state", "Creating, Ready or Deleting") { $0.gateway.state.rawValue },
        .bool("sourcenatsupported", "whether source NAT is done on the private network") { $0.gateway.sourceNATSupported },
        .string("aclid", "the ID of its network ACL list") { $0.acl.map { id($0.uuid) } },
        .string("aclname", "the name of its network ACL list") { $0.acl?.name },
        .string("associatednetworkid", "the ID of the network it is associated with (4.17)") { $0.associatedNetwork.map { id($0.uuid) } },
        .string("associatednetwork", "the name of that network") { $0.associatedNetwork?.name },
        .bool("hasannotations", "whether it has comments") { _ in false },
    ])

    /// CloudStack's `StaticRouteResponse`.
    static let staticRoute = ResponseSchema<StaticRouteView>(objectName: "staticroute", fields: [
        .string("id", "the ID of the route") { id($0.route.uuid) },
        .string("state", "the state of the route") { $0.route.state.rawValue },
        .string("vpcid", "the ID of the VPC") { $0.vpc.map { id($0.uuid) } },
        .string("gatewayid", "the ID of the private gateway it leaves through") { $0.gateway.map { id($0.uuid) } },
        .string("cidr", "the destination of the route") { $0.route.cidr },
        .string("account", "the owner account") { $0.account?.name },
        .string("domainid", "the ID of the owner's domain") { $0.domain.map { id($0.uuid) } },
        .string("domain", "the name of the owner's domain") { $0.domain?.name },
    ])
}
