import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import Logging

/// Instance snapshots: every disk of an instance (and its memory with `snapshotmemory`)
/// taken by its host; reverted with the instance Stopped, or Running for snapshots with
/// memory; deleted. Snapshots of one instance form a tree through `parent`.
public final class VMSnapshotService: Sendable {
    let db: any Database
    let events: EventService
    let agents: AgentManager
    let instances: InstanceService
    let usage: UsageService
    let logger: Logger

    public init(db: any Database, events: EventService, agents: AgentManager, instances: InstanceService, usage: UsageService, logger: Logger) {
        self.db = db
        self.events = events
        self.agents = agents
        self.instances = instances
        self.usage = usage
        self.logger = logger
    }

    static func busy(_ what: String) -> CloudError {
        CloudError(.resourceInUse, "\(what) is being changed by another operation; try again", csCode: .concurrentOperation)
    }

    /// The live instance snapshot with `uuid` the caller may act on.
    public func snapshot(caller: Caller, uuid: UUID) async throws -> VMSnapshot {
        try await db.read { sql in
            guard let s = try await VMSnapshotRepository.find(sql, uuid: uuid) else {
                throw CloudError.invalidParameter("Unable to find the VM snapshot with id \(uuid.uuidString.lowercased())")
            }
            try await Ownership.checkAccess(sql, caller: caller, accountID: s.accountID, domainID: s.domainID, resource: "VM snapshot \(s.name)")
            return s
        }
    }

    /// Checks a request and allocates the snapshot (Allocated); `take` does the work.
    public func allocate(caller: Caller, instanceID: UUID, name: String?, description: String?, memory: Bool) async throws -> VMSnapshot {
        let vm = try await instances.instance(caller: caller, uuid: instanceID)
        guard vm.state == .running || vm.state == .stopped else {
            throw CloudError.invalidParameter("Creating VM snapshot failed due to VM \(vm.instanceName) is in \(vm.state.rawValue) state; it must be Running or Stopped")
        }
        if memory, vm.state != .running { throw CloudError.invalidParameter("Can not snapshot memory when VM is not in Running state") }
        if let name, name.isEmpty || name.count > 255 { throw CloudError.invalidParameter("The VM snapshot name must be 1 to 255 characters long") }
        let now = Date()
        return try await db.transaction { sql in
            for v in try await VolumeRepository.of(sql, instanceID: vm.id) where v.state != .ready {
                throw CloudError.invalidParameter("Volume \(v.name) of VM instance \(vm.instanceName) is \(v.state.rawValue); all volumes must be Ready for a VM snapshot")
            }
            let existing = try await VMSnapshotRepository.of(sql, instanceID: vm.id)
            let internalName = VMSnapshot.defaultName(instanceName: vm.instanceName, at: now)
            return try await VMSnapshotRepository.insert(sql, VMSnapshot(
                name: internalName, displayName: name ?? internalName, description: description, instanceID: vm.id, accountID: vm.accountID,
                domainID: vm.domainID, zoneID: vm.zoneID, type: memory ? .diskAndMemory : .disk, parentID: existing.first(where: \.current)?.id, created: now))
        }
    }

    func transferObject(_ s: VMSnapshot, vm: VirtualMachine) async throws -> VMSnapshotTO {
        let volumes = try await db.read { try await VolumeRepository.of($0, instanceID: vm.id) }
        return VMSnapshotTO(snapshotName: s.name, instanceName: vm.instanceName, withMemory: s.type == .diskAndMemory,
                            volumes: volumes.map { VolumeTO(volumeUUID: $0.uuid.uuidString.lowercased(), poolUUID: "", path: $0.path ?? "", sizeBytes: $0.size) })
    }

    /// Sends `command` to the instance's host (or its last one), failing when none is connected.
    func send(_ command: AgentCommand, vm: VirtualMachine) async throws -> Answer {
        guard let host = [vm.hostID, vm.lastHostID].compactMap({ $0 }).first(where: { agents.isConnected(hostID: $0) }) else {
            return .failure("No host of VM instance \(vm.instanceName) is connected")
        }
        do { return try await agents.send(command, to: host, timeout: .seconds(3600)) } catch let error as CloudError { return .failure(error.message) }
    }

    /// Takes an Allocated snapshot: Creating, then Ready and current; Error (removed) when the host refuses.
    @discardableResult
    public func take(_ s: VMSnapshot) async throws -> VMSnapshot {
        guard let vm = try await db.read({ try await VirtualMachineRepository.find($0, id: s.instanceID) }) else {
            throw CloudError.invalidParameter("The VM instance of VM snapshot \(s.displayName) no longer exists")
        }
        guard let creating = VMSnapshotStateMachine.next(s.state, on: .createRequested),
              try await db.transaction({ try await VMSnapshotRepository.transition($0, id: s.id, from: s.state, to: creating) }) else {
            throw Self.busy("VM snapshot \(s.displayName)")
        }
        let answer = try await send(.createVMSnapshot(try await transferObject(s, vm: vm)), vm: vm)
        let now = Date()
        try await db.transaction { sql in
            guard answer.result else {
                try await VMSnapshotRepository.transition(sql, id: s.id, from: .creating, to: .error)
                try await VMSnapshotRepository.markRemoved(sql, id: s.id, at: now)
                return
            }
            try await VMSnapshotRepository.transition(sql, id: s.id, from: .creating, to: VMSnapshotStateMachine.next(.creating, on: .operationSucceeded) ?? .ready)
            try await VMSnapshotRepository.setCurrent(sql, instanceID: vm.id, id: s.id)
            try await self.usage.record(sql, UsageEvent(type: UsageEventType.vmSnapshotCreate, accountID: s.accountID, domainID: s.domainID, zoneID: s.zoneID,
                                                        resourceID: vm.id, resourceUUID: s.uuid, resourceName: s.displayName, offeringID: vm.serviceOfferingID,
                                                        created: now))
        }
        guard answer.result else {
            throw CloudError(.resourceUnavailable, "Creating VM snapshot \(s.displayName) of \(vm.instanceName) failed: \(answer.details)", csCode: .cloudRuntime)
        }
        var out = s
        out.state = .ready
        out.current = true
        return out
    }

    /// Checks a revert: a Ready snapshot; a disk-only snapshot needs the instance Stopped.
    public func checkRevert(_ s: VMSnapshot) async throws -> VirtualMachine {
        guard s.state == .ready else { throw CloudError.invalidParameter("VM snapshot \(s.displayName) is \(s.state.rawValue); only a Ready VM snapshot can be reverted to") }
        guard let vm = try await db.read({ try await VirtualMachineRepository.find($0, id: s.instanceID) }) else {
            throw CloudError.invalidParameter("The VM instance of VM snapshot \(s.displayName) no longer exists")
        }
        guard vm.state == .running || vm.state == .stopped else {
            throw CloudError.invalidParameter("VM instance \(vm.instanceName) is \(vm.state.rawValue); it must be Running or Stopped to revert to a VM snapshot")
        }
        if s.type == .disk, vm.state == .running {
            throw CloudError.invalidParameter("VM snapshot \(s.displayName) has no memory: stop VM instance \(vm.instanceName) before reverting to it")
        }
        return vm
    }

    /// Reverts the instance's disks (and memory) to the snapshot, which becomes current. A
    /// snapshot with memory leaves the instance Running (starting it when it was Stopped).
    public func revert(_ s: VMSnapshot, caller: Caller) async throws -> VirtualMachine {
        let vm = try await checkRevert(s)
        guard let reverting = VMSnapshotStateMachine.next(s.state, on: .revertRequested),
              try await db.transaction({ try await VMSnapshotRepository.transition($0, id: s.id, from: s.state, to: reverting) }) else {
            throw Self.busy("VM snapshot \(s.displayName)")
        }
        let answer = try await send(.revertToVMSnapshot(try await transferObject(s, vm: vm)), vm: vm)
        try await db.transaction { sql in
            try await VMSnapshotRepository.transition(sql, id: s.id, from: .reverting, to: .ready)
            if answer.result {
                try await VMSnapshotRepository.setCurrent(sql, instanceID: vm.id, id: s.id)
                try await self.events.record(sql, type: EventType.vmSnapshotRevert, state: .completed, description: "Reverted \(vm.instanceName) to VM snapshot \(s.displayName)",
                                             userID: caller.user.id, accountID: s.accountID, domainID: s.domainID,
                                             resource: EventResource(type: "VMSnapshot", uuid: s.uuid.uuidString.lowercased(), name: s.displayName))
            }
        }
        guard answer.result else { throw CloudError(.resourceUnavailable, "Reverting to VM snapshot \(s.displayName) failed: \(answer.details)", csCode: .cloudRuntime) }
        if s.type == .diskAndMemory, vm.state == .stopped {
            return try await instances.start(vm, caller: caller)
        }
        return try await instances.instance(caller: caller, uuid: vm.uuid)
    }

    /// Deletes a Ready or Error snapshot; its children move to its parent, which becomes
    /// current when it was.
    public func delete(_ s: VMSnapshot) async throws {
        guard let expunging = VMSnapshotStateMachine.next(s.state, on: .expungeRequested) else {
            throw CloudError.invalidParameter("VM snapshot \(s.displayName) is \(s.state.rawValue); it cannot be deleted now")
        }
        guard try await db.transaction({ try await VMSnapshotRepository.transition($0, id: s.id, from: s.state, to: expunging) }) else {
            throw Self.busy("VM snapshot \(s.displayName)")
        }
        let vm = try await db.read { try await VirtualMachineRepository.find($0, id: s.instanceID) }
        let answer = vm == nil ? Answer.success() : try await send(.deleteVMSnapshot(try await transferObject(s, vm: vm!)), vm: vm!)
        guard answer.result else {
            try await db.transaction { sql in try await VMSnapshotRepository.transition(sql, id: s.id, from: .expunging, to: .ready) }
            throw CloudError(.resourceUnavailable, "Deleting VM snapshot \(s.displayName) failed: \(answer.details)", csCode: .cloudRuntime)
        }
        let now = Date()
        try await db.transaction { sql in
            try await VMSnapshotRepository.markRemoved(sql, id: s.id, at: now)
            try await VMSnapshotRepository.reparent(sql, from: s.id, to: s.parentID)
            if s.current, let parent = s.parentID { try await VMSnapshotRepository.setCurrent(sql, instanceID: s.instanceID, id: parent) }
            try await TagRepository.deleteAll(sql, type: .vmSnapshot, resourceID: s.id)
            try await self.usage.record(sql, UsageEvent(type: UsageEventType.vmSnapshotDelete, accountID: s.accountID, domainID: s.domainID, zoneID: s.zoneID,
                                                        resourceID: s.instanceID, resourceUUID: s.uuid, resourceName: s.displayName, created: now))
        }
    }

    public func list(caller: Caller, scope: ListScope, ids: [UUID]?, instanceID: UUID?, name: String?, state: VMSnapshotState?, keyword: String?,
                     tags: [TagPair], page: (offset: Int, limit: Int?)) async throws -> Listing<VMSnapshotListItem> {
        try await db.read { sql in
            var f = VMSnapshotRepository.Filter()
            f.scope = scope
            if let ids {
                var found: [Int64] = []
                for id in ids { if let s = try await VMSnapshotRepository.find(sql, uuid: id) { found.append(s.id) } }
                f.ids = found
            }
            if let instanceID { guard let vm = try await VirtualMachineRepository.find(sql, uuid: instanceID) else { return Listing(items: [], total: 0) }; f.instanceID = vm.id }
            f.name = name; f.state = state; f.keyword = keyword; f.tags = tags
            var listing = try await VMSnapshotRepository.list(sql, f, offset: page.offset, limit: page.limit)
            let found = try await TagRepository.tags(sql, type: .vmSnapshot, resourceIDs: listing.items.map(\.snapshot.id))
            for i in listing.items.indices { listing.items[i].tags = found[listing.items[i].snapshot.id] ?? [] }
            return listing
        }
    }

    /// The listing row of one snapshot, for command responses.
    public func view(_ s: VMSnapshot) async throws -> VMSnapshotListItem {
        try await db.read { sql in
            var f = VMSnapshotRepository.Filter()
            f.ids = [s.id]
            guard let item = try await VMSnapshotRepository.list(sql, f).items.first else {
                throw CloudError.invalidParameter("Unable to find the VM snapshot with id \(s.uuid.uuidString.lowercased())")
            }
            return item
        }
    }
}
