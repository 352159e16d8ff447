import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import SQLKit

extension VolumeService {
    /// Whether the caller may expunge or recover volumes: admins, and users when
    /// `allow.user.expunge.recover.volume` is on for their account.
    func mayExpungeOrRecover(_ caller: Caller) async throws -> Bool {
        if caller.isAdmin { return true }
        return try await config.bool(Settings.allowUserExpungeRecoverVolume, in: ScopeChain([(.account, caller.account.id), (.domain, caller.account.domainID)]))
    }

    /// A host that reaches `poolID` and is connected (the pool's own host for a local pool).
    func host(reaching poolID: Int64, preferring preferred: Int64? = nil) async throws -> Int64? {
        let snapshot = try await placement.snapshot()
        guard let pool = snapshot.pool(poolID) else { return nil }
        if let preferred, let h = snapshot.host(preferred), Self.reaches(h, pool), agents.isConnected(hostID: preferred) { return preferred }
        if let owner = pool.hostID { return agents.isConnected(hostID: owner) ? owner : nil }
        return snapshot.hosts.first { $0.isAvailable && Self.reaches($0, pool) && agents.isConnected(hostID: $0.id) }?.id
    }

    /// Deletes the copy of a volume on its pool, best effort: a host that cannot delete it
    /// leaves an orphan file, not a stuck volume.
    func deleteOnPool(_ v: Volume) async {
        guard let pool = v.poolID else { return }
        guard let hostID = try? await host(reaching: pool) else {
            logger.warning("No host reaches the pool of a deleted volume", metadata: ["volume": "\(v.uuid)", "pool": "\(pool)"])
            return
        }
        let answer = try? await agents.send(.deleteVolume(VolumeTO(volumeUUID: v.uuid.uuidString.lowercased(), poolUUID: "", path: v.path ?? "", sizeBytes: v.size)),
                                            to: hostID, timeout: .seconds(60))
        if answer?.result != true { logger.warning("Could not delete a volume on its pool", metadata: ["volume": "\(v.uuid)", "pool": "\(pool)"]) }
    }

    /// Checks that a volume may be destroyed or deleted: a detached data disk in a state
    /// that allows it.
    func checkRemovable(_ v: Volume, allowDestroyed: Bool) throws {
        guard v.instanceID == nil else { throw CloudError.invalidParameter("Please specify a volume that is not attached to any VM.") }
        guard v.type == .dataDisk else { throw CloudError.invalidParameter("Please specify a data volume; ROOT volumes go with their instance.") }
        let allowed: Set<VolumeState> = allowDestroyed ? [.allocated, .ready, .destroy, .uploaded, .uploadError, .uploadAbandoned] : [.allocated, .ready, .uploaded, .uploadError, .uploadAbandoned]
        guard allowed.contains(v.state) else {
            throw CloudError.invalidParameter("Volume \(v.name) is \(v.state.rawValue); only Allocated, Ready\(allowDestroyed ? " or Destroy" : "") volumes can be removed")
        }
    }

    /// `deleteVolume`: removes a detached volume at once, giving back its pool space and its
    /// counts, with the VOLUME.DELETE usage event and event in one transaction.
    public func delete(caller: Caller, uuid: UUID) async throws {
        let v = try await volume(caller: caller, uuid: uuid)
        try checkRemovable(v, allowDestroyed: true)
        try await remove(v, caller: caller, eventType: EventType.volumeDelete)
    }

    /// Removes a volume for good (deleteVolume, destroyVolume with expunge, the expunger).
    func remove(_ v: Volume, caller: Caller?, eventType: String?) async throws {
        // Claim it first (→ Expunging, or Destroy → Expunging) so nothing else acts on it meanwhile.
        let claimed = try await db.transaction { sql -> Bool in
            if v.state == .destroy {
                return try await VolumeRepository.transition(sql, id: v.id, from: .destroy, to: .expunging)
            }
            guard try await VolumeRepository.transition(sql, id: v.id, from: v.state, to: VolumeStateMachine.next(v.state, on: .destroyRequested) ?? .destroy,
                                                        { var c = VolumeChanges(); c.destroyed = Date(); return c }()) else { return false }
            try await self.limits.release(sql, accountID: v.accountID, ResourceLimitService.volumeDeltas(sizeBytes: v.size))
            try await self.recordUsage(sql, UsageEventType.volumeDelete, v)
            return try await VolumeRepository.transition(sql, id: v.id, from: .destroy, to: .expunging)
        }
        guard claimed else { throw Self.busy(v) }
        await deleteOnPool(v)
        try await db.transaction { sql in
            if let pool = v.poolID { try await AllocationRepository.releasePool(sql, poolID: pool, bytes: v.size) }
            try await VolumeRepository.markRemoved(sql, id: v.id, at: Date())
            try await TagRepository.deleteAll(sql, type: .volume, resourceID: v.id)
            if let eventType {
                try await self.events.record(sql, type: eventType, state: .completed, description: "Deleted volume \(v.name)", userID: caller?.user.id ?? 1,
                                             accountID: v.accountID, domainID: v.domainID, resource: Self.resource(v))
            }
        }
        if let pool = v.poolID { placement.recordPool(pool, bytes: -v.size) }
    }

    /// Checks a `destroyVolume` before its job is queued.
    public func checkDestroy(caller: Caller, _ v: Volume, expunge: Bool) async throws {
        if expunge, try await !mayExpungeOrRecover(caller) {
            throw CloudError.permissionDenied("Parameter expunge can be passed by Admin only. Or when the allow.user.expunge.recover.volume key is set.")
        }
        try checkRemovable(v, allowDestroyed: expunge)
    }

    /// `destroyVolume`: Destroy (recoverable until the expunger removes it), or removed at
    /// once with `expunge`. The volume stops counting against its owner's limits.
    public func destroy(caller: Caller, _ v: Volume, expunge: Bool) async throws -> Volume {
        try await checkDestroy(caller: caller, v, expunge: expunge)
        if expunge {
            try await remove(v, caller: caller, eventType: nil)
            var out = v
            out.state = .expunged
            return out
        }
        let now = Date()
        let ok = try await db.transaction { sql -> Bool in
            var changes = VolumeChanges()
            changes.destroyed = now
            guard let next = VolumeStateMachine.next(v.state, on: .destroyRequested),
                  try await VolumeRepository.transition(sql, id: v.id, from: v.state, to: next, changes) else { return false }
            try await self.limits.release(sql, accountID: v.accountID, ResourceLimitService.volumeDeltas(sizeBytes: v.size))
            try await self.recordUsage(sql, UsageEventType.volumeDelete, v)
            return true
        }
        guard ok else { throw Self.busy(v) }
        var out = v
        out.state = .destroy
        out.destroyed = now
        return out
    }

    /// `recoverVolume`: Destroy → Ready (or Allocated when it never reached a pool), counted
    /// again; refused with 535 when that would pass the owner's limits.
    public func recover(caller: Caller, uuid: UUID) async throws -> Volume {
        let v = try await volume(caller: caller, uuid: uuid)
        guard try await mayExpungeOrRecover(caller) else {
            throw CloudError.permissionDenied("Recovering a volume can only be done by an Admin. Or when the allow.user.expunge.recover.volume key is set.")
        }
        guard v.state == .destroy else {
            throw CloudError.invalidParameter("Please specify a volume in Destroy state; volume \(v.name) is \(v.state.rawValue)")
        }
        let event: VolumeStateMachine.Event = v.poolID == nil ? .operationRetryFromError : .recoverRequested
        let next = VolumeStateMachine.next(.destroy, on: event) ?? .ready
        let ok = try await db.transaction { sql -> Bool in
            var changes = VolumeChanges()
            changes.destroyed = .some(nil)
            guard try await VolumeRepository.transition(sql, id: v.id, from: .destroy, to: next, changes) else { return false }
            try await self.limits.reserve(sql, accountID: v.accountID, ResourceLimitService.volumeDeltas(sizeBytes: v.size))
            try await self.recordUsage(sql, UsageEventType.volumeCreate, v)
            try await self.events.record(sql, type: EventType.volumeRecover, state: .completed, description: "Recovered volume \(v.name)",
                                         userID: caller.user.id, accountID: v.accountID, domainID: v.domainID, resource: Self.resource(v))
            return true
        }
        guard ok else { throw Self.busy(v) }
        var out = v
        out.state = next
        out.destroyed = nil
        return out
    }

    /// Removes volumes in Destroy for longer than `expunge.delay`.
    @discardableResult
    public func expungeDue(now: Date = Date()) async throws -> Int {
        let delay = try await config.int(Settings.expungeDelay)
        let due = try await db.read { try await VolumeRepository.expungeCandidates($0, destroyedBefore: now.addingTimeInterval(-Double(delay)), limit: 500) }
        var done = 0
        for v in due {
            // ROOT volumes go with their instance's expunge, except one a restore detached.
            guard v.type == .dataDisk || v.instanceID == nil else { continue }
            do {
                try await remove(v, caller: nil, eventType: EventType.volumeDelete)
                done += 1
            } catch {
                logger.warning("Could not expunge a volume", metadata: ["volume": "\(v.uuid)", "error": "\(error)"])
            }
        }
        return done
    }

    /// The background volume expunger (`expunge.interval`), on one server at a time.
    public func startExpunger(serverID: String) -> PeriodicTask {
        PeriodicTask(name: "volume-expunge", db: db, serverID: serverID, singleton: true, logger: logger,
                     interval: { [config] in .seconds((try? await config.int(Settings.expungeInterval)) ?? 86_400) },
                     body: { [self] in try await self.expungeDue() })
    }
}
