import Foundation

/// A VPC's state: Enabled while it lives, Inactive once its deletion has begun.
public enum VPCState: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case enabled = "Enabled"
    case inactive = "Inactive"
}

/// A Virtual Private Cloud: a super CIDR whose tiers (guest networks with `vpcID`) are routed
/// by one virtual router (two for a redundant offering) holding the VPC's source NAT address.
public struct VPC: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var name: String
    public var displayText: String
    public var cidr: String
    public var zoneID: Int64
    public var vpcOfferingID: Int64
    public var accountID: Int64
    public var domainID: Int64
    public var state: VPCState
    public var networkDomain: String?
    public var redundant: Bool
    public var restartRequired: Bool
    public var display: Bool
    public var dns1: String?
    public var dns2: String?
    public var ip6DNS1: String?
    public var ip6DNS2: String?
    public var publicMTU: Int
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), name: String, displayText: String, cidr: String, zoneID: Int64, vpcOfferingID: Int64,
                accountID: Int64, domainID: Int64, state: VPCState = .enabled, networkDomain: String? = nil, redundant: Bool = false,
                restartRequired: Bool = false, display: Bool = true, dns1: String? = nil, dns2: String? = nil, ip6DNS1: String? = nil,
                ip6DNS2: String? = nil, publicMTU: Int = 1500, created: Date = Date()) {
        self.id = id; self.uuid = uuid; self.name = name; self.displayText = displayText; self.cidr = cidr; self.zoneID = zoneID
        self.vpcOfferingID = vpcOfferingID; self.accountID = accountID; self.domainID = domainID; self.state = state
        self.networkDomain = networkDomain; self.redundant = redundant; self.restartRequired = restartRequired; self.display = display
        self.dns1 = dns1; self.dns2 = dns2; self.ip6DNS1 = ip6DNS1; self.ip6DNS2 = ip6DNS2; self.publicMTU = publicMTU; self.created = created
    }
}

/// The address rules of VPCs and their tiers, as CloudStack checks them.
public enum VPCAddressing {
    /// The RFC 1918 blocks a VPC's CIDR must lie in.
    static let privateBlocks = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].compactMap { IPv4CIDR($0) }

    /// A VPC's super CIDR: a valid IPv4 network of RFC 1918 space, /8 to /28.
    public static func vpcCIDR(_ text: String) throws(CloudError) -> IPv4CIDR {
        guard let cidr = IPv4CIDR(text, strict: true) else { throw .invalidParameter("Invalid CIDR specified \(text)") }
        guard cidr.prefixLength <= 28 else { throw .invalidParameter("Invalid CIDR specified \(text): a VPC CIDR needs at least 16 addresses (/28)") }
        guard privateBlocks.contains(where: { $0.contains(cidr) }) else {
            throw .invalidParameter("Guest Cidr \(cidr) is not RFC1918 compliant")
        }
        return cidr
    }

    /// A new tier's CIDR: inside the VPC's CIDR and crossing none of its other tiers.
    public static func checkTier(_ tier: IPv4CIDR, vpcName: String, vpcCIDR: IPv4CIDR, others: [(name: String, cidr: IPv4CIDR)]) throws(CloudError) {
        guard vpcCIDR.contains(tier) else {
            throw .invalidParameter("Network cidr \(tier) is not within vpc \(vpcName) cidr \(vpcCIDR)")
        }
        if let clash = others.first(where: { $0.cidr.overlaps(tier) }) {
            throw .invalidParameter("Network cidr \(tier) crosses other network cidr \(clash.cidr) of tier \(clash.name) belonging to the same vpc \(vpcName)")
        }
    }
}
