import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import SQLKit

/// A host as `findHostsForMigration` shows it: the listing item and what a migration there needs.
public struct MigrationHostView: Sendable {
    public var item: HostListItem
    /// The host can take the instance now (capacity, state, reachable or movable storage).
    public var suitable: Bool
    /// The instance's volumes are not all reachable from the host: they would have to move.
    public var requiresStorageMotion: Bool
    /// CPU and memory fit on the host.
    public var hasEnoughCapacity: Bool
    /// CPU MHz and memory bytes allocated on the host, and its totals after overprovisioning.
    public var cpuAllocated: Int64
    public var cpuTotal: Int64
    public var memoryAllocated: Int64
    public var memoryTotal: Int64
}

/// A pool as `findStoragePoolsForMigration` shows it.
public struct MigrationPoolView: Sendable {
    public var view: StoragePoolView
    public var suitable: Bool
}

extension InstanceService {
    /// How long a host gets to answer PrepareForMigration and MigrateCommand.
    static let migrationTimeout: Duration = .seconds(120)

    // MARK: checks (the API's synchronous part)

    /// Checks a migrateVirtualMachine request before a job is queued: a Running instance may
    /// go to another host, a Stopped one to another pool (`storageid`), never both.
    public func checkMigrate(_ vm: VirtualMachine, hostID: UUID?, storageID: UUID?) async throws {
        if hostID != nil, storageID != nil {
            throw CloudError.invalidParameter("Provide either a host id or a storage pool id, not both")
        }
        if let storageID {
            guard vm.state == .stopped else {
                throw CloudError.invalidParameter("VM is not Stopped, unable to migrate the vm having the specified id \(vm.uuid.uuidString.lowercased()) to a storage pool")
            }
            _ = try await destinationPool(storageID, zoneID: vm.zoneID)
            return
        }
        guard vm.state == .running, let current = vm.hostID else {
            throw CloudError.invalidParameter("VM is not Running, unable to migrate the vm \(vm.instanceName)")
        }
        if let hostID {
            let host = try await db.read { sql in try await Lookup.host(sql, hostID) }
            guard host.id != current else { throw CloudError.invalidParameter("Cannot migrate VM, destination host is same as current host") }
            guard host.zoneID == vm.zoneID else { throw CloudError.invalidParameter("Cannot migrate VM, destination host is not in the same zone as the instance") }
            guard host.type == .routing, host.status == .up, host.resourceState == .enabled else {
                throw CloudError.invalidParameter("Cannot migrate VM, destination host \(host.name) is not Up and Enabled")
            }
        }
    }

    func destinationPool(_ uuid: UUID, zoneID: Int64) async throws -> StoragePool {
        guard let pool = try await db.read({ sql in try await StoragePoolRepository.find(sql, uuid: uuid) }) else {
            throw CloudError.invalidParameter("Unable to find storage pool by id \(uuid.uuidString.lowercased())")
        }
        guard pool.zoneID == zoneID else { throw CloudError.invalidParameter("Storage pool \(pool.name) is not in the zone of the instance") }
        guard pool.status == .up else { throw CloudError.invalidParameter("Storage pool \(pool.name) is not Up") }
        return pool
    }

    // MARK: live migration

    /// migrateVirtualMachine for a Running instance: to `hostID`, or to a host placement
    /// chooses (the current host avoided). Volumes stay where they are.
    public func migrate(_ vm: VirtualMachine, caller: Caller, to hostID: UUID?) async throws -> VirtualMachine {
        let destination = try await hostID.mapAsync { uuid in try await db.read { sql in try await Lookup.host(sql, uuid).id } }
        return try await liveMigrate(vm, caller: caller, destination: destination, volumeTargets: [:])
    }

    /// migrateVirtualMachineWithVolume: a Running instance moves to a host with each listed
    /// volume moved to its pool; a Stopped one only has its volumes moved.
    public func migrateWithVolumes(_ vm: VirtualMachine, caller: Caller, to hostID: UUID?, volumes map: [(volume: UUID, pool: UUID)]) async throws -> VirtualMachine {
        let targets = try await volumeTargets(vm, map)
        if vm.state == .stopped {
            guard hostID == nil else { throw CloudError.invalidParameter("VM is not Running, unable to migrate the vm \(vm.instanceName) to a host") }
            guard !targets.isEmpty else { throw CloudError.invalidParameter("migrateto must name at least one volume and pool for a Stopped instance") }
            return try await moveStoppedVolumes(vm, caller: caller, targets: targets)
        }
        guard vm.state == .running else { throw CloudError.invalidParameter("VM is not Running or Stopped, unable to migrate the vm \(vm.instanceName)") }
        let destination = try await hostID.mapAsync { uuid in try await db.read { sql in try await Lookup.host(sql, uuid).id } }
        if let destination, destination == vm.hostID, targets.isEmpty {
            throw CloudError.invalidParameter("Cannot migrate VM, destination host is same as current host")
        }
        return try await liveMigrate(vm, caller: caller, destination: destination, volumeTargets: targets)
    }

    /// Resolves `migrateto[N].volume/.pool` to volume id → pool id, checking each pair (the API checks before queueing).
    public func volumeTargets(_ vm: VirtualMachine, _ map: [(volume: UUID, pool: UUID)]) async throws -> [Int64: Int64] {
        var out: [Int64: Int64] = [:]
        for (volumeUUID, poolUUID) in map {
            guard let volume = try await db.read({ sql in try await VolumeRepository.find(sql, uuid: volumeUUID) }), volume.instanceID == vm.id else {
                throw CloudError.invalidParameter("Volume \(volumeUUID.uuidString.lowercased()) is not attached to VM instance \(vm.instanceName)")
            }
            let pool = try await destinationPool(poolUUID, zoneID: vm.zoneID)
            guard volume.state == .ready else { throw CloudError.invalidParameter("Volume \(volume.name) is \(volume.state.rawValue); only Ready volumes can be migrated") }
            if volume.poolID != pool.id { out[volume.id] = pool.id }
        }
        return out
    }

    /// Moves a Running instance to another host: reserve there, Running → Migrating,
    /// PrepareForMigration to the destination, MigrateCommand to the source, then Running on
    /// the destination with the source released. Every failure gives back exactly what was
    /// taken and leaves the instance Running where it was.
    func liveMigrate(_ vm: VirtualMachine, caller: Caller?, destination: Int64?, volumeTargets: [Int64: Int64]) async throws -> VirtualMachine {
        guard vm.state == .running, let source = vm.hostID else {
            throw CloudError.invalidParameter("VM is not Running, unable to migrate the vm \(vm.instanceName)")
        }
        var context = try await startContext(vm, hints: PlacementHints(hostID: destination))
        context.request.lastHostID = nil
        // Volumes that move are placed on their target pool (the planner checks the destination reaches it).
        for (i, v) in context.volumes.enumerated() {
            if let target = volumeTargets[v.id] { context.request.volumes[i].existingPoolID = target }
        }
        let moveSizes = context.volumes.map { volumeTargets[$0.id] != nil ? $0.size : 0 }
        var avoid = AvoidSet(hosts: try await dedications.excludedHosts(accountID: vm.accountID, snapshot: try await placement.snapshot()).union([source]))
        var reserved: Placement?
        for _ in 0..<20 {
            guard let place = try await placement.plan(context.request, avoid: avoid) else { break }
            let request = context.request
            do {
                try await db.transaction { sql in
                    guard try await self.placement.reserve(sql, place, request: request, volumeSizes: moveSizes) else { throw LostRace() }
                    guard try await VirtualMachineRepository.transition(sql, id: vm.id, from: .running, to: .migrating) else {
                        throw CloudError(.resourceInUse, "VM instance \(vm.instanceName) is being changed by another operation; try again", csCode: .concurrentOperation)
                    }
                }
                reserved = place
                break
            } catch is LostRace {}
            try await placement.refreshHost(place.hostID)
            avoid.hosts.insert(place.hostID)
        }
        guard let place = reserved else {
            if let destination {
                throw CloudError(.insufficientCapacity, "Unable to migrate VM instance \(vm.instanceName): host \(destination == source ? "is the current host" : "cannot take it (capacity, state, tags or storage it cannot reach)")",
                                 csCode: .insufficientCapacity)
            }
            throw CloudError(.insufficientCapacity, "Unable to find a suitable host to migrate VM instance \(vm.instanceName) to", csCode: .insufficientCapacity)
        }
        placement.recordHost(place.hostID, cpu: context.request.cpuDemand, memory: context.request.memoryBytes)
        for (i, size) in moveSizes.enumerated() where size > 0 { placement.recordPool(place.poolIDs[i], bytes: size) }

        var failure: String?
        let dest = try await db.read { sql in try await HostRepository.find(sql, id: place.hostID) }
        var prepared = false
        do {
            let to = try await instanceTO(vm, context: context, placement: place, created: moveSizes)
            let answer = try await agents.send(.prepareForMigration(to), to: place.hostID, timeout: Self.migrationTimeout)
            if answer.result {
                prepared = true
                let migrated = try await agents.send(.migrateInstance(MigrateInstanceCommand(name: vm.instanceName, destinationGUID: dest?.guid ?? "",
                                                                                               destinationIP: dest?.privateIP)), to: source, timeout: Self.migrationTimeout)
                if !migrated.result { failure = migrated.details }
            } else {
                failure = answer.details
            }
        } catch let error as CloudError {
            failure = error.message
        }
        if let failure {
            if prepared { _ = try? await agents.send(.stopInstance(StopInstanceCommand(name: vm.instanceName, forced: true)), to: place.hostID) }
            let request = context.request
            try await db.transaction { sql in
                try await AllocationRepository.releaseHost(sql, hostID: place.hostID, cpu: request.cpuDemand, memory: request.memoryBytes)
                for (i, size) in moveSizes.enumerated() where size > 0 {
                    try await AllocationRepository.releasePool(sql, poolID: place.poolIDs[i], bytes: size)
                }
                try await VirtualMachineRepository.transition(sql, id: vm.id, from: .migrating, to: .running)
            }
            placement.recordHost(place.hostID, cpu: -context.request.cpuDemand, memory: -context.request.memoryBytes)
            for (i, size) in moveSizes.enumerated() where size > 0 { placement.recordPool(place.poolIDs[i], bytes: -size) }
            logger.notice("Migration failed", metadata: ["vm": "\(vm.instanceName)", "destination": "\(place.hostID)", "reason": "\(failure)"])
            throw CloudError(.resourceUnavailable, "Failed to migrate VM instance \(vm.instanceName): \(failure)", csCode: .resourceUnavailable)
        }
        let volumes = context.volumes
        try await db.transaction { sql in
            var changes = VirtualMachineChanges()
            changes.hostID = place.hostID; changes.podID = place.podID; changes.clusterID = place.clusterID; changes.lastHostID = place.hostID
            changes.powerState = .on; changes.powerStateUpdated = Date()
            try await VirtualMachineRepository.transition(sql, id: vm.id, from: .migrating, to: .running, changes)
            try await AllocationRepository.releaseHost(sql, hostID: source, cpu: vm.cpuDemand, memory: vm.memoryDemand)
            for (i, v) in volumes.enumerated() where moveSizes[i] > 0 {
                if let old = v.poolID { try await AllocationRepository.releasePool(sql, poolID: old, bytes: v.size) }
                var changes = VolumeChanges()
                changes.poolID = place.poolIDs[i]; changes.lastPoolID = v.poolID; changes.podID = place.podID
                try await VolumeRepository.update(sql, id: v.id, changes)
            }
            try await self.recordMigration(sql, vm, caller: caller, description: "Migrated VM instance \(vm.instanceName) to host \(dest?.name ?? String(place.hostID))")
        }
        placement.recordHost(source, cpu: -vm.cpuDemand, memory: -vm.memoryDemand)
        for (i, v) in volumes.enumerated() where moveSizes[i] > 0 { if let old = v.poolID { placement.recordPool(old, bytes: -v.size) } }
        return try await db.read { sql in try await VirtualMachineRepository.find(sql, id: vm.id) } ?? vm
    }

    func recordMigration(_ sql: any SQLDatabase, _ vm: VirtualMachine, caller: Caller?, description: String) async throws {
        try await events.record(sql, type: EventType.vmMigrate, state: .completed, description: description, userID: caller?.user.id ?? vm.userID,
                                accountID: vm.accountID, domainID: vm.domainID, resource: Self.resource(vm))
    }

    // MARK: storage migration of a Stopped instance

    /// migrateVirtualMachine with `storageid`: every volume of a Stopped instance moves to the pool.
    public func migrateStorage(_ vm: VirtualMachine, caller: Caller, to poolUUID: UUID) async throws -> VirtualMachine {
        guard vm.state == .stopped else {
            throw CloudError.invalidParameter("VM is not Stopped, unable to migrate the vm having the specified id \(vm.uuid.uuidString.lowercased()) to a storage pool")
        }
        let pool = try await destinationPool(poolUUID, zoneID: vm.zoneID)
        let volumes = try await db.read { sql in try await VolumeRepository.of(sql, instanceID: vm.id) }
        var targets: [Int64: Int64] = [:]
        for v in volumes where v.poolID != nil && v.poolID != pool.id {
            guard v.state == .ready else { throw CloudError.invalidParameter("Volume \(v.name) is \(v.state.rawValue); only Ready volumes can be migrated") }
            targets[v.id] = pool.id
        }
        guard !targets.isEmpty else {
            throw CloudError.invalidParameter("VM instance \(vm.instanceName) has no volume to move: they are on \(pool.name) already or not created yet")
        }
        return try await moveStoppedVolumes(vm, caller: caller, targets: targets)
    }

    /// Moves volumes of a Stopped instance between pools in one transaction: the target pools
    /// are reserved (or nothing changes), the old ones released. The Simulator keeps no volume
    /// data, so no copy command is sent yet (KVM will need one).
    func moveStoppedVolumes(_ vm: VirtualMachine, caller: Caller, targets: [Int64: Int64]) async throws -> VirtualMachine {
        let snapshot = try await placement.snapshot()
        let volumes = try await db.read { sql in try await VolumeRepository.of(sql, instanceID: vm.id) }.filter { targets[$0.id] != nil }
        try await db.transaction { sql in
            guard try await VirtualMachineRepository.transition(sql, id: vm.id, from: .stopped, to: .stopped) else {
                throw CloudError(.resourceInUse, "VM instance \(vm.instanceName) is being changed by another operation; try again", csCode: .concurrentOperation)
            }
            for v in volumes {
                let target = targets[v.id]!
                guard let limit = snapshot.pool(target)?.allocationLimit,
                      try await AllocationRepository.reservePool(sql, poolID: target, bytes: v.size, limit: limit) else {
                    throw CloudError(.insufficientCapacity, "Storage pool cannot take volume \(v.name) (\(v.size) bytes): not enough capacity", csCode: .insufficientCapacity)
                }
                if let old = v.poolID { try await AllocationRepository.releasePool(sql, poolID: old, bytes: v.size) }
                var changes = VolumeChanges()
                changes.poolID = target; changes.lastPoolID = v.poolID
                guard try await VolumeRepository.transition(sql, id: v.id, from: .ready, to: .ready, changes) else {
                    throw CloudError(.resourceInUse, "Volume \(v.name) is being changed by another operation; try again", csCode: .concurrentOperation)
                }
            }
            try await self.recordMigration(sql, vm, caller: caller, description: "Migrated the volumes of VM instance \(vm.instanceName)")
        }
        for v in volumes {
            placement.recordPool(targets[v.id]!, bytes: v.size)
            if let old = v.poolID { placement.recordPool(old, bytes: -v.size) }
        }
        return try await db.read { sql in try await VirtualMachineRepository.find(sql, id: vm.id) } ?? vm
    }

    // MARK: listings

    /// findHostsForMigration: the other Routing hosts of the instance's zone and hypervisor,
    /// each with whether it can take the instance and whether its storage would have to move.
    public func hostsForMigration(caller: Caller, vmUUID: UUID, keyword: String?) async throws -> [MigrationHostView] {
        let vm = try await instance(caller: caller, uuid: vmUUID)
        guard vm.state == .running, let current = vm.hostID else {
            throw CloudError.invalidParameter("VM is not Running, cannot migrate the vm \(vm.instanceName)")
        }
        let context = try await startContext(vm, hints: PlacementHints())
        let snapshot = try await placement.snapshot()
        let items = try await db.read { sql in
            try await HostRepository.list(sql, HostRepository.Filter(type: .routing, zoneID: vm.zoneID, hypervisorType: vm.hypervisorType, keyword: keyword)).items
        }
        var fresh = context.request
        fresh.lastHostID = nil
        fresh.volumes = fresh.volumes.map { var d = $0; d.existingPoolID = nil; return d }
        var direct = context.request
        direct.lastHostID = nil
        let avoid = AvoidSet(hosts: try await dedications.excludedHosts(accountID: vm.accountID, snapshot: snapshot).union([current]))
        return items.filter { $0.host.id != current }.map { item in
            let h = snapshot.host(item.host.id)
            var here = direct; here.hostID = item.host.id
            var moved = fresh; moved.hostID = item.host.id
            let reachable = context.request.volumes.allSatisfy { d in
                guard let poolID = d.existingPoolID, let pool = snapshot.pool(poolID), let h else { return d.existingPoolID == nil }
                if let owner = pool.hostID { return owner == h.id }
                if let cluster = pool.clusterID { return cluster == h.clusterID }
                return pool.zoneID == h.zoneID
            }
            let suitable = snapshot.plan(here, avoid: avoid) != nil || (!reachable && snapshot.plan(moved, avoid: avoid) != nil)
            return MigrationHostView(item: item, suitable: suitable, requiresStorageMotion: !reachable, hasEnoughCapacity: h?.fits(context.request) ?? false,
                                     cpuAllocated: h?.cpuAllocated ?? 0, cpuTotal: h?.cpuTotal ?? 0, memoryAllocated: h?.memoryAllocated ?? 0,
                                     memoryTotal: h?.memoryTotal ?? 0)
        }
    }

    /// findStoragePoolsForMigration: the other pools of the volume's zone, each with whether
    /// it can take the volume (Up, tags, capacity, and reachable from the instance's host
    /// when the instance runs).
    public func poolsForMigration(caller: Caller, volumeUUID: UUID, keyword: String?) async throws -> [MigrationPoolView] {
        guard let volume = try await db.read({ sql in try await VolumeRepository.find(sql, uuid: volumeUUID) }) else {
            throw CloudError.invalidParameter("Unable to find volume by id \(volumeUUID.uuidString.lowercased())")
        }
        try await db.read { sql in
            try await Ownership.checkAccess(sql, caller: caller, accountID: volume.accountID, domainID: volume.domainID, resource: "volume \(volume.name)")
        }
        let vm = try await volume.instanceID.mapAsync { id in try await db.read { sql in try await VirtualMachineRepository.find(sql, id: id) } } ?? nil
        let snapshot = try await placement.snapshot()
        let factor = (try? await config.double(Settings.storageOverprovisioning)).map { String($0) } ?? "2.0"
        let tags: Set<String> = try await db.read { sql in
            guard let id = volume.diskOfferingID, let offering = try await DiskOfferingRepository.find(sql, ids: [id])[id] else { return [] }
            return Set((offering.tags ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        let host = vm.flatMap { $0.state == .running ? $0.hostID : nil }.flatMap { snapshot.host($0) }
        return try await db.read { sql in
            var out: [MigrationPoolView] = []
            for pool in try await StoragePoolRepository.list(sql, StoragePoolRepository.Filter(zoneID: volume.zoneID)).items where pool.id != volume.poolID {
                if let keyword, !keyword.isEmpty, !pool.name.localizedCaseInsensitiveContains(keyword) { continue }
                let p = snapshot.pool(pool.id)
                var suitable = (p?.isAvailable ?? false) && tags.isSubset(of: p?.tags ?? []) && (p.map { $0.allocated + volume.size <= $0.allocationLimit } ?? false)
                if let host, let p {
                    if let owner = p.hostID { suitable = suitable && owner == host.id } else if let cluster = p.clusterID { suitable = suitable && cluster == host.clusterID }
                }
                var view = StoragePoolView(pool: pool, zone: try await ZoneRepository.find(sql, id: pool.zoneID),
                                           pod: try await pool.podID.mapAsync { try await PodRepository.find(sql, id: $0) } ?? nil,
                                           cluster: try await pool.clusterID.mapAsync { try await ClusterRepository.find(sql, id: $0) } ?? nil,
                                           allocatedBytes: p?.allocated ?? 0, overprovisionFactor: pool.type.isShared ? factor : "1.0")
                view.allocatedBytes = p?.allocated ?? 0
                out.append(MigrationPoolView(view: view, suitable: suitable))
            }
            return out
        }
    }

    // MARK: host maintenance

    /// The maintenance hook: moves every Running instance off `host` (live migration to a
    /// host placement chooses). Returns true when no instance holds the host any more; false
    /// (the host goes to ErrorInMaintenance) when one could not move, with an alert naming it.
    public func evacuate(_ host: CirrusModel.Host) async throws -> Bool {
        let resident = try await db.read { sql in try await VirtualMachineRepository.onHost(sql, hostID: host.id) }
        var stuck: [String] = []
        for vm in resident {
            switch vm.state {
            case .running:
                do { _ = try await liveMigrate(vm, caller: nil, destination: nil, volumeTargets: [:]) } catch let error as CloudError {
                    stuck.append("\(vm.instanceName): \(error.message)")
                }
            case .stopped, .destroyed, .error, .expunging, .shutdown, .unknown:
                continue
            case .starting, .stopping, .migrating:
                stuck.append("\(vm.instanceName) is \(vm.state.rawValue)")
            }
        }
        guard stuck.isEmpty else {
            try await alerts.raise(type: AlertType.host, subject: "Host \(host.name) cannot enter maintenance: \(stuck.count) instance(s) could not be migrated",
                                   content: stuck.joined(separator: "; "), zoneID: host.zoneID, podID: host.podID, clusterID: host.clusterID)
            logger.warning("Host maintenance incomplete", metadata: ["host": "\(host.name)", "stuck": "\(stuck)"])
            return false
        }
        return true
    }
}
