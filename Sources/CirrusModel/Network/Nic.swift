import Foundation

/// The state of a NIC's reservation on its network (CloudStack's `Nic.State`).
public enum NicState: String, Sendable, Codable, CaseIterable {
    case allocated = "Allocated"
    case reserving = "Reserving"
    case reserved = "Reserved"
    case releasing = "Releasing"
    case deallocating = "Deallocating"
}

/// What a NIC belongs to: a user instance or a virtual router.
public enum NicOwnerType: String, Sendable, Codable, CaseIterable {
    case user = "User"
    case domainRouter = "DomainRouter"
}

/// A network interface of an instance or router on one guest network, with its addresses.
public struct Nic: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var ownerType: NicOwnerType
    /// The instance (or router) it is plugged into.
    public var instanceID: Int64
    public var networkID: Int64
    public var macAddress: String
    public var ipv4Address: String?
    public var netmask: String?
    public var gateway: String?
    public var ipv6Address: String?
    public var ipv6CIDR: String?
    public var ipv6Gateway: String?
    public var broadcastURI: String?
    public var isolationURI: String?
    /// Position on the instance (0 = first).
    public var deviceID: Int
    public var isDefault: Bool
    public var state: NicState
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), ownerType: NicOwnerType = .user, instanceID: Int64, networkID: Int64, macAddress: String,
                ipv4Address: String? = nil, netmask: String? = nil, gateway: String? = nil, ipv6Address: String? = nil, ipv6CIDR: String? = nil,
                ipv6Gateway: String? = nil, broadcastURI: String? = nil, isolationURI: String? = nil, deviceID: Int, isDefault: Bool,
                state: NicState = .allocated, created: Date = Date()) {
        self.id = id
        self.uuid = uuid
        self.ownerType = ownerType
        self.instanceID = instanceID
        self.networkID = networkID
        self.macAddress = macAddress
        self.ipv4Address = ipv4Address
        self.netmask = netmask
        self.gateway = gateway
        self.ipv6Address = ipv6Address
        self.ipv6CIDR = ipv6CIDR
        self.ipv6Gateway = ipv6Gateway
        self.broadcastURI = broadcastURI
        self.isolationURI = isolationURI
        self.deviceID = deviceID
        self.isDefault = isDefault
        self.state = state
        self.created = created
    }
}

/// An extra IPv4 address on a NIC (`addIpToNic`).
public struct NicSecondaryIP: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var nicID: Int64
    public var instanceID: Int64
    public var networkID: Int64
    public var address: String
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), nicID: Int64, instanceID: Int64, networkID: Int64, address: String, created: Date = Date()) {
        self.id = id
        self.uuid = uuid
        self.nicID = nicID
        self.instanceID = instanceID
        self.networkID = networkID
        self.address = address
        self.created = created
    }
}
