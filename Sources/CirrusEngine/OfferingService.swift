import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// A service offering with what its response shows: the disk offering of its ROOT volume
/// and the domains and zones it is limited to.
public struct ServiceOfferingView: Sendable {
    public var offering: ServiceOffering
    public var disk: DiskOffering?
    public var domains: [Domain]
    public var zones: [Zone]
}

/// A disk offering with its domains and zones.
public struct DiskOfferingView: Sendable {
    public var offering: DiskOffering
    public var domains: [Domain]
    public var zones: [Zone]
}

/// The domain and zone limits of an offering as the API gives them. `nil` leaves a limit
/// unchanged on update; an empty list means every domain (public) or every zone.
public struct OfferingScopeRequest: Sendable {
    public var domainIDs: [UUID]?
    public var zoneIDs: [UUID]?

    public init(domainIDs: [UUID]? = nil, zoneIDs: [UUID]? = nil) {
        self.domainIDs = domainIDs
        self.zoneIDs = zoneIDs
    }
}

/// Parameters of `createServiceOffering`, as given.
public struct ServiceOfferingRequest: Sendable {
    public var name: String
    public var displayText: String?
    public var cpuNumber: Int?
    public var cpuSpeed: Int?
    public var memory: Int?
    public var customized: Bool?
    public var minCPUNumber: Int?
    public var maxCPUNumber: Int?
    public var minMemory: Int?
    public var maxMemory: Int?
    public var offerHA = false
    public var limitCPUUse = false
    public var isVolatile = false
    public var hostTags: String?
    public var isSystem = false
    public var systemVMType: String?
    public var deploymentPlanner: String?
    public var networkRate: Int?
    public var dynamicScalingEnabled = true
    public var diskOfferingID: UUID?
    public var diskOfferingStrictness = false
    public var scope = OfferingScopeRequest()
    /// The ROOT disk settings, used when no `diskofferingid` is given.
    public var rootDiskSize: Int64?
    public var storageTags: String?
    public var storageType: String?
    public var provisioningType: String?
    public var cacheMode: String?
    public var customizedIOPS: Bool?
    public var minIOPS: Int64?
    public var maxIOPS: Int64?
    public var rates = DiskRates()
    public var hypervisorSnapshotReserve: Int?
    public var encryptRoot = false

    public init(name: String) { self.name = name }
}

/// Parameters of `createDiskOffering`, as given.
public struct DiskOfferingRequest: Sendable {
    public var name: String
    public var displayText: String?
    public var diskSize: Int64?
    public var customized = false
    public var customizedIOPS: Bool?
    public var minIOPS: Int64?
    public var maxIOPS: Int64?
    public var rates = DiskRates()
    public var tags: String?
    public var provisioningType: String?
    public var cacheMode: String?
    public var storageType: String?
    public var displayOffering = true
    public var encrypt = false
    public var hypervisorSnapshotReserve: Int?
    public var diskSizeStrictness = false
    public var scope = OfferingScopeRequest()

    public init(name: String) { self.name = name }
}

/// The changes of an update command shared by every offering kind.
public struct OfferingUpdate: Sendable {
    public var name: String?
    public var displayText: String?
    public var sortKey: Int?
    public var state: String?
    public var scope = OfferingScopeRequest()

    public init(name: String? = nil, displayText: String? = nil, sortKey: Int? = nil, state: String? = nil, scope: OfferingScopeRequest = OfferingScopeRequest()) {
        self.name = name
        self.displayText = displayText
        self.sortKey = sortKey
        self.state = state
        self.scope = scope
    }
}

/// The list filters shared by every offering kind.
public struct OfferingQuery: Sendable {
    public var id: UUID?
    public var name: String?
    public var keyword: String?
    public var domainID: UUID?
    public var isRecursive = false
    public var zoneID: UUID?
    public var state: String?

    public init(id: UUID? = nil, name: String? = nil, keyword: String? = nil, domainID: UUID? = nil, isRecursive: Bool = false, zoneID: UUID? = nil, state: String? = nil) {
        self.id = id
        self.name = name
        self.keyword = keyword
        self.domainID = domainID
        self.isRecursive = isRecursive
        self.zoneID = zoneID
        self.state = state
    }
}

/// Service, disk, network and VPC offerings: validation, domain and zone scoping, and the
/// defaults CloudStack installs.
///
/// Root admins manage every offering. Domain admins may manage service and disk offerings
/// limited to domains they administer (never public ones). Users and domain admins see
/// public offerings and those offered to their domain or a domain above it.
public struct OfferingService: Sendable {
    let db: any Database
    let events: EventService
    let config: ConfigService

    public init(db: any Database, events: EventService, config: ConfigService) {
        self.db = db
        self.events = events
        self.config = config
    }

    // MARK: - Service offerings

    public func createServiceOffering(caller: Caller, _ r: ServiceOfferingRequest) async throws -> ServiceOfferingView {
        let name = try Self.checkName(r.name)
        let shape = try OfferingRules.computeShape(cpuNumber: r.cpuNumber, cpuSpeed: r.cpuSpeed, memory: r.memory, customized: r.customized,
                                                   minCPU: r.minCPUNumber, maxCPU: r.maxCPUNumber, minMemory: r.minMemory, maxMemory: r.maxMemory)
        let planner = try OfferingRules.parse(r.deploymentPlanner, as: DeploymentPlannerName.self, parameter: "deploymentplanner")
        let givenSystemType = try OfferingRules.parse(r.systemVMType, as: SystemVMType.self, parameter: "systemvmtype")
        if !r.isSystem && givenSystemType != nil {
            throw CloudError.invalidParameter("systemvmtype can only be given for a system offering (issystem=true)")
        }
        let systemType = r.isSystem ? (givenSystemType ?? .domainRouter) : nil
        if let rate = r.networkRate, rate < 0 { throw CloudError.invalidParameter("networkrate must be 0 or more, got \(rate)") }
        let diskParameters: [(String, Bool)] = [
            ("rootdisksize", r.rootDiskSize != nil), ("tags", r.storageTags != nil), ("provisioningtype", r.provisioningType != nil),
            ("cachemode", r.cacheMode != nil), ("customizediops", r.customizedIOPS != nil), ("miniops", r.minIOPS != nil), ("maxiops", r.maxIOPS != nil),
            ("bytes/iops rates", !r.rates.isEmpty), ("hypervisorsnapshotreserve", r.hypervisorSnapshotReserve != nil), ("storagetype", r.storageType != nil),
        ]
        if r.diskOfferingID != nil, case let given = diskParameters.filter(\.1).map(\.0), !given.isEmpty {
            throw CloudError.invalidParameter("The ROOT disk is described by diskofferingid; \(given.joined(separator: ", ")) cannot be given with it")
        }
        if r.diskOfferingID == nil && r.diskOfferingStrictness {
            throw CloudError.invalidParameter("diskofferingstrictness needs a diskofferingid")
        }
        let rootDisk = try r.diskOfferingID == nil ? rootDiskOffering(for: r, name: name) : nil
        let displayText = r.displayText ?? name
        return try await db.transaction { sql in
            let scope = try await resolveScope(sql, caller: caller, r.scope, existing: nil, what: "service offering")
            let disk: DiskOffering
            if let diskUUID = r.diskOfferingID {
                guard let d = try await DiskOfferingRepository.find(sql, uuid: diskUUID), !d.computeOnly else {
                    throw CloudError.invalidParameter("Please specify a valid disk offering: unable to find disk offering by id \(diskUUID.uuidString.lowercased())")
                }
                disk = d
            } else {
                var d = rootDisk!
                d.displayText = displayText
                disk = try await DiskOfferingRepository.insert(sql, d)
                try await OfferingRepository.setScope(sql, kind: .disk, offeringID: disk.id, scope.ids)
            }
            let offering = try await ServiceOfferingRepository.insert(sql, ServiceOffering(
                name: name, displayText: displayText, cpuNumber: shape.cpuNumber, cpuSpeed: shape.cpuSpeed, memory: shape.memory,
                isCustomized: shape.isCustomized, minCPUNumber: shape.minCPUNumber, maxCPUNumber: shape.maxCPUNumber, minMemory: shape.minMemory,
                maxMemory: shape.maxMemory, offerHA: r.offerHA, limitCPUUse: r.limitCPUUse, isVolatile: r.isVolatile, hostTags: OfferingRules.tags(r.hostTags),
                isSystem: r.isSystem, systemVMType: systemType, deploymentPlanner: planner, networkRate: r.networkRate,
                dynamicScalingEnabled: r.dynamicScalingEnabled, diskOfferingID: disk.id, diskOfferingStrictness: r.diskOfferingStrictness))
            try await OfferingRepository.setScope(sql, kind: .service, offeringID: offering.id, scope.ids)
            try await record(sql, caller, EventType.serviceOfferingCreate, "Service offering \(name) created", "ServiceOffering", offering.uuid, name)
            return ServiceOfferingView(offering: offering, disk: disk, domains: scope.domains, zones: scope.zones)
        }
    }

    /// The compute-only disk offering CloudStack creates from a service offering's disk parameters.
    func rootDiskOffering(for r: ServiceOfferingRequest, name: String) throws -> DiskOffering {
        if let size = r.rootDiskSize, size < 1 { throw CloudError.invalidParameter("rootdisksize must be at least 1 GB, got \(size)") }
        let customizedIOPS = r.customizedIOPS ?? false
        try OfferingRules.iops(min: r.minIOPS, max: r.maxIOPS, customized: customizedIOPS)
        try OfferingRules.rates(r.rates)
        if let reserve = r.hypervisorSnapshotReserve, reserve < 0 { throw CloudError.invalidParameter("hypervisorsnapshotreserve must be 0 or more") }
        return DiskOffering(
            name: name, displayText: name, diskSizeGB: r.rootDiskSize ?? 0, isCustomizedIOPS: customizedIOPS, minIOPS: r.minIOPS, maxIOPS: r.maxIOPS,
            rates: r.rates, tags: OfferingRules.tags(r.storageTags),
            provisioningType: try OfferingRules.parse(r.provisioningType, as: ProvisioningType.self, parameter: "provisioningtype") ?? .thin,
            cacheMode: try OfferingRules.parse(r.cacheMode, as: DiskCacheMode.self, parameter: "cachemode") ?? .none,
            storageType: try OfferingRules.parse(r.storageType, as: OfferingStorageType.self, parameter: "storagetype") ?? .shared,
            encrypt: r.encryptRoot, hypervisorSnapshotReserve: r.hypervisorSnapshotReserve, computeOnly: true)
    }

    /// Updates name, display text, sort key, state, scope, host tags and the storage tags of
    /// the offering's ROOT disk offering.
    public func updateServiceOffering(caller: Caller, id: UUID, _ u: OfferingUpdate, hostTags: String?, storageTags: String?) async throws -> ServiceOfferingView {
        let state = try OfferingRules.parse(u.state, as: OfferingState.self, parameter: "state")
        return try await db.transaction { sql in
            guard var offering = try await ServiceOfferingRepository.find(sql, uuid: id) else { throw Self.notFound("service offering", id) }
            let existing = try await OfferingRepository.scopes(sql, kind: .service, ids: [offering.id])[offering.id] ?? .everywhere
            try await checkManages(sql, caller: caller, existing, what: "service offering")
            let scope = try await resolveScope(sql, caller: caller, u.scope, existing: existing, what: "service offering")
            if let name = u.name { offering.name = try Self.checkName(name) }
            if let text = u.displayText { offering.displayText = text }
            if let key = u.sortKey { offering.sortKey = key }
            if let state { offering.state = state }
            if let hostTags { offering.hostTags = OfferingRules.tags(hostTags) }
            try await ServiceOfferingRepository.update(sql, offering)
            try await OfferingRepository.setScope(sql, kind: .service, offeringID: offering.id, scope.ids)
            var disk = try await DiskOfferingRepository.find(sql, ids: [offering.diskOfferingID])[offering.diskOfferingID]
            if var d = disk, d.computeOnly {
                if let storageTags { d.tags = OfferingRules.tags(storageTags) }
                try await DiskOfferingRepository.update(sql, d)
                try await OfferingRepository.setScope(sql, kind: .disk, offeringID: d.id, scope.ids)
                disk = d
            } else if storageTags != nil {
                throw CloudError.invalidParameter("storagetags can only be changed on a service offering whose ROOT disk offering is its own; update disk offering \(disk?.name ?? "") instead")
            }
            try await record(sql, caller, EventType.serviceOfferingEdit, "Service offering \(offering.name) updated", "ServiceOffering", offering.uuid, offering.name)
            return ServiceOfferingView(offering: offering, disk: disk, domains: scope.domains, zones: scope.zones)
        }
    }

    public func deleteServiceOffering(caller: Caller, id: UUID) async throws {
        try await db.transaction { sql in
            guard let offering = try await ServiceOfferingRepository.find(sql, uuid: id) else { throw Self.notFound("service offering", id) }
            let existing = try await OfferingRepository.scopes(sql, kind: .service, ids: [offering.id])[offering.id] ?? .everywhere
            try await checkManages(sql, caller: caller, existing, what: "service offering")
            if offering.defaultUse { throw CloudError.invalidParameter("Default service offerings cannot be deleted") }
            let now = Date()
            try await ServiceOfferingRepository.markRemoved(sql, id: offering.id, at: now)
            if let disk = try await DiskOfferingRepository.find(sql, id: offering.diskOfferingID), disk.computeOnly {
                try await DiskOfferingRepository.markRemoved(sql, id: disk.id, at: now)
            }
            try await record(sql, caller, EventType.serviceOfferingDelete, "Service offering \(offering.name) deleted", "ServiceOffering", offering.uuid, offering.name)
        }
    }

    /// Filters of `listServiceOfferings` beyond the shared ones.
    public struct ServiceOfferingQuery: Sendable {
        public var isSystem = false
        public var systemVMType: String?
        public var cpuNumber: Int?
        public var cpuSpeed: Int?
        public var memory: Int?
        public var storageType: String?
        public init() {}
    }

    public func listServiceOfferings(caller: Caller, _ q: OfferingQuery, _ s: ServiceOfferingQuery, page: (offset: Int, limit: Int?)) async throws -> Listing<ServiceOfferingView> {
        if s.isSystem && !caller.isRootAdmin { throw CloudError.permissionDenied("Only ROOT admins can access system's offering") }
        let baseFilter = ServiceOfferingRepository.Filter(name: q.name, keyword: q.keyword, isSystem: s.isSystem,
                                                      systemVMType: try OfferingRules.parse(s.systemVMType, as: SystemVMType.self, parameter: "systemvmtype"),
                                                      state: try Self.listedState(q),
                                                      cpuNumber: s.cpuNumber, cpuSpeed: s.cpuSpeed, memory: s.memory,
                                                      storageType: try OfferingRules.parse(s.storageType, as: OfferingStorageType.self, parameter: "storagetype"))
        return try await db.read { sql in
            var filter = baseFilter
            if let id = q.id {
                guard let o = try await ServiceOfferingRepository.find(sql, uuid: id) else { throw Self.notFound("service offering", id) }
                filter.id = o.id
            }
            filter.scope = try await listScope(sql, caller: caller, q)
            let page = try await ServiceOfferingRepository.list(sql, filter, offset: page.offset, limit: page.limit)
            let scopes = try await OfferingRepository.scopes(sql, kind: .service, ids: page.items.map(\.id))
            let disks = try await DiskOfferingRepository.find(sql, ids: Set(page.items.map(\.diskOfferingID)))
            let refs = try await references(sql, Array(scopes.values))
            return Listing(items: page.items.map { o in
                let sc = scopes[o.id] ?? .everywhere
                return ServiceOfferingView(offering: o, disk: disks[o.diskOfferingID], domains: sc.domainIDs.compactMap { refs.domains[$0] }, zones: sc.zoneIDs.compactMap { refs.zones[$0] })
            }, total: page.total)
        }
    }

    // MARK: - Disk offerings

    public func createDiskOffering(caller: Caller, _ r: DiskOfferingRequest) async throws -> DiskOfferingView {
        let name = try Self.checkName(r.name)
        let minSize = Int64(try await config.int(Settings.customDiskOfferingMinSize))
        let maxSize = Int64(try await config.int(Settings.customDiskOfferingMaxSize))
        let size = try OfferingRules.diskSize(r.diskSize, customized: r.customized, bounds: minSize...max(minSize, maxSize))
        let customizedIOPS = r.customizedIOPS ?? false
        try OfferingRules.iops(min: r.minIOPS, max: r.maxIOPS, customized: customizedIOPS)
        try OfferingRules.rates(r.rates)
        if let reserve = r.hypervisorSnapshotReserve, reserve < 0 { throw CloudError.invalidParameter("hypervisorsnapshotreserve must be 0 or more") }
        if r.customized && r.diskSizeStrictness { throw CloudError.invalidParameter("disksizestrictness cannot be true for a customized disk offering") }
        let offering = DiskOffering(
            name: name, displayText: r.displayText ?? name, diskSizeGB: size, isCustomized: r.customized, isCustomizedIOPS: customizedIOPS,
            minIOPS: r.minIOPS, maxIOPS: r.maxIOPS, rates: r.rates, tags: OfferingRules.tags(r.tags),
            provisioningType: try OfferingRules.parse(r.provisioningType, as: ProvisioningType.self, parameter: "provisioningtype") ?? .thin,
            cacheMode: try OfferingRules.parse(r.cacheMode, as: DiskCacheMode.self, parameter: "cachemode") ?? .none,
            storageType: try OfferingRules.parse(r.storageType, as: OfferingStorageType.self, parameter: "storagetype") ?? .shared,
            displayOffering: r.displayOffering, encrypt: r.encrypt, hypervisorSnapshotReserve: r.hypervisorSnapshotReserve,
            diskSizeStrictness: r.diskSizeStrictness)
        return try await db.transaction { sql in
            let scope = try await resolveScope(sql, caller: caller, r.scope, existing: nil, what: "disk offering")
            let created = try await DiskOfferingRepository.insert(sql, offering)
            try await OfferingRepository.setScope(sql, kind: .disk, offeringID: created.id, scope.ids)
            try await record(sql, caller, EventType.diskOfferingCreate, "Disk offering \(name) created", "DiskOffering", created.uuid, name)
            return DiskOfferingView(offering: created, domains: scope.domains, zones: scope.zones)
        }
    }

    /// Updates a disk offering; `tags`, `displayOffering`, `cacheMode` and `rates` change
    /// only when given.
    public func updateDiskOffering(caller: Caller, id: UUID, _ u: OfferingUpdate, tags: String?, displayOffering: Bool?, cacheMode: String?, rates: DiskRates) async throws -> DiskOfferingView {
        let state = try OfferingRules.parse(u.state, as: OfferingState.self, parameter: "state")
        let cache = try OfferingRules.parse(cacheMode, as: DiskCacheMode.self, parameter: "cachemode")
        try OfferingRules.rates(rates)
        return try await db.transaction { sql in
            guard var offering = try await DiskOfferingRepository.find(sql, uuid: id), !offering.computeOnly else { throw Self.notFound("disk offering", id) }
            let existing = try await OfferingRepository.scopes(sql, kind: .disk, ids: [offering.id])[offering.id] ?? .everywhere
            try await checkManages(sql, caller: caller, existing, what: "disk offering")
            let scope = try await resolveScope(sql, caller: caller, u.scope, existing: existing, what: "disk offering")
            if let name = u.name { offering.name = try Self.checkName(name) }
            if let text = u.displayText { offering.displayText = text }
            if let key = u.sortKey { offering.sortKey = key }
            if let state { offering.state = state }
            if let tags { offering.tags = OfferingRules.tags(tags) }
            if let displayOffering { offering.displayOffering = displayOffering }
            if let cache { offering.cacheMode = cache }
            offering.rates = offering.rates.merging(rates)
            try await DiskOfferingRepository.update(sql, offering)
            try await OfferingRepository.setScope(sql, kind: .disk, offeringID: offering.id, scope.ids)
            try await record(sql, caller, EventType.diskOfferingEdit, "Disk offering \(offering.name) updated", "DiskOffering", offering.uuid, offering.name)
            return DiskOfferingView(offering: offering, domains: scope.domains, zones: scope.zones)
        }
    }

    public func deleteDiskOffering(caller: Caller, id: UUID) async throws {
        try await db.transaction { sql in
            guard let offering = try await DiskOfferingRepository.find(sql, uuid: id), !offering.computeOnly else { throw Self.notFound("disk offering", id) }
            let existing = try await OfferingRepository.scopes(sql, kind: .disk, ids: [offering.id])[offering.id] ?? .everywhere
            try await checkManages(sql, caller: caller, existing, what: "disk offering")
            try await DiskOfferingRepository.markRemoved(sql, id: offering.id, at: Date())
            try await record(sql, caller, EventType.diskOfferingDelete, "Disk offering \(offering.name) deleted", "DiskOffering", offering.uuid, offering.name)
        }
    }

    public func listDiskOfferings(caller: Caller, _ q: OfferingQuery, storageType: String?, encrypt: Bool?, page: (offset: Int, limit: Int?)) async throws -> Listing<DiskOfferingView> {
        let baseFilter = DiskOfferingRepository.Filter(name: q.name, keyword: q.keyword, state: try Self.listedState(q),
                                                   storageType: try OfferingRules.parse(storageType, as: OfferingStorageType.self, parameter: "storagetype"),
                                                   encrypt: encrypt, displayedOnly: !caller.isAdmin)
        return try await db.read { sql in
            var filter = baseFilter
            if let id = q.id {
                guard let o = try await DiskOfferingRepository.find(sql, uuid: id), !o.computeOnly else { throw Self.notFound("disk offering", id) }
                filter.id = o.id
            }
            filter.scope = try await listScope(sql, caller: caller, q)
            let page = try await DiskOfferingRepository.list(sql, filter, offset: page.offset, limit: page.limit)
            let scopes = try await OfferingRepository.scopes(sql, kind: .disk, ids: page.items.map(\.id))
            let refs = try await references(sql, Array(scopes.values))
            return Listing(items: page.items.map { o in
                let sc = scopes[o.id] ?? .everywhere
                return DiskOfferingView(offering: o, domains: sc.domainIDs.compactMap { refs.domains[$0] }, zones: sc.zoneIDs.compactMap { refs.zones[$0] })
            }, total: page.total)
        }
    }

    // MARK: - Scoping

    /// A resolved scope: the ids to store and the domains and zones to show.
    struct ResolvedScope {
        var domains: [Domain]
        var zones: [Zone]
        var ids: OfferingScope { OfferingScope(domainIDs: domains.map(\.id), zoneIDs: zones.map(\.id)) }
    }

    /// Looks up the requested domains and zones (431 for an unknown one), keeping the
    /// existing ones where the request leaves them out. A domain admin must name domains,
    /// all of which they administer.
    func resolveScope(_ sql: any SQLDatabase, caller: Caller, _ request: OfferingScopeRequest, existing: OfferingScope?, what: String) async throws -> ResolvedScope {
        var domains: [Domain] = []
        if let uuids = request.domainIDs {
            for uuid in uuids where !domains.contains(where: { $0.uuid == uuid }) {
                let d = try await Lookup.domain(sql, uuid)
                domains.append(d)
            }
        } else if let existing {
            domains = try await DomainRepository.find(sql, ids: Set(existing.domainIDs)).values.sorted { $0.id < $1.id }
        }
        if !caller.isRootAdmin {
            guard !domains.isEmpty else {
                throw CloudError.permissionDenied("Only the root admin can offer a \(what) to every domain; give domainid with domains you administer")
            }
            for d in domains where !caller.administers(domainPath: d.path) {
                throw CloudError.permissionDenied("Account \(caller.account.name) does not have permission to operate within domain id=\(d.uuid.uuidString.lowercased())")
            }
        }
        var zones: [Zone] = []
        if let uuids = request.zoneIDs {
            for uuid in uuids where !zones.contains(where: { $0.uuid == uuid }) {
                let z = try await Lookup.zone(sql, uuid)
                zones.append(z)
            }
        } else if let existing {
            zones = try await ZoneRepository.find(sql, ids: Set(existing.zoneIDs)).values.sorted { $0.id < $1.id }
        }
        return ResolvedScope(domains: domains, zones: zones)
    }

    /// A domain admin may change only offerings limited to domains they administer.
    func checkManages(_ sql: any SQLDatabase, caller: Caller, _ scope: OfferingScope, what: String) async throws {
        if caller.isRootAdmin { return }
        let domains = try await DomainRepository.find(sql, ids: Set(scope.domainIDs))
        guard !scope.domainIDs.isEmpty, domains.values.allSatisfy({ caller.administers(domainPath: $0.path) }) else {
            throw CloudError.permissionDenied("Account \(caller.account.name) does not have permission to change this \(what)")
        }
    }

    /// The scope filter of a list: root admins see everything (or what `domainid` names);
    /// others see public offerings and those of their domain's ancestors, plus, for domain
    /// admins, those of the domains they administer.
    func listScope(_ sql: any SQLDatabase, caller: Caller, _ q: OfferingQuery) async throws -> OfferingRepository.ScopeFilter {
        var filter = OfferingRepository.ScopeFilter()
        if let zoneUUID = q.zoneID {
            let zone = try await Lookup.zone(sql, zoneUUID)
            filter.zoneID = zone.id
        }
        if !caller.isRootAdmin {
            var visible = try await ancestors(sql, of: caller.domain).map(\.id)
            if caller.isDomainAdmin { visible += try await DomainRepository.subtree(sql, path: caller.domain.path).map(\.id) }
            filter.visibleToDomains = Array(Set(visible)).sorted()
        }
        if let domainUUID = q.domainID {
            let domain = try await Lookup.domain(sql, domainUUID)
            let related = caller.administers(domainPath: domain.path) || caller.domain.path.hasPrefix(domain.path)
            guard related else {
                throw CloudError.permissionDenied("Domain \(domainUUID.uuidString.lowercased()) is not accessible to the caller")
            }
            var ids = [domain.id]
            if q.isRecursive { ids = try await DomainRepository.subtree(sql, path: domain.path).map(\.id) }
            filter.limitedToDomains = ids
        }
        return filter
    }

    /// The domain and its ancestors up to ROOT.
    func ancestors(_ sql: any SQLDatabase, of domain: Domain) async throws -> [Domain] {
        var out: [Domain] = []
        var path = "/"
        if let root = try await DomainRepository.find(sql, path: path) { out.append(root) }
        for part in domain.path.split(separator: "/", omittingEmptySubsequences: true) {
            path += part + "/"
            if let d = try await DomainRepository.find(sql, path: path) { out.append(d) }
        }
        return out
    }

    /// Domains and zones named by `scopes`, by id.
    func references(_ sql: any SQLDatabase, _ scopes: [OfferingScope]) async throws -> (domains: [Int64: Domain], zones: [Int64: Zone]) {
        let domains = try await DomainRepository.find(sql, ids: Set(scopes.flatMap(\.domainIDs)))
        let zones = try await ZoneRepository.find(sql, ids: Set(scopes.flatMap(\.zoneIDs)))
        return (domains, zones)
    }

    // MARK: - Helpers

    /// The `state` filter of service and disk offering lists: Active unless the caller asks
    /// for `all`, Inactive, or one offering by id (4.19).
    static func listedState(_ q: OfferingQuery) throws -> OfferingState? {
        guard let raw = q.state else { return q.id == nil ? .active : nil }
        if raw.lowercased() == "all" { return nil }
        return try OfferingRules.parse(raw, as: OfferingState.self, parameter: "state")
    }

    static func checkName(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw CloudError.invalidParameter("The offering name cannot be empty") }
        return trimmed
    }

    static func notFound(_ what: String, _ id: UUID) -> CloudError { Lookup.notFound(what, id) }

    func record(_ sql: any SQLDatabase, _ caller: Caller, _ type: String, _ text: String, _ resourceType: String, _ uuid: UUID, _ name: String) async throws {
        try await events.record(sql, type: type, state: .completed, description: text, userID: caller.user.id, accountID: caller.account.id,
                                domainID: caller.account.domainID, resource: EventResource(type: resourceType, uuid: uuid.uuidString.lowercased(), name: name))
    }
}
