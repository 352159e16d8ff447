import Foundation

/// The lifecycle state of a guest network (CloudStack's `Network.State`; see ``NetworkStateMachine``).
public enum NetworkState: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    /// Created, nothing taken on the datapath yet (no VNI, no router).
    case allocated = "Allocated"
    /// Needs no implementation (shared and L2 networks with fixed settings).
    case setup = "Setup"
    case implementing = "Implementing"
    /// VNI taken, source NAT address assigned, router present.
    case implemented = "Implemented"
    case shutdown = "Shutdown"
    case destroy = "Destroy"
}

/// Who may use a network: one account, or every account of a domain (shared networks).
public enum NetworkACLType: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case account = "Account"
    case domain = "Domain"
}

/// A guest network: isolated (one account, its own CIDR and router), shared (an admin's
/// fixed VLAN and address range used by many accounts) or L2 (no addressing, no services).
public struct Network: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var name: String
    public var displayText: String
    public var zoneID: Int64
    public var physicalNetworkID: Int64?
    public var networkOfferingID: Int64
    public var guestType: GuestIPType
    public var trafficType: TrafficType
    public var state: NetworkState
    public var aclType: NetworkACLType
    /// The owning account (the creator; for domain-wide shared networks the system account).
    public var accountID: Int64
    public var domainID: Int64
    /// Domain-wide shared networks: whether subdomains may use it too.
    public var subdomainAccess: Bool?
    /// IPv4 guest CIDR and gateway (nil for L2 networks).
    public var cidr: String?
    public var gateway: String?
    /// The whole CIDR when part of it is kept out of guest allocation (CloudStack's
    /// `networkcidr`); `cidr` is then the guest part.
    public var networkCIDR: String?
    /// Shared networks: the first and last guest address of the range.
    public var startIP: String?
    public var endIP: String?
    public var ip6CIDR: String?
    public var ip6Gateway: String?
    /// VLAN id or VNI while implemented (or fixed for shared/L2 networks with a VLAN).
    public var vlan: String?
    /// `vlan://100`, `vxlan://5001`; nil until implemented.
    public var broadcastURI: String?
    public var networkDomain: String?
    public var dns1: String?
    public var dns2: String?
    public var ip6DNS1: String?
    public var ip6DNS2: String?
    public var vpcID: Int64?
    /// A VPC tier's network ACL list.
    public var networkACLID: Int64?
    public var externalID: String?
    public var displayNetwork: Bool
    public var restartRequired: Bool
    public var redundant: Bool
    public var isPersistent: Bool
    public var publicMTU: Int
    public var privateMTU: Int
    /// Set only on networks made by deploy for an account without one.
    public var isAccountDefault: Bool
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), name: String, displayText: String, zoneID: Int64, physicalNetworkID: Int64?, networkOfferingID: Int64,
                guestType: GuestIPType, trafficType: TrafficType = .guest, state: NetworkState, aclType: NetworkACLType, accountID: Int64, domainID: Int64,
                subdomainAccess: Bool? = nil, cidr: String? = nil, gateway: String? = nil, networkCIDR: String? = nil, startIP: String? = nil, endIP: String? = nil,
                ip6CIDR: String? = nil, ip6Gateway: String? = nil, vlan: String? = nil, broadcastURI: String? = nil, networkDomain: String? = nil,
                dns1: String? = nil, dns2: String? = nil, ip6DNS1: String? = nil, ip6DNS2: String? = nil, vpcID: Int64? = nil, networkACLID: Int64? = nil, externalID: String? = nil,
                displayNetwork: Bool = true, restartRequired: Bool = false, redundant: Bool = false, isPersistent: Bool = false,
                publicMTU: Int = 1500, privateMTU: Int = 1500, isAccountDefault: Bool = false, created: Date = Date()) {
        self.id = id
        self.uuid = uuid
        self.name = name
        self.displayText = displayText
        self.zoneID = zoneID
        self.physicalNetworkID = physicalNetworkID
        self.networkOfferingID = networkOfferingID
        self.guestType = guestType
        self.trafficType = trafficType
        self.state = state
        self.aclType = aclType
        self.accountID = accountID
        self.domainID = domainID
        self.subdomainAccess = subdomainAccess
        self.cidr = cidr
        self.gateway = gateway
        self.networkCIDR = networkCIDR
        self.startIP = startIP
        self.endIP = endIP
        self.ip6CIDR = ip6CIDR
        self.ip6Gateway = ip6Gateway
        self.vlan = vlan
        self.broadcastURI = broadcastURI
        self.networkDomain = networkDomain
        self.dns1 = dns1
        self.dns2 = dns2
        self.ip6DNS1 = ip6DNS1
        self.ip6DNS2 = ip6DNS2
        self.vpcID = vpcID
        self.networkACLID = networkACLID
        self.externalID = externalID
        self.displayNetwork = displayNetwork
        self.restartRequired = restartRequired
        self.redundant = redundant
        self.isPersistent = isPersistent
        self.publicMTU = publicMTU
        self.privateMTU = privateMTU
        self.isAccountDefault = isAccountDefault
        self.created = created
    }

    /// The addresses guests may be given: the CIDR's hosts, or a shared network's range,
    /// without the gateway.
    public var guestRange: IPv4Range? {
        if let s = startIP.flatMap(IPv4Address.init), let e = endIP.flatMap(IPv4Address.init), s <= e {
            return IPv4Range(uncheckedFirst: s, last: e)
        }
        guard let c = cidr.flatMap({ IPv4CIDR($0) }) else { return nil }
        return c.hostRange
    }

    /// The broadcast domain type shown by `listNetworks` (`Vlan`, `Vxlan`, `Native`).
    public var broadcastDomainType: String {
        guard let uri = broadcastURI else { return guestType == .l2 || vlan == nil ? "Native" : "Vlan" }
        if uri.hasPrefix("vxlan://") { return "Vxlan" }
        if uri.hasPrefix("vlan://") { return "Vlan" }
        return "Native"
    }
}
