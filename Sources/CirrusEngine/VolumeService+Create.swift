import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import SQLKit

/// What `createVolume` asks for, as parsed by the API layer.
public struct CreateVolumeRequest: Sendable {
    public var name: String?
    public var zoneID: UUID?
    public var diskOfferingID: UUID?
    /// GB, for customized disk offerings.
    public var size: Int64?
    public var minIOPS: Int64?
    public var maxIOPS: Int64?
    public var accountName: String?
    public var domainID: UUID?
    /// Attach to this instance once created.
    public var instanceID: UUID?
    public var displayVolume: Bool?

    public init() {}
}

extension VolumeService {
    /// The event resource of a volume.
    static func resource(_ v: Volume) -> EventResource {
        EventResource(type: "Volume", uuid: v.uuid.uuidString.lowercased(), name: v.name)
    }

    static func busy(_ v: Volume) -> CloudError {
        CloudError(.resourceInUse, "Volume \(v.name) is being changed by another operation; try again", csCode: .concurrentOperation)
    }

    /// Data disks an instance may have, by hypervisor (CloudStack's `max_data_volumes_limit`).
    static func maxDataVolumes(_ hypervisor: HypervisorType?) -> Int {
        switch hypervisor {
        case .kvm: 26
        default: 6
        }
    }

    // MARK: lookups

    /// The live volume with `uuid` that the caller may act on.
    public func volume(caller: Caller, uuid: UUID) async throws -> Volume {
        try await db.read { sql in try await self.volume(sql, caller: caller, uuid: uuid) }
    }

    func volume(_ sql: any SQLDatabase, caller: Caller, uuid: UUID) async throws -> Volume {
        guard let v = try await VolumeRepository.find(sql, uuid: uuid) else {
            throw CloudError.invalidParameter("Unable to find volume with ID: \(uuid.uuidString.lowercased())")
        }
        try await Ownership.checkAccess(sql, caller: caller, accountID: v.accountID, domainID: v.domainID, resource: "volume \(v.name)")
        return v
    }

    /// The live user instance with `uuid` that the caller may act on.
    func instance(_ sql: any SQLDatabase, caller: Caller, uuid: UUID) async throws -> VirtualMachine {
        guard let vm = try await VirtualMachineRepository.find(sql, uuid: uuid), vm.type == .user else {
            throw CloudError.invalidParameter("Please specify a valid User VM.")
        }
        try await Ownership.checkAccess(sql, caller: caller, accountID: vm.accountID, domainID: vm.domainID, resource: "VM instance \(vm.instanceName)")
        return vm
    }

    /// The volume as `listVolumes` shows it (destroyed ones included).
    public func view(_ v: Volume) async throws -> VolumeListItem {
        try await db.read { sql in
            var f = VolumeRepository.Filter()
            f.ids = [v.id]
            f.includeDestroyed = true
            guard var item = try await VolumeRepository.list(sql, f).items.first else {
                throw CloudError.invalidParameter("Unable to find volume with ID: \(v.uuid.uuidString.lowercased())")
            }
            item.tags = try await TagRepository.tags(sql, type: .volume, resourceIDs: [v.id])[v.id] ?? []
            return item
        }
    }

    /// Records a usage event for a volume.
    func recordUsage(_ sql: any SQLDatabase, _ type: String, _ v: Volume) async throws {
        try await usage.record(sql, UsageEvent(type: type, accountID: v.accountID, domainID: v.domainID, zoneID: v.zoneID, resourceID: v.id,
                                               resourceUUID: v.uuid, resourceName: v.name, offeringID: v.diskOfferingID, templateID: v.templateID,
                                               size: v.size, resourceType: "Volume"))
    }

    /// The size in bytes a disk offering gives, with `sizeGB` for customized ones.
    func size(of offering: DiskOffering, sizeGB: Int64?) async throws -> Int64 {
        if offering.isCustomized {
            guard let gb = sizeGB, gb > 0 else { throw CloudError.invalidParameter("This disk offering requires a custom size specified") }
            let minGB = try await config.int(Settings.customDiskOfferingMinSize), maxGB = try await config.int(Settings.customDiskOfferingMaxSize)
            guard gb >= Int64(minGB) && gb <= Int64(maxGB) else {
                throw CloudError.invalidParameter("Volume size: \(gb)GB is out of allowed range. Max: \(maxGB) Min:\(minGB)")
            }
            return gb << 30
        }
        if let gb = sizeGB, gb > 0, gb != offering.diskSizeGB {
            throw CloudError.invalidParameter("This disk offering does not allow custom size")
        }
        return offering.diskSizeGB << 30
    }

    /// A usable (active, non-compute) disk offering.
    func diskOffering(_ sql: any SQLDatabase, uuid: UUID) async throws -> DiskOffering {
        guard let d = try await DiskOfferingRepository.find(sql, uuid: uuid), !d.computeOnly else {
            throw CloudError.invalidParameter("Unable to find disk offering by id \(uuid.uuidString.lowercased())")
        }
        guard d.state == .active else { throw CloudError.invalidParameter("Disk offering \(d.name) is not active") }
        return d
    }

    // MARK: create

    /// The synchronous half of `createVolume`: checks everything, then writes the volume
    /// (Allocated), takes the owner's `volume` and `primary_storage` counts and records the
    /// VOLUME.CREATE usage event in one transaction. When `instanceID` is given the attach
    /// checks run here too, so a refused attach leaves nothing behind.
    public func allocate(caller: Caller, _ r: CreateVolumeRequest) async throws -> Volume {
        try await db.transaction { sql in
            let owner = try await IdentityService.owner(sql, caller: caller, accountName: r.accountName, domainID: r.domainID)
            guard owner.state == .enabled || caller.isRootAdmin else {
                throw CloudError.permissionDenied("The owner of the volume is disabled: account \(owner.name)")
            }
            var vm: VirtualMachine?
            if let id = r.instanceID {
                let found = try await self.instance(sql, caller: caller, uuid: id)
                guard found.accountID == owner.id else {
                    throw CloudError.invalidParameter("The volume and the instance \(found.displayName) must belong to the same account")
                }
                vm = found
            }
            let zone: Zone
            if let z = r.zoneID {
                zone = try await Lookup.zone(sql, z)
                if let vm, vm.zoneID != zone.id { throw CloudError.invalidParameter("Please specify a VM that is in the same zone as the volume.") }
            } else if let vm, let z = try await ZoneRepository.find(sql, id: vm.zoneID) {
                zone = z
            } else {
                throw CloudError.invalidParameter("Unable to create a volume without a zone: give zoneid")
            }
            if zone.allocationState == .disabled && !caller.isRootAdmin {
                throw CloudError.permissionDenied("Cannot perform this operation, Zone is currently disabled: \(zone.uuid.uuidString.lowercased())")
            }
            guard let offeringID = r.diskOfferingID else {
                throw CloudError.invalidParameter("Either disk offering id or snapshot id must be passed whilst creating volume")
            }
            let offering = try await self.diskOffering(sql, uuid: offeringID)
            let bytes = try await self.size(of: offering, sizeGB: r.size)
            if let lo = r.minIOPS, let hi = r.maxIOPS, lo > hi {
                throw CloudError.invalidParameter("The min IOPS must be less than or equal to the max IOPS")
            }
            let name = r.name.flatMap { $0.isEmpty ? nil : $0 } ?? UUID().uuidString.lowercased()
            guard name.count <= 255 else { throw CloudError.invalidParameter("The volume name may have at most 255 characters") }
            if let vm { _ = try await self.checkAttach(sql, volume: nil, vm: vm, deviceID: nil) }

            let v = try await VolumeRepository.insert(sql, Volume(name: name, type: .dataDisk, accountID: owner.id, domainID: owner.domainID, zoneID: zone.id,
                                                                   diskOfferingID: offering.id, size: bytes,
                                                                   minIOPS: offering.isCustomizedIOPS ? r.minIOPS : offering.minIOPS,
                                                                   maxIOPS: offering.isCustomizedIOPS ? r.maxIOPS : offering.maxIOPS,
                                                                   provisioningType: offering.provisioningType, displayVolume: r.displayVolume ?? true,
                                                                   created: Date()))
            try await self.limits.reserve(sql, accountID: owner.id, ResourceLimitService.volumeDeltas(sizeBytes: bytes))
            try await self.recordUsage(sql, UsageEventType.volumeCreate, v)
            try await self.events.record(sql, type: EventType.volumeCreate, state: .created, description: "Created volume \(v.name)",
                                         userID: caller.user.id, accountID: v.accountID, domainID: v.domainID, resource: Self.resource(v))
            return v
        }
    }

    // MARK: attach

    /// Checks an attach of `volume` (nil: a volume being created for it) to `vm` and returns
    /// the device id it will get.
    func checkAttach(_ sql: any SQLDatabase, volume: Volume?, vm: VirtualMachine, deviceID: Int?) async throws -> Int {
        if let v = volume {
            guard v.type == .dataDisk else { throw CloudError.invalidParameter("Please specify a valid data volume.") }
            guard v.instanceID == nil else { throw CloudError.invalidParameter("Please specify a volume that is not attached to any VM.") }
            guard v.state != .destroy else { throw CloudError.invalidParameter("Please specify a volume that is not destroyed.") }
        }
        guard vm.state == .running || vm.state == .stopped else {
            throw CloudError.invalidParameter("Please specify a VM that is either running or stopped.")
        }
        let attached = try await VolumeRepository.of(sql, instanceID: vm.id)
        let maxData = Self.maxDataVolumes(vm.hypervisorType)
        if attached.filter({ $0.type == .dataDisk }).count >= maxData {
            throw CloudError.invalidParameter("The specified VM already has the maximum number of data disks (\(maxData)) attached. Please specify another VM.")
        }
        if let v = volume {
            guard vm.zoneID == v.zoneID else { throw CloudError.invalidParameter("Please specify a VM that is in the same zone as the volume.") }
            guard vm.accountID == v.accountID else {
                throw CloudError.invalidParameter("Owners of volume \(v.name) and VM \(vm.displayName) must be the same account")
            }
            guard v.state == .allocated || v.state == .ready || v.state == .uploaded else {
                throw CloudError.invalidParameter("Volume state must be in Allocated, Ready or in Uploaded state")
            }
        }
        let used = Set(attached.compactMap(\.deviceID))
        // Device 3 is the CD-ROM's; 0 is the ROOT volume's.
        if let d = deviceID {
            guard d != 0 else { throw CloudError.invalidParameter("deviceId can't be 0, which is used by Root device") }
            guard d > 0, d <= maxData, d != 3 else { throw CloudError.invalidParameter("deviceId should be 1,2,4-\(maxData)") }
            guard !used.contains(d) else { throw CloudError.invalidParameter("deviceId \(d) is used by vm \(vm.instanceName)") }
            return d
        }
        guard let free = (1...max(1, maxData)).first(where: { $0 != 3 && !used.contains($0) }) else {
            throw CloudError.invalidParameter("The specified VM already has the maximum number of data disks (\(maxData)) attached. Please specify another VM.")
        }
        return free
    }

    /// Checks an `attachVolume` before its job is queued.
    public func checkAttach(caller: Caller, volume: UUID, instance: UUID, deviceID: Int?) async throws -> (Volume, VirtualMachine) {
        try await db.read { sql in
            let v = try await self.volume(sql, caller: caller, uuid: volume)
            let vm = try await self.instance(sql, caller: caller, uuid: instance)
            _ = try await self.checkAttach(sql, volume: v, vm: vm, deviceID: deviceID)
            return (v, vm)
        }
    }

    /// Attaches a data disk to an instance. To a Running instance an Allocated volume is first
    /// created on a pool the instance's host reaches; to a Stopped one it stays Allocated and
    /// the next start creates it. A Ready volume must sit on a pool the instance can reach.
    @discardableResult
    public func attach(caller: Caller, volume: UUID, instance: UUID, deviceID: Int?) async throws -> Volume {
        let (checked, vm) = try await checkAttach(caller: caller, volume: volume, instance: instance, deviceID: deviceID)
        var v = checked
        if v.state == .allocated && vm.state == .running, let host = vm.hostID {
            v = try await createOnPool(v, reachableFrom: host)
        } else if v.state == .ready, let pool = v.poolID {
            try await checkReach(pool: pool, vm: vm, volumeName: v.name)
        }
        let target = v
        let attachedAt = Date()
        // Ready → Attaching (claimed, with its instance and device), then the running instance's
        // host plugs it in, then → Ready; an Allocated volume is only recorded as attached.
        let claimed = try await db.transaction { sql -> (Volume, VirtualMachine)? in
            guard let current = try await VolumeRepository.find(sql, id: target.id), let vmNow = try await VirtualMachineRepository.find(sql, id: vm.id) else { return nil }
            let device = try await self.checkAttach(sql, volume: current, vm: vmNow, deviceID: deviceID)
            var changes = VolumeChanges()
            changes.instanceID = vmNow.id; changes.deviceID = device; changes.attached = attachedAt
            let to: VolumeState = current.state == .ready ? VolumeStateMachine.next(.ready, on: .attachRequested) ?? .attaching : current.state
            guard try await VolumeRepository.transition(sql, id: current.id, from: current.state, to: to, changes) else { return nil }
            var out = current
            out.state = to; out.instanceID = vmNow.id; out.deviceID = device; out.attached = attachedAt
            return (out, vmNow)
        }
        guard let (attaching, vmNow) = claimed else { throw Self.busy(v) }
        guard attaching.state == .attaching else { return attaching }
        if vmNow.state == .running, let host = vmNow.hostID {
            let answer: Answer
            do {
                answer = try await agents.send(.attachVolume(AttachVolumeCommand(instanceName: vmNow.instanceName, disk: try await diskTO(attaching))), to: host)
            } catch let error as CloudError {
                answer = .failure(error.message)
            }
            guard answer.result else {
                try await db.transaction { sql in
                    var undo = VolumeChanges()
                    undo.instanceID = .some(nil); undo.deviceID = .some(nil); undo.attached = .some(nil)
                    _ = try await VolumeRepository.transition(sql, id: attaching.id, from: .attaching, to: .ready, undo)
                }
                throw CloudError.internalError("Failed to attach volume \(attaching.name) to VM \(vmNow.displayName): \(answer.details)")
            }
        }
        guard try await db.transaction({ sql in try await VolumeRepository.transition(sql, id: attaching.id, from: .attaching, to: .ready) }) else {
            throw Self.busy(v)
        }
        var attached = attaching
        attached.state = .ready
        return attached
    }

    /// A volume as its instance's host sees it.
    func diskTO(_ v: Volume) async throws -> DiskTO {
        let poolUUID = try await db.read { sql in try await v.poolID.asyncMap { try await StoragePoolRepository.find(sql, id: $0)?.uuid.uuidString.lowercased() } }
        return DiskTO(volumeUUID: v.uuid.uuidString.lowercased(), type: v.type.rawValue, deviceID: v.deviceID ?? 0, sizeBytes: v.size,
                      poolUUID: (poolUUID ?? nil) ?? "", path: v.path ?? v.uuid.uuidString.lowercased(), templatePath: nil, create: false)
    }

    /// Refuses a Ready volume on a pool the instance cannot reach (another host's local pool,
    /// or a cluster pool of another cluster).
    func checkReach(pool poolID: Int64, vm: VirtualMachine, volumeName: String) async throws {
        let anchor: Int64?
        if let host = vm.hostID { anchor = host } else {
            anchor = try await db.read { sql -> Int64? in
                guard let root = try await VolumeRepository.of(sql, instanceID: vm.id).first(where: { $0.type == .root }), let rootPool = root.poolID,
                      let p = try await StoragePoolRepository.find(sql, id: rootPool) else { return nil }
                return p.hostID ?? vm.lastHostID
            }
        }
        guard let anchor else { return }
        let snapshot = try await placement.snapshot()
        guard let host = snapshot.host(anchor), let pool = snapshot.pool(poolID) else { return }
        if !Self.reaches(host, pool) {
            throw CloudError.invalidParameter("Failed to attach volume \(volumeName) to VM \(vm.displayName): its storage pool is not reachable from the instance's host")
        }
    }

    static func reaches(_ host: PlacementHost, _ pool: PlacementPool) -> Bool {
        if let owner = pool.hostID { return owner == host.id }
        if let cluster = pool.clusterID { return cluster == host.clusterID }
        return pool.zoneID == host.zoneID
    }

    /// Creates an Allocated volume on a pool `hostID` reaches: reserves the space, sends
    /// CreateObjectCommand (or the command `command` makes for the chosen pool, such as a
    /// CopyCommand from a snapshot) to that host, and gives everything back when the host refuses.
    func createOnPool(_ v: Volume, reachableFrom hostID: Int64,
                      command: @Sendable (VolumeTO) -> AgentCommand = { .createVolume($0) }) async throws -> Volume {
        let snapshot = try await placement.snapshot()
        guard let host = snapshot.host(hostID) else {
            throw CloudError(.resourceUnavailable, "The host of the instance is not available", csCode: .resourceUnavailable)
        }
        let reachable = snapshot.pools.filter { Self.reaches(host, $0) }
        let (offering, poolUUIDs) = try await db.read { sql -> (DiskOffering?, [Int64: String]) in
            var uuids: [Int64: String] = [:]
            for p in reachable { if let found = try await StoragePoolRepository.find(sql, id: p.id) { uuids[p.id] = found.uuid.uuidString.lowercased() } }
            let offering: DiskOffering? = if let id = v.diskOfferingID { try await DiskOfferingRepository.find(sql, id: id) } else { nil }
            return (offering, uuids)
        }
        let tags = Set((offering?.tags ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        let local = offering?.storageType == .local
        let candidates = reachable.filter { p in
            p.isAvailable && p.isLocal == local && tags.isSubset(of: p.tags) && p.allocated + v.size <= p.allocationLimit
        }
        for pool in candidates {
            let path = v.uuid.uuidString.lowercased()
            let reserved = try await db.transaction { sql -> Bool in
                guard try await AllocationRepository.reservePool(sql, poolID: pool.id, bytes: v.size, limit: pool.allocationLimit) else { return false }
                var changes = VolumeChanges()
                changes.poolID = pool.id; changes.podID = host.podID; changes.path = path
                guard try await VolumeRepository.transition(sql, id: v.id, from: .allocated, to: .creating, changes) else { throw Self.busy(v) }
                return true
            }
            guard reserved else { continue }
            placement.recordPool(pool.id, bytes: v.size)
            let answer: Answer
            do {
                answer = try await agents.send(command(VolumeTO(volumeUUID: path, poolUUID: poolUUIDs[pool.id] ?? "", path: path, sizeBytes: v.size)), to: hostID)
            } catch let error as CloudError {
                answer = .failure(error.message)
            }
            if answer.result {
                try await db.transaction { sql in try await VolumeRepository.transition(sql, id: v.id, from: .creating, to: .ready) }
                var out = v
                out.state = .ready; out.poolID = pool.id; out.podID = host.podID; out.path = path
                return out
            }
            try await db.transaction { sql in
                try await AllocationRepository.releasePool(sql, poolID: pool.id, bytes: v.size)
                var changes = VolumeChanges()
                changes.poolID = .some(nil); changes.podID = .some(nil); changes.path = .some(nil)
                try await VolumeRepository.transition(sql, id: v.id, from: .creating, to: .allocated, changes)
            }
            placement.recordPool(pool.id, bytes: -v.size)
            throw CloudError(.resourceUnavailable, "Failed to create volume \(v.name) on primary storage: \(answer.details)", csCode: .resourceUnavailable)
        }
        throw CloudError(.insufficientCapacity, "Unable to find a storage pool for volume \(v.name) that the instance's host reaches", csCode: .insufficientCapacity)
    }

    // MARK: detach

    /// Checks a `detachVolume` (by volume id, or by instance and device id) and returns the
    /// volume.
    public func checkDetach(caller: Caller, volume: UUID?, instance: UUID?, deviceID: Int?) async throws -> Volume {
        guard (volume != nil && instance == nil && deviceID == nil) || (volume == nil && instance != nil && deviceID != nil) else {
            throw CloudError.invalidParameter("Please provide either a volume id, or a tuple(device id, instance id)")
        }
        return try await db.read { sql in
            let v: Volume
            if let volume {
                v = try await self.volume(sql, caller: caller, uuid: volume)
            } else {
                let vm = try await self.instance(sql, caller: caller, uuid: instance!)
                guard let found = try await VolumeRepository.of(sql, instanceID: vm.id).first(where: { $0.deviceID == deviceID }) else {
                    throw CloudError.invalidParameter("Unable to find a volume with device id \(deviceID!) on VM \(vm.displayName)")
                }
                v = found
            }
            guard v.type == .dataDisk else { throw CloudError.invalidParameter("Please specify a data volume.") }
            guard let vmID = v.instanceID, let vm = try await VirtualMachineRepository.find(sql, id: vmID) else {
                throw CloudError.invalidParameter("The specified volume is not attached to a VM.")
            }
            guard vm.state == .running || vm.state == .stopped || vm.state == .destroyed else {
                throw CloudError.invalidParameter("Please specify a VM that is either running or stopped.")
            }
            return v
        }
    }

    /// Detaches a data disk; it keeps its pool and state. The host of a running instance
    /// unplugs it first; if it refuses, the disk stays attached.
    public func detach(_ v: Volume) async throws -> Volume {
        let vm = try await db.read { sql in try await v.instanceID.asyncMap { try await VirtualMachineRepository.find(sql, id: $0) } } ?? nil
        if let vm, vm.state == .running, let host = vm.hostID, v.state == .ready {
            let answer: Answer
            do {
                answer = try await agents.send(.detachVolume(AttachVolumeCommand(instanceName: vm.instanceName, disk: try await diskTO(v))), to: host)
            } catch let error as CloudError {
                answer = .failure(error.message)
            }
            guard answer.result else {
                throw CloudError.internalError("Failed to detach volume \(v.name) from VM \(vm.displayName): \(answer.details)")
            }
        }
        let ok = try await db.transaction { sql -> Bool in
            guard let current = try await VolumeRepository.find(sql, id: v.id), current.instanceID != nil, !current.state.isBusy else { return false }
            var changes = VolumeChanges()
            changes.instanceID = .some(nil); changes.deviceID = .some(nil); changes.attached = .some(nil)
            return try await VolumeRepository.transition(sql, id: current.id, from: current.state, to: current.state, changes)
        }
        guard ok else { throw Self.busy(v) }
        var out = v
        out.instanceID = nil; out.deviceID = nil; out.attached = nil
        return out
    }
}
