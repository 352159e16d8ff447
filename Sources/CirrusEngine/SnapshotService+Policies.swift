import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// What `createSnapshotPolicy` asks for.
public struct SnapshotPolicyRequest: Sendable {
    public var volumeID: UUID
    public var intervalType: String
    public var schedule: String
    public var timeZone: String
    public var maxSnaps: Int
    public var display: Bool?

    public init(volumeID: UUID, intervalType: String, schedule: String, timeZone: String, maxSnaps: Int) {
        self.volumeID = volumeID; self.intervalType = intervalType; self.schedule = schedule; self.timeZone = timeZone; self.maxSnaps = maxSnaps
    }
}

extension SnapshotService {
    static func policyResource(_ p: SnapshotPolicy) -> EventResource {
        EventResource(type: "SnapshotPolicy", uuid: p.uuid.uuidString.lowercased(), name: nil)
    }

    /// Creates the volume's policy of this interval type, or rewrites it when the volume
    /// already has one (as CloudStack does).
    public func createPolicy(caller: Caller, _ r: SnapshotPolicyRequest) async throws -> SnapshotPolicyListItem {
        guard let interval = SnapshotIntervalType(parameter: r.intervalType) else {
            throw CloudError.invalidParameter("Unsupported interval type \(r.intervalType)")
        }
        guard let zone = TimeZone(identifier: r.timeZone) else { throw CloudError.invalidParameter("Invalid timezone \(r.timeZone)") }
        let schedule: SnapshotSchedule
        do { schedule = try SnapshotSchedule.parse(r.schedule, interval: interval) } catch {
            throw CloudError.invalidParameter("Invalid schedule: \(r.schedule) for interval type: \(interval.rawValue)")
        }
        guard r.maxSnaps > 0 else { throw CloudError.invalidParameter("maxSnaps should be greater than 0") }
        let most = try await config.int(Settings.snapshotMax(for: interval))
        guard r.maxSnaps <= most else { throw CloudError.invalidParameter("maxSnaps exceeds limit: \(most) for interval type: \(interval.rawValue)") }
        let now = Date()
        let policy = try await db.transaction { sql in
            let volume = try await self.volume(sql, caller: caller, uuid: r.volumeID)
            guard volume.state == .ready else {
                throw CloudError.invalidParameter("VolumeId: \(volume.uuid.uuidString.lowercased()) is not in Ready state but \(volume.state.rawValue). Cannot take snapshot.")
            }
            var policy: SnapshotPolicy
            if var existing = try await SnapshotPolicyRepository.of(sql, volumeID: volume.id).first(where: { $0.interval == interval }) {
                existing.schedule = schedule; existing.timeZone = zone.identifier; existing.maxSnaps = r.maxSnaps
                existing.display = r.display ?? existing.display; existing.nextRun = schedule.nextRun(after: now, in: zone)
                try await SnapshotPolicyRepository.update(sql, existing)
                policy = existing
            } else {
                policy = try await SnapshotPolicyRepository.insert(sql, SnapshotPolicy(
                    volumeID: volume.id, accountID: volume.accountID, domainID: volume.domainID, schedule: schedule, timeZone: zone.identifier,
                    maxSnaps: r.maxSnaps, display: r.display ?? true, nextRun: schedule.nextRun(after: now, in: zone), created: now))
            }
            try await self.events.record(sql, type: EventType.snapshotPolicyCreate, state: .completed,
                                         description: "Snapshot policy \(interval.rawValue) \(schedule.text) \(zone.identifier) on volume \(volume.name)",
                                         userID: caller.user.id, accountID: volume.accountID, domainID: volume.domainID, resource: Self.policyResource(policy))
            return policy
        }
        return try await policyView(policy)
    }

    /// The live policy with `uuid` the caller may act on.
    public func policy(caller: Caller, uuid: UUID) async throws -> SnapshotPolicy {
        try await db.read { sql in
            guard let p = try await SnapshotPolicyRepository.find(sql, uuid: uuid) else {
                throw CloudError.invalidParameter("Unable to find snapshot policy with id \(uuid.uuidString.lowercased())")
            }
            try await Ownership.checkAccess(sql, caller: caller, accountID: p.accountID, domainID: p.domainID, resource: "snapshot policy \(p.uuid.uuidString.lowercased())")
            return p
        }
    }

    /// `updateSnapshotPolicy`: CloudStack 4.19 changes only whether it is shown to its owner.
    public func updatePolicy(_ p: SnapshotPolicy, caller: Caller, display: Bool?) async throws -> SnapshotPolicyListItem {
        var updated = p
        if let display { updated.display = display }
        let final = updated
        try await db.transaction { sql in try await SnapshotPolicyRepository.update(sql, final) }
        return try await policyView(final)
    }

    /// Deletes policies by id; all must exist and be the caller's to delete, or none goes.
    public func deletePolicies(caller: Caller, ids: [UUID]) async throws {
        guard !ids.isEmpty else { throw CloudError.invalidParameter("Either a policy id or a list of policy ids must be given") }
        try await db.transaction { sql in
            var policies: [SnapshotPolicy] = []
            for id in ids {
                guard let p = try await SnapshotPolicyRepository.find(sql, uuid: id) else {
                    throw CloudError.invalidParameter("Policy id given: \(id.uuidString.lowercased()) does not exist")
                }
                try await Ownership.checkAccess(sql, caller: caller, accountID: p.accountID, domainID: p.domainID, resource: "snapshot policy \(p.uuid.uuidString.lowercased())")
                policies.append(p)
            }
            let now = Date()
            for p in policies {
                try await SnapshotPolicyRepository.markRemoved(sql, id: p.id, at: now)
                try await TagRepository.deleteAll(sql, type: .snapshotPolicy, resourceID: p.id)
                try await self.events.record(sql, type: EventType.snapshotPolicyDelete, state: .completed, description: "Deleted snapshot policy \(p.uuid.uuidString.lowercased())",
                                             userID: caller.user.id, accountID: p.accountID, domainID: p.domainID, resource: Self.policyResource(p))
            }
        }
    }

    public func listPolicies(caller: Caller, scope: ListScope, id: UUID?, volumeID: UUID?, display: Bool?, page: (offset: Int, limit: Int?)) async throws -> Listing<SnapshotPolicyListItem> {
        try await db.read { sql in
            var f = SnapshotPolicyRepository.Filter()
            f.scope = scope
            f.display = display
            if let id {
                guard let p = try await SnapshotPolicyRepository.find(sql, uuid: id) else { return Listing(items: [], total: 0) }
                try await Ownership.checkAccess(sql, caller: caller, accountID: p.accountID, domainID: p.domainID, resource: "snapshot policy \(p.uuid.uuidString.lowercased())")
                f.id = p.id
            }
            if let volumeID {
                guard let v = try await VolumeRepository.find(sql, uuid: volumeID) else { throw CloudError.invalidParameter("Unable to find volume with id \(volumeID.uuidString.lowercased())") }
                try await Ownership.checkAccess(sql, caller: caller, accountID: v.accountID, domainID: v.domainID, resource: "volume \(v.name)")
                f.volumeID = v.id
            }
            var listing = try await SnapshotPolicyRepository.list(sql, f, offset: page.offset, limit: page.limit)
            let tags = try await TagRepository.tags(sql, type: .snapshotPolicy, resourceIDs: listing.items.map(\.policy.id))
            for i in listing.items.indices { listing.items[i].tags = tags[listing.items[i].policy.id] ?? [] }
            return listing
        }
    }

    func policyView(_ p: SnapshotPolicy) async throws -> SnapshotPolicyListItem {
        try await db.read { sql in
            var f = SnapshotPolicyRepository.Filter()
            f.id = p.id
            guard let item = try await SnapshotPolicyRepository.list(sql, f).items.first else {
                throw CloudError.invalidParameter("Unable to find snapshot policy with id \(p.uuid.uuidString.lowercased())")
            }
            return item
        }
    }

    // MARK: the scheduler

    /// Takes the snapshots of every policy due at `now`, then deletes the oldest snapshots of
    /// each beyond its `maxsnaps`. Each policy's next run is claimed by a conditional update
    /// first, so two servers never take the same run; runs missed while no server was up are
    /// taken once. Returns the number of snapshots taken.
    @discardableResult
    public func runDuePolicies(now: Date = Date()) async throws -> Int {
        let due = try await db.read { try await SnapshotPolicyRepository.due($0, now: now, limit: 200) }
        var taken = 0
        for p in due {
            let zone = TimeZone(identifier: p.timeZone) ?? TimeZone(identifier: "UTC")!
            let next = p.schedule.nextRun(after: now, in: zone)
            guard try await db.transaction({ try await SnapshotPolicyRepository.advance($0, id: p.id, from: p.nextRun, to: next) }) else { continue }
            do {
                let allocated: Snapshot? = try await db.transaction { sql in
                    guard let volume = try await VolumeRepository.find(sql, id: p.volumeID), volume.state.countsAgainstLimits else {
                        // The volume is gone: so are its policies.
                        try await SnapshotPolicyRepository.removeAll(sql, volumeID: p.volumeID, at: now)
                        return nil
                    }
                    return try await self.allocate(sql, volume: volume, name: nil, zoneIDs: [], type: SnapshotType(p.interval), policyID: p.id)
                }
                guard let allocated else { continue }
                try await take(allocated, caller: nil)
                taken += 1
                try await prune(p)
            } catch {
                logger.warning("A recurring snapshot failed", metadata: ["policy": "\(p.uuid)", "error": "\(error)"])
                let message = (error as? CloudError)?.message ?? "\(error)"
                _ = try? await db.transaction { sql in
                    try await self.events.record(sql, type: EventType.snapshotCreate, state: .completed, level: .error,
                                                 description: "Recurring snapshot of policy \(p.uuid.uuidString.lowercased()) failed: \(message)",
                                                 userID: 1, accountID: p.accountID, domainID: p.domainID, resource: Self.policyResource(p))
                }
            }
        }
        return taken
    }

    /// Deletes the oldest BackedUp snapshots of a policy beyond its `maxsnaps`.
    func prune(_ p: SnapshotPolicy) async throws {
        let kept = try await db.read { try await SnapshotRepository.of($0, volumeID: p.volumeID, policyID: p.id) }.filter { $0.state == .backedUp }
        for s in kept.prefix(SnapshotPolicy.excess(kept: kept.count, maxSnaps: p.maxSnaps)) {
            do { try await delete(s) } catch { logger.warning("Could not delete a snapshot beyond maxsnaps", metadata: ["snapshot": "\(s.uuid)", "error": "\(error)"]) }
        }
    }

    /// The background scheduler (`snapshot.poll.interval`), on one server at a time.
    public func startScheduler(serverID: String) -> PeriodicTask {
        PeriodicTask(name: "snapshot-scheduler", db: db, serverID: serverID, singleton: true, logger: logger,
                     interval: { [config] in .seconds((try? await config.int(Settings.snapshotPollInterval)) ?? 300) },
                     body: { [self] in try await self.runDuePolicies() })
    }
}
