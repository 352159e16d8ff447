import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation

extension InstanceService {
    /// Whether the caller may expunge or recover: admins, and users when
    /// `allow.user.expunge.recover.vm` is on for their account.
    func mayExpungeOrRecover(_ caller: Caller) async throws -> Bool {
        if caller.isAdmin { return true }
        return try await config.bool(Settings.allowUserExpungeRecover, in: ScopeChain([(.account, caller.account.id), (.domain, caller.account.domainID)]))
    }

    /// Checks a destroy before its job is queued.
    public func checkDestroy(caller: Caller, _ vm: VirtualMachine, expunge: Bool, volumeIDs: [UUID]) async throws {
        if expunge, try await !mayExpungeOrRecover(caller) {
            throw CloudError.permissionDenied("Parameter expunge can be passed by Admin only. Or when the allow.user.expunge.recover.vm key is set.")
        }
        guard vm.state != .destroyed || expunge, vm.state != .expunging else {
            throw CloudError.invalidParameter("VM instance \(vm.instanceName) is already \(vm.state.rawValue)")
        }
        let volumes = try await db.read { try await VolumeRepository.of($0, instanceID: vm.id) }
        for id in volumeIDs {
            guard let v = volumes.first(where: { $0.uuid == id }) else {
                throw CloudError.invalidParameter("Volume \(id.uuidString.lowercased()) is not attached to VM instance \(vm.instanceName)")
            }
            guard v.type == .dataDisk else { throw CloudError.invalidParameter("Only data disks can be given in volumeids; the ROOT volume goes with the instance") }
        }
    }

    /// Destroys an instance: stops it if it runs, then Destroyed (recoverable until expunged)
    /// with its ROOT volume and the data disks named in `volumeIDs`; or expunges at once.
    @discardableResult
    public func destroy(_ vm: VirtualMachine, caller: Caller, expunge: Bool, volumeIDs: [UUID] = []) async throws -> VirtualMachine {
        var current = vm
        if current.state == .error {
            try await self.expunge(current, caller: caller)
            current.state = .expunging
            return current
        }
        if current.state.holdsHostCapacity {
            current = try await stop(current, forced: false)
        }
        if current.state == .stopped {
            let now = Date()
            let destroyedIDs = Set(volumeIDs)
            let target = current
            let ok = try await db.transaction { sql in
                var changes = VirtualMachineChanges()
                changes.destroyed = now
                guard try await VirtualMachineRepository.transition(sql, id: target.id, from: .stopped, to: .destroyed, changes) else { return false }
                let going = try await VolumeRepository.of(sql, instanceID: target.id).filter { $0.type == .root || destroyedIDs.contains($0.uuid) }
                try await self.limits.release(sql, accountID: target.accountID, Self.limitDeltas(target, volumes: going.filter { $0.state.countsAgainstLimits }))
                try await self.recordUsage(sql, UsageEventType.vmDestroy, target)
                for v in going {
                    guard let next = VolumeStateMachine.next(v.state, on: .destroyRequested) else { continue }
                    try await self.recordUsage(sql, UsageEventType.volumeDelete, v)
                    var vc = VolumeChanges()
                    vc.destroyed = now
                    if v.type != .root { vc.instanceID = .some(nil); vc.deviceID = .some(nil); vc.attached = .some(nil) }
                    try await VolumeRepository.transition(sql, id: v.id, from: v.state, to: next, vc)
                }
                try await self.events.record(sql, type: EventType.vmDestroy, state: .completed, description: "Destroyed VM instance \(target.instanceName)",
                                             userID: caller.user.id, accountID: target.accountID, domainID: target.domainID, resource: Self.resource(target))
                return true
            }
            guard ok else { throw CloudError(.resourceInUse, "VM instance \(current.instanceName) is being changed by another operation; try again", csCode: .concurrentOperation) }
            current.state = .destroyed
            current.destroyed = now
        }
        if expunge {
            try await self.expunge(current, caller: caller)
            current.state = .expunging
        }
        return current
    }

    /// Brings a Destroyed instance back to Stopped, with its destroyed volumes.
    public func recover(_ vm: VirtualMachine, caller: Caller) async throws -> VirtualMachine {
        guard try await mayExpungeOrRecover(caller) else {
            throw CloudError.permissionDenied("Recovering a vm can only be done by an Admin. Or when the allow.user.expunge.recover.vm key is set.")
        }
        guard vm.state == .destroyed else {
            throw CloudError.invalidParameter("Unable to recover VM instance \(vm.instanceName): it is \(vm.state.rawValue), not Destroyed")
        }
        let ok = try await db.transaction { sql in
            var changes = VirtualMachineChanges()
            changes.destroyed = .some(nil)
            guard try await VirtualMachineRepository.transition(sql, id: vm.id, from: .destroyed, to: .stopped, changes) else { return false }
            let coming = try await VolumeRepository.of(sql, instanceID: vm.id).filter { $0.state == .destroy }
            // Counted again; over the limit, the recovery is refused and rolled back.
            try await self.limits.reserve(sql, accountID: vm.accountID, Self.limitDeltas(vm, volumes: coming))
            try await self.recordUsage(sql, UsageEventType.vmCreate, vm)
            for v in coming {
                try await self.recordUsage(sql, UsageEventType.volumeCreate, v)
                var vc = VolumeChanges()
                vc.destroyed = .some(nil)
                let event: VolumeStateMachine.Event = v.poolID == nil ? .operationRetryFromError : .recoverRequested
                try await VolumeRepository.transition(sql, id: v.id, from: .destroy, to: VolumeStateMachine.next(.destroy, on: event) ?? .ready, vc)
            }
            try await self.events.record(sql, type: EventType.vmRecover, state: .completed, description: "Recovered VM instance \(vm.instanceName)",
                                         userID: caller.user.id, accountID: vm.accountID, domainID: vm.domainID, resource: Self.resource(vm))
            return true
        }
        guard ok else { throw CloudError(.resourceInUse, "VM instance \(vm.instanceName) is being changed by another operation; try again", csCode: .concurrentOperation) }
        var out = vm
        out.state = .stopped
        out.destroyed = nil
        return out
    }

    /// Removes a Destroyed or Error instance for good: its ROOT volume and destroyed disks are
    /// deleted from their pools (space given back), other data disks are detached and kept.
    public func expunge(_ vm: VirtualMachine, caller: Caller?) async throws {
        guard let next = VirtualMachineStateMachine.next(vm.state, on: .expungeOperation) else {
            throw CloudError.invalidParameter("Unable to expunge VM instance \(vm.instanceName): it is \(vm.state.rawValue); destroy it first")
        }
        guard try await db.transaction({ sql in try await VirtualMachineRepository.transition(sql, id: vm.id, from: vm.state, to: next) }) else {
            throw CloudError(.resourceInUse, "VM instance \(vm.instanceName) is being changed by another operation; try again", csCode: .concurrentOperation)
        }
        let volumes = try await db.read { try await VolumeRepository.of($0, instanceID: vm.id) }
        for v in volumes where v.type == .root || v.state == .destroy {
            if let pool = v.poolID, let host = vm.lastHostID, agents.isConnected(hostID: host) {
                // The copy on the pool goes; a host that cannot delete it leaves an orphan file, not a stuck instance.
                let answer = try? await agents.send(.deleteVolume(VolumeTO(volumeUUID: v.uuid.uuidString.lowercased(), poolUUID: "", path: v.path ?? "", sizeBytes: v.size)),
                                                    to: host, timeout: .seconds(60))
                if answer?.result != true { logger.warning("Could not delete a volume on its pool", metadata: ["volume": "\(v.uuid)", "pool": "\(pool)"]) }
            }
        }
        let now = Date()
        try await db.transaction { sql in
            for v in volumes {
                if v.type == .root || v.state == .destroy {
                    if let pool = v.poolID { try await AllocationRepository.releasePool(sql, poolID: pool, bytes: v.size) }
                    try await VolumeRepository.markRemoved(sql, id: v.id, at: now)
                    try await TagRepository.deleteAll(sql, type: .volume, resourceID: v.id)
                } else {
                    var vc = VolumeChanges()
                    vc.instanceID = .some(nil); vc.deviceID = .some(nil); vc.attached = .some(nil)
                    try await VolumeRepository.update(sql, id: v.id, vc)
                }
            }
            try await GuestNetworkService.releaseNics(sql, instanceID: vm.id)
            try await VirtualMachineRepository.markRemoved(sql, id: vm.id, at: now)
            try await TagRepository.deleteAll(sql, type: .userVm, resourceID: vm.id)
            try await self.events.record(sql, type: EventType.vmExpunge, state: .completed, description: "Expunged VM instance \(vm.instanceName)",
                                         userID: caller?.user.id ?? 1, accountID: vm.accountID, domainID: vm.domainID, resource: Self.resource(vm))
        }
    }

    /// Expunges instances destroyed longer than `expunge.delay` ago and those in Error.
    @discardableResult
    public func expungeDue(now: Date = Date()) async throws -> Int {
        let delay = try await config.int(Settings.expungeDelay)
        let due = try await db.read { try await VirtualMachineRepository.expungeCandidates($0, destroyedBefore: now.addingTimeInterval(-Double(delay)), limit: 500) }
        var done = 0
        for vm in due {
            do {
                try await expunge(vm, caller: nil)
                done += 1
            } catch {
                logger.warning("Could not expunge an instance", metadata: ["vm": "\(vm.instanceName)", "error": "\(error)"])
            }
        }
        return done
    }

    /// The background expunger (`expunge.interval`), on one server at a time.
    public func startExpunger(serverID: String) -> PeriodicTask {
        PeriodicTask(name: "instance-expunge", db: db, serverID: serverID, singleton: true, logger: logger,
                     interval: { [config] in .seconds((try? await config.int(Settings.expungeInterval)) ?? 86_400) },
                     body: { [self] in try await self.expungeDue() })
    }
}
