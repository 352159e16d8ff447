import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// One `tags[N]` entry of createTags or deleteTags as sent: deleteTags may leave out the value.
public struct TagEntry: Sendable, Equatable {
    public var key: String?
    public var value: String?

    public init(key: String?, value: String?) {
        self.key = key
        self.value = value
    }
}

/// Resource tags (CloudStack's TaggedResourceManager): create, delete and list, with
/// CloudStack's ownership rule (the caller must be able to act on each resource's owner).
public struct TagService: Sendable {
    let db: any Database
    let identity: IdentityService

    public init(db: any Database, identity: IdentityService) {
        self.db = db
        self.identity = identity
    }

    /// `resourcetype` in any letter case, or CloudStack's "Invalid resource type" (431).
    public static func resourceType(_ raw: String) throws(CloudError) -> TaggableResourceType {
        guard let type = TaggableResourceType(caseInsensitive: raw) else { throw .invalidParameter("Invalid resource type \(raw)") }
        return type
    }

    // MARK: - createTags

    /// Checks a createTags request without writing: the type takes tags, every resource
    /// exists and is the caller's to tag, every value is set and no key is on a resource
    /// already. Returns the type, for the job plan.
    public func checkCreate(caller: Caller, resourceType: String, resourceIDs: [String], tags: [TagEntry], customer: String?) async throws -> TaggableResourceType {
        let type = try Self.resourceType(resourceType)
        let pairs = try Self.createPairs(tags, type: type)
        _ = try await db.read { sql in try await self.plan(sql, caller: caller, type: type, resourceIDs: resourceIDs, pairs: pairs, customer: customer) }
        return type
    }

    /// Creates the tags, all or none, and returns them.
    @discardableResult
    public func create(caller: Caller, resourceType: String, resourceIDs: [String], tags: [TagEntry], customer: String?) async throws -> [ResourceTag] {
        let type = try Self.resourceType(resourceType)
        let pairs = try Self.createPairs(tags, type: type)
        return try await db.transaction { sql in
            let planned = try await self.plan(sql, caller: caller, type: type, resourceIDs: resourceIDs, pairs: pairs, customer: customer)
            var created: [ResourceTag] = []
            for tag in planned {
                guard let row = try await TagRepository.insert(sql, tag) else {
                    // Another request won the race for this key; the transaction rolls back.
                    throw Self.duplicate(tag.key, type: type, resource: tag.resourceUUID)
                }
                created.append(row)
            }
            return created
        }
    }

    /// The key/value pairs of createTags, in request order: each needs a key and a non-empty
    /// value, and a key may appear once.
    static func createPairs(_ entries: [TagEntry], type: TaggableResourceType) throws(CloudError) -> [TagPair] {
        guard type.supportsTags else { throw .invalidParameter("The resource type \(type.rawValue) doesn't support resource tags") }
        guard type.storage != nil else {
            throw .invalidParameter("The resource type \(type.rawValue) is not supported by Cirrus yet: there are no such resources to tag")
        }
        guard !entries.isEmpty else { throw .invalidParameter("No tags given: use tags[0].key and tags[0].value") }
        var seen: Set<String> = []
        var pairs: [TagPair] = []
        for (index, entry) in entries.enumerated() {
            guard let key = entry.key, !key.isEmpty else { throw .invalidParameter("No key is passed in for tags[\(index)]") }
            guard let value = entry.value, !value.isEmpty else { throw .invalidParameter("Value for the key \(key) is either null or empty") }
            guard seen.insert(key).inserted else { throw .invalidParameter("Duplicate key \(key) in tags") }
            pairs.append(TagPair(key: key, value: value))
        }
        return pairs
    }

    /// The rows createTags would write, after every check.
    func plan(_ sql: any SQLDatabase, caller: Caller, type: TaggableResourceType, resourceIDs: [String], pairs: [TagPair], customer: String?) async throws -> [ResourceTag] {
        let ids = Self.distinct(resourceIDs)
        guard !ids.isEmpty else { throw CloudError.invalidParameter("No resource ids given in resourceids") }
        var out: [ResourceTag] = []
        for raw in ids {
            guard let target = try await TagRepository.target(sql, type: type, uuid: raw) else {
                throw CloudError.invalidParameter("Unable to find resource by uuid \(raw) and type \(type.rawValue)")
            }
            try await checkOwner(sql, caller: caller, accountID: target.accountID,
                                 denial: "Account '\(caller.account.name)' doesn't have permissions to create tags for resource '\(target.uuid)'")
            for pair in pairs {
                if try await TagRepository.find(sql, type: type, resourceID: target.id, key: pair.key) != nil {
                    throw Self.duplicate(pair.key, type: type, resource: target.uuid)
                }
                out.append(ResourceTag(key: pair.key, value: pair.value, resourceType: type, resourceID: target.id, resourceUUID: target.uuid,
                                       accountID: target.accountID, domainID: target.domainID, customer: customer))
            }
        }
        return out
    }

    static func duplicate(_ key: String, type: TaggableResourceType, resource: String) -> CloudError {
        .invalidParameter("tag \(key) already on \(type.rawValue) with id \(resource)")
    }

    static func distinct(_ ids: [String]) -> [String] {
        var seen: Set<String> = []
        return ids.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && seen.insert($0.lowercased()).inserted }
    }

    /// CloudStack's rule: the caller must be able to act on the owning account (root admins
    /// always; domain admins within their subtree; users on their own account).
    func checkOwner(_ sql: any SQLDatabase, caller: Caller, accountID: Int64, denial: String) async throws {
        if caller.isRootAdmin || accountID == caller.account.id && !caller.isAdmin { return }
        guard let owner = try await AccountRepository.find(sql, id: accountID),
              let domain = try await DomainRepository.find(sql, id: owner.domainID) else {
            throw CloudError.permissionDenied(denial)
        }
        try identity.checkAccess(caller, to: owner, accountDomain: domain)
    }

    // MARK: - deleteTags

    /// The tags deleteTags would remove, after the permission check; fails with 431 when
    /// none matches (CloudStack fails such a request too).
    func doomed(_ sql: any SQLDatabase, caller: Caller, type: TaggableResourceType, resourceIDs: [String], tags: [TagEntry]) async throws -> [ResourceTag] {
        let ids = Self.distinct(resourceIDs)
        guard !ids.isEmpty else { throw CloudError.invalidParameter("No resource ids given in resourceids") }
        let wanted = tags.filter { $0.key != nil }
        let existing = try await TagRepository.tags(sql, type: type, resourceUUIDs: ids)
        // Keys and values compare without letter case here, as in CloudStack.
        let matching = existing.filter { tag in
            wanted.isEmpty || wanted.contains { entry in
                guard let key = entry.key, key.caseInsensitiveCompare(tag.key) == .orderedSame else { return false }
                guard let value = entry.value else { return true }
                return value.caseInsensitiveCompare(tag.value) == .orderedSame
            }
        }
        guard !matching.isEmpty else {
            throw CloudError.invalidParameter("Failed to delete tags: no tag \(wanted.isEmpty ? "" : "with the given keys ")exists on \(type.rawValue) \(ids.joined(separator: ", "))")
        }
        var checked: Set<Int64> = []
        for tag in matching where tag.accountID != caller.account.id && checked.insert(tag.accountID).inserted {
            try await checkOwner(sql, caller: caller, accountID: tag.accountID,
                                 denial: "Account '\(caller.account.name)' doesn't have permissions to delete tags of resource '\(tag.resourceUUID)'")
        }
        return matching
    }

    /// Checks a deleteTags request without writing; returns the type, for the job plan.
    public func checkDelete(caller: Caller, resourceType: String, resourceIDs: [String], tags: [TagEntry]) async throws -> TaggableResourceType {
        let type = try Self.resourceType(resourceType)
        _ = try await db.read { sql in try await self.doomed(sql, caller: caller, type: type, resourceIDs: resourceIDs, tags: tags) }
        return type
    }

    /// Deletes the tags of the given resources: all of them, or those with the given keys
    /// (and values, where given). Returns what was deleted.
    @discardableResult
    public func delete(caller: Caller, resourceType: String, resourceIDs: [String], tags: [TagEntry]) async throws -> [ResourceTag] {
        let type = try Self.resourceType(resourceType)
        return try await db.transaction { sql in
            let doomed = try await self.doomed(sql, caller: caller, type: type, resourceIDs: resourceIDs, tags: tags)
            try await TagRepository.delete(sql, ids: doomed.map(\.id))
            return doomed
        }
    }

    // MARK: - reading

    /// listTags: the tags in `scope` matching `filter`, with their owners' names.
    public func list(caller: Caller, scope: ListScope, _ filter: TagRepository.Filter, page: (offset: Int, limit: Int?)) async throws -> Listing<ResourceTag> {
        var filter = filter
        if let raw = filter.resourceType {
            // A name that is no resource type matches nothing, as in CloudStack.
            filter.resourceType = TaggableResourceType(caseInsensitive: raw)?.rawValue ?? raw
        }
        let f = filter
        return try await db.read { sql in try await TagRepository.list(sql, f, scope: scope, offset: page.offset, limit: page.limit) }
    }

    /// The tags of a page of resources, by resource id, for services that build responses
    /// outside a transaction (inside one, call ``TagRepository/tags(_:type:resourceIDs:)``).
    public func tags(type: TaggableResourceType, resourceIDs: [Int64]) async throws -> [Int64: [ResourceTag]] {
        guard !resourceIDs.isEmpty else { return [:] }
        return try await db.read { sql in try await TagRepository.tags(sql, type: type, resourceIDs: resourceIDs) }
    }
}
