import Foundation

/// Who is making a request: the authenticated user, their account, domain and role.
/// Built once per request by the API layer and passed to every service call.
public struct Caller: Sendable, Equatable {
    public var user: User
    public var account: Account
    public var domain: Domain
    public var role: Role

    public init(user: User, account: Account, domain: Domain, role: Role) {
        self.user = user
        self.account = account
        self.domain = domain
        self.role = role
    }

    /// Root admins see and change everything.
    public var isRootAdmin: Bool { account.type == .admin }
    /// Domain-level admins (including resource domain admins) act within their subtree.
    public var isDomainAdmin: Bool { account.type == .domainAdmin || account.type == .resourceDomainAdmin }
    /// Any kind of admin: root, domain or resource-domain, or read-only admin.
    public var isAdmin: Bool { account.type != .normal && account.type != .project }

    /// True when the caller may see and manage things owned by `domainPath` (their own
    /// domain or below for admins).
    public func administers(domainPath: String) -> Bool {
        if isRootAdmin { return true }
        guard isAdmin else { return false }
        return domainPath.hasPrefix(domain.path)
    }
}

/// Which rows a list command may return, after applying CloudStack's `listall`,
/// `domainid`, `account` and `isrecursive` rules to the caller. Every list command
/// resolves its filter through ``TenancyScope/resolve(caller:request:)`` — there is no
/// second scoping rule anywhere.
public enum ListScope: Sendable, Equatable {
    /// No restriction (root admin, `listall=true`).
    case everything
    /// Rows owned by any account in the domain with this path or below it.
    case domainTree(path: String)
    /// Rows owned by accounts directly in this domain.
    case domain(id: Int64)
    /// Rows owned by this one account.
    case account(id: Int64)
}

/// The scoping request of a list command, with ids already looked up.
public struct ScopeRequest: Sendable, Equatable {
    /// `domainid`, resolved to the domain (nil when not sent).
    public var domain: Domain?
    /// `account` name resolved to the account inside `domain` (or the caller's domain).
    public var account: Account?
    public var listAll: Bool
    public var isRecursive: Bool

    public init(domain: Domain? = nil, account: Account? = nil, listAll: Bool = false, isRecursive: Bool = false) {
        self.domain = domain
        self.account = account
        self.listAll = listAll
        self.isRecursive = isRecursive
    }
}

/// The single tenancy scoping rule.
public enum TenancyScope {
    /// What a list command falls back to when the caller names neither a domain nor an account
    /// and does not ask for `listall`.
    public enum Default: Sendable {
        /// Resources (instances, volumes, jobs, events…): the caller's own account.
        case ownAccount
        /// Identity objects (accounts, users, domains): the caller's own domain.
        case ownDomain
    }

    /// Resolves the rows the caller may list.
    ///
    /// - A normal user always gets their own account; naming another domain or account is
    ///   refused with a permission error, and `listall` does not widen anything.
    /// - An admin may name any domain in their subtree (`isrecursive` or `listall` to
    ///   include its children) and any account inside it; anything outside is refused.
    /// - With nothing named, `listall=true` gives the caller's whole subtree (everything for
    ///   a root admin) and otherwise the command's `fallback`.
    public static func resolve(caller: Caller, request: ScopeRequest, fallback: Default) throws(CloudError) -> ListScope {
        if !caller.isAdmin {
            if let account = request.account, account.id != caller.account.id {
                throw .permissionDenied("Account \(account.name) is not accessible to the caller")
            }
            if let domain = request.domain, domain.id != caller.domain.id {
                throw .permissionDenied("Domain \(domain.uuid.uuidString.lowercased()) is not accessible to the caller")
            }
            return .account(id: caller.account.id)
        }
        if let domain = request.domain, !caller.administers(domainPath: domain.path) {
            throw .permissionDenied("Domain \(domain.uuid.uuidString.lowercased()) is not accessible to the caller")
        }
        if let account = request.account {
            return .account(id: account.id)
        }
        if let domain = request.domain {
            if request.isRecursive || request.listAll {
                return caller.isRootAdmin && domain.id == Domain.rootID ? .everything : .domainTree(path: domain.path)
            }
            return .domain(id: domain.id)
        }
        if request.listAll || request.isRecursive {
            return caller.isRootAdmin ? .everything : .domainTree(path: caller.domain.path)
        }
        switch fallback {
        case .ownAccount: return .account(id: caller.account.id)
        case .ownDomain: return .domain(id: caller.domain.id)
        }
    }
}
