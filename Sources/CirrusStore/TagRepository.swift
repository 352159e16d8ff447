import CirrusModel
import Foundation
import SQLKit

/// Resource tags: the rows, the lookup of the resources they label, the tag filter every
/// taggable list command shares, and the batch loader for the `tags` field of responses.
public enum TagRepository {
    static let table = "resource_tags"

    static func map(_ row: any SQLRow) throws -> ResourceTag {
        ResourceTag(id: try row.int64("id"), uuid: try row.uuid("uuid"), key: try row.string("tag_key"), value: try row.string("value"),
                    resourceType: try row.enumValue("resource_type", as: TaggableResourceType.self), resourceID: try row.int64("resource_id"),
                    resourceUUID: try row.string("resource_uuid"), accountID: try row.int64("account_id"), domainID: try row.int64("domain_id"),
                    customer: try row.optionalString("customer"), created: try row.date("created"))
    }

    /// A tag row joined with its owner's account and domain names.
    static func mapWithOwner(_ row: any SQLRow) throws -> ResourceTag {
        var tag = try map(row)
        if let name = try row.optionalString("owner_account_name"), let domainUUID = try row.optionalString("owner_domain_uuid").flatMap(UUID.init(uuidString:)),
           let domainName = try row.optionalString("owner_domain_name") {
            tag.owner = ResourceTag.Owner(accountName: name, domainUUID: domainUUID, domainName: domainName)
        }
        return tag
    }

    /// Selects every tag column plus the owner's names (LEFT joins: a tag outlives nothing,
    /// but a missing owner must not hide it).
    static func selectWithOwner(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
        b.from(table)
            .join("accounts", method: SQLJoinMethod.left, on: SQLColumn("account_id", table: table), .equal, SQLColumn("id", table: "accounts"))
            .join("domains", method: SQLJoinMethod.left, on: SQLColumn("domain_id", table: table), .equal, SQLColumn("id", table: "domains"))
    }

    static let columnsWithOwner: [any SQLExpression] = [
        SQLColumn(SQLLiteral.all, table: SQLIdentifier(table)),
        SQLAlias(SQLColumn("name", table: "accounts"), as: SQLIdentifier("owner_account_name")),
        SQLAlias(SQLColumn("uuid", table: "domains"), as: SQLIdentifier("owner_domain_uuid")),
        SQLAlias(SQLColumn("name", table: "domains"), as: SQLIdentifier("owner_domain_name")),
    ]

    // MARK: - the tagged resources

    /// A live row of a taggable type and its owner.
    public struct Target: Sendable, Equatable {
        public var id: Int64
        public var uuid: String
        public var accountID: Int64
        public var domainID: Int64
    }

    /// The live row of `type` with API id `uuid`, or nil when there is none (or Cirrus has
    /// no table for the type).
    public static func target(_ sql: any SQLDatabase, type: TaggableResourceType, uuid: String) async throws -> Target? {
        guard let storage = type.storage else { return nil }
        var b = sql.select().column("*").from(storage.table).where("uuid", .equal, SQLBind(uuid.lowercased()))
            .where("removed", .is, SQLLiteral.null)
        if let d = storage.discriminator { b = b.where(SQLIdentifier(d.column), d.negated ? .notEqual : .equal, SQLBind(d.value)) }
        guard let row = try await b.first() else { return nil }
        let id = try row.int64("id")
        switch storage.ownership {
        case .accountColumns:
            return Target(id: id, uuid: try row.string("uuid"), accountID: try row.int64("account_id"), domainID: try row.int64("domain_id"))
        case .itself:
            return Target(id: id, uuid: try row.string("uuid"), accountID: id, domainID: try row.int64("domain_id"))
        case .domainItself:
            return Target(id: id, uuid: try row.string("uuid"), accountID: Account.systemID, domainID: id)
        case .system:
            return Target(id: id, uuid: try row.string("uuid"), accountID: Account.systemID, domainID: Domain.rootID)
        }
    }

    // MARK: - rows

    /// Inserts `tag`; returns it with its id, or nil when the resource already has a tag
    /// with that key (the unique index decides, so parallel requests cannot both win).
    public static func insert(_ sql: any SQLDatabase, _ tag: ResourceTag) async throws -> ResourceTag? {
        let row = try await sql.insert(into: table)
            .columns("uuid", "tag_key", "value", "resource_type", "resource_id", "resource_uuid", "account_id", "domain_id", "customer", "created")
            .values(SQLBind(tag.uuid.stored), SQLBind(tag.key), SQLBind(tag.value), SQLBind(tag.resourceType.rawValue), SQLBind(tag.resourceID),
                    SQLBind(tag.resourceUUID), SQLBind(tag.accountID), SQLBind(tag.domainID), SQLBind(tag.customer), SQLBind(tag.created.storedMillis))
            .ignoringConflicts(with: ["resource_type", "resource_id", "tag_key"])
            .returning("id").first()
        guard let id = try row?.int64("id") else { return nil }
        var out = tag
        out.id = id
        return out
    }

    /// The tag with `key` on one resource, if any.
    public static func find(_ sql: any SQLDatabase, type: TaggableResourceType, resourceID: Int64, key: String) async throws -> ResourceTag? {
        try await sql.select().column("*").from(table).where("resource_type", .equal, type.rawValue).where("resource_id", .equal, resourceID)
            .where("tag_key", .equal, key).first().map(map)
    }

    /// Every tag on the resources of `type` with these API ids.
    public static func tags(_ sql: any SQLDatabase, type: TaggableResourceType, resourceUUIDs: [String]) async throws -> [ResourceTag] {
        guard !resourceUUIDs.isEmpty else { return [] }
        return try await sql.select().column("*").from(table).where("resource_type", .equal, type.rawValue)
            .where("resource_uuid", .in, SQLBind.group(resourceUUIDs.map { $0.lowercased() })).orderBy("id").all().map(map)
    }

    /// Deletes the tags with these ids.
    public static func delete(_ sql: any SQLDatabase, ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await sql.delete(from: table).where("id", .in, SQLBind.group(ids)).run()
    }

    /// Deletes every tag of one resource. Whoever removes or expunges a taggable resource
    /// calls this in the same transaction.
    public static func deleteAll(_ sql: any SQLDatabase, type: TaggableResourceType, resourceID: Int64) async throws {
        try await sql.delete(from: table).where("resource_type", .equal, type.rawValue).where("resource_id", .equal, resourceID).run()
    }

    // MARK: - for list commands of taggable resources

    /// The predicate of a `tags[N].key/value` filter: `idColumn IN (SELECT resource_id FROM
    /// resource_tags WHERE resource_type = ? AND ((tag_key = ? AND value = ?) OR …))`.
    ///
    /// CloudStack keeps a resource that carries **any** of the given pairs (its list
    /// queries OR the pairs in one join on resource_tags), and so does this. Keys and values
    /// match exactly. Use it in a repository's `filtered` closure:
    /// `b.where(TagRepository.matching(type: .userVm, tags: pairs, idColumn: SQLColumn("id", table: "vm_instances")))`.
    /// With no pairs it keeps every resource with any tag of the type, so add it only when
    /// the filter is non-empty.
    public static func matching(type: TaggableResourceType, tags: [TagPair], idColumn: any SQLExpression = SQLIdentifier("id")) -> any SQLExpression {
        SQLTagMatch(idColumn: idColumn, type: type, pairs: tags)
    }

    /// The tags of a page of resources, by resource id, ordered by key: one query per page.
    /// Each tag carries its owner's account and domain names for the response.
    public static func tags(_ sql: any SQLDatabase, type: TaggableResourceType, resourceIDs: [Int64]) async throws -> [Int64: [ResourceTag]] {
        let ids = Array(Set(resourceIDs))
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: [ResourceTag]] = [:]
        // Chunked to stay under SQLite's bound-parameter limit for very large pages.
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(start + 500, ids.count)])
            let rows = try await selectWithOwner(sql.select().columns(columnsWithOwner))
                .where(SQLColumn("resource_type", table: table), .equal, SQLBind(type.rawValue))
                .where(SQLColumn("resource_id", table: table), .in, SQLBind.group(chunk))
                .orderBy(SQLColumn("tag_key", table: table)).orderBy(SQLColumn("id", table: table)).all()
            for row in rows {
                let tag = try mapWithOwner(row)
                out[tag.resourceID, default: []].append(tag)
            }
        }
        return out
    }

    // MARK: - listTags

    /// What `listTags` filters on besides the tenancy scope.
    public struct Filter: Sendable {
        /// A canonical type name; a name that is no type matches nothing.
        public var resourceType: String?
        /// The resource's API id (compared case-insensitively) or its internal id.
        public var resourceID: String?
        public var key: String?
        public var value: String?
        public var customer: String?
        /// Substring of the key or the value, case-insensitive.
        public var keyword: String?

        public init(resourceType: String? = nil, resourceID: String? = nil, key: String? = nil, value: String? = nil, customer: String? = nil, keyword: String? = nil) {
            self.resourceType = resourceType
            self.resourceID = resourceID
            self.key = key
            self.value = value
            self.customer = customer
            self.keyword = keyword
        }
    }

    /// A page of tags visible in `scope`, with their owners' names.
    public static func list(_ sql: any SQLDatabase, _ filter: Filter, scope: ListScope, offset: Int, limit: Int?) async throws -> Listing<ResourceTag> {
        func col(_ name: String) -> SQLColumn { SQLColumn(name, table: table) }
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = ScopeFilter.apply(scope, to: selectWithOwner(b), accountColumn: col("account_id"), domainColumn: col("domain_id"))
            if let t = filter.resourceType { b = b.where(col("resource_type"), .equal, SQLBind(t)) }
            if let rid = filter.resourceID {
                if let internalID = Int64(rid) {
                    b = b.where(col("resource_id"), .equal, SQLBind(internalID))
                } else {
                    b = b.where(col("resource_uuid"), .equal, SQLBind(rid.lowercased()))
                }
            }
            if let key = filter.key { b = b.where(col("tag_key"), .equal, SQLBind(key)) }
            if let value = filter.value { b = b.where(col("value"), .equal, SQLBind(value)) }
            if let customer = filter.customer { b = b.where(col("customer"), .equal, SQLBind(customer)) }
            if let keyword = filter.keyword {
                let pattern = SQLBind("%\(keyword.lowercased())%")
                b = b.where(SQLGroupExpression(SQLBinaryExpression(
                    SQLBinaryExpression(SQLFunction("lower", args: col("tag_key")), .like, pattern), .or,
                    SQLBinaryExpression(SQLFunction("lower", args: col("value")), .like, pattern))))
            }
            return b
        }
        // CloudStack orders tags by resource type, descending; the id keeps pages stable.
        return try await fetchListing(sql, columns: SQLList(columnsWithOwner), filtered: build,
                                      order: { $0.orderBy(col("resource_type"), SQLDirection.descending).orderBy(col("id")) },
                                      offset: offset, limit: limit, map: mapWithOwner)
    }
}

/// `id IN (SELECT resource_id FROM resource_tags WHERE resource_type = ? AND (pair OR pair …))`.
struct SQLTagMatch: SQLExpression {
    let idColumn: any SQLExpression
    let type: TaggableResourceType
    let pairs: [TagPair]

    func serialize(to serializer: inout SQLSerializer) {
        idColumn.serialize(to: &serializer)
        serializer.write(" IN (SELECT ")
        SQLIdentifier("resource_id").serialize(to: &serializer)
        serializer.write(" FROM ")
        SQLIdentifier(TagRepository.table).serialize(to: &serializer)
        serializer.write(" WHERE ")
        SQLIdentifier("resource_type").serialize(to: &serializer)
        serializer.write(" = ")
        SQLBind(type.rawValue).serialize(to: &serializer)
        if pairs.isEmpty {
            serializer.write(")")
            return
        }
        serializer.write(" AND (")
        for (i, pair) in pairs.enumerated() {
            if i > 0 { serializer.write(" OR ") }
            serializer.write("(")
            SQLIdentifier("tag_key").serialize(to: &serializer)
            serializer.write(" = ")
            SQLBind(pair.key).serialize(to: &serializer)
            serializer.write(" AND ")
            SQLIdentifier("value").serialize(to: &serializer)
            serializer.write(" = ")
            SQLBind(pair.value).serialize(to: &serializer)
            serializer.write(")")
        }
        serializer.write("))")
    }
}
