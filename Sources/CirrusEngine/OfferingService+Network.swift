import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// A network offering with its domains, zones and the system offering of its routers.
public struct NetworkOfferingView: Sendable {
    public var offering: NetworkOffering
    public var domains: [Domain]
    public var zones: [Zone]
    public var serviceOfferingUUID: UUID?
}

/// A VPC offering with its domains and zones.
public struct VPCOfferingView: Sendable {
    public var offering: VPCOffering
    public var domains: [Domain]
    public var zones: [Zone]
    public var serviceOfferingUUID: UUID?
}

/// Parameters of `createNetworkOffering`, as given.
public struct NetworkOfferingRequest: Sendable {
    public var name: String
    public var displayText: String?
    public var guestIPType: String
    public var trafficType: String
    public var supportedServices: [String] = []
    public var serviceProviders: [[String: String]] = []
    public var serviceCapabilities: [[String: String]] = []
    public var specifyVlan = false
    public var specifyIPRanges = false
    public var conserveMode = true
    public var egressDefaultPolicy = true
    public var isPersistent = false
    public var availability: String?
    public var forVPC = false
    public var networkRate: Int?
    public var tags: String?
    public var internetProtocol: String?
    public var maxConnections: Int?
    public var keepAliveEnabled = false
    public var serviceOfferingID: UUID?
    public var enable = false
    public var scope = OfferingScopeRequest()

    public init(name: String, guestIPType: String, trafficType: String) {
        self.name = name
        self.guestIPType = guestIPType
        self.trafficType = trafficType
    }
}

/// Parameters of `createVPCOffering`, as given.
public struct VPCOfferingRequest: Sendable {
    public var name: String
    public var displayText: String?
    public var supportedServices: [String] = []
    public var serviceProviders: [[String: String]] = []
    public var serviceCapabilities: [[String: String]] = []
    public var internetProtocol: String?
    public var serviceOfferingID: UUID?
    public var enable = false
    public var scope = OfferingScopeRequest()

    public init(name: String) { self.name = name }
}

extension OfferingService {
    // MARK: - Network offerings

    public func createNetworkOffering(caller: Caller, _ r: NetworkOfferingRequest) async throws -> NetworkOfferingView {
        let name = try Self.checkName(r.name)
        guard let traffic = OfferingTrafficType(caseInsensitive: r.trafficType) else {
            throw CloudError.invalidParameter("Invalid traffic type \(r.trafficType); supported types are \(OfferingTrafficType.allowedValues)")
        }
        guard traffic == .guest else { throw CloudError.invalidParameter("Only traffic type Guest is supported for network offerings, got \(traffic.rawValue)") }
        guard let guestType = GuestIPType(caseInsensitive: r.guestIPType) else {
            throw CloudError.invalidParameter("Invalid guest IP type \(r.guestIPType); supported types are \(GuestIPType.allowedValues)")
        }
        let services = try ServiceProviderMap.parse(supportedServices: r.supportedServices, providerList: r.serviceProviders, forVPC: r.forVPC)
        let capabilities = try ServiceCapabilityRules.parse(r.serviceCapabilities, services: services)
        try NetworkOffering.validate(guestIPType: guestType, services: services, specifyVlan: r.specifyVlan, specifyIPRanges: r.specifyIPRanges, forVPC: r.forVPC)
        if guestType == .isolated && services.contains(.sourceNat) && r.specifyIPRanges {
            throw CloudError.invalidParameter("specifyipranges can only be true for Shared network offerings and Isolated ones without SourceNat")
        }
        let availability = try OfferingRules.parse(r.availability, as: NetworkOfferingAvailability.self, parameter: "availability") ?? .optional
        if availability == .required && !(guestType == .isolated && services.contains(.sourceNat)) {
            throw CloudError.invalidParameter("Availability can be Required only for Isolated network offerings with the SourceNat service")
        }
        if let rate = r.networkRate, rate < 0 { throw CloudError.invalidParameter("networkrate must be 0 or more, got \(rate)") }
        if let max = r.maxConnections, max < 0 { throw CloudError.invalidParameter("maxconnections must be 0 or more, got \(max)") }
        let internetProtocol = try Self.internetProtocol(r.internetProtocol)
        if r.tags.map({ $0.contains(",") }) == true { throw CloudError.invalidParameter("A network offering can have only one tag") }
        return try await db.transaction { sql in
            if availability == .required { try await checkSingleRequired(sql, except: nil) }
            let scope = try await resolveScope(sql, caller: caller, r.scope, existing: nil, what: "network offering")
            let router = try await routerOffering(sql, r.serviceOfferingID)
            let created = try await NetworkOfferingRepository.insert(sql, NetworkOffering(
                name: name, displayText: r.displayText ?? name, guestIPType: guestType, trafficType: traffic, tags: OfferingRules.tags(r.tags),
                specifyVlan: r.specifyVlan, specifyIPRanges: r.specifyIPRanges, conserveMode: r.conserveMode, egressDefaultPolicy: r.egressDefaultPolicy,
                isPersistent: r.isPersistent, availability: availability, state: r.enable ? .enabled : .disabled, forVPC: r.forVPC,
                networkRate: r.networkRate, internetProtocol: internetProtocol, maxConnections: r.maxConnections, keepAliveEnabled: r.keepAliveEnabled,
                serviceOfferingID: router?.id, services: services, capabilities: capabilities))
            try await OfferingRepository.setScope(sql, kind: .network, offeringID: created.id, scope.ids)
            try await record(sql, caller, EventType.networkOfferingCreate, "Network offering \(name) created", "NetworkOffering", created.uuid, name)
            let routerUUID = if let router { router.uuid } else { try await self.routerUUID(sql, nil) }
            return NetworkOfferingView(offering: created, domains: scope.domains, zones: scope.zones, serviceOfferingUUID: routerUUID)
        }
    }

    /// Changes of `updateNetworkOffering` beyond the shared ones.
    public struct NetworkOfferingChanges: Sendable {
        public var availability: String?
        public var tags: String?
        public var maxConnections: Int?
        public var keepAliveEnabled: Bool?
        public init() {}
    }

    public func updateNetworkOffering(caller: Caller, id: UUID?, _ u: OfferingUpdate, _ c: NetworkOfferingChanges) async throws -> NetworkOfferingView {
        let state = try OfferingRules.parse(u.state, as: NetworkOfferingState.self, parameter: "state")
        let availability = try OfferingRules.parse(c.availability, as: NetworkOfferingAvailability.self, parameter: "availability")
        return try await db.transaction { sql in
            guard let id else { throw CloudError.invalidParameter("Network offering id is required") }
            guard var offering = try await NetworkOfferingRepository.find(sql, uuid: id) else { throw Self.notFound("network offering", id) }
            let existing = try await OfferingRepository.scopes(sql, kind: .network, ids: [offering.id])[offering.id] ?? .everywhere
            let scope = try await resolveScope(sql, caller: caller, u.scope, existing: existing, what: "network offering")
            if offering.isDefault && (u.name != nil || u.displayText != nil) {
                throw CloudError.invalidParameter("Name and display text of a default network offering cannot be changed")
            }
            if let name = u.name { offering.name = try Self.checkName(name) }
            if let text = u.displayText { offering.displayText = text }
            if let key = u.sortKey { offering.sortKey = key }
            if let state { offering.state = state }
            if let availability, availability != offering.availability {
                if availability == .required {
                    guard offering.guestIPType == .isolated, offering.services.contains(.sourceNat) else {
                        throw CloudError.invalidParameter("Availability can be Required only for Isolated network offerings with the SourceNat service")
                    }
                    try await checkSingleRequired(sql, except: offering.id)
                }
                offering.availability = availability
            }
            if let tags = c.tags {
                if tags.contains(",") { throw CloudError.invalidParameter("A network offering can have only one tag") }
                offering.tags = OfferingRules.tags(tags)
            }
            if let max = c.maxConnections {
                guard max >= 0 else { throw CloudError.invalidParameter("maxconnections must be 0 or more, got \(max)") }
                offering.maxConnections = max
            }
            if let keep = c.keepAliveEnabled { offering.keepAliveEnabled = keep }
            try await NetworkOfferingRepository.update(sql, offering)
            try await OfferingRepository.setScope(sql, kind: .network, offeringID: offering.id, scope.ids)
            try await record(sql, caller, EventType.networkOfferingEdit, "Network offering \(offering.name) updated", "NetworkOffering", offering.uuid, offering.name)
            return NetworkOfferingView(offering: offering, domains: scope.domains, zones: scope.zones,
                                       serviceOfferingUUID: try await routerUUID(sql, offering.serviceOfferingID))
        }
    }

    public func deleteNetworkOffering(caller: Caller, id: UUID) async throws {
        try await db.transaction { sql in
            guard let offering = try await NetworkOfferingRepository.find(sql, uuid: id) else { throw Self.notFound("network offering", id) }
            if offering.isDefault || offering.systemOnly { throw CloudError.invalidParameter("Default network offering can't be deleted") }
            try await NetworkOfferingRepository.markRemoved(sql, id: offering.id, at: Date())
            try await record(sql, caller, EventType.networkOfferingDelete, "Network offering \(offering.name) deleted", "NetworkOffering", offering.uuid, offering.name)
        }
    }

    /// Filters of `listNetworkOfferings` beyond the shared ones.
    public struct NetworkOfferingQuery: Sendable {
        public var displayText: String?
        public var guestIPType: String?
        public var trafficType: String?
        public var availability: String?
        public var isDefault: Bool?
        public var specifyVlan: Bool?
        public var specifyIPRanges: Bool?
        public var forVPC: Bool?
        public var isTagged: Bool?
        public var tags: String?
        public var sourceNatSupported: Bool?
        public var supportedServices: [String] = []
        public init() {}
    }

    public func listNetworkOfferings(caller: Caller, _ q: OfferingQuery, _ n: NetworkOfferingQuery, page: (offset: Int, limit: Int?)) async throws -> Listing<NetworkOfferingView> {
        var services: [NetworkService] = []
        for raw in n.supportedServices {
            guard let s = NetworkService(caseInsensitive: raw) else {
                throw CloudError.invalidParameter("Invalid service \(raw); supported services are \(NetworkService.allowedValues)")
            }
            services.append(s)
        }
        let baseFilter = NetworkOfferingRepository.Filter(
            name: q.name, displayText: n.displayText, keyword: q.keyword,
            guestIPType: try OfferingRules.parse(n.guestIPType, as: GuestIPType.self, parameter: "guestiptype"),
            trafficType: try OfferingRules.parse(n.trafficType, as: OfferingTrafficType.self, parameter: "traffictype"),
            availability: try OfferingRules.parse(n.availability, as: NetworkOfferingAvailability.self, parameter: "availability"),
            state: try OfferingRules.parse(q.state, as: NetworkOfferingState.self, parameter: "state"),
            isDefault: n.isDefault, specifyVlan: n.specifyVlan, specifyIPRanges: n.specifyIPRanges, forVPC: n.forVPC, isTagged: n.isTagged,
            tags: n.tags, sourceNatSupported: n.sourceNatSupported, services: services)
        return try await db.read { sql in
            var filter = baseFilter
            if let id = q.id {
                guard let o = try await NetworkOfferingRepository.find(sql, uuid: id) else { throw Self.notFound("network offering", id) }
                filter.id = o.id
            }
            filter.scope = try await listScope(sql, caller: caller, q)
            let page = try await NetworkOfferingRepository.list(sql, filter, offset: page.offset, limit: page.limit)
            let scopes = try await OfferingRepository.scopes(sql, kind: .network, ids: page.items.map(\.id))
            let refs = try await references(sql, Array(scopes.values))
            let routers = try await routerUUIDs(sql, Set(page.items.compactMap(\.serviceOfferingID)))
            let fallback = try await routerUUID(sql, nil)
            return Listing(items: page.items.map { o in
                let sc = scopes[o.id] ?? .everywhere
                return NetworkOfferingView(offering: o, domains: sc.domainIDs.compactMap { refs.domains[$0] }, zones: sc.zoneIDs.compactMap { refs.zones[$0] },
                                           serviceOfferingUUID: o.serviceOfferingID.flatMap { routers[$0] } ?? fallback)
            }, total: page.total)
        }
    }

    // MARK: - VPC offerings

    /// Validates a VPC offering request; the async command calls this before queueing.
    public func checkVPCOffering(_ r: VPCOfferingRequest) throws -> (ServiceProviderMap, [ServiceCapability], String?) {
        _ = try Self.checkName(r.name)
        let services = try ServiceProviderMap.parse(supportedServices: r.supportedServices.isEmpty ? Self.defaultVPCServices.map(\.rawValue) : r.supportedServices,
                                                    providerList: r.serviceProviders, forVPC: true)
        try VPCOffering.validate(services)
        let capabilities = try ServiceCapabilityRules.parse(r.serviceCapabilities, services: services)
        return (services, capabilities, try Self.internetProtocol(r.internetProtocol))
    }

    /// Checks the domains, zones and router offering a VPC offering request names (431 for
    /// an unknown one), so that the async command refuses them before queueing.
    public func checkVPCOfferingReferences(caller: Caller, _ r: VPCOfferingRequest) async throws {
        try await db.read { sql in
            _ = try await resolveScope(sql, caller: caller, r.scope, existing: nil, what: "VPC offering")
            _ = try await routerOffering(sql, r.serviceOfferingID)
        }
    }

    public func createVPCOffering(caller: Caller, _ r: VPCOfferingRequest, uuid: UUID = UUID()) async throws -> VPCOfferingView {
        let (services, capabilities, internetProtocol) = try checkVPCOffering(r)
        let name = try Self.checkName(r.name)
        return try await db.transaction { sql in
            let scope = try await resolveScope(sql, caller: caller, r.scope, existing: nil, what: "VPC offering")
            let router = try await routerOffering(sql, r.serviceOfferingID)
            let created = try await VPCOfferingRepository.insert(sql, VPCOffering(
                uuid: uuid, name: name, displayText: r.displayText ?? name, state: r.enable ? .enabled : .disabled, services: services,
                capabilities: capabilities, internetProtocol: internetProtocol, serviceOfferingID: router?.id))
            try await OfferingRepository.setScope(sql, kind: .vpc, offeringID: created.id, scope.ids)
            try await record(sql, caller, EventType.vpcOfferingCreate, "VPC offering \(name) created", "VpcOffering", created.uuid, name)
            let routerUUID = if let router { router.uuid } else { try await self.routerUUID(sql, nil) }
            return VPCOfferingView(offering: created, domains: scope.domains, zones: scope.zones, serviceOfferingUUID: routerUUID)
        }
    }

    /// Finds a VPC offering for an update or delete (431 when unknown).
    public func vpcOffering(id: UUID) async throws -> VPCOffering {
        try await db.read { sql in
            guard let o = try await VPCOfferingRepository.find(sql, uuid: id) else { throw Self.notFound("VPC offering", id) }
            return o
        }
    }

    public func updateVPCOffering(caller: Caller, id: UUID, _ u: OfferingUpdate) async throws -> VPCOfferingView {
        let state = try OfferingRules.parse(u.state, as: NetworkOfferingState.self, parameter: "state")
        return try await db.transaction { sql in
            guard var offering = try await VPCOfferingRepository.find(sql, uuid: id) else { throw Self.notFound("VPC offering", id) }
            let existing = try await OfferingRepository.scopes(sql, kind: .vpc, ids: [offering.id])[offering.id] ?? .everywhere
            let scope = try await resolveScope(sql, caller: caller, u.scope, existing: existing, what: "VPC offering")
            if let name = u.name { offering.name = try Self.checkName(name) }
            if let text = u.displayText { offering.displayText = text }
            if let key = u.sortKey { offering.sortKey = key }
            if let state { offering.state = state }
            try await VPCOfferingRepository.update(sql, offering)
            try await OfferingRepository.setScope(sql, kind: .vpc, offeringID: offering.id, scope.ids)
            try await record(sql, caller, EventType.vpcOfferingUpdate, "VPC offering \(offering.name) updated", "VpcOffering", offering.uuid, offering.name)
            return VPCOfferingView(offering: offering, domains: scope.domains, zones: scope.zones, serviceOfferingUUID: try await routerUUID(sql, offering.serviceOfferingID))
        }
    }

    /// Refuses to delete a default VPC offering; the async command calls this before queueing.
    public func checkDeleteVPCOffering(id: UUID) async throws -> VPCOffering {
        let offering = try await vpcOffering(id: id)
        if offering.isDefault { throw CloudError.invalidParameter("Default VPC offering can't be deleted") }
        return offering
    }

    public func deleteVPCOffering(caller: Caller, id: UUID) async throws {
        try await db.transaction { sql in
            guard let offering = try await VPCOfferingRepository.find(sql, uuid: id) else { throw Self.notFound("VPC offering", id) }
            if offering.isDefault { throw CloudError.invalidParameter("Default VPC offering can't be deleted") }
            try await VPCOfferingRepository.markRemoved(sql, id: offering.id, at: Date())
            try await record(sql, caller, EventType.vpcOfferingDelete, "VPC offering \(offering.name) deleted", "VpcOffering", offering.uuid, offering.name)
        }
    }

    public func listVPCOfferings(caller: Caller, _ q: OfferingQuery, displayText: String?, isDefault: Bool?, supportedServices: [String], page: (offset: Int, limit: Int?)) async throws -> Listing<VPCOfferingView> {
        var services: [NetworkService] = []
        for raw in supportedServices {
            guard let s = NetworkService(caseInsensitive: raw) else {
                throw CloudError.invalidParameter("Invalid service \(raw); supported services are \(NetworkService.allowedValues)")
            }
            services.append(s)
        }
        let baseFilter = VPCOfferingRepository.Filter(name: q.name, displayText: displayText, keyword: q.keyword,
                                                  state: try OfferingRules.parse(q.state, as: NetworkOfferingState.self, parameter: "state"),
                                                  isDefault: isDefault, services: services)
        return try await db.read { sql in
            var filter = baseFilter
            if let id = q.id {
                guard let o = try await VPCOfferingRepository.find(sql, uuid: id) else { throw Self.notFound("VPC offering", id) }
                filter.id = o.id
            }
            filter.scope = try await listScope(sql, caller: caller, q)
            let page = try await VPCOfferingRepository.list(sql, filter, offset: page.offset, limit: page.limit)
            let scopes = try await OfferingRepository.scopes(sql, kind: .vpc, ids: page.items.map(\.id))
            let refs = try await references(sql, Array(scopes.values))
            let routers = try await routerUUIDs(sql, Set(page.items.compactMap(\.serviceOfferingID)))
            let fallback = try await routerUUID(sql, nil)
            return Listing(items: page.items.map { o in
                let sc = scopes[o.id] ?? .everywhere
                return VPCOfferingView(offering: o, domains: sc.domainIDs.compactMap { refs.domains[$0] }, zones: sc.zoneIDs.compactMap { refs.zones[$0] },
                                       serviceOfferingUUID: o.serviceOfferingID.flatMap { routers[$0] } ?? fallback)
            }, total: page.total)
        }
    }

    // MARK: - Helpers

    /// The services of a VPC offering created without `supportedservices`.
    static let defaultVPCServices: [NetworkService] = [.dhcp, .dns, .userData, .sourceNat, .staticNat, .portForwarding, .networkACL, .lb, .vpn, .gateway]

    static func internetProtocol(_ raw: String?) throws -> String? {
        guard let raw else { return nil }
        switch raw.lowercased() {
        case "ipv4": return "IPv4"
        case "dualstack": return "DualStack"
        default: throw CloudError.invalidParameter("Invalid internetprotocol \(raw): use IPv4 or DualStack")
        }
    }

    /// Only one network offering may have availability Required.
    func checkSingleRequired(_ sql: any SQLDatabase, except id: Int64?) async throws {
        let required = try await NetworkOfferingRepository.list(sql, .init(availability: .required), offset: 0, limit: nil).items
        if let other = required.first(where: { $0.id != id }) {
            throw CloudError.invalidParameter("Network offering \(other.name) already has availability Required; only one offering can be Required")
        }
    }

    /// The system offering for virtual routers named by `serviceofferingid`.
    func routerOffering(_ sql: any SQLDatabase, _ uuid: UUID?) async throws -> ServiceOffering? {
        guard let uuid else { return nil }
        guard let o = try await ServiceOfferingRepository.find(sql, uuid: uuid) else { throw Self.notFound("service offering", uuid) }
        guard o.isSystem, o.systemVMType == .domainRouter else {
            throw CloudError.invalidParameter("Service offering \(o.name) is not a system offering for virtual routers (issystem=true, systemvmtype=domainrouter)")
        }
        return o
    }

    /// The router offering of a network offering; without one, the default router offering
    /// (CloudStack shows that one, and clients such as libcloud read `serviceofferingid`).
    func routerUUID(_ sql: any SQLDatabase, _ id: Int64?) async throws -> UUID? {
        guard let id else {
            return try await ServiceOfferingRepository.find(sql, name: "System Offering For Software Router")
                .first { $0.isSystem && $0.systemVMType == .domainRouter }?.uuid
        }
        return try await ServiceOfferingRepository.find(sql, id: id)?.uuid
    }

    func routerUUIDs(_ sql: any SQLDatabase, _ ids: Set<Int64>) async throws -> [Int64: UUID] {
        var out: [Int64: UUID] = [:]
        for id in ids { out[id] = try await routerUUID(sql, id) }
        return out
    }
}
