import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// What `createZone` and `updateZone` take; nil leaves a value unset (or unchanged).
public struct ZoneSpec: Sendable {
    public var name: String?
    public var networkType: String?
    public var dns1: String?
    public var dns2: String?
    public var ip6DNS1: String?
    public var ip6DNS2: String?
    public var internalDNS1: String?
    public var internalDNS2: String?
    public var guestCIDR: String?
    public var networkDomain: String?
    public var domainID: UUID?
    public var allocationState: String?
    public var securityGroupEnabled: Bool?
    public var localStorageEnabled: Bool?
    public var isEdge: Bool?

    public init(name: String? = nil, networkType: String? = nil, dns1: String? = nil, dns2: String? = nil, ip6DNS1: String? = nil, ip6DNS2: String? = nil,
                internalDNS1: String? = nil, internalDNS2: String? = nil, guestCIDR: String? = nil, networkDomain: String? = nil, domainID: UUID? = nil,
                allocationState: String? = nil, securityGroupEnabled: Bool? = nil, localStorageEnabled: Bool? = nil, isEdge: Bool? = nil) {
        self.name = name; self.networkType = networkType; self.dns1 = dns1; self.dns2 = dns2; self.ip6DNS1 = ip6DNS1; self.ip6DNS2 = ip6DNS2
        self.internalDNS1 = internalDNS1; self.internalDNS2 = internalDNS2; self.guestCIDR = guestCIDR; self.networkDomain = networkDomain
        self.domainID = domainID; self.allocationState = allocationState; self.securityGroupEnabled = securityGroupEnabled
        self.localStorageEnabled = localStorageEnabled; self.isEdge = isEdge
    }
}

/// A zone with the domain it is dedicated to, and whether the viewer sees the admin fields.
public struct ZoneView: Sendable {
    public var zone: Zone
    public var domain: Domain?
    public var full: Bool
    /// Filled by `showcapacities=true`.
    public var capacities: [CapacityView] = []
}

extension InfrastructureService {
    /// The private (RFC 1918) networks a guest CIDR must lie in.
    static let privateNetworks = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].compactMap { IPv4CIDR($0) }

    static func checkIP(_ value: String?, _ message: String) throws {
        if let value, !value.isEmpty, IPv4Address(value) == nil { throw CloudError.invalidParameter(message) }
    }

    static func checkZoneParameters(_ s: ZoneSpec) throws {
        try checkIP(s.dns1, "Please enter a valid IP address for DNS1")
        try checkIP(s.dns2, "Please enter a valid IP address for DNS2")
        try checkIP(s.internalDNS1, "Please enter a valid IP address for internal DNS1")
        try checkIP(s.internalDNS2, "Please enter a valid IP address for internal DNS2")
        if let v = s.ip6DNS1, !v.isEmpty, !isIPv6(v) { throw CloudError.invalidParameter("Please enter a valid IPv6 address for IP6 DNS1") }
        if let v = s.ip6DNS2, !v.isEmpty, !isIPv6(v) { throw CloudError.invalidParameter("Please enter a valid IPv6 address for IP6 DNS2") }
        if let cidr = s.guestCIDR, !cidr.isEmpty {
            guard let c = IPv4CIDR(cidr), privateNetworks.contains(where: { $0.contains(c) }) else {
                throw CloudError.invalidParameter("Please enter a valid guest cidr")
            }
        }
        _ = try allocationState(s.allocationState)
    }

    /// A loose IPv6 check: hex groups separated by colons, at most one `::`.
    static func isIPv6(_ text: String) -> Bool {
        guard text.contains(":"), text.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return false }
        return text.components(separatedBy: "::").count <= 2
    }

    /// `createZone`. New zones start Disabled unless `allocationstate` says otherwise.
    public func createZone(caller: Caller, _ spec: ZoneSpec) async throws -> ZoneView {
        let name = try Self.requireName(spec.name ?? "", "zone")
        guard let rawType = spec.networkType, let networkType = ZoneNetworkType(caseInsensitive: rawType) else {
            throw CloudError.invalidParameter("Unable to resolve network type '\(spec.networkType ?? "")' to a supported type: use Basic or Advanced")
        }
        guard let dns1 = spec.dns1, !dns1.isEmpty else { throw CloudError.invalidParameter("Please enter a valid IP address for DNS1") }
        guard let internal1 = spec.internalDNS1, !internal1.isEmpty else { throw CloudError.invalidParameter("Please enter a valid IP address for internal DNS1") }
        try Self.checkZoneParameters(spec)
        let isEdge = spec.isEdge ?? false
        if isEdge && networkType != .advanced { throw CloudError.invalidParameter("Edge zones can only be of Advanced network type") }
        var guestCIDR = spec.guestCIDR.flatMap { $0.isEmpty ? nil : IPv4CIDR($0)?.description }
        if networkType == .advanced && guestCIDR == nil { guestCIDR = "10.1.1.0/24" }
        if networkType == .basic { guestCIDR = nil }
        let finalGuestCIDR = guestCIDR
        return try await db.transaction { sql in
            if try await ZoneRepository.find(sql, name: name) != nil {
                throw CloudError.invalidParameter("A zone with that name already exists. Please specify a unique zone name.")
            }
            let domain = try await spec.domainID.mapAsync { try await Lookup.domain(sql, $0) }
            let zone = try await ZoneRepository.insert(sql, Zone(
                id: 0, uuid: UUID(), name: name, networkType: networkType, zoneType: isEdge ? .edge : .core, dns1: dns1, dns2: spec.dns2.presentValue,
                ip6DNS1: spec.ip6DNS1.presentValue, ip6DNS2: spec.ip6DNS2.presentValue, internalDNS1: internal1, internalDNS2: spec.internalDNS2.presentValue,
                guestCIDR: finalGuestCIDR, networkDomain: spec.networkDomain.presentValue, domainID: domain?.id,
                allocationState: try Self.allocationState(spec.allocationState) ?? .disabled,
                securityGroupEnabled: networkType == .basic ? true : (spec.securityGroupEnabled ?? false),
                localStorageEnabled: spec.localStorageEnabled ?? false, created: Date()))
            try await record(sql, caller, EventType.zoneCreate, "Zone \(name) created", resourceType: "Zone", uuid: zone.uuid, name: name)
            return ZoneView(zone: zone, domain: domain, full: true)
        }
    }

    /// `updateZone`. Enabling a zone needs its Management network (and, for Advanced zones
    /// without security groups, its Public network), as in CloudStack.
    public func updateZone(caller: Caller, id: UUID, _ spec: ZoneSpec) async throws -> ZoneView {
        try Self.checkZoneParameters(spec)
        return try await db.transaction { sql in
            var zone = try await Lookup.zone(sql, id)
            if let raw = spec.name {
                let name = try Self.requireName(raw, "zone")
                if name != zone.name, try await ZoneRepository.find(sql, name: name) != nil {
                    throw CloudError.invalidParameter("A zone with that name already exists. Please specify a unique zone name.")
                }
                zone.name = name
            }
            if let v = spec.dns1.presentValue { zone.dns1 = v }
            if let v = spec.dns2 { zone.dns2 = v.isEmpty ? nil : v }
            if let v = spec.ip6DNS1 { zone.ip6DNS1 = v.isEmpty ? nil : v }
            if let v = spec.ip6DNS2 { zone.ip6DNS2 = v.isEmpty ? nil : v }
            if let v = spec.internalDNS1.presentValue { zone.internalDNS1 = v }
            if let v = spec.internalDNS2 { zone.internalDNS2 = v.isEmpty ? nil : v }
            if let v = spec.guestCIDR.presentValue {
                guard zone.networkType == .advanced else { throw CloudError.invalidParameter("Guest CIDR can only be set for an Advanced zone") }
                zone.guestCIDR = IPv4CIDR(v)?.description
            }
            if let v = spec.networkDomain { zone.networkDomain = v.isEmpty ? nil : v }
            if let v = spec.localStorageEnabled { zone.localStorageEnabled = v }
            if let state = try Self.allocationState(spec.allocationState) {
                if state == .enabled && zone.allocationState != .enabled { try await checkZoneCanBeEnabled(sql, zone) }
                zone.allocationState = state
            }
            try await ZoneRepository.update(sql, zone)
            try await record(sql, caller, EventType.zoneEdit, "Zone \(zone.name) updated", resourceType: "Zone", uuid: zone.uuid, name: zone.name)
            let domain = try await zone.domainID.mapAsync { try await DomainRepository.find(sql, id: $0) } ?? nil
            return ZoneView(zone: zone, domain: domain, full: true)
        }
    }

    func checkZoneCanBeEnabled(_ sql: any SQLDatabase, _ zone: Zone) async throws {
        var needed: [TrafficType] = [.management]
        if zone.networkType == .advanced && !zone.securityGroupEnabled && zone.zoneType == .core { needed.append(.public) }
        for traffic in needed where try await PhysicalNetworkRepository.find(sql, zoneID: zone.id, carrying: traffic) == nil {
            throw CloudError.invalidParameter("Cannot enable this Zone since: Unable to find the default physical network with traffic=\(traffic.rawValue) in the specified zone id")
        }
    }

    /// `deleteZone`: refused while the zone still holds hosts, pods, allocated public IPs,
    /// physical networks, storage pools or image stores.
    public func deleteZone(caller: Caller, id: UUID) async throws {
        try await db.transaction { sql in
            let zone = try await Lookup.zone(sql, id)
            let c = try await ZoneRepository.contents(sql, zoneID: zone.id)
            let prefix = "The zone cannot be deleted because "
            if c.hosts > 0 { throw CloudError.resourceInUse(prefix + "there are servers in this zone.") }
            if c.pods > 0 { throw CloudError.resourceInUse(prefix + "there are pods in this zone.") }
            for range in try await VlanIPRangeRepository.list(sql, zoneID: zone.id) where try await VlanIPRangeRepository.allocatedCount(sql, vlanID: range.id) > 0 {
                throw CloudError.resourceInUse(prefix + "there are public IP addresses allocated in this zone.")
            }
            if c.physicalNetworks > 0 { throw CloudError.resourceInUse(prefix + "there are physical networks in this zone.") }
            if c.storagePools > 0 { throw CloudError.resourceInUse(prefix + "there are primary storage pools in this zone.") }
            if c.imageStores > 0 { throw CloudError.resourceInUse(prefix + "there are Secondary storages in this zone") }
            let now = Date()
            for range in try await VlanIPRangeRepository.list(sql, zoneID: zone.id) {
                try await VlanIPRangeRepository.markRemoved(sql, id: range.id, at: now)
            }
            // Local pools left behind by removed hosts go with the zone.
            for pool in try await StoragePoolRepository.list(sql, StoragePoolRepository.Filter(zoneID: zone.id, scope: .host)).items {
                try await StoragePoolRepository.markRemoved(sql, id: pool.id, at: now)
            }
            try await ZoneRepository.markRemoved(sql, id: zone.id, at: now)
            try await record(sql, caller, EventType.zoneDelete, "Zone \(zone.name) deleted", resourceType: "Zone", uuid: zone.uuid, name: zone.name)
        }
    }

    /// `listZones`. Admins see every zone with every field; other callers see Enabled zones
    /// that are not dedicated to a domain outside their own, with the public fields only.
    public func listZones(caller: Caller, id: UUID?, ids: [UUID]?, name: String?, networkType: String?, domainID: UUID?, keyword: String?,
                          page: (offset: Int, limit: Int?)) async throws -> InfrastructurePage<ZoneView> {
        let admin = caller.isRootAdmin
        return try await db.read { sql in
            var filter = ZoneRepository.Filter(name: name, keyword: keyword)
            if let networkType {
                guard let t = ZoneNetworkType(caseInsensitive: networkType) else { return InfrastructurePage(items: [], total: 0, names: InfrastructureNames()) }
                filter.networkType = t
            }
            if let id {
                guard let z = try await ZoneRepository.find(sql, uuid: id) else { return InfrastructurePage(items: [], total: 0, names: InfrastructureNames()) }
                filter.id = z.id
            }
            if let domainID {
                let d = try await Lookup.domain(sql, domainID)
                filter.domainID = d.id
            }
            if !admin { filter.allocationState = .enabled }
            var zones: [Zone]
            var total: Int
            if let ids, !ids.isEmpty {
                var found: [Zone] = []
                for uuid in ids { if let z = try await ZoneRepository.find(sql, uuid: uuid) { found.append(z) } }
                let all = try await ZoneRepository.list(sql, filter).items
                let wanted = Set(found.map(\.id))
                zones = all.filter { wanted.contains($0.id) }
                total = zones.count
                zones = Array(zones.dropFirst(page.offset).prefix(page.limit ?? Int.max))
            } else if admin {
                let listing = try await ZoneRepository.list(sql, filter, offset: page.offset, limit: page.limit)
                zones = listing.items; total = listing.total
            } else {
                // Dedicated zones are visible only inside their domain.
                let visible = try await ZoneRepository.list(sql, filter).items.filter { $0.domainID == nil || $0.domainID == caller.account.domainID }
                total = visible.count
                zones = Array(visible.dropFirst(page.offset).prefix(page.limit ?? Int.max))
            }
            let names = try await InfrastructureNames.load(sql, domainIDs: Set(zones.compactMap(\.domainID)))
            return InfrastructurePage(items: zones.map { ZoneView(zone: $0, domain: $0.domainID.flatMap { names.domains[$0] }, full: admin) },
                                      total: total, names: names)
        }
    }
}

extension Optional where Wrapped == String {
    /// Nil for nil or the empty string.
    var presentValue: String? { self.flatMap { $0.isEmpty ? nil : $0 } }
}

extension Optional where Wrapped: Sendable {
    func mapAsync<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

extension InfrastructureService {
    /// Whether any live zone uses security groups (`listCapabilities`).
    public func anyZoneUsesSecurityGroups() async throws -> Bool {
        try await db.read { try await ZoneRepository.list($0).items.contains(where: \.securityGroupEnabled) }
    }
}
