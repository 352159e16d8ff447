import CirrusModel
import Foundation
import SQLKit

/// Templates and ISOs, their copies on image stores and their launch permissions.
public enum TemplateRepository {
    static let table = "templates"
    static let refs = "template_store_refs"
    static let permissions = "template_permissions"

    static func map(_ row: any SQLRow) throws -> Template {
        Template(id: try row.int64("id"), uuid: try row.uuid("uuid"), name: try row.string("name"), displayText: try row.string("display_text"),
                 format: try row.enumValue("format", as: TemplateFormat.self), type: try row.enumValue("template_type", as: TemplateType.self),
                 hypervisor: try row.optionalString("hypervisor"), osTypeID: try row.int64("os_type_id"), accountID: try row.int64("account_id"),
                 domainID: try row.int64("domain_id"), url: try row.optionalString("url"), checksum: try row.optionalString("checksum"),
                 isPublic: try row.bool("is_public"), isFeatured: try row.bool("is_featured"), isExtractable: try row.bool("is_extractable"),
                 passwordEnabled: try row.bool("password_enabled"), sshKeyEnabled: try row.bool("sshkey_enabled"), requiresHVM: try row.bool("requires_hvm"),
                 bootable: try row.bool("bootable"), crossZones: try row.bool("cross_zones"), isDynamicallyScalable: try row.bool("dynamically_scalable"),
                 bits: try row.int("bits"), sortKey: try row.int("sort_key"), templateTag: try row.optionalString("template_tag"),
                 sourceTemplateID: try row.optionalInt64("source_template_id"), created: try row.date("created"), removed: try row.optionalDate("removed"))
    }

    static func mapRef(_ row: any SQLRow) throws -> TemplateStoreRef {
        TemplateStoreRef(id: try row.int64("id"), templateID: try row.int64("template_id"), storeID: try row.int64("store_id"), zoneID: try row.optionalInt64("zone_id"),
                         state: try row.enumValue("download_state", as: TemplateDownloadState.self), downloadPercent: try row.int("download_pct"),
                         size: try row.int64("size"), physicalSize: try row.int64("physical_size"), installPath: try row.optionalString("install_path"),
                         error: try row.optionalString("error"), ownerServer: try row.optionalString("owner_server"), updated: try row.date("updated"),
                         created: try row.date("created"))
    }

    // MARK: templates

    /// Inserts a template and returns it with its new id.
    public static func insert(_ sql: any SQLDatabase, _ t: Template) async throws -> Template {
        let row = try await sql.insert(into: table)
            .columns("uuid", "name", "display_text", "format", "template_type", "hypervisor", "os_type_id", "account_id", "domain_id", "url", "checksum",
                     "is_public", "is_featured", "is_extractable", "password_enabled", "sshkey_enabled", "requires_hvm", "bootable", "cross_zones",
                     "dynamically_scalable", "bits", "sort_key", "template_tag", "source_template_id", "created")
            .values(SQLBind(t.uuid.stored), SQLBind(t.name), SQLBind(t.displayText), SQLBind(t.format.rawValue), SQLBind(t.type.rawValue), SQLBind(t.hypervisor),
                    SQLBind(t.osTypeID), SQLBind(t.accountID), SQLBind(t.domainID), SQLBind(t.url), SQLBind(t.checksum), SQLBind(t.isPublic), SQLBind(t.isFeatured),
                    SQLBind(t.isExtractable), SQLBind(t.passwordEnabled), SQLBind(t.sshKeyEnabled), SQLBind(t.requiresHVM), SQLBind(t.bootable),
                    SQLBind(t.crossZones), SQLBind(t.isDynamicallyScalable), SQLBind(t.bits), SQLBind(t.sortKey), SQLBind(t.templateTag),
                    SQLBind(t.sourceTemplateID), SQLBind(t.created.storedMillis))
            .returning("id").first()
        guard let id = try row?.int64("id") else { throw StoreError("Inserting template \(t.name) returned no id") }
        var out = t
        out.id = id
        return out
    }

    /// Writes every changeable field of `t`.
    public static func update(_ sql: any SQLDatabase, _ t: Template) async throws {
        try await sql.update(table).set("name", to: t.name).set("display_text", to: t.displayText).set("format", to: t.format.rawValue)
            .set("template_type", to: t.type.rawValue).set("os_type_id", to: t.osTypeID).set("is_public", to: t.isPublic).set("is_featured", to: t.isFeatured)
            .set("is_extractable", to: t.isExtractable).set("password_enabled", to: t.passwordEnabled).set("sshkey_enabled", to: t.sshKeyEnabled)
            .set("requires_hvm", to: t.requiresHVM).set("bootable", to: t.bootable).set("dynamically_scalable", to: t.isDynamicallyScalable)
            .set("sort_key", to: t.sortKey).set("template_tag", to: SQLBind(t.templateTag)).set("cross_zones", to: t.crossZones)
            .where("id", .equal, t.id).run()
    }

    public static func markRemoved(_ sql: any SQLDatabase, id: Int64, at date: Date) async throws {
        try await sql.delete(from: permissions).where("template_id", .equal, id).run()
        // A removed template or ISO keeps no tags (the row says which of the two it is).
        try await TagRepository.deleteAll(sql, type: .template, resourceID: id)
        try await TagRepository.deleteAll(sql, type: .iso, resourceID: id)
        try await sql.update(table).set("removed", to: date.storedMillis).where("id", .equal, id).run()
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> Template? {
        try await sql.select().column("*").from(table).where("id", .equal, id).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> Template? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).where("removed", .is, SQLLiteral.null).first().map(map)
    }

    /// The built-in template of a kind (by name), if it exists.
    public static func find(_ sql: any SQLDatabase, name: String, type: TemplateType) async throws -> Template? {
        try await sql.select().column("*").from(table).where("name", .equal, name).where("template_type", .equal, type.rawValue)
            .where("removed", .is, SQLLiteral.null).orderBy("id").first().map(map)
    }

    /// What a listing filters on in SQL; the template filter itself is applied by the caller.
    public struct Filter: Sendable {
        public var id: Int64?
        public var ids: [Int64]?
        public var name: String?
        public var keyword: String?
        public var hypervisor: String?
        public var isISO: Bool
        public var templateType: TemplateType?
        public var bootable: Bool?
        public var isPublic: Bool?
        /// `tags[N]` pairs: templates carrying any of them.
        public var tags: [TagPair]

        public init(id: Int64? = nil, ids: [Int64]? = nil, name: String? = nil, keyword: String? = nil, hypervisor: String? = nil, isISO: Bool,
                    templateType: TemplateType? = nil, bootable: Bool? = nil, isPublic: Bool? = nil, tags: [TagPair] = []) {
            self.id = id; self.ids = ids; self.name = name; self.keyword = keyword; self.hypervisor = hypervisor; self.isISO = isISO
            self.templateType = templateType; self.bootable = bootable; self.isPublic = isPublic; self.tags = tags
        }
    }

    /// Live templates (or ISOs) matching `filter`, each with its owner's domain path, ordered
    /// as CloudStack orders them (sort key, then newest first).
    public static func candidates(_ sql: any SQLDatabase, _ filter: Filter) async throws -> [(Template, String)] {
        var b = sql.select().column(SQLColumn(SQLLiteral.all, table: SQLIdentifier(table))).column(SQLColumn("path", table: "domains"), as: "owner_domain_path")
            .from(table).join("domains", on: SQLColumn("domain_id", table: table), .equal, SQLColumn("id", table: "domains"))
            .where(SQLColumn("removed", table: table), .is, SQLLiteral.null)
        b = b.where(SQLColumn("format", table: table), filter.isISO ? .equal : .notEqual, SQLBind(TemplateFormat.iso.rawValue))
        if let id = filter.id { b = b.where(SQLColumn("id", table: table), .equal, SQLBind(id)) }
        if let ids = filter.ids { b = b.where(SQLColumn("id", table: table), .in, SQLBind.group(ids)) }
        if let name = filter.name { b = b.where(SQLColumn("name", table: table), .equal, SQLBind(name)) }
        if let keyword = filter.keyword {
            b = b.where(SQLFunction("lower", args: SQLColumn("name", table: table)), .like, SQLBind("%\(keyword.lowercased())%"))
        }
        if let h = filter.hypervisor {
            b = b.where(SQLFunction("lower", args: SQLColumn("hypervisor", table: table)), .equal, SQLBind(h.lowercased()))
        }
        if let t = filter.templateType { b = b.where(SQLColumn("template_type", table: table), .equal, SQLBind(t.rawValue)) }
        if let v = filter.bootable { b = b.where(SQLColumn("bootable", table: table), .equal, SQLBind(v)) }
        if let v = filter.isPublic { b = b.where(SQLColumn("is_public", table: table), .equal, SQLBind(v)) }
        if !filter.tags.isEmpty {
            b = b.where(TagRepository.matching(type: filter.isISO ? .iso : .template, tags: filter.tags, idColumn: SQLColumn("id", table: table)))
        }
        let rows = try await b.orderBy(SQLOrderBy(expression: SQLColumn("sort_key", table: table), direction: SQLDirection.ascending))
            .orderBy(SQLOrderBy(expression: SQLColumn("id", table: table), direction: SQLDirection.descending)).all()
        return try rows.map { (try map($0), try $0.string("owner_domain_path")) }
    }

    // MARK: store copies

    /// Adds a template's copy on a store.
    public static func insertRef(_ sql: any SQLDatabase, _ r: TemplateStoreRef) async throws -> TemplateStoreRef {
        let row = try await sql.insert(into: refs)
            .columns("template_id", "store_id", "zone_id", "download_state", "download_pct", "size", "physical_size", "install_path", "error",
                     "owner_server", "updated", "created")
            .values(SQLBind(r.templateID), SQLBind(r.storeID), SQLBind(r.zoneID), SQLBind(r.state.rawValue), SQLBind(r.downloadPercent), SQLBind(r.size),
                    SQLBind(r.physicalSize), SQLBind(r.installPath), SQLBind(r.error), SQLBind(r.ownerServer), SQLBind(r.updated.storedMillis),
                    SQLBind(r.created.storedMillis))
            .returning("id").first()
        guard let id = try row?.int64("id") else { throw StoreError("Inserting a template store copy returned no id") }
        var out = r
        out.id = id
        return out
    }

    public static func ref(_ sql: any SQLDatabase, id: Int64) async throws -> TemplateStoreRef? {
        try await sql.select().column("*").from(refs).where("id", .equal, id).first().map(mapRef)
    }

    /// The store copies of the given templates, by template id.
    public static func refs(_ sql: any SQLDatabase, templateIDs: [Int64]) async throws -> [Int64: [TemplateStoreRef]] {
        guard !templateIDs.isEmpty else { return [:] }
        var out: [Int64: [TemplateStoreRef]] = [:]
        for chunkStart in stride(from: 0, to: templateIDs.count, by: 500) {
            let chunk = Array(templateIDs[chunkStart..<min(chunkStart + 500, templateIDs.count)])
            for row in try await sql.select().column("*").from(refs).where("template_id", .in, chunk).orderBy("id").all() {
                let r = try mapRef(row)
                out[r.templateID, default: []].append(r)
            }
        }
        return out
    }

    /// Copies still to download (NOT_DOWNLOADED or DOWNLOAD_IN_PROGRESS) whose heartbeat is older than `before`.
    public static func stalePending(_ sql: any SQLDatabase, before: Date) async throws -> [TemplateStoreRef] {
        try await sql.select().column("*").from(refs)
            .where("download_state", .in, [TemplateDownloadState.notDownloaded.rawValue, TemplateDownloadState.downloadInProgress.rawValue])
            .where("updated", .lessThan, before.storedMillis).orderBy("id").all().map(mapRef)
    }

    /// Copies still being made by a host (CREATING, as for templates made from snapshots and
    /// volumes) that were created before `before`.
    public static func creating(_ sql: any SQLDatabase, before: Date) async throws -> [TemplateStoreRef] {
        try await sql.select().column("*").from(refs).where("download_state", .equal, TemplateDownloadState.creating.rawValue)
            .where("created", .lessThan, before.storedMillis).orderBy("id").all().map(mapRef)
    }

    /// Takes over a pending copy for `owner` if nobody touched it since `seen`; true when taken.
    public static func claim(_ sql: any SQLDatabase, id: Int64, seen: Date, owner: String, at date: Date) async throws -> Bool {
        let rows = try await sql.update(refs).set("owner_server", to: owner).set("updated", to: date.storedMillis)
            .set("download_state", to: TemplateDownloadState.downloadInProgress.rawValue).set("download_pct", to: 0).set("error", to: SQLLiteral.null)
            .where("id", .equal, id).where("updated", .equal, seen.storedMillis)
            .where("download_state", .in, [TemplateDownloadState.notDownloaded.rawValue, TemplateDownloadState.downloadInProgress.rawValue])
            .returning("id").all()
        return !rows.isEmpty
    }

    /// Records progress (and the heartbeat) of a running download.
    public static func setProgress(_ sql: any SQLDatabase, id: Int64, percent: Int, at date: Date) async throws {
        try await sql.update(refs).set("download_state", to: TemplateDownloadState.downloadInProgress.rawValue).set("download_pct", to: percent)
            .set("updated", to: date.storedMillis).where("id", .equal, id).run()
    }

    /// Sets the final (or any) state of a copy.
    public static func setState(_ sql: any SQLDatabase, id: Int64, state: TemplateDownloadState, percent: Int, size: Int64?, physicalSize: Int64?,
                                installPath: String?, error: String?, at date: Date) async throws {
        var b = sql.update(refs).set("download_state", to: state.rawValue).set("download_pct", to: percent)
            .set("install_path", to: SQLBind(installPath)).set("error", to: SQLBind(error)).set("updated", to: date.storedMillis)
        if let size { b = b.set("size", to: size) }
        if let physicalSize { b = b.set("physical_size", to: physicalSize) }
        try await b.where("id", .equal, id).run()
    }

    public static func deleteRef(_ sql: any SQLDatabase, id: Int64) async throws {
        try await sql.delete(from: refs).where("id", .equal, id).run()
    }

    /// Template and ISO copies held by an image store (for `deleteImageStore`).
    public static func refCount(_ sql: any SQLDatabase, storeID: Int64) async throws -> Int {
        try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from(refs).where("store_id", .equal, storeID).first().map { try $0.int("n") } ?? 0
    }

    // MARK: launch permissions

    public static func permittedAccounts(_ sql: any SQLDatabase, templateID: Int64) async throws -> [Int64] {
        try await sql.select().column("account_id").from(permissions).where("template_id", .equal, templateID).orderBy("account_id").all().map { try $0.int64("account_id") }
    }

    /// The templates shared with an account.
    public static func sharedTemplates(_ sql: any SQLDatabase, accountID: Int64) async throws -> Set<Int64> {
        Set(try await sql.select().column("template_id").from(permissions).where("account_id", .equal, accountID).all().map { try $0.int64("template_id") })
    }

    public static func addPermissions(_ sql: any SQLDatabase, templateID: Int64, accountIDs: [Int64]) async throws {
        let existing = Set(try await permittedAccounts(sql, templateID: templateID))
        for a in Set(accountIDs) where !existing.contains(a) {
            try await sql.insert(into: permissions).columns("template_id", "account_id").values(SQLBind(templateID), SQLBind(a)).run()
        }
    }

    public static func removePermissions(_ sql: any SQLDatabase, templateID: Int64, accountIDs: [Int64]?) async throws {
        var b = sql.delete(from: permissions).where("template_id", .equal, templateID)
        if let accountIDs { b = b.where("account_id", .in, accountIDs) }
        try await b.run()
    }
}
