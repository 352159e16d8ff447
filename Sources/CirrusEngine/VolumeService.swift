import CirrusModel
import CirrusStore
import Foundation
import Logging

/// What `listVolumes` filters on, by UUID as the API gives them.
public struct VolumeQuery: Sendable {
    public var ids: [UUID]?
    public var name: String?
    public var type: VolumeType?
    public var state: VolumeState?
    public var zoneID: UUID?
    public var podID: UUID?
    public var storageID: UUID?
    public var instanceID: UUID?
    public var diskOfferingID: UUID?
    public var keyword: String?
    public var displayVolume: Bool?
    public var tags: [TagPair] = []

    public init() {}
}

/// Volumes: listing here; creation and attachment in `VolumeService+Create`, deletion and
/// recovery in `VolumeService+Delete`, resizing and migration in `VolumeService+Storage`.
public final class VolumeService: Sendable {
    let db: any Database
    let config: ConfigService
    let events: EventService
    let agents: AgentManager
    let placement: PlacementService
    let limits: ResourceLimitService
    let usage: UsageService
    let logger: Logger

    /// `limits` and `usage` default to services of their own over the same database (both are
    /// stateless apart from the configuration they read).
    public init(db: any Database, config: ConfigService, events: EventService, agents: AgentManager, placement: PlacementService,
                limits: ResourceLimitService? = nil, usage: UsageService? = nil, logger: Logger) {
        self.limits = limits ?? ResourceLimitService(db: db, config: config)
        self.usage = usage ?? UsageService(db: db)
        self.db = db
        self.config = config
        self.events = events
        self.agents = agents
        self.placement = placement
        self.logger = logger
    }

    /// One page of volumes the caller may see.
    public func list(caller: Caller, scope: ListScope, _ q: VolumeQuery, page: (offset: Int, limit: Int?)) async throws -> Listing<VolumeListItem> {
        try await db.read { sql in
            var f = VolumeRepository.Filter()
            f.scope = scope
            if let z = q.zoneID { guard let zone = try await ZoneRepository.find(sql, uuid: z) else { return Listing(items: [], total: 0) }; f.zoneID = zone.id }
            if let p = q.podID { guard let pod = try await PodRepository.find(sql, uuid: p) else { return Listing(items: [], total: 0) }; f.podID = pod.id }
            if let s = q.storageID { guard let pool = try await StoragePoolRepository.find(sql, uuid: s) else { return Listing(items: [], total: 0) }; f.poolID = pool.id }
            if let v = q.instanceID { guard let vm = try await VirtualMachineRepository.find(sql, uuid: v) else { return Listing(items: [], total: 0) }; f.instanceID = vm.id }
            if let d = q.diskOfferingID { guard let o = try await DiskOfferingRepository.find(sql, uuid: d) else { return Listing(items: [], total: 0) }; f.diskOfferingID = o.id }
            if let ids = q.ids {
                var found: [Int64] = []
                for id in ids { if let v = try await VolumeRepository.find(sql, uuid: id) { found.append(v.id) } }
                f.ids = found
            }
            f.name = q.name; f.type = q.type; f.state = q.state; f.keyword = q.keyword; f.displayVolume = q.displayVolume
            f.includeDestroyed = caller.isAdmin
            f.tags = q.tags
            var listing = try await VolumeRepository.list(sql, f, offset: page.offset, limit: page.limit)
            let tags = try await TagRepository.tags(sql, type: .volume, resourceIDs: listing.items.map(\.volume.id))
            for i in listing.items.indices { listing.items[i].tags = tags[listing.items[i].volume.id] ?? [] }
            return listing
        }
    }
}
