import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import SQLKit

/// `createVolume` with `snapshotid`: a data disk made from a volume snapshot's backup.
///
/// The synchronous half checks everything and writes the volume (Allocated) with its
/// `volume` and `primary_storage` counts in one transaction; the job then creates it on a
/// primary pool of the zone with a CopyCommand from the snapshot's backup (the same pool
/// choice as ``createOnPool(_:reachableFrom:command:)``), and the volume is Ready. When no
/// host can, the volume is removed and its counts given back.
extension VolumeService {
    /// A BackedUp snapshot the caller may use, by UUID.
    func usableSnapshot(_ sql: any SQLDatabase, caller: Caller, uuid: UUID) async throws -> Snapshot {
        guard let s = try await SnapshotRepository.find(sql, uuid: uuid) else {
            throw CloudError.invalidParameter("Unable to find snapshot with id \(uuid.uuidString.lowercased())")
        }
        try await Ownership.checkAccess(sql, caller: caller, accountID: s.accountID, domainID: s.domainID, resource: "snapshot \(s.name)")
        guard s.state == .backedUp else {
            throw CloudError.invalidParameter("Snapshot id=\(uuid.uuidString.lowercased()) is not in \(SnapshotState.backedUp.rawValue) state yet and can't be used for volume creation")
        }
        return s
    }

    /// Checks a `createVolume` from a snapshot and writes the volume (Allocated, the
    /// snapshot's size) with its counts, its VOLUME.CREATE event and, with `instanceID`, the
    /// attach checks, in one transaction. `r.zoneID` may name any zone holding a copy of the
    /// snapshot (default: the snapshot's own zone); `r.diskOfferingID` defaults to the
    /// offering of the snapshot's volume; `r.size` may not be given.
    public func allocateFromSnapshot(caller: Caller, _ r: CreateVolumeRequest, snapshotID: UUID) async throws -> Volume {
        if r.size != nil {
            throw CloudError.invalidParameter("The size of a volume created from a snapshot is the snapshot's size; do not give size with snapshotid")
        }
        return try await db.transaction { sql in
            let owner = try await IdentityService.owner(sql, caller: caller, accountName: r.accountName, domainID: r.domainID)
            guard owner.state == .enabled || caller.isRootAdmin else {
                throw CloudError.permissionDenied("The owner of the volume is disabled: account \(owner.name)")
            }
            let snapshot = try await self.usableSnapshot(sql, caller: caller, uuid: snapshotID)
            let refs = try await SnapshotRepository.refs(sql, snapshotID: snapshot.id)
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
            } else if let vm, refs.contains(where: { $0.zoneID == vm.zoneID }), let z = try await ZoneRepository.find(sql, id: vm.zoneID) {
                zone = z
            } else if let z = try await ZoneRepository.find(sql, id: refs.contains(where: { $0.zoneID == snapshot.zoneID }) ? snapshot.zoneID : refs.first?.zoneID ?? snapshot.zoneID) {
                // The snapshot's own zone, or the first zone still holding a copy.
                zone = z
            } else {
                throw CloudError.internalError("The zone of snapshot \(snapshot.name) is missing")
            }
            guard refs.contains(where: { $0.zoneID == zone.id && $0.state == "Ready" }) else {
                throw CloudError.invalidParameter("Snapshot \(snapshot.uuid.uuidString.lowercased()) has no copy in zone \(zone.name); copy it there with copySnapshot first")
            }
            if let vm, vm.zoneID != zone.id { throw CloudError.invalidParameter("Please specify a VM that is in the same zone as the volume.") }
            if zone.allocationState == .disabled && !caller.isRootAdmin {
                throw CloudError.permissionDenied("Cannot perform this operation, Zone is currently disabled: \(zone.uuid.uuidString.lowercased())")
            }
            var offering: DiskOffering?
            if let id = r.diskOfferingID {
                let given = try await self.diskOffering(sql, uuid: id)
                if !given.isCustomized && given.diskSizeGB > 0 && (given.diskSizeGB << 30) < snapshot.size {
                    throw CloudError.invalidParameter("Disk offering \(given.name) (\(given.diskSizeGB) GB) is smaller than snapshot \(snapshot.name) (\(snapshot.size >> 30) GB)")
                }
                offering = given
            } else if let id = snapshot.diskOfferingID {
                offering = try await DiskOfferingRepository.find(sql, id: id)
            }
            if let lo = r.minIOPS, let hi = r.maxIOPS, lo > hi {
                throw CloudError.invalidParameter("The min IOPS must be less than or equal to the max IOPS")
            }
            let name = r.name.flatMap { $0.isEmpty ? nil : $0 } ?? UUID().uuidString.lowercased()
            guard name.count <= 255 else { throw CloudError.invalidParameter("The volume name may have at most 255 characters") }
            if let vm { _ = try await self.checkAttach(sql, volume: nil, vm: vm, deviceID: nil) }

            let customIOPS = offering?.isCustomizedIOPS ?? false
            let v = try await VolumeRepository.insert(sql, Volume(name: name, type: .dataDisk, accountID: owner.id, domainID: owner.domainID, zoneID: zone.id,
                                                                   diskOfferingID: offering?.id, size: snapshot.size,
                                                                   minIOPS: customIOPS ? r.minIOPS : offering?.minIOPS,
                                                                   maxIOPS: customIOPS ? r.maxIOPS : offering?.maxIOPS,
                                                                   provisioningType: offering?.provisioningType ?? .thin, displayVolume: r.displayVolume ?? true,
                                                                   hypervisorType: snapshot.hypervisorType, created: Date()))
            try await self.limits.reserve(sql, accountID: owner.id, ResourceLimitService.volumeDeltas(sizeBytes: snapshot.size))
            try await self.events.record(sql, type: EventType.volumeCreate, state: .created,
                                         description: "Created volume \(v.name) from snapshot \(snapshot.name)",
                                         userID: caller.user.id, accountID: v.accountID, domainID: v.domainID, resource: Self.resource(v))
            return v
        }
    }

    /// Connected Up hosts that may create `v`: the instance's host (or last host) first when
    /// `instanceID` is given, then every other Up host of the volume's zone.
    func hostsForCreation(_ v: Volume, instanceID: UUID?) async throws -> [Int64] {
        let candidates: [Int64] = try await db.read { sql in
            var out: [Int64] = []
            if let instanceID, let vm = try await VirtualMachineRepository.find(sql, uuid: instanceID) {
                if let h = vm.hostID { out.append(h) }
                if let h = vm.lastHostID { out.append(h) }
            }
            for item in try await HostRepository.list(sql, HostRepository.Filter(status: .up, zoneID: v.zoneID)).items where !out.contains(item.host.id) {
                out.append(item.host.id)
            }
            return out
        }
        return candidates.filter { agents.isConnected(hostID: $0) }
    }

    /// The job half of a `createVolume` from a snapshot: copies the snapshot's backup in the
    /// volume's zone onto a primary pool, trying each connected host of the zone until one
    /// finds a pool, and records the VOLUME.CREATE usage event once the volume is Ready. On
    /// failure the volume is removed and its counts given back, and the error is rethrown.
    public func createFromSnapshot(_ v: Volume, snapshotID: UUID, instanceID: UUID?) async throws -> Volume {
        do {
            let source: DataObjectTO = try await db.read { sql in
                guard let s = try await SnapshotRepository.find(sql, uuid: snapshotID), s.state == .backedUp else {
                    throw CloudError.invalidParameter("Snapshot id=\(snapshotID.uuidString.lowercased()) is not in \(SnapshotState.backedUp.rawValue) state yet and can't be used for volume creation")
                }
                guard let ref = try await SnapshotRepository.refs(sql, snapshotID: s.id).first(where: { $0.zoneID == v.zoneID && $0.state == "Ready" }) else {
                    throw CloudError.invalidParameter("Snapshot \(s.name) no longer has a copy in the zone of volume \(v.name)")
                }
                let store = try await ref.storeID.asyncMap { try await ImageStoreRepository.find(sql, id: $0) } ?? nil
                return DataObjectTO(kind: .snapshot, store: .image, uuid: s.uuid.uuidString.lowercased(), storeUUID: store?.uuid.uuidString.lowercased() ?? "",
                                    path: ref.installPath ?? "", sizeBytes: s.size)
            }
            let wait = try await config.int(Settings.createVolumeFromSnapshotWait)
            let command: @Sendable (VolumeTO) -> AgentCommand = { to in
                .copy(CopyCommand(source: source, destination: DataObjectTO(kind: .volume, store: .primary, uuid: to.volumeUUID, storeUUID: to.poolUUID,
                                                                            path: to.path, sizeBytes: to.sizeBytes), wait: wait))
            }
            var created: Volume?
            var lastError: (any Error)?
            for host in try await hostsForCreation(v, instanceID: instanceID) {
                do {
                    created = try await createOnPool(v, reachableFrom: host, command: command)
                    break
                } catch let error as CloudError where error.code == .insufficientCapacity {
                    lastError = error
                }
            }
            guard let ready = created else {
                throw lastError ?? CloudError(.resourceUnavailable, "No host of the zone of volume \(v.name) is connected to create it from the snapshot",
                                              csCode: .resourceUnavailable)
            }
            try await db.transaction { sql in try await self.recordUsage(sql, UsageEventType.volumeCreate, ready) }
            return ready
        } catch {
            try await db.transaction { sql in
                guard let current = try await VolumeRepository.find(sql, id: v.id) else { return }
                if let pool = current.poolID, current.state != .allocated {
                    try await AllocationRepository.releasePool(sql, poolID: pool, bytes: current.size)
                }
                try await VolumeRepository.markRemoved(sql, id: v.id, at: Date())
                try await self.limits.release(sql, accountID: v.accountID, ResourceLimitService.volumeDeltas(sizeBytes: v.size))
            }
            throw error
        }
    }
}
