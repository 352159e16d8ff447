import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import SQLKit

/// What `createTemplate` asks for: a private template made from a volume snapshot or from a
/// volume whose instance is Stopped (exactly one of `snapshotID` and `volumeID`).
public struct PrivateTemplateRequest: Sendable {
    public var name: String
    public var displayText: String?
    public var osTypeID: UUID
    public var snapshotID: UUID?
    public var volumeID: UUID?
    /// The zone to create it in, for a snapshot with copies in several zones.
    public var zoneID: UUID?
    public var isPublic = false
    public var isFeatured = false
    public var isExtractable = false
    public var passwordEnabled = false
    public var sshKeyEnabled = false
    public var requiresHVM = true
    public var isDynamicallyScalable = false
    public var bits = 64
    public var templateTag: String?

    public init(name: String, displayText: String?, osTypeID: UUID, snapshotID: UUID?, volumeID: UUID?) {
        self.name = name; self.displayText = displayText; self.osTypeID = osTypeID; self.snapshotID = snapshotID; self.volumeID = volumeID
    }
}

/// Where a private template's content comes from, resolved.
struct PrivateTemplateSource: Sendable {
    var snapshot: Snapshot?
    var volume: Volume?
    var zone: Zone
    var size: Int64
    var hypervisor: HypervisorType?
    /// The template the source volume (or the snapshot's volume) was made from.
    var sourceTemplateID: Int64?
}

extension TemplateService {
    /// The live template (or ISO) with `uuid`, without access checks (for the job that made it).
    public func liveTemplate(uuid: UUID) async throws -> Template? {
        try await db.read { sql in try await TemplateRepository.find(sql, uuid: uuid) }
    }

    /// Checks the source of a private template: exactly one of a BackedUp snapshot (with a
    /// copy in the zone) and a Ready ROOT or DATADISK volume that is detached or whose
    /// instance is Stopped, both usable by the caller.
    func privateSource(_ sql: any SQLDatabase, caller: Caller, snapshotID: UUID?, volumeID: UUID?, zoneID: UUID?) async throws -> PrivateTemplateSource {
        switch (snapshotID, volumeID) {
        case (nil, nil):
            throw CloudError.invalidParameter("Failed to create private template record, need to specify snapshotId or volumeId")
        case (let s?, let v?):
            throw CloudError.invalidParameter("Failed to create private template record, please specify only one of volume ID (\(v.uuidString.lowercased())) and snapshot ID (\(s.uuidString.lowercased()))")
        case (let sid?, nil):
            guard let s = try await SnapshotRepository.find(sql, uuid: sid) else {
                throw CloudError.invalidParameter("Unable to find snapshot with id \(sid.uuidString.lowercased())")
            }
            try await Ownership.checkAccess(sql, caller: caller, accountID: s.accountID, domainID: s.domainID, resource: "snapshot \(s.name)")
            guard s.state == .backedUp else {
                throw CloudError.invalidParameter("Snapshot id=\(sid.uuidString.lowercased()) is not in \(SnapshotState.backedUp.rawValue) state yet and can't be used for template creation")
            }
            let refs = try await SnapshotRepository.refs(sql, snapshotID: s.id)
            var found: Zone?
            if let zoneID { found = try await Lookup.zone(sql, zoneID) } else {
                // The snapshot's own zone, or the first zone still holding a copy.
                found = try await ZoneRepository.find(sql, id: refs.contains(where: { $0.zoneID == s.zoneID }) ? s.zoneID : refs.first?.zoneID ?? s.zoneID)
            }
            guard let zone = found else { throw CloudError.internalError("The zone of snapshot \(s.name) is missing") }
            guard refs.contains(where: { $0.zoneID == zone.id && $0.state == "Ready" }) else {
                throw CloudError.invalidParameter("Snapshot \(sid.uuidString.lowercased()) has no copy in zone \(zone.name)")
            }
            let origin = try await VolumeRepository.find(sql, id: s.volumeID)?.templateID
            return PrivateTemplateSource(snapshot: s, volume: nil, zone: zone, size: s.size, hypervisor: s.hypervisorType, sourceTemplateID: origin)
        case (nil, let vid?):
            guard let v = try await VolumeRepository.find(sql, uuid: vid) else {
                throw CloudError.invalidParameter("Unable to find volume with ID: \(vid.uuidString.lowercased())")
            }
            try await Ownership.checkAccess(sql, caller: caller, accountID: v.accountID, domainID: v.domainID, resource: "volume \(v.name)")
            guard v.type == .root || v.type == .dataDisk else {
                throw CloudError.invalidParameter("Volume \(v.name) is a \(v.type.rawValue) volume; a template is made from a ROOT or DATADISK volume")
            }
            guard v.state == .ready, v.poolID != nil else {
                throw CloudError.invalidParameter("VolumeId: \(vid.uuidString.lowercased()) is not in \(VolumeState.ready.rawValue) state but \(v.state.rawValue). Cannot create a template from it.")
            }
            var hypervisor = v.hypervisorType
            if let iid = v.instanceID, let vm = try await VirtualMachineRepository.find(sql, id: iid) {
                guard vm.state == .stopped else {
                    throw CloudError.invalidParameter("Unable to create private template for volume: \(v.name); volume is attached to a non-stopped VM, please stop the VM first")
                }
                hypervisor = hypervisor ?? vm.hypervisorType
            }
            guard let zone = try await ZoneRepository.find(sql, id: v.zoneID) else { throw CloudError.internalError("The zone of volume \(v.name) is missing") }
            if let zoneID, zoneID != zone.uuid {
                throw CloudError.invalidParameter("A template made from volume \(v.name) is created in the volume's zone; leave zoneid out")
            }
            return PrivateTemplateSource(snapshot: nil, volume: v, zone: zone, size: v.size, hypervisor: hypervisor, sourceTemplateID: v.templateID)
        }
    }

    /// The synchronous half of `createTemplate`: checks the request and its source, then writes
    /// the template (owned by the caller's account, private unless `isPublic`) with one copy on
    /// an image store of the source's zone (CREATING), and takes the `template` count as
    /// registration does, in one transaction.
    public func allocatePrivate(caller: Caller, _ r: PrivateTemplateRequest) async throws -> Template {
        let name = r.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw CloudError.invalidParameter("The template name cannot be empty") }
        guard name.count <= 255 else { throw CloudError.invalidParameter("The template name may have at most 255 characters") }
        guard r.bits == 32 || r.bits == 64 else { throw CloudError.invalidParameter("Invalid bits \(r.bits): 32 or 64") }
        let now = Date()
        return try await db.transaction { sql in
            let source = try await self.privateSource(sql, caller: caller, snapshotID: r.snapshotID, volumeID: r.volumeID, zoneID: r.zoneID)
            let osType = try await self.osType(sql, r.osTypeID)
            guard let store = try await ImageStoreRepository.list(sql, zoneID: source.zone.id).first(where: { !$0.readOnly }) else {
                throw CloudError.invalidParameter("There is no image store in zone \(source.zone.name) to keep the template; add one with addImageStore")
            }
            let uuid = UUID()
            let template = try await TemplateRepository.insert(sql, Template(
                id: 0, uuid: uuid, name: name, displayText: r.displayText.flatMap { $0.isEmpty ? nil : $0 } ?? name, format: .qcow2, type: .user,
                hypervisor: (source.hypervisor ?? .simulator).rawValue, osTypeID: osType.id, accountID: caller.account.id, domainID: caller.account.domainID,
                url: nil, checksum: nil, isPublic: r.isPublic, isFeatured: r.isFeatured && caller.isAdmin, isExtractable: r.isExtractable,
                passwordEnabled: r.passwordEnabled, sshKeyEnabled: r.sshKeyEnabled, requiresHVM: r.requiresHVM, bootable: true, crossZones: false,
                isDynamicallyScalable: r.isDynamicallyScalable, bits: r.bits, templateTag: r.templateTag, sourceTemplateID: source.sourceTemplateID,
                created: now))
            try await TemplateAccounting.registered(sql, config: self.config, template)
            // CloudStack refuses up front when the file would exceed `secondary_storage`; the
            // bytes themselves are counted when the copy is done, as for a download, so the
            // check takes them and gives them back at once.
            if TemplateAccounting.counts(template) {
                let limiter = ResourceLimiter(config: self.config)
                try await limiter.reserve(sql, accountID: template.accountID, [.secondaryStorage: source.size])
                try await limiter.release(sql, accountID: template.accountID, [.secondaryStorage: source.size])
            }
            _ = try await TemplateRepository.insertRef(sql, TemplateStoreRef(
                id: 0, templateID: template.id, storeID: store.id, zoneID: source.zone.id, state: .creating, size: source.size,
                installPath: TemplateFiles.installPath(accountID: template.accountID, templateID: template.id, uuid: uuid, format: .qcow2),
                ownerServer: self.downloader.serverID, updated: now, created: now))
            return template
        }
    }

    /// The job half of `createTemplate`: a host of the zone copies the snapshot's backup (or
    /// the volume from its pool) into the template's file on the image store with a
    /// CopyCommand; the copy becomes DOWNLOADED, its bytes count against `secondary_storage`
    /// and a TEMPLATE.CREATE usage event is recorded, as for a downloaded template. When the
    /// host fails, the template is removed and its `template` count given back.
    ///
    /// `snapshots` lends its host choice (the host of the volume's instance, or one reaching
    /// its pool) and its agent link.
    public func createPrivate(_ t: Template, caller: Caller, snapshotID: UUID?, volumeID: UUID?, zoneID: UUID?, snapshots: SnapshotService) async throws -> [TemplateView] {
        do {
            let (source, ref, store) = try await db.read { sql -> (PrivateTemplateSource, TemplateStoreRef, ImageStore?) in
                let source = try await self.privateSource(sql, caller: caller, snapshotID: snapshotID, volumeID: volumeID, zoneID: zoneID)
                guard let ref = try await TemplateRepository.refs(sql, templateIDs: [t.id])[t.id]?.first(where: { $0.state == .creating }) else {
                    throw CloudError.invalidParameter("Template \(t.name) is not being created")
                }
                return (source, ref, try await ImageStoreRepository.find(sql, id: ref.storeID))
            }
            let (command, host) = try await copyCommand(t, source: source, ref: ref, store: store, snapshots: snapshots)
            var answer = Answer.failure("No host of zone \(source.zone.name) that can reach the \(source.snapshot == nil ? "volume's storage" : "snapshot") is connected")
            if let host {
                do {
                    answer = try await snapshots.agents.send(.copy(command), to: host, timeout: .seconds(command.wait))
                } catch let error as CloudError {
                    answer = .failure(error.message)
                }
            }
            guard answer.result else {
                throw CloudError(.resourceUnavailable, "Failed to create template \(t.name): \(answer.details)", csCode: .cloudRuntime)
            }
            try await db.transaction { sql in
                try await TemplateRepository.setState(sql, id: ref.id, state: .downloaded, percent: 100, size: source.size, physicalSize: source.size,
                                                      installPath: ref.installPath, error: nil, at: Date())
                try await TemplateAccounting.downloaded(sql, t, zoneID: source.zone.id, physicalSize: source.size, virtualSize: source.size)
                let from = source.snapshot.map { "snapshot \($0.name)" } ?? "volume \(source.volume?.name ?? "")"
                try await self.record(sql, caller, EventType.templateCreate, "Template \(t.name) created from \(from)", t)
            }
            return try await views(of: t, zoneID: source.zone.id)
        } catch {
            try await db.transaction { sql in
                guard try await TemplateRepository.find(sql, id: t.id) != nil else { return }
                for ref in try await TemplateRepository.refs(sql, templateIDs: [t.id])[t.id] ?? [] { try await TemplateRepository.deleteRef(sql, id: ref.id) }
                try await TemplateRepository.markRemoved(sql, id: t.id, at: Date())
                try await TemplateAccounting.deleted(sql, t, copies: [], whole: true)
            }
            throw error
        }
    }

    /// Removes private templates whose creation stopped with no job left to finish it (the
    /// server running the job stopped during the copy): their CREATING copy is older than
    /// `age` seconds and no queued or running job names the template. Their `template` count
    /// is given back. Returns how many were removed. Meant for a periodic sweep on any server.
    @discardableResult
    public func recoverStrandedPrivateTemplates(age: TimeInterval = 300, now: Date = Date()) async throws -> Int {
        let candidates = try await db.read { sql in try await TemplateRepository.creating(sql, before: now.addingTimeInterval(-age)) }
        var removed = 0
        for templateID in Set(candidates.map(\.templateID)).sorted() {
            let done = try await db.transaction { sql -> Bool in
                guard let t = try await TemplateRepository.find(sql, id: templateID),
                      try await JobRepository.activeInstances(sql, instanceType: "Template").contains(t.uuid.uuidString.lowercased()) == false else { return false }
                let refs = try await TemplateRepository.refs(sql, templateIDs: [t.id])[t.id] ?? []
                guard refs.allSatisfy({ $0.state == .creating }) else { return false }
                for ref in refs { try await TemplateRepository.deleteRef(sql, id: ref.id) }
                try await TemplateRepository.markRemoved(sql, id: t.id, at: now)
                try await TemplateAccounting.deleted(sql, t, copies: [], whole: true)
                return true
            }
            if done {
                removed += 1
                logger.warning("Removed a private template whose creation was interrupted", metadata: ["template": "\(templateID)"])
            }
        }
        return removed
    }

    /// The CopyCommand for a private template and the connected host to send it to.
    func copyCommand(_ t: Template, source: PrivateTemplateSource, ref: TemplateStoreRef, store: ImageStore?,
                     snapshots: SnapshotService) async throws -> (CopyCommand, Int64?) {
        let destination = DataObjectTO(kind: .template, store: .image, uuid: t.uuid.uuidString.lowercased(), storeUUID: store?.uuid.uuidString.lowercased() ?? "",
                                       path: ref.installPath ?? "", sizeBytes: source.size)
        if let volume = source.volume {
            let poolUUID = try await db.read { sql in try await volume.poolID.asyncMap { try await StoragePoolRepository.find(sql, id: $0)?.uuid } } ?? nil
            let from = DataObjectTO(kind: .volume, store: .primary, uuid: volume.uuid.uuidString.lowercased(), storeUUID: poolUUID?.uuidString.lowercased() ?? "",
                                    path: volume.path ?? volume.uuid.uuidString.lowercased(), sizeBytes: volume.size)
            let wait = try await config.int(Settings.createPrivateTemplateFromVolumeWait)
            return (CopyCommand(source: from, destination: destination, wait: wait), try await snapshots.host(for: volume))
        }
        guard let snapshot = source.snapshot else { throw CloudError.internalError("A private template needs a snapshot or a volume") }
        let (snapshotRef, snapshotStore, volume, zoneHosts) = try await db.read { sql in
            let r = try await SnapshotRepository.refs(sql, snapshotID: snapshot.id).first { $0.zoneID == source.zone.id }
            let s = try await r?.storeID.asyncMap { try await ImageStoreRepository.find(sql, id: $0) } ?? nil
            let v = try await VolumeRepository.find(sql, id: snapshot.volumeID)
            let hosts = try await HostRepository.list(sql, HostRepository.Filter(status: .up, zoneID: source.zone.id)).items.map(\.host.id)
            return (r, s, v, hosts)
        }
        let from = DataObjectTO(kind: .snapshot, store: .image, uuid: snapshot.uuid.uuidString.lowercased(), storeUUID: snapshotStore?.uuid.uuidString.lowercased() ?? "",
                                path: snapshotRef?.installPath ?? "", sizeBytes: snapshot.size)
        let wait = try await config.int(Settings.createPrivateTemplateFromSnapshotWait)
        // The host of the snapshot's volume when it is in this zone, else any connected host of the zone.
        var host: Int64?
        if let volume, volume.zoneID == source.zone.id { host = try await snapshots.host(for: volume) }
        if host == nil { host = zoneHosts.first { snapshots.agents.isConnected(hostID: $0) } }
        return (CopyCommand(source: from, destination: destination, wait: wait), host)
    }
}
