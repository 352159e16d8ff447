import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import SQLKit

/// `copySnapshot` (4.19): a BackedUp snapshot gets a copy on the image store of other
/// zones, one `snapshot_store_refs` row per zone, so that `listSnapshots` shows it in each
/// zone and `createVolume`/`createTemplate` can use it there. `deleteSnapshot` with `zoneid`
/// removes one zone's copy again (``SnapshotService/delete(_:zoneID:)``).
///
/// The copies share the snapshot's one `snapshot` and `secondary_storage` count, as copies
/// made by `createSnapshot` with `zoneids` do.
extension SnapshotService {
    /// Checks a copy before its job is queued and returns the snapshot, its source zone and
    /// the zones that still lack a copy (zones that already hold one are skipped, as
    /// CloudStack does).
    public func checkCopy(caller: Caller, id: UUID, sourceZoneID: UUID?, destinationZoneIDs: [UUID]) async throws -> (Snapshot, Zone, [Zone]) {
        guard !destinationZoneIDs.isEmpty else { throw CloudError.invalidParameter("Please specify valid destination zone(s): give destzoneid or destzoneids") }
        let s = try await snapshot(caller: caller, uuid: id)
        let sid = s.uuid.uuidString.lowercased()
        guard s.state == .backedUp else { throw CloudError.invalidParameter("Snapshot \(sid) is not in \(SnapshotState.backedUp.rawValue) state; it is \(s.state.rawValue)") }
        return try await db.read { sql in
            let refs = try await SnapshotRepository.refs(sql, snapshotID: s.id)
            let source: Zone
            if let sourceZoneID { source = try await Lookup.zone(sql, sourceZoneID) } else {
                guard let z = try await ZoneRepository.find(sql, id: s.zoneID) else { throw CloudError.internalError("The zone of snapshot \(s.name) is missing") }
                source = z
            }
            guard refs.contains(where: { $0.zoneID == source.id && $0.state == "Ready" }) else {
                throw CloudError.invalidParameter("Snapshot \(sid) is not available in the source zone \(source.name)")
            }
            var destinations: [Zone] = []
            for d in destinationZoneIDs {
                let zone = try await Lookup.zone(sql, d)
                guard zone.id != source.id else { throw CloudError.invalidParameter("Please specify different source and destination zones.") }
                guard zone.allocationState != .disabled else {
                    throw CloudError.invalidParameter("Cannot copy snapshot \(sid) to zone \(zone.name): the zone is disabled")
                }
                guard try await self.imageStore(sql, zoneID: zone.id) != nil else {
                    throw CloudError.invalidParameter("There is no image store in zone \(zone.name) to copy snapshot \(sid) to")
                }
                if refs.contains(where: { $0.zoneID == zone.id }) || destinations.contains(where: { $0.id == zone.id }) { continue }
                destinations.append(zone)
            }
            return (s, source, destinations)
        }
    }

    /// Copies a snapshot's backup from its source zone to each destination zone: a connected
    /// host of the source zone copies the file between the image stores (CopyCommand) while
    /// the snapshot is Copying, and each zone that received it gets its store entry. The
    /// snapshot is BackedUp again afterwards whatever happened; zones whose copy failed are
    /// named in the error.
    public func copy(caller: Caller, id: UUID, sourceZoneID: UUID?, destinationZoneIDs: [UUID]) async throws -> Snapshot {
        let (s, source, destinations) = try await checkCopy(caller: caller, id: id, sourceZoneID: sourceZoneID, destinationZoneIDs: destinationZoneIDs)
        guard !destinations.isEmpty else { return s }
        guard let copying = SnapshotStateMachine.next(s.state, on: .copyingRequested),
              try await db.transaction({ try await SnapshotRepository.transition($0, id: s.id, from: s.state, to: copying) }) else {
            throw Self.busy("Snapshot \(s.name)")
        }
        var failures: [String] = []
        do {
            let (from, volume, sourceHosts) = try await db.read { sql -> (SnapshotStoreRef?, Volume?, [Int64]) in
                let ref = try await SnapshotRepository.refs(sql, snapshotID: s.id).first { $0.zoneID == source.id && $0.state == "Ready" }
                let hosts = try await HostRepository.list(sql, HostRepository.Filter(status: .up, zoneID: source.id)).items.map(\.host.id)
                return (ref, try await VolumeRepository.find(sql, id: s.volumeID), hosts)
            }
            var host: Int64?
            if let volume, volume.zoneID == source.id { host = try await self.host(for: volume) }
            if host == nil { host = sourceHosts.first { agents.isConnected(hostID: $0) } }
            let wait = try await config.int(Settings.backupSnapshotWait)
            let path = from?.installPath ?? Self.installPath(s)
            for zone in destinations {
                let (fromStore, toStore) = try await db.read { sql in
                    (try await from?.storeID.asyncMap { try await ImageStoreRepository.find(sql, id: $0) } ?? nil, try await self.imageStore(sql, zoneID: zone.id))
                }
                guard let toStore else { failures.append("\(zone.name): no image store"); continue }
                let uuid = s.uuid.uuidString.lowercased()
                let command = CopyCommand(
                    source: DataObjectTO(kind: .snapshot, store: .image, uuid: uuid, storeUUID: fromStore?.uuid.uuidString.lowercased() ?? "", path: path, sizeBytes: s.physicalSize),
                    destination: DataObjectTO(kind: .snapshot, store: .image, uuid: uuid, storeUUID: toStore.uuid.uuidString.lowercased(), path: path, sizeBytes: s.physicalSize),
                    wait: wait)
                var answer = Answer.failure("No host of zone \(source.name) is connected to copy the snapshot")
                if let host {
                    do {
                        answer = try await agents.send(.copy(command), to: host, timeout: .seconds(wait))
                    } catch let error as CloudError {
                        answer = .failure(error.message)
                    }
                }
                guard answer.result else { failures.append("\(zone.name): \(answer.details)"); continue }
                try await db.transaction { sql in
                    _ = try await SnapshotRepository.insertRef(sql, SnapshotStoreRef(snapshotID: s.id, zoneID: zone.id, storeID: toStore.id, state: "Ready",
                                                                                     installPath: path, size: s.physicalSize, created: Date()))
                }
            }
        } catch {
            try await finishCopy(s)
            throw error
        }
        try await finishCopy(s)
        if !failures.isEmpty {
            throw CloudError(.resourceUnavailable, "Failed to copy snapshot \(s.name) to \(failures.joined(separator: "; "))", csCode: .cloudRuntime)
        }
        return s
    }

    /// Copying → BackedUp.
    func finishCopy(_ s: Snapshot) async throws {
        try await db.transaction { sql in
            try await SnapshotRepository.transition(sql, id: s.id, from: .copying, to: SnapshotStateMachine.next(.copying, on: .operationSucceeded) ?? .backedUp)
        }
    }
}
