import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import Logging
import SQLKit

/// What `createSnapshot` asks for.
public struct SnapshotRequest: Sendable {
    public var volumeID: UUID
    public var name: String?
    /// Other zones to keep a copy in (`zoneids`).
    public var zoneIDs: [UUID] = []
    public var locationType: SnapshotLocationType?

    public init(volumeID: UUID) { self.volumeID = volumeID }
}

/// What `listSnapshots` filters on.
public struct SnapshotQuery: Sendable {
    public var ids: [UUID]?
    public var name: String?
    public var volumeID: UUID?
    public var zoneID: UUID?
    public var type: SnapshotType?
    public var interval: SnapshotIntervalType?
    public var locationType: SnapshotLocationType?
    public var keyword: String?
    public var showUnique = false
    public var tags: [TagPair] = []

    public init() {}
}

/// Volume snapshots: taken on the volume's host and kept on the zone's image store
/// (BackedUp), deleted, reverted onto their volume, copied to other zones, taken on schedule
/// by policies. Every snapshot counts one `snapshot` and its bytes of `secondary_storage`
/// from allocation until it is deleted or fails.
public final class SnapshotService: Sendable {
    let db: any Database
    let config: ConfigService
    let events: EventService
    let agents: AgentManager
    let instances: InstanceService
    let limits: ResourceLimitService
    let usage: UsageService
    let logger: Logger

    public init(db: any Database, config: ConfigService, events: EventService, agents: AgentManager, instances: InstanceService,
                limits: ResourceLimitService, usage: UsageService, logger: Logger) {
        self.db = db
        self.config = config
        self.events = events
        self.agents = agents
        self.instances = instances
        self.limits = limits
        self.usage = usage
        self.logger = logger
    }

    static func resource(_ s: Snapshot) -> EventResource {
        EventResource(type: "Snapshot", uuid: s.uuid.uuidString.lowercased(), name: s.name)
    }

    static func busy(_ what: String) -> CloudError {
        CloudError(.resourceInUse, "\(what) is being changed by another operation; try again", csCode: .concurrentOperation)
    }

    // MARK: lookups

    /// The live volume with `uuid` the caller may act on.
    func volume(_ sql: any SQLDatabase, caller: Caller, uuid: UUID) async throws -> Volume {
        guard let v = try await VolumeRepository.find(sql, uuid: uuid) else {
            throw CloudError.invalidParameter("Unable to find volume with id \(uuid.uuidString.lowercased())")
        }
        try await Ownership.checkAccess(sql, caller: caller, accountID: v.accountID, domainID: v.domainID, resource: "volume \(v.name)")
        return v
    }

    /// The live snapshot with `uuid` the caller may act on.
    public func snapshot(caller: Caller, uuid: UUID) async throws -> Snapshot {
        try await db.read { sql in
            guard let s = try await SnapshotRepository.find(sql, uuid: uuid) else {
                throw CloudError.invalidParameter("Unable to find snapshot with id \(uuid.uuidString.lowercased())")
            }
            try await Ownership.checkAccess(sql, caller: caller, accountID: s.accountID, domainID: s.domainID, resource: "snapshot \(s.name)")
            return s
        }
    }

    /// The zone's first image store, where its snapshots are backed up.
    func imageStore(_ sql: any SQLDatabase, zoneID: Int64) async throws -> ImageStore? {
        try await ImageStoreRepository.list(sql, zoneID: zoneID).first
    }

    /// A connected host that can reach the volume's pool: its instance's host, the last one,
    /// the pool's own host (local pools), then any Up host of the pool's cluster or zone.
    func host(for volume: Volume) async throws -> Int64? {
        let candidates: [Int64] = try await db.read { sql in
            var out: [Int64] = []
            if let iid = volume.instanceID, let vm = try await VirtualMachineRepository.find(sql, id: iid) {
                if let h = vm.hostID { out.append(h) }
                if let h = vm.lastHostID { out.append(h) }
            }
            if let pid = volume.poolID, let pool = try await StoragePoolRepository.find(sql, id: pid) {
                if let h = pool.hostID { return out.filter { $0 == h } + [h] }
                var f = HostRepository.Filter(status: .up, zoneID: volume.zoneID)
                f.clusterID = pool.clusterID
                out += try await HostRepository.list(sql, f).items.map(\.host.id)
            }
            return out
        }
        return candidates.first { agents.isConnected(hostID: $0) }
    }

    /// Where a snapshot's backup lives on secondary storage (CloudStack's layout).
    static func installPath(_ s: Snapshot) -> String {
        "snapshots/\(s.accountID)/\(s.volumeID)/\(s.uuid.uuidString.lowercased())"
    }

    func transferObject(_ s: Snapshot, volume: Volume) -> SnapshotTO {
        SnapshotTO(snapshotUUID: s.uuid.uuidString.lowercased(), volumeUUID: volume.uuid.uuidString.lowercased(), volumePath: volume.path ?? "",
                   installPath: Self.installPath(s), sizeBytes: s.size)
    }

    // MARK: create

    /// Checks a snapshot request and allocates the snapshot (Allocated), reserving its
    /// `snapshot` and `secondary_storage` counts; `take` does the work in the job.
    public func allocate(caller: Caller, _ r: SnapshotRequest) async throws -> Snapshot {
        try await db.transaction { sql in
            let volume = try await self.volume(sql, caller: caller, uuid: r.volumeID)
            return try await self.allocate(sql, volume: volume, name: r.name, zoneIDs: r.zoneIDs, type: .manual, policyID: nil)
        }
    }

    func allocate(_ sql: any SQLDatabase, volume: Volume, name: String?, zoneIDs: [UUID], type: SnapshotType, policyID: Int64?) async throws -> Snapshot {
        let vid = volume.uuid.uuidString.lowercased()
        guard volume.state == .ready, volume.poolID != nil else {
            throw CloudError.invalidParameter("VolumeId: \(vid) is not in Ready state but \(volume.state.rawValue). Cannot take snapshot.")
        }
        var hostName: String?
        if let iid = volume.instanceID, let vm = try await VirtualMachineRepository.find(sql, id: iid) {
            guard vm.state == .running || vm.state == .stopped else {
                throw CloudError.invalidParameter("VM instance \(vm.instanceName) of volume \(vid) is \(vm.state.rawValue); snapshots are taken of volumes of Running or Stopped instances")
            }
            hostName = vm.hostName
        }
        if let name, name.isEmpty || name.count > 255 { throw CloudError.invalidParameter("The snapshot name must be 1 to 255 characters long") }
        guard try await imageStore(sql, zoneID: volume.zoneID) != nil else {
            throw CloudError.invalidParameter("There is no image store in the zone of volume \(vid) to keep the snapshot")
        }
        for z in zoneIDs {
            guard let zone = try await ZoneRepository.find(sql, uuid: z) else { throw CloudError.invalidParameter("Unable to find zone with id \(z.uuidString.lowercased())") }
            guard zone.id != volume.zoneID else { continue }
            guard try await imageStore(sql, zoneID: zone.id) != nil else {
                throw CloudError.invalidParameter("There is no image store in zone \(zone.name) to copy the snapshot to")
            }
        }
        try await limits.reserve(sql, accountID: volume.accountID, [.snapshot: 1, .secondaryStorage: volume.size])
        let now = Date()
        return try await SnapshotRepository.insert(sql, Snapshot(
            name: name ?? Snapshot.defaultName(instanceHostName: hostName, volumeName: volume.name, at: now), accountID: volume.accountID,
            domainID: volume.domainID, zoneID: volume.zoneID, volumeID: volume.id, diskOfferingID: volume.diskOfferingID, type: type,
            size: volume.size, physicalSize: volume.size, hypervisorType: volume.hypervisorType, policyID: policyID, created: now))
    }

    /// Takes an Allocated snapshot: the volume goes Ready → Snapshotting → Ready while its
    /// host takes the snapshot and backs it up to the zone's image store; the snapshot ends
    /// BackedUp with a copy on that store and on the stores of `zoneIDs`. On failure the
    /// snapshot ends in Error (removed) and its counts are given back.
    @discardableResult
    public func take(_ snapshot: Snapshot, zoneIDs: [UUID] = [], caller: Caller?) async throws -> Snapshot {
        let volume: Volume? = try await db.transaction { sql in
            guard let v = try await VolumeRepository.find(sql, id: snapshot.volumeID), let busy = VolumeStateMachine.next(v.state, on: .snapshotRequested),
                  let creating = SnapshotStateMachine.next(snapshot.state, on: .createRequested) else { return nil }
            guard try await VolumeRepository.transition(sql, id: v.id, from: v.state, to: busy) else { return nil }
            guard try await SnapshotRepository.transition(sql, id: snapshot.id, from: snapshot.state, to: creating) else { throw Self.busy("Snapshot \(snapshot.name)") }
            return v
        }
        var current = snapshot
        guard let volume else {
            try await fail(current, from: .allocated, volume: nil)
            throw CloudError(.resourceInUse, "Volume of snapshot \(snapshot.name) is not Ready; try again later", csCode: .resourceInUse)
        }
        current.state = .creating
        let wait = try await config.int(Settings.backupSnapshotWait)
        var answer = Answer.failure("No host that can reach the volume's storage is connected")
        if let host = try await host(for: volume) {
            do {
                answer = try await agents.send(.snapshotVolume(transferObject(current, volume: volume)), to: host, timeout: .seconds(wait))
            } catch let error as CloudError {
                answer = .failure(error.message)
            }
        }
        guard answer.result else {
            try await fail(current, from: .creating, volume: volume)
            throw CloudError(.resourceUnavailable, "Failed to create snapshot \(snapshot.name) of volume \(volume.name): \(answer.details)", csCode: .cloudRuntime)
        }
        let now = Date()
        let taken = current
        try await db.transaction { sql in
            // Creating → CreatedOnPrimary → BackingUp → BackedUp in one step.
            var state = SnapshotState.creating
            for event in [SnapshotStateMachine.Event.operationSucceeded, .backupToSecondary, .operationSucceeded] { state = SnapshotStateMachine.next(state, on: event) ?? state }
            guard try await SnapshotRepository.transition(sql, id: taken.id, from: .creating, to: state, locationType: .secondary) else {
                throw Self.busy("Snapshot \(taken.name)")
            }
            var zones: [Int64] = [volume.zoneID]
            for z in zoneIDs { if let zone = try await ZoneRepository.find(sql, uuid: z), !zones.contains(zone.id) { zones.append(zone.id) } }
            for zoneID in zones {
                guard let store = try await self.imageStore(sql, zoneID: zoneID) else { continue }
                _ = try await SnapshotRepository.insertRef(sql, SnapshotStoreRef(snapshotID: taken.id, zoneID: zoneID, storeID: store.id, state: "Ready",
                                                                                 installPath: Self.installPath(taken), size: taken.physicalSize, created: now))
            }
            try await VolumeRepository.transition(sql, id: volume.id, from: .snapshotting, to: VolumeStateMachine.next(.snapshotting, on: .operationSucceeded) ?? .ready)
            try await self.usage.record(sql, UsageEvent(type: UsageEventType.snapshotCreate, accountID: taken.accountID, domainID: taken.domainID,
                                                        zoneID: taken.zoneID, resourceID: taken.id, resourceUUID: taken.uuid, resourceName: taken.name,
                                                        offeringID: taken.diskOfferingID, templateID: volume.id, size: taken.physicalSize,
                                                        virtualSize: taken.size, resourceType: taken.type.rawValue, created: now))
            if caller == nil {
                try await self.events.record(sql, type: EventType.snapshotCreate, state: .completed, description: "Recurring snapshot \(taken.name) of volume \(volume.name)",
                                             userID: 1, accountID: taken.accountID, domainID: taken.domainID, resource: Self.resource(taken))
            }
        }
        current.state = .backedUp
        current.locationType = .secondary
        return current
    }

    /// A snapshot that could not be taken: Error and removed, counts given back, volume Ready again.
    func fail(_ s: Snapshot, from state: SnapshotState, volume: Volume?) async throws {
        try await db.transaction { sql in
            try await SnapshotRepository.markRemoved(sql, id: s.id, state: .error, at: Date())
            try await self.limits.release(sql, accountID: s.accountID, [.snapshot: 1, .secondaryStorage: s.physicalSize])
            if let volume {
                try await VolumeRepository.transition(sql, id: volume.id, from: .snapshotting, to: VolumeStateMachine.next(.snapshotting, on: .operationFailed) ?? .ready)
            }
        }
    }

    // MARK: delete

    /// Checks a delete before its job is queued: the snapshot must be BackedUp, and `zoneID`
    /// (one copy only) must hold a copy.
    public func checkDelete(_ s: Snapshot, zoneID: UUID?) async throws {
        guard s.state == .backedUp else {
            throw CloudError.invalidParameter("Can't delete snapshot \(s.uuid.uuidString.lowercased()) with state \(s.state.rawValue)")
        }
        if let zoneID {
            let held = try await db.read { sql -> Bool in
                guard let zone = try await ZoneRepository.find(sql, uuid: zoneID) else { return false }
                return try await SnapshotRepository.refs(sql, snapshotID: s.id).contains { $0.zoneID == zone.id }
            }
            guard held else { throw CloudError.invalidParameter("Snapshot \(s.uuid.uuidString.lowercased()) has no copy in zone \(zoneID.uuidString.lowercased())") }
        }
    }

    /// Deletes a snapshot (its backup on every store), or only its copy in `zoneID` while
    /// other copies remain.
    public func delete(_ s: Snapshot, zoneID: UUID? = nil) async throws {
        if let zoneID {
            let removedCopy = try await db.transaction { sql -> Bool in
                guard let zone = try await ZoneRepository.find(sql, uuid: zoneID) else { return false }
                let refs = try await SnapshotRepository.refs(sql, snapshotID: s.id)
                guard refs.count > 1 else { return false }
                try await SnapshotRepository.removeRef(sql, snapshotID: s.id, zoneID: zone.id, at: Date())
                return true
            }
            if removedCopy { return }
        }
        guard let destroying = SnapshotStateMachine.next(s.state, on: .destroyRequested),
              try await db.transaction({ try await SnapshotRepository.transition($0, id: s.id, from: s.state, to: destroying) }) else {
            throw Self.busy("Snapshot \(s.name)")
        }
        let volume = try await db.read { try await VolumeRepository.find($0, id: s.volumeID) }
        var answer = Answer.success()
        if let volume, let host = try await host(for: volume) {
            do {
                answer = try await agents.send(.deleteSnapshot(transferObject(s, volume: volume)), to: host, timeout: .seconds(600))
            } catch let error as CloudError {
                answer = .failure(error.message)
            }
        }
        guard answer.result else {
            try await db.transaction { sql in
                try await SnapshotRepository.transition(sql, id: s.id, from: .destroying, to: SnapshotStateMachine.next(.destroying, on: .operationFailed) ?? .backedUp)
            }
            throw CloudError(.resourceUnavailable, "Failed to delete snapshot \(s.name): \(answer.details)", csCode: .cloudRuntime)
        }
        try await db.transaction { sql in try await self.remove(sql, s, at: Date()) }
    }

    /// The row goes (Destroyed), with its counts, tags and a SNAPSHOT.DELETE usage event.
    func remove(_ sql: any SQLDatabase, _ s: Snapshot, at now: Date) async throws {
        try await SnapshotRepository.markRemoved(sql, id: s.id, state: .destroyed, at: now)
        try await limits.release(sql, accountID: s.accountID, [.snapshot: 1, .secondaryStorage: s.physicalSize])
        try await TagRepository.deleteAll(sql, type: .snapshot, resourceID: s.id)
        try await usage.record(sql, UsageEvent(type: UsageEventType.snapshotDelete, accountID: s.accountID, domainID: s.domainID, zoneID: s.zoneID,
                                               resourceID: s.id, resourceUUID: s.uuid, resourceName: s.name, size: s.physicalSize, created: now))
    }

    // MARK: revert

    /// Checks a revert before its job is queued: a BackedUp snapshot of a live Ready volume
    /// that is detached or whose instance is Stopped.
    public func checkRevert(_ s: Snapshot) async throws {
        let sid = s.uuid.uuidString.lowercased()
        guard s.state == .backedUp else { throw CloudError.invalidParameter("Snapshot \(sid) is \(s.state.rawValue); only a BackedUp snapshot can be reverted") }
        try await db.read { sql in
            guard let volume = try await VolumeRepository.find(sql, id: s.volumeID) else {
                throw CloudError.invalidParameter("The volume of snapshot \(sid) no longer exists; create a volume from the snapshot instead")
            }
            guard volume.state == .ready else { throw CloudError.invalidParameter("Volume \(volume.uuid.uuidString.lowercased()) is \(volume.state.rawValue); it must be Ready to revert a snapshot onto it") }
            if let iid = volume.instanceID, let vm = try await VirtualMachineRepository.find(sql, id: iid), vm.state != .stopped {
                throw CloudError.invalidParameter("The VM instance \(vm.instanceName) the volume is attached to is \(vm.state.rawValue); stop it before reverting the snapshot")
            }
        }
    }

    /// Puts the snapshot's content back onto its volume (Ready → RevertSnapshotting → Ready).
    public func revert(_ s: Snapshot) async throws {
        try await checkRevert(s)
        let volume: Volume? = try await db.transaction { sql in
            guard let v = try await VolumeRepository.find(sql, id: s.volumeID), let next = VolumeStateMachine.next(v.state, on: .revertSnapshotRequested) else { return nil }
            if let iid = v.instanceID, let vm = try await VirtualMachineRepository.find(sql, id: iid), vm.state != .stopped { return nil }
            return try await VolumeRepository.transition(sql, id: v.id, from: v.state, to: next) ? v : nil
        }
        guard let volume else { throw Self.busy("The volume of snapshot \(s.name)") }
        var answer = Answer.failure("No host that can reach the volume's storage is connected")
        if let host = try await host(for: volume) {
            do {
                answer = try await agents.send(.revertSnapshot(transferObject(s, volume: volume)), to: host, timeout: .seconds(try await config.int(Settings.backupSnapshotWait)))
            } catch let error as CloudError {
                answer = .failure(error.message)
            }
        }
        let succeeded = answer.result
        try await db.transaction { sql in
            try await VolumeRepository.transition(sql, id: volume.id, from: .revertSnapshotting,
                                                  to: VolumeStateMachine.next(.revertSnapshotting, on: succeeded ? .operationSucceeded : .operationFailed) ?? .ready)
        }
        guard answer.result else { throw CloudError(.resourceUnavailable, "Failed to revert snapshot \(s.name): \(answer.details)", csCode: .cloudRuntime) }
    }

    // MARK: list

    public func list(caller: Caller, scope: ListScope, _ q: SnapshotQuery, page: (offset: Int, limit: Int?)) async throws -> Listing<SnapshotListItem> {
        try await db.read { sql in
            var f = SnapshotRepository.Filter()
            f.scope = scope
            if let ids = q.ids {
                var found: [Int64] = []
                for id in ids { if let s = try await SnapshotRepository.find(sql, uuid: id) { found.append(s.id) } }
                f.ids = found
            }
            if let v = q.volumeID { guard let volume = try await VolumeRepository.find(sql, uuid: v) else { return Listing(items: [], total: 0) }; f.volumeID = volume.id }
            if let z = q.zoneID { guard let zone = try await ZoneRepository.find(sql, uuid: z) else { return Listing(items: [], total: 0) }; f.zoneID = zone.id }
            f.name = q.name; f.type = q.type; f.interval = q.interval; f.locationType = q.locationType; f.keyword = q.keyword; f.unique = q.showUnique
            f.tags = q.tags
            var listing = try await SnapshotRepository.list(sql, f, offset: page.offset, limit: page.limit)
            let tags = try await TagRepository.tags(sql, type: .snapshot, resourceIDs: listing.items.map(\.snapshot.id))
            for i in listing.items.indices { listing.items[i].tags = tags[listing.items[i].snapshot.id] ?? [] }
            return listing
        }
    }

    /// The listing row of one snapshot in its own zone, for command responses.
    public func view(_ s: Snapshot) async throws -> SnapshotListItem {
        try await db.read { sql in
            var f = SnapshotRepository.Filter()
            f.ids = [s.id]
            f.zoneID = s.zoneID
            if let item = try await SnapshotRepository.list(sql, f, offset: 0, limit: 1).items.first { return item }
            f.unique = true
            guard let item = try await SnapshotRepository.list(sql, f, offset: 0, limit: 1).items.first else {
                throw CloudError.invalidParameter("Unable to find snapshot with id \(s.uuid.uuidString.lowercased())")
            }
            return item
        }
    }
}
