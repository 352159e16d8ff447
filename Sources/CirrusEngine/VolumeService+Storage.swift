import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import SQLKit

/// What `resizeVolume` asks for.
public struct ResizeVolumeRequest: Sendable {
    public var diskOfferingID: UUID?
    /// GB.
    public var size: Int64?
    public var minIOPS: Int64?
    public var maxIOPS: Int64?
    public var shrinkOK = false

    public init() {}
}

extension VolumeService {
    /// The size and offering a resize ends with, checked before anything is written.
    struct ResizePlan: Sendable {
        var newSize: Int64
        var offeringID: Int64?
        var minIOPS: Int64?
        var maxIOPS: Int64?
    }

    /// Checks a resize and works out the new size (CloudStack's rules: a size needs a
    /// customized offering or a ROOT volume; a new offering must differ; shrinking needs
    /// `shrinkok`).
    public func checkResize(caller: Caller, uuid: UUID, _ r: ResizeVolumeRequest) async throws -> Volume {
        let v = try await volume(caller: caller, uuid: uuid)
        _ = try await resizePlan(v, r)
        return v
    }

    func resizePlan(_ v: Volume, _ r: ResizeVolumeRequest) async throws -> ResizePlan {
        guard v.state == .ready || v.state == .allocated else {
            throw CloudError.invalidParameter("Volume should be in ready or allocated state before attempting a resize. Volume \(v.name) is in state \(v.state.rawValue).")
        }
        return try await db.read { sql in
            if let vmID = v.instanceID, let vm = try await VirtualMachineRepository.find(sql, id: vmID), vm.state != .running && vm.state != .stopped {
                throw CloudError.invalidParameter("VM instance \(vm.instanceName) must be Running or Stopped to resize its volume; it is \(vm.state.rawValue)")
            }
            let current: DiskOffering? = if let id = v.diskOfferingID { try await DiskOfferingRepository.find(sql, id: id) } else { nil }
            var newSize = v.size
            var offeringID = v.diskOfferingID
            var minIOPS = r.minIOPS ?? v.minIOPS, maxIOPS = r.maxIOPS ?? v.maxIOPS
            if let id = r.diskOfferingID {
                let offering = try await self.diskOffering(sql, uuid: id)
                if offering.id == v.diskOfferingID && !offering.isCustomized {
                    throw CloudError.invalidParameter("Volume \(v.name) already has disk offering \(offering.name); give a different offering or a size")
                }
                if offering.isCustomized {
                    newSize = try await self.size(of: offering, sizeGB: r.size ?? (v.size >> 30))
                } else {
                    newSize = offering.diskSizeGB << 30
                }
                offeringID = offering.id
                if !offering.isCustomizedIOPS { minIOPS = offering.minIOPS; maxIOPS = offering.maxIOPS }
            } else if let gb = r.size {
                guard v.type == .root || current?.isCustomized == true else {
                    throw CloudError.invalidParameter("To change a volume's size without providing a new disk offering, its current disk offering must be customizable or it must be a root volume (if providing a disk offering, make sure it is different from the current disk offering).")
                }
                guard gb > 0 else { throw CloudError.invalidParameter("The size of a volume must be a positive number of GB") }
                if let current, current.isCustomized { newSize = try await self.size(of: current, sizeGB: gb) } else { newSize = gb << 30 }
            } else if r.minIOPS == nil && r.maxIOPS == nil {
                throw CloudError.invalidParameter("Give a new size, a new disk offering or new IOPS to resize volume \(v.name)")
            }
            if let lo = minIOPS, let hi = maxIOPS, lo > hi { throw CloudError.invalidParameter("The min IOPS must be less than or equal to the max IOPS") }
            if newSize < v.size && !r.shrinkOK {
                throw CloudError.invalidParameter("Going from existing size of \(v.size) to size of \(newSize) would shrink the volume.Need to sign off by supplying the shrinkok parameter with value of true.")
            }
            if newSize < v.size && v.type == .root {
                throw CloudError.invalidParameter("Shrink operation on ROOT volume not supported")
            }
            return ResizePlan(newSize: newSize, offeringID: offeringID, minIOPS: minIOPS, maxIOPS: maxIOPS)
        }
    }

    /// `resizeVolume`: an Allocated volume just changes its size; a Ready one goes Resizing
    /// while its pool takes the difference (within the pool's limit), the owner's
    /// `primary_storage` count follows, and the host resizes it; on failure everything is
    /// given back.
    public func resize(caller: Caller, uuid: UUID, _ r: ResizeVolumeRequest) async throws -> Volume {
        let v = try await volume(caller: caller, uuid: uuid)
        let plan = try await resizePlan(v, r)
        let delta = plan.newSize - v.size
        var changes = VolumeChanges()
        changes.size = plan.newSize; changes.diskOfferingID = plan.offeringID; changes.minIOPS = plan.minIOPS; changes.maxIOPS = plan.maxIOPS
        let finalChanges = changes
        var out = v
        out.size = plan.newSize; out.diskOfferingID = plan.offeringID; out.minIOPS = plan.minIOPS; out.maxIOPS = plan.maxIOPS
        let resized = out

        guard v.state == .ready, let poolID = v.poolID, delta != 0 else {
            // Nothing on a pool (or no size change): one transaction.
            let ok = try await db.transaction { sql -> Bool in
                guard try await VolumeRepository.transition(sql, id: v.id, from: v.state, to: v.state, finalChanges) else { return false }
                if delta != 0 {
                    try await self.limits.reserve(sql, accountID: v.accountID, [.primaryStorage: delta])
                    try await self.recordUsage(sql, UsageEventType.volumeResize, resized)
                }
                return true
            }
            guard ok else { throw Self.busy(v) }
            return resized
        }

        let snapshot = try await placement.snapshot()
        let limit = snapshot.pool(poolID)?.allocationLimit ?? Int64.max
        let started = try await db.transaction { sql -> Bool in
            guard try await VolumeRepository.transition(sql, id: v.id, from: .ready, to: VolumeStateMachine.next(.ready, on: .resizeRequested) ?? .resizing) else {
                return false
            }
            if delta > 0 {
                // The growth must fit the pool: a conditional reservation of the difference
                // (reservePool counts a volume; the count is put back at once).
                guard try await AllocationRepository.reservePool(sql, poolID: poolID, bytes: delta, limit: limit) else {
                    throw CloudError(.insufficientCapacity, "Storage pool has not enough space to resize volume \(v.name) by \(delta) bytes", csCode: .insufficientCapacity)
                }
                try await AllocationRepository.adjustPool(sql, poolID: poolID, bytes: 0, volumes: -1)
            } else {
                try await AllocationRepository.adjustPool(sql, poolID: poolID, bytes: delta, volumes: 0)
            }
            try await self.limits.reserve(sql, accountID: v.accountID, [.primaryStorage: delta])
            return true
        }
        guard started else { throw Self.busy(v) }
        placement.recordPool(poolID, bytes: delta)

        var preferred: Int64?
        if let vmID = v.instanceID { preferred = try await db.read { try await VirtualMachineRepository.find($0, id: vmID)?.hostID } }
        var answer = Answer.failure("No connected host reaches the storage pool of volume \(v.name)")
        if let hostID = try await host(reaching: poolID, preferring: preferred) {
            do {
                answer = try await agents.send(.resizeVolume(VolumeTO(volumeUUID: v.uuid.uuidString.lowercased(), poolUUID: "", path: v.path ?? "", sizeBytes: plan.newSize)),
                                               to: hostID)
            } catch let error as CloudError {
                answer = .failure(error.message)
            }
        }
        if answer.result {
            try await db.transaction { sql in
                try await VolumeRepository.transition(sql, id: v.id, from: .resizing, to: .ready, finalChanges)
                try await self.recordUsage(sql, UsageEventType.volumeResize, resized)
            }
            return resized
        }
        try await db.transaction { sql in
            try await AllocationRepository.adjustPool(sql, poolID: poolID, bytes: -delta, volumes: 0)
            try await self.limits.reserve(sql, accountID: v.accountID, [.primaryStorage: -delta])
            try await VolumeRepository.transition(sql, id: v.id, from: .resizing, to: .ready)
        }
        placement.recordPool(poolID, bytes: -delta)
        throw CloudError(.resourceUnavailable, "Failed to resize volume \(v.name): \(answer.details)", csCode: .resourceUnavailable)
    }

    // MARK: migrate

    /// Checks a `migrateVolume` and returns the volume and target pool.
    public func checkMigrate(caller: Caller, uuid: UUID, storageID: UUID, liveMigrate: Bool, newDiskOfferingID: UUID?) async throws -> (Volume, StoragePool) {
        try await db.read { sql in
            let v = try await self.volume(sql, caller: caller, uuid: uuid)
            guard caller.isAdmin else { throw CloudError.permissionDenied("Only admins may migrate volumes between storage pools") }
            guard let pool = try await StoragePoolRepository.find(sql, uuid: storageID) else {
                throw CloudError.invalidParameter("Unable to find storage pool with ID: \(storageID.uuidString.lowercased())")
            }
            guard v.state == .ready, v.poolID != nil else { throw CloudError.invalidParameter("Volume must be in ready state") }
            guard pool.zoneID == v.zoneID else {
                throw CloudError.invalidParameter("Storage pool \(pool.name) is not in the zone of volume \(v.name)")
            }
            guard pool.id != v.poolID else { throw CloudError.invalidParameter("Volume \(v.name) is already on storage pool \(pool.name)") }
            guard pool.status == .up else { throw CloudError.invalidParameter("Storage pool \(pool.name) is \(pool.status.rawValue); it must be Up") }
            if let id = newDiskOfferingID { _ = try await self.diskOffering(sql, uuid: id) }
            if let vmID = v.instanceID, let vm = try await VirtualMachineRepository.find(sql, id: vmID) {
                switch vm.state {
                case .stopped: break
                case .running:
                    guard liveMigrate else {
                        throw CloudError.invalidParameter("Volume \(v.name) is attached to the running VM \(vm.displayName); set livemigrate=true to migrate it live")
                    }
                default:
                    throw CloudError.invalidParameter("VM instance \(vm.instanceName) is \(vm.state.rawValue); it must be Running or Stopped")
                }
            }
            return (v, pool)
        }
    }

    /// `migrateVolume`: copies a Ready volume to another pool (reserved there first), deletes
    /// the old copy and gives the source pool's space back. A running instance's volume moves
    /// live only to a pool its host reaches.
    public func migrate(caller: Caller, uuid: UUID, storageID: UUID, liveMigrate: Bool, newDiskOfferingID: UUID?) async throws -> Volume {
        let (v, pool) = try await checkMigrate(caller: caller, uuid: uuid, storageID: storageID, liveMigrate: liveMigrate, newDiskOfferingID: newDiskOfferingID)
        let source = v.poolID!
        let snapshot = try await placement.snapshot()
        guard let target = snapshot.pool(pool.id) else { throw CloudError.invalidParameter("Storage pool \(pool.name) cannot take volumes") }
        var runningHost: Int64?
        if let vmID = v.instanceID, let vm = try await db.read({ try await VirtualMachineRepository.find($0, id: vmID) }), vm.state == .running {
            runningHost = vm.hostID
            if let h = vm.hostID.flatMap({ snapshot.host($0) }), !Self.reaches(h, target) {
                throw CloudError.invalidParameter("Storage pool \(pool.name) is not reachable from the host of VM \(vm.displayName)")
            }
        }
        let newOffering: Int64? = try await db.read { sql in
            if let id = newDiskOfferingID { return try await DiskOfferingRepository.find(sql, uuid: id)?.id }
            return nil
        }
        let started = try await db.transaction { sql -> Bool in
            guard try await VolumeRepository.transition(sql, id: v.id, from: .ready, to: VolumeStateMachine.next(.ready, on: .migrationRequested) ?? .migrating) else {
                return false
            }
            guard try await AllocationRepository.reservePool(sql, poolID: pool.id, bytes: v.size, limit: target.allocationLimit) else {
                throw CloudError(.insufficientCapacity, "Storage pool \(pool.name) has not enough space for volume \(v.name)", csCode: .insufficientCapacity)
            }
            return true
        }
        guard started else { throw Self.busy(v) }
        placement.recordPool(pool.id, bytes: v.size)

        var answer = Answer.failure("No connected host reaches storage pool \(pool.name)")
        let path = v.path ?? v.uuid.uuidString.lowercased()
        if let hostID = try await host(reaching: pool.id, preferring: runningHost) {
            do {
                answer = try await agents.send(.createVolume(VolumeTO(volumeUUID: v.uuid.uuidString.lowercased(), poolUUID: pool.uuid.uuidString.lowercased(),
                                                                      path: path, sizeBytes: v.size)), to: hostID)
            } catch let error as CloudError {
                answer = .failure(error.message)
            }
        }
        guard answer.result else {
            try await db.transaction { sql in
                try await AllocationRepository.releasePool(sql, poolID: pool.id, bytes: v.size)
                try await VolumeRepository.transition(sql, id: v.id, from: .migrating, to: .ready)
            }
            placement.recordPool(pool.id, bytes: -v.size)
            throw CloudError(.resourceUnavailable, "Failed to migrate volume \(v.name) to storage pool \(pool.name): \(answer.details)", csCode: .resourceUnavailable)
        }
        await deleteOnPool(v)
        var changes = VolumeChanges()
        changes.poolID = pool.id; changes.lastPoolID = source; changes.podID = pool.podID
        if let newOffering { changes.diskOfferingID = newOffering }
        let finalChanges = changes
        try await db.transaction { sql in
            try await AllocationRepository.releasePool(sql, poolID: source, bytes: v.size)
            try await VolumeRepository.transition(sql, id: v.id, from: .migrating, to: .ready, finalChanges)
        }
        placement.recordPool(source, bytes: -v.size)
        var out = v
        out.poolID = pool.id; out.lastPoolID = source; out.podID = pool.podID
        if let newOffering { out.diskOfferingID = newOffering }
        return out
    }

    // MARK: update

    /// `updateVolume`: the name and `displayvolume` (counts are kept for hidden volumes too,
    /// as instances' volumes are counted).
    public func update(caller: Caller, uuid: UUID, name: String?, displayVolume: Bool?) async throws -> Volume {
        let v = try await volume(caller: caller, uuid: uuid)
        if let name { guard !name.isEmpty, name.count <= 255 else { throw CloudError.invalidParameter("The volume name must have 1 to 255 characters") } }
        let ok = try await db.transaction { sql -> Bool in
            var changes = VolumeChanges()
            changes.name = name; changes.displayVolume = displayVolume
            guard try await VolumeRepository.transition(sql, id: v.id, from: v.state, to: v.state, changes) else { return false }
            return true
        }
        guard ok else { throw Self.busy(v) }
        var out = v
        if let name { out.name = name }
        if let displayVolume { out.displayVolume = displayVolume }
        return out
    }
}
