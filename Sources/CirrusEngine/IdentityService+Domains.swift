import CirrusModel
import CirrusStore
import Foundation
import SQLKit

extension IdentityService {
    /// Creates a domain under `parentUUID` (default: the caller's domain).
    public func createDomain(caller: Caller, name: String, parentUUID: UUID?, networkDomain: String?, uuid: UUID?) async throws -> DomainView {
        try Self.validateName(name, what: "domain")
        guard !name.contains("/") else { throw CloudError.invalidParameter("Domain name \(name) cannot contain '/'") }
        return try await cache.mutate { sql in
            let parent = try await parentUUID.asyncMap { try await Self.requireDomain(sql, uuid: $0) } ?? caller.domain
            try checkAdministers(caller, domain: parent)
            let path = Domain.childPath(parentPath: parent.path, name: name)
            if try await DomainRepository.find(sql, path: path) != nil {
                throw CloudError.invalidParameter("Domain with name \(name) already exists for the parent id=\(parent.uuid.uuidString.lowercased())")
            }
            let newUUID = uuid ?? UUID()
            if let uuid, try await DomainRepository.find(sql, uuid: uuid) != nil {
                throw CloudError.invalidParameter("A domain with id \(uuid.uuidString.lowercased()) already exists")
            }
            let domain = try await DomainRepository.insert(sql, uuid: newUUID, name: name, parentID: parent.id, path: path, level: parent.level + 1, networkDomain: networkDomain, created: Date())
            try await events.record(sql, type: EventType.domainCreate, state: .completed, description: "Domain \(Domain.displayPath(for: path)) created",
                                    userID: caller.user.id, accountID: caller.account.id, domainID: caller.account.domainID,
                                    resource: EventResource(type: "Domain", uuid: domain.uuid.uuidString.lowercased(), name: name))
            return DomainView(domain: domain, parent: parent, hasChild: false)
        }
    }

    /// Renames a domain (and rewrites the paths below it) or changes its network domain.
    public func updateDomain(caller: Caller, uuid: UUID, name: String?, networkDomain: String?) async throws -> DomainView {
        if let name {
            try Self.validateName(name, what: "domain")
            guard !name.contains("/") else { throw CloudError.invalidParameter("Domain name \(name) cannot contain '/'") }
        }
        return try await cache.mutate { sql in
            let domain = try await Self.requireDomain(sql, uuid: uuid)
            try checkAdministers(caller, domain: domain)
            if !caller.isRootAdmin && domain.id == caller.domain.id {
                throw CloudError.permissionDenied("A domain admin cannot update their own domain")
            }
            var newPath = domain.path
            if let name, name != domain.name {
                guard domain.id != Domain.rootID else { throw CloudError.invalidParameter("ROOT domain can not be edited with a new name") }
                let parentPath = String(domain.path.dropLast(domain.name.count + 1))
                newPath = Domain.childPath(parentPath: parentPath, name: name)
                if try await DomainRepository.find(sql, path: newPath) != nil {
                    throw CloudError.invalidParameter("Domain with name \(name) already exists for the same parent")
                }
            }
            try await DomainRepository.update(sql, id: domain.id, name: name ?? domain.name, path: newPath, networkDomain: networkDomain ?? domain.networkDomain)
            if newPath != domain.path {
                try await DomainRepository.replacePathPrefix(sql, oldPrefix: domain.path, newPrefix: newPath)
            }
            try await events.record(sql, type: EventType.domainUpdate, state: .completed, description: "Domain \(Domain.displayPath(for: newPath)) updated",
                                    userID: caller.user.id, accountID: caller.account.id, domainID: caller.account.domainID,
                                    resource: EventResource(type: "Domain", uuid: domain.uuid.uuidString.lowercased(), name: name ?? domain.name))
            return try await Self.domainView(sql, try await DomainRepository.find(sql, id: domain.id)!)
        }
    }

    /// Validates a domain deletion before it is queued; returns the domain.
    public func checkDeleteDomain(caller: Caller, uuid: UUID) async throws -> Domain {
        try await db.read { sql in
            let domain = try await Self.requireDomain(sql, uuid: uuid)
            guard domain.id != Domain.rootID else { throw CloudError.permissionDenied("The ROOT domain cannot be deleted") }
            try checkAdministers(caller, domain: domain)
            guard domain.id != caller.domain.id else { throw CloudError.permissionDenied("A domain admin cannot delete their own domain") }
            return domain
        }
    }

    /// Deletes a domain. Without `cleanup` the domain must have no sub-domains and no
    /// accounts; with it, every account and sub-domain below is removed too.
    public func deleteDomain(caller: Caller, uuid: UUID, cleanup: Bool) async throws {
        try await cache.mutate { sql in
            let domain = try await Self.requireDomain(sql, uuid: uuid)
            guard domain.id != Domain.rootID else { throw CloudError.permissionDenied("The ROOT domain cannot be deleted") }
            try checkAdministers(caller, domain: domain)
            let subtree = try await DomainRepository.subtree(sql, path: domain.path)
            let accounts = try await AccountRepository.inDomains(sql, domainIDs: subtree.map(\.id))
            if !cleanup {
                if subtree.count > 1 {
                    throw CloudError.resourceInUse("Can't delete the domain yet because it has \(subtree.count - 1) sub-domain(s); delete them first or use cleanup=true")
                }
                if !accounts.isEmpty {
                    throw CloudError.resourceInUse("Can't delete the domain yet because it has \(accounts.count) account(s) that need to be cleaned up; delete them first or use cleanup=true")
                }
            }
            if accounts.contains(where: { $0.id == caller.account.id }) {
                throw CloudError.permissionDenied("The domain contains the caller's own account")
            }
            let now = Date()
            for account in accounts {
                try await removeAccountRows(sql, account, at: now)
                try await events.record(sql, type: EventType.accountDelete, state: .completed, description: "Account \(account.name) deleted with its domain",
                                        userID: caller.user.id, accountID: caller.account.id, domainID: caller.account.domainID,
                                        resource: EventResource(type: "Account", uuid: account.uuid.uuidString.lowercased(), name: account.name))
            }
            for d in subtree { try await DomainRepository.markRemoved(sql, id: d.id, at: now) }
        }
    }

    /// Lists domains the caller may see.
    public func listDomains(caller: Caller, id: UUID?, name: String?, level: Int?, keyword: String?, listAll: Bool, page: (offset: Int, limit: Int?)) async throws -> Listing<DomainView> {
        try await db.read { sql in
            var filter = DomainRepository.Filter(scope: .exactly(caller.domain.id), name: name, level: level, keyword: keyword)
            if caller.isAdmin {
                filter.scope = caller.isRootAdmin && (listAll || id != nil) ? .all : (listAll || id != nil ? .subtree(path: caller.domain.path) : .exactly(caller.domain.id))
            }
            if let id {
                let d = try await Lookup.domain(sql, id)
                filter.id = d.id
            }
            let listing = try await DomainRepository.list(sql, filter: filter, offset: page.offset, limit: page.limit)
            return Listing(items: try await Self.domainViews(sql, listing.items), total: listing.total)
        }
    }

    /// Lists the children (or, with `isRecursive`, all descendants) of a domain.
    public func listDomainChildren(caller: Caller, id: UUID?, name: String?, keyword: String?, isRecursive: Bool, listAll: Bool, page: (offset: Int, limit: Int?)) async throws -> Listing<DomainView> {
        try await db.read { sql in
            let parent = try await id.asyncMap { try await Self.requireDomain(sql, uuid: $0) } ?? caller.domain
            guard caller.isAdmin else { throw CloudError.permissionDenied("Only administrators can list child domains") }
            try checkAdministers(caller, domain: parent)
            var filter = DomainRepository.Filter(scope: .below(path: parent.path), name: name, keyword: keyword)
            if !(isRecursive || listAll) { filter.parentID = parent.id }
            let listing = try await DomainRepository.list(sql, filter: filter, offset: page.offset, limit: page.limit)
            return Listing(items: try await Self.domainViews(sql, listing.items), total: listing.total)
        }
    }

    static func domainView(_ sql: any SQLDatabase, _ domain: Domain) async throws -> DomainView {
        try await domainViews(sql, [domain])[0]
    }

    static func domainViews(_ sql: any SQLDatabase, _ domains: [Domain]) async throws -> [DomainView] {
        let parents = try await DomainRepository.find(sql, ids: Set(domains.compactMap(\.parentID)))
        let withChildren = try await DomainRepository.parentsWithChildren(sql, among: domains.map(\.id))
        return domains.map { DomainView(domain: $0, parent: $0.parentID.flatMap { parents[$0] }, hasChild: withChildren.contains($0.id)) }
    }
}

extension Optional {
    /// `map` for async transforms.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let value): try await transform(value)
        case .none: nil
        }
    }
}
