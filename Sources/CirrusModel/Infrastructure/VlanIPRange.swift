import Foundation

/// A public (or shared-network) IP range: CloudStack's `vlan` row.
public struct VlanIPRange: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    /// `vlan://100`, `vxlan://5001` or `vlan://untagged`.
    public var vlanTag: String
    public var gateway: String?
    public var netmask: String?
    public var startIP: String?
    public var endIP: String?
    public var ip6Gateway: String?
    public var ip6CIDR: String?
    public var ip6Start: String?
    public var ip6End: String?
    public var zoneID: Int64
    public var podID: Int64?
    public var physicalNetworkID: Int64?
    /// Set for shared-network ranges.
    public var networkID: Int64?
    /// `VirtualNetwork` (public ranges) or `DirectAttached` (shared networks).
    public var vlanType: String
    public var forSystemVMs: Bool
    /// Set when the range is dedicated to an account or domain.
    public var accountID: Int64?
    public var domainID: Int64?
    public var created: Date

    public init(id: Int64, uuid: UUID, vlanTag: String, gateway: String?, netmask: String?, startIP: String?, endIP: String?,
                ip6Gateway: String? = nil, ip6CIDR: String? = nil, ip6Start: String? = nil, ip6End: String? = nil,
                zoneID: Int64, podID: Int64?, physicalNetworkID: Int64?, networkID: Int64?, vlanType: String, forSystemVMs: Bool,
                accountID: Int64?, domainID: Int64?, created: Date) {
        self.id = id; self.uuid = uuid; self.vlanTag = vlanTag; self.gateway = gateway; self.netmask = netmask
        self.startIP = startIP; self.endIP = endIP; self.ip6Gateway = ip6Gateway; self.ip6CIDR = ip6CIDR
        self.ip6Start = ip6Start; self.ip6End = ip6End; self.zoneID = zoneID; self.podID = podID
        self.physicalNetworkID = physicalNetworkID; self.networkID = networkID; self.vlanType = vlanType
        self.forSystemVMs = forSystemVMs; self.accountID = accountID; self.domainID = domainID; self.created = created
    }
}

/// The state of a public IP address (CloudStack's `user_ip_address.state`).
public enum PublicIPState: String, Sendable, Codable, CaseIterable {
    case free = "Free"
    case allocating = "Allocating"
    case allocated = "Allocated"
    case releasing = "Releasing"
    case reserved = "Reserved"
}
