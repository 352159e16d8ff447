import Foundation

/// A network service an offering may provide.
public enum NetworkService: String, Sendable, Codable, OfferingValue {
    case vpn = "Vpn"
    case dhcp = "Dhcp"
    case dns = "Dns"
    case gateway = "Gateway"
    case firewall = "Firewall"
    case lb = "Lb"
    case userData = "UserData"
    case sourceNat = "SourceNat"
    case staticNat = "StaticNat"
    case portForwarding = "PortForwarding"
    case securityGroup = "SecurityGroup"
    case networkACL = "NetworkACL"
    case connectivity = "Connectivity"

    /// The capabilities a caller may set for this service in `servicecapabilitylist`.
    public var choosableCapabilities: Set<String> {
        switch self {
        case .sourceNat: ["SupportedSourceNatTypes", "RedundantRouter"]
        case .lb: ["SupportedLBIsolation", "ElasticLb", "InlineMode", "LbSchemes"]
        case .staticNat: ["ElasticIp", "AssociatePublicIP"]
        case .gateway: ["RedundantRouter"]
        case .connectivity: ["DistributedRouter", "RegionLevelVpc", "StretchedL2Subnet", "PublicAccess"]
        default: []
        }
    }
}

/// A network element that implements services. Each maps to one element of CloudStack.
public enum NetworkProvider: String, Sendable, Codable, OfferingValue {
    case virtualRouter = "VirtualRouter"
    case vpcVirtualRouter = "VpcVirtualRouter"
    case internalLbVm = "InternalLbVm"
    case securityGroupProvider = "SecurityGroupProvider"
    case configDrive = "ConfigDrive"

    /// The services this provider can offer.
    public var services: Set<NetworkService> {
        switch self {
        case .virtualRouter: [.dhcp, .dns, .userData, .firewall, .gateway, .lb, .sourceNat, .staticNat, .portForwarding, .vpn]
        case .vpcVirtualRouter: [.dhcp, .dns, .userData, .gateway, .lb, .sourceNat, .staticNat, .portForwarding, .vpn, .networkACL]
        case .internalLbVm: [.lb]
        case .securityGroupProvider: [.securityGroup]
        case .configDrive: [.userData]
        }
    }

    /// The provider CloudStack picks when a service is listed without one.
    public static func defaultProvider(for service: NetworkService, forVPC: Bool) -> NetworkProvider? {
        switch service {
        case .securityGroup: .securityGroupProvider
        case .connectivity: nil
        case .networkACL: .vpcVirtualRouter
        case .firewall: forVPC ? nil : .virtualRouter
        default: forVPC ? .vpcVirtualRouter : .virtualRouter
        }
    }
}

/// The kind of guest network an offering creates.
public enum GuestIPType: String, Sendable, Codable, OfferingValue {
    case isolated = "Isolated"
    case shared = "Shared"
    case l2 = "L2"
}

/// The traffic a network offering carries.
public enum OfferingTrafficType: String, Sendable, Codable, OfferingValue {
    case guest = "Guest"
    case publicTraffic = "Public"
    case management = "Management"
    case control = "Control"
    case storage = "Storage"
}

/// Whether an offering is picked automatically for a user's first network.
public enum NetworkOfferingAvailability: String, Sendable, Codable, OfferingValue {
    case required = "Required"
    case optional = "Optional"
    case unavailable = "Unavailable"
}

/// Enabled or Disabled: whether networks and VPCs may be created from an offering.
public enum NetworkOfferingState: String, Sendable, Codable, OfferingValue {
    case enabled = "Enabled"
    case disabled = "Disabled"
}

/// One capability set on one service of an offering (`Lb` `SupportedLBIsolation` `dedicated`).
public struct ServiceCapability: Sendable, Codable, Equatable {
    public var service: NetworkService
    public var name: String
    public var value: String

    public init(service: NetworkService, name: String, value: String) {
        self.service = service
        self.name = name
        self.value = value
    }
}

/// The services of an offering with their providers, kept in a stable order.
public struct ServiceProviderMap: Sendable, Equatable {
    public private(set) var entries: [(service: NetworkService, providers: [NetworkProvider])]

    public init(_ entries: [(NetworkService, [NetworkProvider])] = []) {
        self.entries = []
        for (service, providers) in entries {
            if providers.isEmpty { add(service, nil) }
            for p in providers { add(service, p) }
        }
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.entries.map(\.service) == b.entries.map(\.service) && a.entries.map(\.providers) == b.entries.map(\.providers)
    }

    public mutating func add(_ service: NetworkService, _ provider: NetworkProvider?) {
        if let i = entries.firstIndex(where: { $0.service == service }) {
            if let provider, !entries[i].providers.contains(provider) { entries[i].providers.append(provider) }
        } else {
            entries.append((service, provider.map { [$0] } ?? []))
        }
    }

    public var services: [NetworkService] { entries.map(\.service) }

    public func contains(_ service: NetworkService) -> Bool { entries.contains { $0.service == service } }

    public func providers(of service: NetworkService) -> [NetworkProvider] { entries.first { $0.service == service }?.providers ?? [] }

    /// Builds the map from `supportedservices` and the `serviceproviderlist` map parameter
    /// (entries with `service` and `provider`), checking every name and that each provider
    /// can offer its service. Services listed without a provider get the default one.
    public static func parse(supportedServices: [String], providerList: [[String: String]], forVPC: Bool) throws(CloudError) -> ServiceProviderMap {
        var services: [NetworkService] = []
        for raw in supportedServices {
            guard let s = NetworkService(caseInsensitive: raw) else {
                throw .invalidParameter("Invalid service \(raw); supported services are \(NetworkService.allowedValues)")
            }
            if !services.contains(s) { services.append(s) }
        }
        var explicit: [NetworkService: [NetworkProvider]] = [:]
        for entry in providerList {
            let lowered = Dictionary(entry.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
            guard let rawService = lowered["service"], let rawProvider = lowered["provider"] else {
                throw .invalidParameter("Each serviceproviderlist entry needs a service and a provider")
            }
            guard let service = NetworkService(caseInsensitive: rawService) else {
                throw .invalidParameter("Invalid service \(rawService) in serviceproviderlist; supported services are \(NetworkService.allowedValues)")
            }
            guard services.contains(service) else {
                throw .invalidParameter("Service \(service.rawValue) has a provider in serviceproviderlist but is not in supportedservices")
            }
            guard let provider = NetworkProvider(caseInsensitive: rawProvider) else {
                throw .invalidParameter("Invalid network service provider \(rawProvider); supported providers are \(NetworkProvider.allowedValues)")
            }
            guard provider.services.contains(service) else {
                throw .invalidParameter("Provider \(provider.rawValue) does not support service \(service.rawValue)")
            }
            if !explicit[service, default: []].contains(provider) { explicit[service, default: []].append(provider) }
        }
        var map = ServiceProviderMap()
        for service in services {
            if let chosen = explicit[service] {
                for p in chosen { map.add(service, p) }
            } else if service == .connectivity {
                map.add(service, nil)
            } else {
                guard let p = NetworkProvider.defaultProvider(for: service, forVPC: forVPC) else {
                    throw .invalidParameter("Service \(service.rawValue) needs a provider in serviceproviderlist")
                }
                map.add(service, p)
            }
        }
        if forVPC {
            for (service, providers) in map.entries where providers.contains(.virtualRouter) {
                throw .invalidParameter("Provider VirtualRouter cannot offer \(service.rawValue) in a VPC offering; use VpcVirtualRouter")
            }
        }
        return map
    }
}

/// Capability checks shared by network and VPC offerings.
public enum ServiceCapabilityRules {
    /// Parses `servicecapabilitylist` (entries with `service`, `capabilitytype`, `capabilityvalue`):
    /// the service must be offered and the capability one the caller may choose.
    public static func parse(_ list: [[String: String]], services: ServiceProviderMap) throws(CloudError) -> [ServiceCapability] {
        var out: [ServiceCapability] = []
        for entry in list {
            let lowered = Dictionary(entry.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
            guard let rawService = lowered["service"], let type = lowered["capabilitytype"], let value = lowered["capabilityvalue"] else {
                throw .invalidParameter("Each servicecapabilitylist entry needs service, capabilitytype and capabilityvalue")
            }
            guard let service = NetworkService(caseInsensitive: rawService) else {
                throw .invalidParameter("Invalid service \(rawService) in servicecapabilitylist; supported services are \(NetworkService.allowedValues)")
            }
            guard services.contains(service) else {
                throw .invalidParameter("Capability \(type) is given for service \(service.rawValue), which the offering does not provide")
            }
            guard let name = service.choosableCapabilities.first(where: { $0.caseInsensitiveCompare(type) == .orderedSame }) else {
                throw .invalidParameter("Capability \(type) cannot be chosen for service \(service.rawValue)")
            }
            switch name {
            case "SupportedSourceNatTypes":
                guard ["peraccount", "perzone"].contains(value.lowercased()) else {
                    throw .invalidParameter("Invalid value \(value) for SupportedSourceNatTypes: use peraccount or perzone")
                }
            case "SupportedLBIsolation":
                guard ["dedicated", "shared"].contains(value.lowercased()) else {
                    throw .invalidParameter("Invalid value \(value) for SupportedLBIsolation: use dedicated or shared")
                }
            case "LbSchemes":
                guard ["public", "internal"].contains(value.lowercased()) else {
                    throw .invalidParameter("Invalid value \(value) for LbSchemes: use Public or Internal")
                }
            default:
                guard ["true", "false"].contains(value.lowercased()) else {
                    throw .invalidParameter("Invalid value \(value) for \(name): use true or false")
                }
            }
            out.removeAll { $0.service == service && $0.name == name }
            out.append(ServiceCapability(service: service, name: name, value: value.lowercased()))
        }
        return out
    }
}

/// A network offering: the type, services and providers of the networks created from it.
public struct NetworkOffering: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var name: String
    /// CloudStack's unique name; equals the name for seeded offerings.
    public var uniqueName: String?
    public var displayText: String
    public var guestIPType: GuestIPType?
    public var trafficType: OfferingTrafficType
    public var tags: String?
    public var specifyVlan: Bool
    public var specifyIPRanges: Bool
    public var conserveMode: Bool
    public var egressDefaultPolicy: Bool
    public var isPersistent: Bool
    public var availability: NetworkOfferingAvailability
    public var state: NetworkOfferingState
    public var forVPC: Bool
    /// Mbps; `nil` means the `network.throttling.rate` setting.
    public var networkRate: Int?
    public var isDefault: Bool
    /// Offerings for system networks (public, management, control, storage): never listed.
    public var systemOnly: Bool
    public var internetProtocol: String?
    public var maxConnections: Int?
    public var keepAliveEnabled: Bool
    public var serviceOfferingID: Int64?
    public var services: ServiceProviderMap
    public var capabilities: [ServiceCapability]
    public var sortKey: Int
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), name: String, uniqueName: String? = nil, displayText: String, guestIPType: GuestIPType?,
                trafficType: OfferingTrafficType = .guest, tags: String? = nil, specifyVlan: Bool = false, specifyIPRanges: Bool = false,
                conserveMode: Bool = true, egressDefaultPolicy: Bool = false, isPersistent: Bool = false,
                availability: NetworkOfferingAvailability = .optional, state: NetworkOfferingState = .disabled, forVPC: Bool = false,
                networkRate: Int? = nil, isDefault: Bool = false, systemOnly: Bool = false, internetProtocol: String? = nil,
                maxConnections: Int? = nil, keepAliveEnabled: Bool = false, serviceOfferingID: Int64? = nil,
                services: ServiceProviderMap = ServiceProviderMap(), capabilities: [ServiceCapability] = [], sortKey: Int = 0, created: Date = Date()) {
        self.id = id
        self.uuid = uuid
        self.name = name
        self.uniqueName = uniqueName
        self.displayText = displayText
        self.guestIPType = guestIPType
        self.trafficType = trafficType
        self.tags = tags
        self.specifyVlan = specifyVlan
        self.specifyIPRanges = specifyIPRanges
        self.conserveMode = conserveMode
        self.egressDefaultPolicy = egressDefaultPolicy
        self.isPersistent = isPersistent
        self.availability = availability
        self.state = state
        self.forVPC = forVPC
        self.networkRate = networkRate
        self.isDefault = isDefault
        self.systemOnly = systemOnly
        self.internetProtocol = internetProtocol
        self.maxConnections = maxConnections
        self.keepAliveEnabled = keepAliveEnabled
        self.serviceOfferingID = serviceOfferingID
        self.services = services
        self.capabilities = capabilities
        self.sortKey = sortKey
        self.created = created
    }

    /// The value of a capability, explicit or CloudStack's default for the offering.
    public func capability(_ service: NetworkService, _ name: String) -> String? {
        if let c = capabilities.first(where: { $0.service == service && $0.name == name }) { return c.value }
        guard services.contains(service) else { return nil }
        switch (service, name) {
        case (.sourceNat, "SupportedSourceNatTypes"): return "peraccount"
        case (.lb, "SupportedLBIsolation"): return "dedicated"
        case (.sourceNat, "RedundantRouter"), (.gateway, "RedundantRouter"): return "false"
        case (.lb, "LbSchemes"): return services.providers(of: .lb).contains(.internalLbVm) ? "Internal" : "Public"
        default: return nil
        }
    }

    /// Checks the combination of type, services and flags CloudStack refuses.
    public static func validate(guestIPType: GuestIPType, services: ServiceProviderMap, specifyVlan: Bool, specifyIPRanges: Bool, forVPC: Bool) throws(CloudError) {
        switch guestIPType {
        case .l2:
            if let other = services.services.first(where: { $0 != .userData }) {
                throw .invalidParameter("L2 network offerings cannot have services other than UserData (found \(other.rawValue))")
            }
            if specifyIPRanges { throw .invalidParameter("specifyipranges cannot be true for an L2 network offering") }
        case .shared:
            if forVPC { throw .invalidParameter("A Shared network offering cannot be for VPC networks") }
            if services.contains(.sourceNat) { throw .invalidParameter("SourceNat service is not supported by Shared network offerings") }
            // Since 4.17 a Shared offering may leave the VLAN to the zone (specifyvlan=false): users create such networks themselves.
        case .isolated:
            if services.contains(.securityGroup) && !forVPC && services.contains(.sourceNat) {
                throw .invalidParameter("SecurityGroup service cannot be combined with SourceNat in an Isolated network offering")
            }
            if forVPC && services.contains(.firewall) {
                throw .invalidParameter("Firewall service is not supported in VPC network offerings; use NetworkACL")
            }
            if !forVPC && services.contains(.networkACL) {
                throw .invalidParameter("NetworkACL service is only supported by VPC network offerings (forvpc=true)")
            }
        }
        if !forVPC && services.entries.contains(where: { $0.providers.contains(.vpcVirtualRouter) }) {
            throw .invalidParameter("Provider VpcVirtualRouter can only be used by VPC network offerings (forvpc=true)")
        }
    }
}

/// A VPC offering: the services and providers of the VPCs created from it.
public struct VPCOffering: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var name: String
    public var uniqueName: String?
    public var displayText: String
    public var state: NetworkOfferingState
    public var isDefault: Bool
    public var services: ServiceProviderMap
    public var capabilities: [ServiceCapability]
    public var internetProtocol: String?
    public var serviceOfferingID: Int64?
    public var sortKey: Int
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), name: String, uniqueName: String? = nil, displayText: String, state: NetworkOfferingState = .disabled,
                isDefault: Bool = false, services: ServiceProviderMap, capabilities: [ServiceCapability] = [], internetProtocol: String? = nil,
                serviceOfferingID: Int64? = nil, sortKey: Int = 0, created: Date = Date()) {
        self.id = id
        self.uuid = uuid
        self.name = name
        self.uniqueName = uniqueName
        self.displayText = displayText
        self.state = state
        self.isDefault = isDefault
        self.services = services
        self.capabilities = capabilities
        self.internetProtocol = internetProtocol
        self.serviceOfferingID = serviceOfferingID
        self.sortKey = sortKey
        self.created = created
    }

    public func capability(_ service: NetworkService, _ name: String) -> String? {
        capabilities.first(where: { $0.service == service && $0.name == name })?.value
    }

    /// The services a VPC offering may have, and the ones it must have.
    public static let allowedServices: Set<NetworkService> = [.dhcp, .dns, .userData, .sourceNat, .staticNat, .portForwarding, .lb, .vpn, .networkACL, .gateway, .connectivity]

    public static func validate(_ services: ServiceProviderMap) throws(CloudError) {
        if let bad = services.services.first(where: { !allowedServices.contains($0) }) {
            throw .invalidParameter("Service \(bad.rawValue) is not supported by VPC offerings")
        }
        for required in [NetworkService.sourceNat, .networkACL] where !services.contains(required) {
            throw .invalidParameter("Service \(required.rawValue) must be supported by a VPC offering")
        }
    }
}
