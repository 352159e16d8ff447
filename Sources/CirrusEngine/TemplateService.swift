import CirrusModel
import CirrusStore
import Foundation
import Logging
import SQLKit

/// One template (or ISO) in one zone, with everything a listing shows.
public struct TemplateView: Sendable {
    public var template: Template
    public var zone: Zone?
    /// The copies in `zone` (all copies when `zone` is nil).
    public var copies: [TemplateStoreRef]
    /// Store names by id, for `downloaddetails`.
    public var storeNames: [Int64: String]
    public var account: Account?
    public var domain: Domain?
    public var osType: OSType?
    public var sourceTemplateUUID: UUID?
    /// The resource tags of the template (or ISO).
    public var tags: [ResourceTag] = []

    /// The copy that speaks for the zone.
    public var representative: TemplateStoreRef? { TemplateStoreRef.representative(copies) }
    /// Ready when at least one copy is downloaded.
    public var isReady: Bool { copies.contains { $0.state == .downloaded } }
    /// listTemplates' `status`.
    public var status: String? { representative?.statusText }
}

/// Launch permissions of a template as `listTemplatePermissions` shows them.
public struct TemplatePermissionsView: Sendable {
    public var template: Template
    public var domain: Domain?
    public var accounts: [String]
}

/// What `registerTemplate` and `registerIso` ask for.
public struct TemplateRegistration: Sendable {
    public var name: String
    public var displayText: String?
    public var url: String
    public var format: String?
    public var hypervisor: String?
    /// nil or -1: every zone.
    public var zoneIDs: [UUID]?
    public var osTypeID: UUID?
    public var checksum: String?
    public var isPublic: Bool
    public var isFeatured: Bool
    public var isExtractable: Bool
    public var passwordEnabled: Bool
    public var sshKeyEnabled: Bool
    public var requiresHVM: Bool
    public var bootable: Bool
    public var isDynamicallyScalable: Bool
    public var bits: Int
    public var templateTag: String?
    public var templateType: String?
    public var directDownload: Bool
    public var accountName: String?
    public var domainID: UUID?
    public var isISO: Bool

    public init(name: String, displayText: String?, url: String, format: String?, hypervisor: String?, zoneIDs: [UUID]?, osTypeID: UUID?, checksum: String?,
                isPublic: Bool, isFeatured: Bool, isExtractable: Bool, passwordEnabled: Bool, sshKeyEnabled: Bool = false, requiresHVM: Bool, bootable: Bool,
                isDynamicallyScalable: Bool = false, bits: Int = 64, templateTag: String? = nil, templateType: String? = nil, directDownload: Bool,
                accountName: String?, domainID: UUID?, isISO: Bool) {
        self.name = name; self.displayText = displayText; self.url = url; self.format = format; self.hypervisor = hypervisor; self.zoneIDs = zoneIDs
        self.osTypeID = osTypeID; self.checksum = checksum; self.isPublic = isPublic; self.isFeatured = isFeatured; self.isExtractable = isExtractable
        self.passwordEnabled = passwordEnabled; self.sshKeyEnabled = sshKeyEnabled; self.requiresHVM = requiresHVM; self.bootable = bootable
        self.isDynamicallyScalable = isDynamicallyScalable; self.bits = bits; self.templateTag = templateTag; self.templateType = templateType
        self.directDownload = directDownload; self.accountName = accountName; self.domainID = domainID; self.isISO = isISO
    }
}

/// What `listTemplates` and `listIsos` filter on besides the template filter.
public struct TemplateQuery: Sendable {
    public var isISO: Bool
    public var filter: TemplateFilter
    public var id: UUID?
    public var ids: [UUID]?
    public var name: String?
    public var keyword: String?
    public var zoneID: UUID?
    public var hypervisor: String?
    public var templateType: TemplateType?
    public var bootable: Bool?
    public var isPublic: Bool?
    public var isReady: Bool?
    /// One entry per template rather than per template and zone.
    public var showUnique: Bool
    /// `tags[N]` pairs: templates carrying any of them.
    public var tags: [TagPair]

    public init(isISO: Bool, filter: TemplateFilter, id: UUID? = nil, ids: [UUID]? = nil, name: String? = nil, keyword: String? = nil, zoneID: UUID? = nil,
                hypervisor: String? = nil, templateType: TemplateType? = nil, bootable: Bool? = nil, isPublic: Bool? = nil, isReady: Bool? = nil, showUnique: Bool = false,
                tags: [TagPair] = []) {
        self.isISO = isISO; self.filter = filter; self.id = id; self.ids = ids; self.name = name; self.keyword = keyword; self.zoneID = zoneID
        self.hypervisor = hypervisor; self.templateType = templateType; self.bootable = bootable; self.isPublic = isPublic; self.isReady = isReady
        self.showUnique = showUnique; self.tags = tags
    }
}

/// Templates, ISOs and OS types: registration and download, listing with CloudStack's
/// template filters, permissions, copies between zones, deletion and extraction.
public struct TemplateService: Sendable {
    let db: any Database
    let events: EventService
    let config: ConfigService
    let identity: IdentityService
    public let downloader: TemplateDownloader
    let logger: Logger

    public init(db: any Database, events: EventService, config: ConfigService, identity: IdentityService, serverID: String, logger: Logger) {
        self.db = db
        self.events = events
        self.config = config
        self.identity = identity
        self.downloader = TemplateDownloader(db: db, config: config, serverID: serverID, logger: logger)
        self.logger = logger
    }

    /// Seeds OS categories and types, and takes over downloads left pending by a stopped
    /// server. Idempotent; called by ``Engine/prepare(adminPassword:)``.
    public func prepare() async throws {
        try await db.transaction { sql in
            try await OSTypeRepository.seed(sql)
            if try await Self.extractKey(sql) == nil {
                let key = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
                try await ConfigurationRepository.set(sql, .init(name: Self.extractKeyName, scope: .global, scopeID: 0, value: key), at: Date())
            }
        }
        try await downloader.resume()
    }

    /// Starts the loop that takes over downloads whose server stopped (every ``TemplateDownloader/orphanAfter``
    /// seconds, on every management server; taking a copy over is atomic). The management
    /// server keeps the task and stops it, and calls `downloader.stop()`, when it shuts down.
    public func startDownloadSweeper(serverID: String) -> PeriodicTask {
        PeriodicTask(name: "template-download-sweep", db: db, serverID: serverID, singleton: false, logger: logger,
                     interval: { .seconds(Int64(TemplateDownloader.orphanAfter)) }, body: { [downloader, self] in
                         try await downloader.resume()
                         // Private templates whose copy job vanished with a server are removed (their counts given back).
                         _ = try await self.recoverStrandedPrivateTemplates()
                     })
    }

    // MARK: - OS types

    public func listOSTypes(id: UUID?, categoryID: UUID?, description: String?, forDisplay: Bool?, keyword: String?,
                            page: (offset: Int, limit: Int?)) async throws -> Listing<(OSType, OSCategory?)> {
        try await db.read { sql in
            var typeID: Int64?
            if let id {
                guard let t = try await OSTypeRepository.find(sql, uuid: id) else { throw CloudError.invalidParameter("Unable to find OS type by id \(id.uuidString.lowercased())") }
                typeID = t.id
            }
            var category: Int64?
            if let categoryID {
                guard let c = try await OSTypeRepository.findCategory(sql, uuid: categoryID) else {
                    throw CloudError.invalidParameter("Unable to find OS category by id \(categoryID.uuidString.lowercased())")
                }
                category = c.id
            }
            let listing = try await OSTypeRepository.listTypes(sql, id: typeID, categoryID: category, description: description, forDisplay: forDisplay,
                                                               keyword: keyword, offset: page.offset, limit: page.limit)
            let categories = try await OSTypeRepository.categories(sql, ids: Set(listing.items.map(\.categoryID)))
            return Listing(items: listing.items.map { ($0, categories[$0.categoryID]) }, total: listing.total)
        }
    }

    public func listOSCategories(id: UUID?, name: String?, keyword: String?, page: (offset: Int, limit: Int?)) async throws -> Listing<OSCategory> {
        try await db.read { sql in
            var categoryID: Int64?
            if let id {
                guard let c = try await OSTypeRepository.findCategory(sql, uuid: id) else { throw CloudError.invalidParameter("Unable to find OS category by id \(id.uuidString.lowercased())") }
                categoryID = c.id
            }
            return try await OSTypeRepository.listCategories(sql, id: categoryID, name: name, keyword: keyword, offset: page.offset, limit: page.limit)
        }
    }

    // MARK: - register

    /// The URL schemes a template may be registered from.
    public static let supportedSchemes: Set<String> = ["http", "https"]

    /// Checks a template URL: an http(s) URL with a host.
    public static func checkURL(_ raw: String) throws(CloudError) -> URL {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else {
            throw .invalidParameter("Invalid URL \(raw): it must be an http or https URL")
        }
        guard supportedSchemes.contains(scheme) else {
            throw .invalidParameter("Unsupported scheme for url: \(raw); only http and https URLs are supported")
        }
        guard let host = url.host, !host.isEmpty else { throw .invalidParameter("Invalid URL \(raw): it has no host") }
        return url
    }

    /// Registers a template or ISO: checks everything, creates the row and one copy per image
    /// store of the target zones (NOT_DOWNLOADED) in one transaction, then starts downloading.
    public func register(caller: Caller, _ r: TemplateRegistration) async throws -> [TemplateView] {
        let kind = r.isISO ? "ISO" : "template"
        let url = try Self.checkURL(r.url)
        guard !r.name.trimmingCharacters(in: .whitespaces).isEmpty else { throw CloudError.invalidParameter("The \(kind) name cannot be empty") }
        if r.directDownload { throw CloudError.invalidParameter("Direct download is not supported: the \(kind) is always downloaded to the image stores") }
        let format: TemplateFormat
        var hypervisor: String?
        if r.isISO {
            format = .iso
        } else {
            guard let raw = r.format, let f = TemplateFormat(caseInsensitive: raw), f != .iso else {
                throw CloudError.invalidParameter("Invalid format \(r.format ?? ""): use QCOW2, RAW, VHD or OVA (register ISOs with registerIso)")
            }
            format = f
            guard let raw = r.hypervisor, let h = HypervisorType(caseInsensitive: raw) else {
                throw CloudError.invalidParameter("Invalid hypervisor \(r.hypervisor ?? ""): use KVM or Simulator")
            }
            if h == .kvm && !(f == .qcow2 || f == .raw) {
                throw CloudError.invalidParameter("Format \(f.rawValue) is not supported by hypervisor KVM: use QCOW2 or RAW")
            }
            hypervisor = h.rawValue
        }
        var checksum: String?
        if let raw = r.checksum?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            guard let parsed = TemplateChecksum(parsing: raw) else {
                throw CloudError.invalidParameter("Invalid checksum \(raw): give {ALGORITHM}hex with MD5, SHA-1, SHA-256, SHA-384 or SHA-512, or a bare MD5 hex digest")
            }
            checksum = parsed.canonical
        }
        var type = TemplateType.user
        if let raw = r.templateType {
            guard let t = TemplateType(caseInsensitive: raw) else { throw CloudError.invalidParameter("Invalid template type \(raw)") }
            guard caller.isRootAdmin || t == .user else { throw CloudError.permissionDenied("Only root admins may register templates of type \(t.rawValue)") }
            type = t
        }
        let isFeatured = r.isFeatured && caller.isRootAdmin
        let templateURL = url.absoluteString
        let now = Date()
        let (type_, hypervisor_, checksum_) = (type, hypervisor, checksum)
        let (template, refIDs) = try await db.transaction { sql -> (Template, [Int64]) in
            let owner = try await self.owner(sql, caller: caller, accountName: r.accountName, domainID: r.domainID)
            let osType = try await self.osType(sql, r.osTypeID)
            let zones: [Zone]
            if let ids = r.zoneIDs, !ids.isEmpty {
                var found: [Zone] = []
                for id in ids {
                    let z = try await Lookup.zone(sql, id)
                    found.append(z)
                }
                zones = found
            } else {
                zones = try await ZoneRepository.list(sql).items
            }
            var stores: [(ImageStore, Zone)] = []
            for zone in zones {
                for store in try await ImageStoreRepository.list(sql, zoneID: zone.id) where !store.readOnly {
                    stores.append((store, zone))
                }
            }
            guard !stores.isEmpty else {
                let where_ = r.zoneIDs?.isEmpty == false ? "zone \(zones.map(\.name).joined(separator: ", "))" : "any zone"
                throw CloudError.invalidParameter("There is no image store in \(where_) to download the \(kind) to; add one with addImageStore")
            }
            let template = try await TemplateRepository.insert(sql, Template(
                id: 0, uuid: UUID(), name: r.name, displayText: r.displayText ?? r.name, format: format, type: type_, hypervisor: hypervisor_,
                osTypeID: osType.id, accountID: owner.id, domainID: owner.domainID, url: templateURL, checksum: checksum_, isPublic: r.isPublic,
                isFeatured: isFeatured, isExtractable: r.isExtractable, passwordEnabled: r.passwordEnabled, sshKeyEnabled: r.sshKeyEnabled,
                requiresHVM: r.requiresHVM, bootable: r.isISO ? r.bootable : true, crossZones: r.zoneIDs?.isEmpty ?? true,
                isDynamicallyScalable: r.isDynamicallyScalable, bits: r.bits, templateTag: r.templateTag, created: now))
            try await TemplateAccounting.registered(sql, config: self.config, template)
            var refIDs: [Int64] = []
            for (store, zone) in stores {
                let ref = try await TemplateRepository.insertRef(sql, TemplateStoreRef(
                    id: 0, templateID: template.id, storeID: store.id, zoneID: zone.id, state: .notDownloaded, ownerServer: self.downloader.serverID,
                    updated: now, created: now))
                refIDs.append(ref.id)
            }
            try await self.record(sql, caller, r.isISO ? EventType.isoCreate : EventType.templateCreate,
                                  "\(r.isISO ? "ISO" : "Template") \(template.name) registered from \(templateURL)", template)
            return (template, refIDs)
        }
        for id in refIDs { downloader.start(refID: id) }
        return try await views(of: template, zoneID: nil)
    }

    /// The account a new template belongs to (see ``IdentityService/owner(_:caller:accountName:domainID:)``).
    func owner(_ sql: any SQLDatabase, caller: Caller, accountName: String?, domainID: UUID?) async throws -> Account {
        try await IdentityService.owner(sql, caller: caller, accountName: accountName, domainID: domainID)
    }

    /// The OS type by id, or "Other (64-bit)" when none is given.
    func osType(_ sql: any SQLDatabase, _ id: UUID?) async throws -> OSType {
        if let id {
            guard let t = try await OSTypeRepository.find(sql, uuid: id) else { throw CloudError.invalidParameter("Unable to find OS type by id \(id.uuidString.lowercased())") }
            return t
        }
        guard let t = try await OSTypeRepository.find(sql, description: "Other (64-bit)") else { throw CloudError.internalError("The OS types are not seeded") }
        return t
    }

    // MARK: - list

    /// Lists templates or ISOs with CloudStack's template filter semantics: one entry per
    /// template and zone (per template with `showunique`).
    public func list(caller: Caller, scope: ListScope, _ q: TemplateQuery, page: (offset: Int, limit: Int?)) async throws -> Listing<TemplateView> {
        if q.filter.isAdminOnly && !caller.isAdmin {
            throw CloudError.invalidParameter("Filter \(q.filter.rawValue) can be specified by admin only")
        }
        return try await db.read { sql in
            var zoneID: Int64?
            if let z = q.zoneID {
                let zone = try await Lookup.zone(sql, z)
                zoneID = zone.id
            }
            var templateID: Int64?
            if let id = q.id {
                guard let t = try await TemplateRepository.find(sql, uuid: id), t.isISO == q.isISO else {
                    throw CloudError.invalidParameter("Unable to find \(q.isISO ? "ISO" : "template") by id \(id.uuidString.lowercased())")
                }
                templateID = t.id
            }
            var ids: [Int64]?
            if let uuids = q.ids {
                var found: [Int64] = []
                for u in uuids { if let t = try await TemplateRepository.find(sql, uuid: u) { found.append(t.id) } }
                ids = found
            }
            let candidates = try await TemplateRepository.candidates(sql, .init(id: templateID, ids: ids, name: q.name, keyword: q.keyword, hypervisor: q.hypervisor,
                                                                                isISO: q.isISO, templateType: q.templateType, bootable: q.bootable, isPublic: q.isPublic,
                                                                                tags: q.tags))
            let shared = try await TemplateRepository.sharedTemplates(sql, accountID: caller.account.id)
            let refs = try await TemplateRepository.refs(sql, templateIDs: candidates.map(\.0.id))
            let audience = TemplateFilter.Audience(accountID: caller.account.id, isRootAdmin: caller.isRootAdmin, isAdmin: caller.isAdmin, scope: scope)
            // One row per template and zone it has copies in.
            var rows: [(Template, Int64?, [TemplateStoreRef])] = []
            for (t, path) in candidates {
                let copies = refs[t.id] ?? []
                var groups: [(Int64?, [TemplateStoreRef])] = []
                if q.showUnique || copies.isEmpty {
                    groups = [(nil, copies.filter { zoneID == nil || $0.zoneID == zoneID })]
                    if zoneID != nil && groups[0].1.isEmpty { continue }
                } else {
                    for z in Set(copies.map(\.zoneID)).sorted(by: { ($0 ?? 0) < ($1 ?? 0) }) where zoneID == nil || z == zoneID {
                        groups.append((z, copies.filter { $0.zoneID == z }))
                    }
                }
                for (z, group) in groups {
                    let ready = group.contains { $0.state == .downloaded }
                    let facts = TemplateFilter.Facts(ownerAccountID: t.accountID, ownerDomainID: t.domainID, ownerDomainPath: path, isPublic: t.isPublic,
                                                     isFeatured: t.isFeatured, isReady: ready, isSharedWithCaller: shared.contains(t.id))
                    guard q.filter.admits(facts, audience: audience) else { continue }
                    if let wanted = q.isReady, wanted != ready { continue }
                    rows.append((t, z, group))
                }
            }
            let total = rows.count
            let window = rows.dropFirst(page.offset).prefix(page.limit ?? Int.max)
            let built = try await self.build(sql, Array(window))
            return Listing(items: built, total: total)
        }
    }

    /// Every zone entry of one template, as register, update and copy answer.
    func views(of template: Template, zoneID: Int64?) async throws -> [TemplateView] {
        try await db.read { sql in
            let copies = try await TemplateRepository.refs(sql, templateIDs: [template.id])[template.id] ?? []
            var rows: [(Template, Int64?, [TemplateStoreRef])] = []
            for z in Set(copies.map(\.zoneID)).sorted(by: { ($0 ?? 0) < ($1 ?? 0) }) where zoneID == nil || z == zoneID {
                rows.append((template, z, copies.filter { $0.zoneID == z }))
            }
            if rows.isEmpty { rows = [(template, nil, [])] }
            return try await self.build(sql, rows)
        }
    }

    /// Resolves the names a listing shows, in a few batched reads.
    func build(_ sql: any SQLDatabase, _ rows: [(Template, Int64?, [TemplateStoreRef])]) async throws -> [TemplateView] {
        let accounts = try await AccountRepository.find(sql, ids: Set(rows.map(\.0.accountID)))
        let domains = try await DomainRepository.find(sql, ids: Set(rows.map(\.0.domainID)))
        let zones = try await ZoneRepository.find(sql, ids: Set(rows.compactMap(\.1)))
        let osTypes = try await OSTypeRepository.find(sql, ids: Set(rows.map(\.0.osTypeID)))
        var storeNames: [Int64: String] = [:]
        for id in Set(rows.flatMap { $0.2.map(\.storeID) }) {
            if let s = try await ImageStoreRepository.find(sql, id: id) { storeNames[id] = s.name }
        }
        var sources: [Int64: UUID] = [:]
        for id in Set(rows.compactMap(\.0.sourceTemplateID)) {
            if let s = try await TemplateRepository.find(sql, id: id) { sources[id] = s.uuid }
        }
        let templateTags = try await TagRepository.tags(sql, type: .template, resourceIDs: rows.filter { !$0.0.isISO }.map(\.0.id))
        let isoTags = try await TagRepository.tags(sql, type: .iso, resourceIDs: rows.filter { $0.0.isISO }.map(\.0.id))
        return rows.map { t, z, copies in
            TemplateView(template: t, zone: z.flatMap { zones[$0] }, copies: copies, storeNames: storeNames, account: accounts[t.accountID],
                         domain: domains[t.domainID], osType: osTypes[t.osTypeID], sourceTemplateUUID: t.sourceTemplateID.flatMap { sources[$0] },
                         tags: (t.isISO ? isoTags[t.id] : templateTags[t.id]) ?? [])
        }
    }

    func record(_ sql: any SQLDatabase, _ caller: Caller, _ type: String, _ text: String, _ t: Template) async throws {
        try await events.record(sql, type: type, state: .completed, description: text, userID: caller.user.id, accountID: caller.account.id,
                                domainID: caller.account.domainID, resource: EventResource(type: t.isISO ? "Iso" : "Template", uuid: t.uuid.uuidString.lowercased(), name: t.name))
    }
}
