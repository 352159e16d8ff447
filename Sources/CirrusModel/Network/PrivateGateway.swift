import Foundation

/// The state of a private gateway or static route (CloudStack's `Creating`, `Ready`,
/// `Deleting` / `Staged`, `Active`, `Revoke`).
public enum PrivateGatewayState: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case creating = "Creating"
    case ready = "Ready"
    case deleting = "Deleting"
}

public enum StaticRouteState: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case staged = "Staged"
    case add = "Add"
    case active = "Active"
    case revoke = "Revoke"
}

/// A VPC's private gateway: a router interface with `ipAddress` on a private network
/// (a VLAN an admin gives, or — 4.17, for users — a guest network of the owner's that it is
/// associated with), through which static routes leave the VPC.
public struct PrivateGateway: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var vpcID: Int64
    public var zoneID: Int64
    public var accountID: Int64
    public var domainID: Int64
    public var physicalNetworkID: Int64?
    /// The VLAN (`vlan://N`) an admin gave, or nil when associated with a network.
    public var broadcastURI: String?
    public var associatedNetworkID: Int64?
    public var ipAddress: String
    public var gateway: String
    public var netmask: String
    public var sourceNATSupported: Bool
    public var aclID: Int64
    public var state: PrivateGatewayState
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), vpcID: Int64, zoneID: Int64, accountID: Int64, domainID: Int64, physicalNetworkID: Int64?,
                broadcastURI: String?, associatedNetworkID: Int64?, ipAddress: String, gateway: String, netmask: String, sourceNATSupported: Bool,
                aclID: Int64, state: PrivateGatewayState = .ready, created: Date = Date()) {
        self.id = id; self.uuid = uuid; self.vpcID = vpcID; self.zoneID = zoneID; self.accountID = accountID; self.domainID = domainID
        self.physicalNetworkID = physicalNetworkID; self.broadcastURI = broadcastURI; self.associatedNetworkID = associatedNetworkID
        self.ipAddress = ipAddress; self.gateway = gateway; self.netmask = netmask; self.sourceNATSupported = sourceNATSupported
        self.aclID = aclID; self.state = state; self.created = created
    }

    /// The VLAN number for display (`vlan://100` → `100`).
    public var vlan: String? { broadcastURI.map { $0.replacingOccurrences(of: "vlan://", with: "").replacingOccurrences(of: "vxlan://", with: "") } }

    /// Checks gateway, netmask and the router's address on the private network: a valid
    /// network of at most /30 holding both, the two distinct.
    public static func checkAddressing(ipAddress: String, gateway: String, netmask: String) throws(CloudError) -> IPv4CIDR {
        guard let gw = IPv4Address(gateway) else { throw .invalidParameter("Invalid gateway \(gateway): an IPv4 address is expected") }
        guard let ip = IPv4Address(ipAddress) else { throw .invalidParameter("Invalid ipaddress \(ipAddress): an IPv4 address is expected") }
        guard let cidr = IPv4CIDR(address: gw, netmask: netmask), cidr.prefixLength <= 30 else {
            throw .invalidParameter("Invalid netmask \(netmask): a contiguous netmask of at most /30 is expected")
        }
        guard cidr.hostRange.contains(gw) else { throw .invalidParameter("The gateway \(gw) is the network or broadcast address of \(cidr)") }
        guard cidr.hostRange.contains(ip) else { throw .invalidParameter("The IP address \(ip) is not a host address of the gateway's network \(cidr)") }
        guard ip != gw else { throw .invalidParameter("The IP address and the gateway of a private gateway must differ; both are \(ip)") }
        return cidr
    }
}

/// A route a VPC's router sends through one of its private gateways.
public struct StaticRoute: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var vpcID: Int64
    public var gatewayID: Int64
    public var cidr: String
    public var state: StaticRouteState
    public var accountID: Int64
    public var domainID: Int64
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), vpcID: Int64, gatewayID: Int64, cidr: String, state: StaticRouteState = .active,
                accountID: Int64, domainID: Int64, created: Date = Date()) {
        self.id = id; self.uuid = uuid; self.vpcID = vpcID; self.gatewayID = gatewayID; self.cidr = cidr; self.state = state
        self.accountID = accountID; self.domainID = domainID; self.created = created
    }

    /// A static route's destination: a valid IPv4 network outside the VPC's CIDR, crossing
    /// none of the VPC's other routes.
    public static func checkCIDR(_ text: String, vpcCIDR: IPv4CIDR, existing: [IPv4CIDR]) throws(CloudError) -> IPv4CIDR {
        guard let cidr = IPv4CIDR(text, strict: true) else { throw .invalidParameter("Invalid format for cidr \(text)") }
        guard !cidr.overlaps(vpcCIDR) else { throw .invalidParameter("CIDR should be outside of VPC cidr \(vpcCIDR)") }
        if let clash = existing.first(where: { $0.overlaps(cidr) }) {
            throw .invalidParameter("Static route with cidr \(cidr) can't be created: it overlaps the existing static route \(clash)")
        }
        return cidr
    }
}
