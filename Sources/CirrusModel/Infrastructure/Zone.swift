import Foundation

/// Enabled or Disabled: whether the planner may place new resources in a zone, pod,
/// cluster or host.
public enum AllocationState: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case enabled = "Enabled"
    case disabled = "Disabled"
}

/// A zone's network model.
public enum ZoneNetworkType: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    /// One flat shared guest network, isolation by security groups.
    case basic = "Basic"
    /// VLAN/VXLAN-isolated guest networks, shared networks, VPCs and L2 networks.
    case advanced = "Advanced"
}

/// A zone's kind (4.18): a full Core zone or a small Edge zone.
public enum ZoneType: String, Sendable, Codable, CaseIterable {
    case core = "Core"
    case edge = "Edge"
}

/// A zone (CloudStack's data center): the top of the infrastructure tree.
public struct Zone: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var name: String
    public var description: String?
    public var networkType: ZoneNetworkType
    public var zoneType: ZoneType
    public var dns1: String?
    public var dns2: String?
    public var ip6DNS1: String?
    public var ip6DNS2: String?
    public var internalDNS1: String
    public var internalDNS2: String?
    /// The default guest CIDR of isolated networks in an Advanced zone.
    public var guestCIDR: String?
    public var networkDomain: String?
    /// Set when the zone is dedicated to a domain.
    public var domainID: Int64?
    public var allocationState: AllocationState
    public var securityGroupEnabled: Bool
    public var localStorageEnabled: Bool
    public var created: Date

    public init(id: Int64, uuid: UUID, name: String, description: String? = nil, networkType: ZoneNetworkType, zoneType: ZoneType = .core,
                dns1: String? = nil, dns2: String? = nil, ip6DNS1: String? = nil, ip6DNS2: String? = nil, internalDNS1: String, internalDNS2: String? = nil,
                guestCIDR: String? = nil, networkDomain: String? = nil, domainID: Int64? = nil, allocationState: AllocationState,
                securityGroupEnabled: Bool, localStorageEnabled: Bool, created: Date) {
        self.id = id; self.uuid = uuid; self.name = name; self.description = description
        self.networkType = networkType; self.zoneType = zoneType
        self.dns1 = dns1; self.dns2 = dns2; self.ip6DNS1 = ip6DNS1; self.ip6DNS2 = ip6DNS2
        self.internalDNS1 = internalDNS1; self.internalDNS2 = internalDNS2
        self.guestCIDR = guestCIDR; self.networkDomain = networkDomain; self.domainID = domainID
        self.allocationState = allocationState; self.securityGroupEnabled = securityGroupEnabled
        self.localStorageEnabled = localStorageEnabled; self.created = created
    }
}

/// A pod: a rack-level grouping inside a zone with its own management CIDR and gateway.
public struct Pod: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var zoneID: Int64
    public var name: String
    public var gateway: String
    /// The management network in CIDR form, such as `192.168.1.0/24`.
    public var cidr: String
    /// The range of management addresses reserved for system VMs, if any.
    public var startIP: String?
    public var endIP: String?
    public var allocationState: AllocationState
    public var created: Date

    public init(id: Int64, uuid: UUID, zoneID: Int64, name: String, gateway: String, cidr: String, startIP: String?, endIP: String?, allocationState: AllocationState, created: Date) {
        self.id = id; self.uuid = uuid; self.zoneID = zoneID; self.name = name; self.gateway = gateway
        self.cidr = cidr; self.startIP = startIP; self.endIP = endIP; self.allocationState = allocationState; self.created = created
    }
}

/// The hypervisor of a cluster and its hosts.
public enum HypervisorType: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case kvm = "KVM"
    case simulator = "Simulator"
}

/// A cluster: hosts of one hypervisor type that share primary storage.
public struct Cluster: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var zoneID: Int64
    public var podID: Int64
    public var name: String
    public var hypervisorType: HypervisorType
    /// `CloudManaged` or `ExternalManaged`.
    public var clusterType: String
    public var allocationState: AllocationState
    /// `Managed` or `Unmanaged`.
    public var managedState: String
    /// CPU architecture: `x86_64` or `aarch64`.
    public var arch: String
    public var created: Date

    public init(id: Int64, uuid: UUID, zoneID: Int64, podID: Int64, name: String, hypervisorType: HypervisorType, clusterType: String = "CloudManaged",
                allocationState: AllocationState, managedState: String = "Managed", arch: String = "x86_64", created: Date) {
        self.id = id; self.uuid = uuid; self.zoneID = zoneID; self.podID = podID; self.name = name
        self.hypervisorType = hypervisorType; self.clusterType = clusterType; self.allocationState = allocationState
        self.managedState = managedState; self.arch = arch; self.created = created
    }
}
