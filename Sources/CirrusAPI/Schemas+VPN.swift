import CirrusEngine
import CirrusModel
import Foundation

/// Response shapes of site-to-site VPN (gateways, customer gateways, connections) and remote
/// access VPN (VPNs and users).
extension Schemas {
    /// CloudStack's `Site2SiteVpnGatewayResponse`.
    static let vpnGateway = ResponseSchema<VPNGatewayView>(objectName: "vpngateway", fields: [
        .string("id", "the ID of the VPN gateway") { id($0.gateway.uuid) },
        .string("publicip", "the public address of the gateway (the VPC's source NAT address)") { $0.publicIP },
        .string("vpcid", "the ID of the VPC") { $0.vpc.map { id($0.uuid) } },
        .string("vpcname", "the name of the VPC") { $0.vpc?.name },
        .string("account", "the owner account") { $0.account?.name },
        .string("domainid", "the ID of the owner's domain") { $0.domain.map { id($0.uuid) } },
        .string("domain", "the name of the owner's domain") { $0.domain?.name },
        .bool("fordisplay", "whether it is shown to its owner") { $0.gateway.display },
    ])

    /// CloudStack's `Site2SiteCustomerGatewayResponse`.
    static let vpnCustomerGateway = ResponseSchema<VPNCustomerGatewayView>(objectName: "vpncustomergateway", fields: [
        .string("id", "the ID of the customer gateway") { id($0.gateway.uuid) },
        .string("name", "the name of the customer gateway") { $0.gateway.name },
        .string("gateway", "the public address or DNS name of the peer's gateway") { $0.gateway.gateway },
        .string("ipaddress", "the address of the peer's gateway") { $0.gateway.gateway },
        .string("cidrlist", "the peer's subnets, comma separated") { $0.gateway.cidrs.joined(separator: ",") },
        .string("ipsecpsk", "the IPsec pre-shared key") { $0.gateway.ipsecPSK },
        .string("ikepolicy", "the IKE policy (cipher-hash[;dhgroup])") { $0.gateway.ikePolicy },
        .string("esppolicy", "the ESP policy (cipher-hash[;dhgroup])") { $0.gateway.espPolicy },
        .long("ikelifetime", "the lifetime of the IKE SA in seconds") { Int64($0.gateway.ikeLifetime) },
        .long("esplifetime", "the lifetime of the ESP SA in seconds") { Int64($0.gateway.espLifetime) },
        .bool("dpd", "whether dead peer detection is on") { $0.gateway.dpd },
        .bool("forceencap", "whether UDP encapsulation is forced") { $0.gateway.forceEncap },
        .string("account", "the owner account") { $0.account?.name },
        .string("domainid", "the ID of the owner's domain") { $0.domain.map { id($0.uuid) } },
        .string("domain", "the name of the owner's domain") { $0.domain?.name },
        .bool("splitconnections", "whether each peer subnet gets its own IPsec SA") { $0.gateway.splitConnections },
        .string("ikeversion", "ike, ikev1 or ikev2") { $0.gateway.ikeVersion },
        .bool("hasannotations", "whether it has comments") { _ in false },
    ])

    /// CloudStack's `Site2SiteVpnConnectionResponse`.
    static let vpnConnection = ResponseSchema<VPNConnectionView>(objectName: "vpnconnection", fields: [
        .string("id", "the ID of the connection") { id($0.connection.uuid) },
        .string("s2svpngatewayid", "the ID of the VPN gateway") { $0.vpnGateway.map { id($0.uuid) } },
        .string("publicip", "the public address of the VPN gateway") { $0.publicIP },
        .string("s2scustomergatewayid", "the ID of the customer gateway") { $0.customerGateway.map { id($0.uuid) } },
        .string("gateway", "the address of the peer's gateway") { $0.customerGateway?.gateway },
        .string("cidrlist", "the peer's subnets, comma separated") { $0.customerGateway?.cidrs.joined(separator: ",") },
        .string("ipsecpsk", "the IPsec pre-shared key") { $0.customerGateway?.ipsecPSK },
        .string("ikepolicy", "the IKE policy") { $0.customerGateway?.ikePolicy },
        .string("esppolicy", "the ESP policy") { $0.customerGateway?.espPolicy },
        .long("ikelifetime", "the lifetime of the IKE SA in seconds") { $0.customerGateway.map { Int64($0.ikeLifetime) } },
        .long("esplifetime", "the lifetime of the ESP SA in seconds") { $0.customerGateway.map { Int64($0.espLifetime) } },
        .bool("dpd", "whether dead peer detection is on") { $0.customerGateway?.dpd },
        .bool("forceencap", "whether UDP encapsulation is forced") { $0.customerGateway?.forceEncap },
        .string("state", "Pending, Connected, Disconnected or Error") { $0.connection.state.rawValue },
        .bool("passive", "whether this end waits for the peer to start") { $0.connection.passive },
        .string("account", "the owner account") { $0.account?.name },
        .string("domainid", "the ID of the owner's domain") { $0.domain.map { id($0.uuid) } },
        .string("domain", "the name of the owner's domain") { $0.domain?.name },
        .date("created", "when the connection was created") { $0.connection.created },
        .bool("fordisplay", "whether it is shown to its owner") { $0.connection.display },
        .bool("splitconnections", "whether each peer subnet gets its own IPsec SA") { $0.customerGateway?.splitConnections },
        .string("ikeversion", "ike, ikev1 or ikev2") { $0.customerGateway?.ikeVersion },
    ])

    /// CloudStack's `RemoteAccessVpnResponse`.
    static let remoteAccessVPN = ResponseSchema<RemoteAccessVPNView>(objectName: "remoteaccessvpn", fields: [
        .string("id", "the ID of the remote access VPN") { id($0.vpn.uuid) },
        .string("publicipid", "the ID of its public address") { $0.publicIP.map { id($0.uuid) } },
        .string("publicip", "its public address") { $0.publicIP?.address },
        .string("iprange", "the range of addresses given to clients") { $0.vpn.ipRange },
        .string("presharedkey", "the IPsec pre-shared key") { $0.vpn.presharedKey },
        .string("account", "the owner account") { $0.account?.name },
        .string("domainid", "the ID of the owner's domain") { $0.domain.map { id($0.uuid) } },
        .string("domain", "the name of the owner's domain") { $0.domain?.name },
        .string("state", "Added, Running or Removed") { $0.vpn.state.rawValue },
        .bool("fordisplay", "whether it is shown to its owner") { $0.vpn.display },
    ])

    /// CloudStack's `VpnUsersResponse`.
    static let vpnUser = ResponseSchema<VPNUserView>(objectName: "vpnuser", fields: [
        .string("id", "the ID of the VPN user") { id($0.user.uuid) },
        .string("username", "the user name") { $0.user.username },
        .string("account", "the owner account") { $0.account?.name },
        .string("domainid", "the ID of the owner's domain") { $0.domain.map { id($0.uuid) } },
        .string("domain", "the name of the owner's domain") { $0.domain?.name },
        .string("state", "Add, Active or Revoke") { $0.user.state.rawValue },
    ])
}
