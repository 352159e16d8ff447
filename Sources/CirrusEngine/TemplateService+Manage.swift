import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// What `updateTemplate` and `updateIso` may change.
public struct TemplateUpdate: Sendable {
    public var name: String?
    public var displayText: String?
    public var osTypeID: UUID?
    public var format: String?
    public var passwordEnabled: Bool?
    public var sshKeyEnabled: Bool?
    public var bootable: Bool?
    public var requiresHVM: Bool?
    public var sortKey: Int?
    public var isDynamicallyScalable: Bool?
    public var templateTag: String?
    public var templateType: String?

    public init(name: String? = nil, displayText: String? = nil, osTypeID: UUID? = nil, format: String? = nil, passwordEnabled: Bool? = nil,
                sshKeyEnabled: Bool? = nil, bootable: Bool? = nil, requiresHVM: Bool? = nil, sortKey: Int? = nil, isDynamicallyScalable: Bool? = nil,
                templateTag: String? = nil, templateType: String? = nil) {
        self.name = name; self.displayText = displayText; self.osTypeID = osTypeID; self.format = format; self.passwordEnabled = passwordEnabled
        self.sshKeyEnabled = sshKeyEnabled; self.bootable = bootable; self.requiresHVM = requiresHVM; self.sortKey = sortKey
        self.isDynamicallyScalable = isDynamicallyScalable; self.templateTag = templateTag; self.templateType = templateType
    }
}

/// What `extractTemplate` answers.
public struct TemplateExtraction: Sendable {
    public var template: Template
    public var extractID: UUID
    public var zone: Zone?
    public var account: Account?
    public var url: String
    public var mode: String
    public var created: Date
}

extension Date {
    /// Milliseconds since the epoch, as extract tokens carry them.
    var storedMillisForToken: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
}

/// `updateTemplatePermissions`' account operation.
public enum TemplatePermissionOperation: String, Sendable, CaseIterable {
    case add, remove, reset
}

extension TemplateService {
    /// The name of the Simulator's built-in template, as CloudStack names it.
    public static let builtInTemplateName = "CentOS 5.3(64-bit) no GUI (Simulator)"
    /// The virtual size of the built-in template (2 GiB).
    public static let builtInTemplateSize: Int64 = 2_147_483_648

    // MARK: - access

    /// The template (or ISO) `id`, if the caller may change it: root admins any, domain
    /// admins those of their subtree, others their own.
    func manageable(_ sql: any SQLDatabase, caller: Caller, id: UUID, isISO: Bool) async throws -> Template {
        guard let t = try await TemplateRepository.find(sql, uuid: id), t.isISO == isISO else {
            throw CloudError.invalidParameter("Unable to find \(isISO ? "ISO" : "template") by id \(id.uuidString.lowercased())")
        }
        if caller.isRootAdmin { return t }
        if t.type == .builtIn || t.type == .system || t.type == .routing {
            throw CloudError.permissionDenied("Only root admins may change or delete the \(t.type.rawValue) \(t.kind.lowercased()) \(t.name)")
        }
        if t.accountID == caller.account.id && caller.account.type != .readOnlyAdmin { return t }
        if caller.isDomainAdmin, let d = try await DomainRepository.find(sql, id: t.domainID), caller.administers(domainPath: d.path) { return t }
        throw CloudError.permissionDenied("Account \(caller.account.name) does not have permission to operate on \(t.kind.lowercased()) \(t.name)")
    }

    // MARK: - update

    public func update(caller: Caller, id: UUID, isISO: Bool, _ u: TemplateUpdate) async throws -> [TemplateView] {
        let updated = try await db.transaction { sql -> Template in
            var t = try await self.manageable(sql, caller: caller, id: id, isISO: isISO)
            if let name = u.name {
                guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw CloudError.invalidParameter("The name cannot be empty") }
                t.name = name
            }
            if let text = u.displayText { t.displayText = text }
            if let os = u.osTypeID { t.osTypeID = try await self.osType(sql, os).id }
            if let raw = u.format {
                guard let f = TemplateFormat(caseInsensitive: raw), (f == .iso) == isISO else { throw CloudError.invalidParameter("Invalid format \(raw)") }
                t.format = f
            }
            if let v = u.passwordEnabled { t.passwordEnabled = v }
            if let v = u.sshKeyEnabled { t.sshKeyEnabled = v }
            if let v = u.bootable { t.bootable = v }
            if let v = u.requiresHVM { t.requiresHVM = v }
            if let v = u.sortKey { t.sortKey = v }
            if let v = u.isDynamicallyScalable { t.isDynamicallyScalable = v }
            if let tag = u.templateTag {
                guard caller.isRootAdmin else { throw CloudError.permissionDenied("Only root admins may set a template tag") }
                t.templateTag = tag.isEmpty ? nil : tag
            }
            if let raw = u.templateType {
                guard caller.isRootAdmin else { throw CloudError.permissionDenied("Only root admins may change the template type") }
                guard let type = TemplateType(caseInsensitive: raw) else { throw CloudError.invalidParameter("Invalid template type \(raw)") }
                t.type = type
            }
            try await TemplateRepository.update(sql, t)
            try await self.record(sql, caller, isISO ? EventType.isoUpdate : EventType.templateUpdate, "\(t.kind) \(t.name) updated", t)
            return t
        }
        return try await views(of: updated, zoneID: nil)
    }

    // MARK: - permissions

    public func updatePermissions(caller: Caller, id: UUID, isISO: Bool, isPublic: Bool?, isFeatured: Bool?, isExtractable: Bool?,
                                  accounts: [String]?, operation: String?) async throws {
        let op: TemplatePermissionOperation?
        if let operation {
            guard let o = TemplatePermissionOperation(rawValue: operation.lowercased()) else { throw CloudError.invalidParameter("Invalid op \(operation): use add, remove or reset") }
            op = o
        } else {
            op = nil
        }
        if accounts?.isEmpty == false && op == nil { throw CloudError.invalidParameter("Give op (add, remove or reset) together with accounts") }
        if (op == .add || op == .remove) && (accounts?.isEmpty ?? true) { throw CloudError.invalidParameter("op \(op!.rawValue) needs the accounts to \(op!.rawValue)") }
        try await db.transaction { sql in
            var t = try await self.manageable(sql, caller: caller, id: id, isISO: isISO)
            if let isFeatured {
                guard caller.isRootAdmin else { throw CloudError.permissionDenied("Only root admins may change whether a \(t.kind.lowercased()) is featured") }
                t.isFeatured = isFeatured
            }
            if let isPublic { t.isPublic = isPublic }
            if let isExtractable {
                if t.type == .system && isExtractable { throw CloudError.invalidParameter("System templates cannot be made extractable") }
                t.isExtractable = isExtractable
            }
            try await TemplateRepository.update(sql, t)
            if let op {
                switch op {
                case .reset:
                    try await TemplateRepository.removePermissions(sql, templateID: t.id, accountIDs: nil)
                case .add, .remove:
                    var ids: [Int64] = []
                    for name in accounts ?? [] {
                        let trimmed = name.trimmingCharacters(in: .whitespaces)
                        guard let a = try await AccountRepository.find(sql, name: trimmed, domainID: t.domainID) else {
                            throw CloudError.invalidParameter("Unable to find account \(trimmed) in the domain of \(t.kind.lowercased()) \(t.name)")
                        }
                        ids.append(a.id)
                    }
                    if op == .add {
                        try await TemplateRepository.addPermissions(sql, templateID: t.id, accountIDs: ids.filter { $0 != t.accountID })
                    } else {
                        try await TemplateRepository.removePermissions(sql, templateID: t.id, accountIDs: ids)
                    }
                }
            }
            try await self.record(sql, caller, isISO ? EventType.isoUpdate : EventType.templateUpdate, "Permissions of \(t.kind.lowercased()) \(t.name) updated", t)
        }
    }

    public func permissions(caller: Caller, id: UUID, isISO: Bool) async throws -> TemplatePermissionsView {
        try await db.read { sql in
            guard let t = try await TemplateRepository.find(sql, uuid: id), t.isISO == isISO else {
                throw CloudError.invalidParameter("Unable to find \(isISO ? "ISO" : "template") by id \(id.uuidString.lowercased())")
            }
            let domain = try await DomainRepository.find(sql, id: t.domainID)
            let permitted = try await TemplateRepository.permittedAccounts(sql, templateID: t.id)
            let isOwnerSide = caller.isRootAdmin || t.accountID == caller.account.id || (caller.isAdmin && domain.map { caller.administers(domainPath: $0.path) } == true)
            guard isOwnerSide || t.isPublic || permitted.contains(caller.account.id) else {
                throw CloudError.permissionDenied("Account \(caller.account.name) does not have permission to see \(t.kind.lowercased()) \(t.name)")
            }
            let accounts = try await AccountRepository.find(sql, ids: Set(permitted))
            return TemplatePermissionsView(template: t, domain: domain, accounts: permitted.compactMap { accounts[$0]?.name })
        }
    }

    // MARK: - copy

    /// Checks a copy and returns the template with the source and destination zones.
    public func checkCopy(caller: Caller, id: UUID, isISO: Bool, sourceZoneID: UUID?, destinationZoneIDs: [UUID]) async throws -> (Template, Zone, [Zone]) {
        guard !destinationZoneIDs.isEmpty else { throw CloudError.invalidParameter("Give destzoneid or destzoneids") }
        return try await db.read { sql in
            let t = try await self.manageable(sql, caller: caller, id: id, isISO: isISO)
            let copies = try await TemplateRepository.refs(sql, templateIDs: [t.id])[t.id] ?? []
            let source: Zone
            if let sourceZoneID {
                let z = try await Lookup.zone(sql, sourceZoneID)
                source = z
            } else {
                guard let zid = copies.first(where: { $0.state == .downloaded })?.zoneID, let z = try await ZoneRepository.find(sql, id: zid) else {
                    throw CloudError.invalidParameter("\(t.kind) \(t.name) is not ready in any zone")
                }
                source = z
            }
            guard copies.contains(where: { $0.zoneID == source.id && $0.state == .downloaded }) else {
                throw CloudError.invalidParameter("\(t.kind) \(t.name) is not ready in zone \(source.name)")
            }
            var destinations: [Zone] = []
            for d in destinationZoneIDs {
                let z = try await Lookup.zone(sql, d)
                guard z.id != source.id else { throw CloudError.invalidParameter("Please specify different source and destination zones") }
                guard try await ImageStoreRepository.list(sql, zoneID: z.id).contains(where: { !$0.readOnly }) else {
                    throw CloudError.invalidParameter("There is no image store in zone \(z.name) to copy \(t.name) to")
                }
                if !destinations.contains(where: { $0.id == z.id }) { destinations.append(z) }
            }
            return (t, source, destinations)
        }
    }

    /// Copies the file of a ready copy in the source zone to every image store of the
    /// destination zones that lacks one; runs in a job.
    public func copy(caller: Caller, id: UUID, isISO: Bool, sourceZoneID: UUID?, destinationZoneIDs: [UUID]) async throws -> [TemplateView] {
        let (t, source, destinations) = try await checkCopy(caller: caller, id: id, isISO: isISO, sourceZoneID: sourceZoneID, destinationZoneIDs: destinationZoneIDs)
        let (from, fromStore, targets) = try await db.transaction { sql -> (TemplateStoreRef, ImageStore, [(TemplateStoreRef, ImageStore)]) in
            let copies = try await TemplateRepository.refs(sql, templateIDs: [t.id])[t.id] ?? []
            guard let from = copies.first(where: { $0.zoneID == source.id && $0.state == .downloaded }),
                  let fromStore = try await ImageStoreRepository.find(sql, id: from.storeID) else {
                throw CloudError.invalidParameter("\(t.kind) \(t.name) is not ready in zone \(source.name)")
            }
            var targets: [(TemplateStoreRef, ImageStore)] = []
            let now = Date()
            for zone in destinations {
                for store in try await ImageStoreRepository.list(sql, zoneID: zone.id) where !store.readOnly {
                    if let existing = copies.first(where: { $0.storeID == store.id }) {
                        if existing.state == .downloaded || existing.state.isPending { continue }
                        try await TemplateRepository.deleteRef(sql, id: existing.id)
                    }
                    let ref = try await TemplateRepository.insertRef(sql, TemplateStoreRef(
                        id: 0, templateID: t.id, storeID: store.id, zoneID: zone.id, state: .downloadInProgress, size: from.size,
                        ownerServer: self.downloader.serverID, updated: now, created: now))
                    targets.append((ref, store))
                }
            }
            try await self.record(sql, caller, isISO ? EventType.isoCopy : EventType.templateCopy,
                                  "\(t.kind) \(t.name) copied from zone \(source.name) to \(destinations.map(\.name).joined(separator: ", "))", t)
            return (from, fromStore, targets)
        }
        guard let fromPath = from.installPath else { throw CloudError.internalError("The copy of \(t.name) in zone \(source.name) has no file") }
        let sourceFile = URL(fileURLWithPath: fromStore.path).appendingPathComponent(fromPath)
        var failures: [String] = []
        for (ref, store) in targets {
            let target = URL(fileURLWithPath: store.path).appendingPathComponent(fromPath)
            // Keep the copy's heartbeat going, so that no sweeper takes it for orphaned while a
            // large file is copied; if this server dies, the sweeper downloads it again instead.
            let beat = Task { [db] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(TemplateDownloader.heartbeat))
                    if Task.isCancelled { return }
                    try? await db.transaction { try await TemplateRepository.setProgress($0, id: ref.id, percent: 0, at: Date()) }
                }
            }
            let copied: Result<Int64, any Error>
            do {
                copied = .success(try await TemplateFiles.offPool { () -> Int64 in
                    let fm = FileManager.default
                    try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                    if fm.fileExists(atPath: target.path) { try fm.removeItem(at: target) }
                    try fm.copyItem(at: sourceFile, to: target)
                    return (try fm.attributesOfItem(atPath: target.path)[.size] as? NSNumber)?.int64Value ?? 0
                })
            } catch {
                copied = .failure(error)
            }
            // The heartbeat must be over before the final state is written.
            beat.cancel()
            await beat.value
            switch copied {
            case .success(let bytes):
                try await db.transaction { sql in
                    try await TemplateRepository.setState(sql, id: ref.id, state: .downloaded, percent: 100, size: from.size, physicalSize: bytes,
                                                          installPath: fromPath, error: nil, at: Date())
                }
            case .failure(let error):
                let reason = "Copy from image store \(fromStore.name) failed: \(error)"
                failures.append("\(store.name): \(reason)")
                try await db.transaction { sql in
                    try await TemplateRepository.setState(sql, id: ref.id, state: .downloadError, percent: 0, size: nil, physicalSize: nil, installPath: nil,
                                                          error: reason, at: Date())
                }
            }
        }
        if !failures.isEmpty {
            throw CloudError(.resourceUnavailable, "Failed to copy \(t.kind.lowercased()) \(t.name): \(failures.joined(separator: "; "))", csCode: .resourceUnavailable)
        }
        let views = try await views(of: t, zoneID: nil)
        return views.filter { v in destinations.contains { $0.id == v.zone?.id } }
    }

    // MARK: - delete

    /// Checks a deletion; returns the template.
    public func checkDelete(caller: Caller, id: UUID, isISO: Bool, zoneID: UUID?) async throws -> Template {
        try await db.read { sql in
            let t = try await self.manageable(sql, caller: caller, id: id, isISO: isISO)
            if let zoneID {
                let z = try await Lookup.zone(sql, zoneID)
                let copies = try await TemplateRepository.refs(sql, templateIDs: [t.id])[t.id] ?? []
                guard copies.contains(where: { $0.zoneID == z.id }) else {
                    throw CloudError.invalidParameter("\(t.kind) \(t.name) is not in zone \(z.name)")
                }
            }
            return t
        }
    }

    /// Deletes a template's copies (in one zone, or everywhere) with their files; the template
    /// itself is removed once no copy is left.
    public func delete(caller: Caller, id: UUID, isISO: Bool, zoneID: UUID?) async throws {
        let t = try await checkDelete(caller: caller, id: id, isISO: isISO, zoneID: zoneID)
        let doomed = try await db.read { sql -> [(TemplateStoreRef, ImageStore?)] in
            var zone: Int64?
            if let zoneID { zone = try await ZoneRepository.find(sql, uuid: zoneID)?.id }
            var out: [(TemplateStoreRef, ImageStore?)] = []
            for ref in try await TemplateRepository.refs(sql, templateIDs: [t.id])[t.id] ?? [] where zone == nil || ref.zoneID == zone {
                out.append((ref, try await ImageStoreRepository.find(sql, id: ref.storeID)))
            }
            return out
        }
        for (ref, _) in doomed { await downloader.cancel(refID: ref.id) }
        // The files go first: a row without a file is worse than a file nobody lists.
        for (ref, store) in doomed {
            guard let store else { continue }
            let dir = URL(fileURLWithPath: store.path).appendingPathComponent(
                (TemplateFiles.installPath(accountID: t.accountID, templateID: t.id, uuid: t.uuid, format: t.format) as NSString).deletingLastPathComponent)
            let file = ref.installPath.map { URL(fileURLWithPath: store.path).appendingPathComponent($0) }
            try await TemplateFiles.offPool {
                let fm = FileManager.default
                if let file, fm.fileExists(atPath: file.path) { try fm.removeItem(at: file) }
                if fm.fileExists(atPath: dir.path) { try fm.removeItem(at: dir) }
            }
        }
        try await db.transaction { sql in
            for (ref, _) in doomed { try await TemplateRepository.deleteRef(sql, id: ref.id) }
            let left = try await TemplateRepository.refs(sql, templateIDs: [t.id])[t.id] ?? []
            if left.isEmpty { try await TemplateRepository.markRemoved(sql, id: t.id, at: Date()) }
            try await TemplateAccounting.deleted(sql, t, copies: doomed.map(\.0), whole: left.isEmpty)
            try await self.record(sql, caller, isISO ? EventType.isoDelete : EventType.templateDelete,
                                  left.isEmpty ? "\(t.kind) \(t.name) deleted" : "\(t.kind) \(t.name) deleted from a zone", t)
        }
    }

    // MARK: - extract

    /// Checks an extraction and returns the template with the ready copy to serve.
    public func checkExtract(caller: Caller, id: UUID, isISO: Bool, zoneID: UUID?, mode: String) async throws -> (Template, TemplateStoreRef, Zone?) {
        guard mode.uppercased() == "HTTP_DOWNLOAD" else {
            throw CloudError.invalidParameter("Unsupported extract mode \(mode): only HTTP_DOWNLOAD is supported")
        }
        return try await db.read { sql in
            guard let t = try await TemplateRepository.find(sql, uuid: id), t.isISO == isISO else {
                throw CloudError.invalidParameter("Unable to find \(isISO ? "ISO" : "template") by id \(id.uuidString.lowercased())")
            }
            if !caller.isRootAdmin {
                guard t.isExtractable else { throw CloudError.invalidParameter("\(t.kind) \(t.name) is not extractable") }
                _ = try await self.manageable(sql, caller: caller, id: id, isISO: isISO)
            }
            var zone: Zone?
            if let zoneID {
                let z = try await Lookup.zone(sql, zoneID)
                zone = z
            }
            let copies = try await TemplateRepository.refs(sql, templateIDs: [t.id])[t.id] ?? []
            guard let ready = copies.first(where: { $0.state == .downloaded && (zone == nil || $0.zoneID == zone?.id) }) else {
                throw CloudError.invalidParameter("\(t.kind) \(t.name) is not ready\(zone.map { " in zone \($0.name)" } ?? "")")
            }
            if zone == nil, let zid = ready.zoneID { zone = try await ZoneRepository.find(sql, id: zid) }
            return (t, ready, zone)
        }
    }

    /// Makes a download URL for a ready copy: `/client/extract/<token>/<file>`, served by the
    /// management server, where the token names the template and an expiry
    /// (`extract.url.expiration.interval`) signed with the installation's extract key.
    public func extract(caller: Caller, id: UUID, isISO: Bool, zoneID: UUID?, mode: String) async throws -> TemplateExtraction {
        let (t, ref, zone) = try await checkExtract(caller: caller, id: id, isISO: isISO, zoneID: zoneID, mode: mode)
        let file = (ref.installPath.map { ($0 as NSString).lastPathComponent }) ?? "\(t.uuid.uuidString.lowercased()).\(t.format.fileExtension)"
        let lifetime = try await config.int(Settings.extractURLExpiration)
        let expires = Date().addingTimeInterval(TimeInterval(lifetime)).storedMillisForToken
        let (account, token) = try await db.transaction { sql -> (Account?, String) in
            guard let key = try await Self.extractKey(sql) else { throw CloudError.internalError("The extract key is missing") }
            try await self.record(sql, caller, isISO ? EventType.isoExtract : EventType.templateExtract, "\(t.kind) \(t.name) extracted", t)
            return (try await AccountRepository.find(sql, id: t.accountID), Self.extractToken(template: t.uuid, expires: expires, key: key))
        }
        return TemplateExtraction(template: t, extractID: UUID(), zone: zone, account: account,
                                  url: "/client/extract/\(token)/\(file)", mode: "HTTP_DOWNLOAD", created: Date())
    }

    static let extractKeyName = "template.extract.key"

    /// The installation's extract signing key: a configuration row with no declared setting,
    /// so that listConfigurations never shows it.
    static func extractKey(_ sql: any SQLDatabase) async throws -> String? {
        try await ConfigurationRepository.all(sql).first { $0.name == extractKeyName && $0.scope == .global }?.value
    }

    /// `<template uuid>.<expiry ms>.<HMAC-SHA256 hex>`.
    static func extractToken(template: UUID, expires: Int64, key: String) -> String {
        let payload = "\(template.uuidString.lowercased()).\(expires)"
        return payload + "." + TemplateDownloader.hmac(payload, key: key)
    }

    /// The file an extract URL's token stands for, if the token is genuine, unexpired and the
    /// template still has a ready copy.
    public func extractedFile(token: String, now: Date = Date()) async throws -> URL? {
        let parts = token.split(separator: ".")
        guard parts.count == 3, let uuid = UUID(uuidString: String(parts[0])), let expires = Int64(parts[1]),
              expires > now.storedMillisForToken else { return nil }
        guard let key = try await db.read({ try await Self.extractKey($0) }),
              TemplateDownloader.constantTimeEqual(Self.extractToken(template: uuid, expires: expires, key: key), token) else { return nil }
        return try await extractedFile(templateID: uuid)
    }

    /// The file of a ready copy of template `id`.
    public func extractedFile(templateID id: UUID) async throws -> URL? {
        try await db.read { sql in
            guard let t = try await TemplateRepository.find(sql, uuid: id) else { return nil }
            for ref in try await TemplateRepository.refs(sql, templateIDs: [t.id])[t.id] ?? [] where ref.state == .downloaded {
                if let path = ref.installPath, let store = try await ImageStoreRepository.find(sql, id: ref.storeID) {
                    return URL(fileURLWithPath: store.path).appendingPathComponent(path)
                }
            }
            return nil
        }
    }

    // MARK: - built-in template

    /// Makes sure the Simulator's built-in template is ready on every image store of the zone:
    /// creates the template (public, featured, owned by the system account) if needed, and a
    /// DOWNLOADED copy with a small placeholder file on each store that lacks one. Returns the
    /// template, or nil when the zone has no image store yet. Idempotent.
    @discardableResult
    public func ensureBuiltInTemplate(zoneID: Int64) async throws -> Template? {
        let (template, stores, missing) = try await db.transaction { sql -> (Template?, [ImageStore], [ImageStore]) in
            let stores = try await ImageStoreRepository.list(sql, zoneID: zoneID).filter { !$0.readOnly }
            guard !stores.isEmpty else { return (nil, [], []) }
            var t = try await TemplateRepository.find(sql, name: Self.builtInTemplateName, type: .builtIn)
            if t == nil {
                guard let os = try await OSTypeRepository.find(sql, description: OSCatalog.builtInTemplateOSType) else {
                    throw CloudError.internalError("The OS types are not seeded")
                }
                t = try await TemplateRepository.insert(sql, Template(
                    id: 0, uuid: UUID(), name: Self.builtInTemplateName, displayText: Self.builtInTemplateName, format: .vhd, type: .builtIn,
                    hypervisor: HypervisorType.simulator.rawValue, osTypeID: os.id, accountID: Account.systemID, domainID: Domain.rootID,
                    url: "http://download.cloudstack.org/templates/builtin/centos53-x86_64.vhd.bz2", checksum: nil, isPublic: true, isFeatured: true,
                    isExtractable: false, passwordEnabled: false, requiresHVM: false, bootable: true, crossZones: true, created: Date()))
            }
            let copies = try await TemplateRepository.refs(sql, templateIDs: [t!.id])[t!.id] ?? []
            return (t, stores, stores.filter { s in !copies.contains { $0.storeID == s.id } })
        }
        guard let template else { return nil }
        _ = stores
        let relative = TemplateFiles.installPath(accountID: template.accountID, templateID: template.id, uuid: template.uuid, format: template.format)
        for store in missing {
            let file = URL(fileURLWithPath: store.path).appendingPathComponent(relative)
            let bytes = try await TemplateFiles.offPool { () -> Int64 in
                let data = Data("Cirrus Simulator built-in template placeholder\n".utf8)
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try data.write(to: file)
                return Int64(data.count)
            }
            try await db.transaction { sql in
                let copies = try await TemplateRepository.refs(sql, templateIDs: [template.id])[template.id] ?? []
                guard !copies.contains(where: { $0.storeID == store.id }) else { return }
                let now = Date()
                _ = try await TemplateRepository.insertRef(sql, TemplateStoreRef(
                    id: 0, templateID: template.id, storeID: store.id, zoneID: zoneID, state: .downloaded, downloadPercent: 100, size: Self.builtInTemplateSize,
                    physicalSize: bytes, installPath: relative, updated: now, created: now))
            }
        }
        return template
    }
}
