import Foundation

/// Kinds of traffic a physical network carries.
public enum TrafficType: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case guest = "Guest"
    case `public` = "Public"
    case management = "Management"
    case storage = "Storage"
    case control = "Control"
}

/// How guest networks on a physical network are kept apart.
public enum IsolationMethod: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case vlan = "VLAN"
    case vxlan = "VXLAN"
    case l3 = "L3"

    /// The largest VLAN id or VNI this method allows (VLAN 1–4094, VXLAN 0–16777214).
    public var maximumTag: Int64 { self == .vxlan ? 16_777_214 : 4094 }
}

/// Enabled or Disabled, for physical networks and network service providers (which also
/// have `Shutdown`).
public enum PhysicalNetworkState: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case enabled = "Enabled"
    case disabled = "Disabled"
    case shutdown = "Shutdown"
}

/// A physical network of a zone: the carrier of traffic types and guest VLAN/VNI ranges.
public struct PhysicalNetwork: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var zoneID: Int64
    public var name: String
    /// Guest VLAN/VNI ranges as the API shows them: `100-199,300-400`.
    public var vlan: String?
    public var isolationMethods: [IsolationMethod]
    /// `ZONE` or `POD`.
    public var broadcastDomainRange: String
    public var networkSpeed: String?
    public var tags: [String]
    public var domainID: Int64?
    public var state: PhysicalNetworkState
    public var created: Date

    public init(id: Int64, uuid: UUID, zoneID: Int64, name: String, vlan: String?, isolationMethods: [IsolationMethod], broadcastDomainRange: String = "ZONE",
                networkSpeed: String? = nil, tags: [String] = [], domainID: Int64? = nil, state: PhysicalNetworkState, created: Date) {
        self.id = id; self.uuid = uuid; self.zoneID = zoneID; self.name = name; self.vlan = vlan
        self.isolationMethods = isolationMethods; self.broadcastDomainRange = broadcastDomainRange
        self.networkSpeed = networkSpeed; self.tags = tags; self.domainID = domainID; self.state = state; self.created = created
    }
}

/// A traffic type carried by a physical network, with its per-hypervisor labels (bridge names).
public struct PhysicalNetworkTrafficType: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var physicalNetworkID: Int64
    public var trafficType: TrafficType
    public var kvmLabel: String?
    public var simulatorLabel: String?
    public var vlan: String?
    public var isolationMethod: String?

    public init(id: Int64, uuid: UUID, physicalNetworkID: Int64, trafficType: TrafficType, kvmLabel: String?, simulatorLabel: String?, vlan: String?, isolationMethod: String?) {
        self.id = id; self.uuid = uuid; self.physicalNetworkID = physicalNetworkID; self.trafficType = trafficType
        self.kvmLabel = kvmLabel; self.simulatorLabel = simulatorLabel; self.vlan = vlan; self.isolationMethod = isolationMethod
    }
}

/// A network service provider enabled (or not) on a physical network: VirtualRouter,
/// VpcVirtualRouter, InternalLbVm, SecurityGroupProvider, ConfigDrive.
public struct NetworkServiceProvider: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var physicalNetworkID: Int64
    public var name: String
    public var state: PhysicalNetworkState
    /// The services the provider offers, such as `Dhcp`, `SourceNat`.
    public var services: [String]
    public var destinationPhysicalNetworkID: Int64?

    public init(id: Int64, uuid: UUID, physicalNetworkID: Int64, name: String, state: PhysicalNetworkState, services: [String], destinationPhysicalNetworkID: Int64? = nil) {
        self.id = id; self.uuid = uuid; self.physicalNetworkID = physicalNetworkID; self.name = name
        self.state = state; self.services = services; self.destinationPhysicalNetworkID = destinationPhysicalNetworkID
    }
}

/// The virtual-router element of a VirtualRouter or VpcVirtualRouter provider.
public struct VirtualRouterElement: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var providerID: Int64
    /// `VirtualRouter` or `VPCVirtualRouter`.
    public var elementType: String
    public var enabled: Bool

    public init(id: Int64, uuid: UUID, providerID: Int64, elementType: String, enabled: Bool) {
        self.id = id; self.uuid = uuid; self.providerID = providerID; self.elementType = elementType; self.enabled = enabled
    }
}
