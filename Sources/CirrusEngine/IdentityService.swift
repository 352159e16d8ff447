import CirrusModel
import CirrusStore
import Foundation
import Logging
import SQLKit

/// An account with what its API representation needs.
public struct AccountView: Sendable {
    public var account: Account
    public var domain: Domain
    public var role: Role
    public var users: [UserView]
}

/// A user with what its API representation needs.
public struct UserView: Sendable {
    public var user: User
    public var account: Account
    public var domain: Domain
    public var role: Role
    /// Whether the requester may see the secret key (themselves or an admin above them).
    public var showSecret: Bool
}

/// A domain with what its API representation needs.
public struct DomainView: Sendable {
    public var domain: Domain
    public var parent: Domain?
    public var hasChild: Bool
}

/// Domains, accounts, users, API keys and authentication. Every operation takes the
/// caller and enforces CloudStack's access rules itself; handlers never check access.
public struct IdentityService: Sendable {
    let db: any Database
    let hasher: PasswordHasher
    let events: EventService
    let config: ConfigService
    let cache: IdentityCache
    let logger: Logger

    public init(db: any Database, hasher: PasswordHasher, events: EventService, config: ConfigService, cache: IdentityCache, logger: Logger) {
        self.db = db
        self.cache = cache
        self.hasher = hasher
        self.events = events
        self.config = config
        self.logger = logger
    }

    // MARK: - Callers and authentication

    /// Loads everything a request runs as, for a live user. Nil when the user is gone.
    public func caller(userID: Int64) async throws -> Caller? {
        try await db.read { sql in try await Self.loadCaller(sql, user: UserRepository.find(sql, id: userID)) }
    }

    static func loadCaller(_ sql: any SQLDatabase, user: User?) async throws -> Caller? {
        guard let user,
              let account = try await AccountRepository.find(sql, id: user.accountID),
              let domain = try await DomainRepository.find(sql, id: account.domainID),
              let role = try await RoleRepository.find(sql, id: account.roleID)
        else { return nil }
        return Caller(user: user, account: account, domain: domain, role: role)
    }

    /// The caller owning `apiKey` and its secret, when the key exists, user and account are
    /// enabled and API-key access is allowed for the account. Nil otherwise (the API answers 401).
    public func caller(apiKey: String) async throws -> (caller: Caller, secret: String)? {
        let found = try await cache.caller(apiKey: apiKey) {
            try await db.read { sql in
                try await Self.loadCaller(sql, user: UserRepository.find(sql, apiKey: apiKey)).map { ($0, $0.user.secretKey) }
            }
        }
        guard let caller = found?.caller, let secret = found?.secret,
              caller.user.state == .enabled, caller.account.state == .enabled
        else { return nil }
        guard try await config.bool(Settings.apiKeyAccess, in: .account(caller.account)) else { return nil }
        return (caller, secret)
    }

    /// Checks a username and password in a domain (given by path or UUID). Throws 531 with
    /// CloudStack's text on any failure, without saying which part was wrong.
    public func login(username: String, password: String, domainPath: String?, domainUUID: UUID?) async throws -> Caller {
        let domainLabel = domainUUID?.uuidString.lowercased() ?? Domain.normalisedPath(domainPath ?? "/")
        let failure = CloudError(.accountError, "Failed to authenticate user \(username) in domain \(domainLabel); please provide valid credentials", csCode: nil)
        let found: Caller? = try await db.read { sql in
            let domain: Domain?
            if let domainUUID { domain = try await DomainRepository.find(sql, uuid: domainUUID) } else {
                domain = try await DomainRepository.find(sql, path: Domain.normalisedPath(domainPath ?? "/"))
            }
            guard let domain else { return nil }
            return try await Self.loadCaller(sql, user: UserRepository.find(sql, username: username, domainID: domain.id))
        }
        guard let caller = found, caller.user.id != User.systemID else {
            // Spend comparable time so that unknown users are not distinguishable by timing.
            _ = await hasher.verify(password, against: "pbkdf2-sha256$\(hasher.iterations)$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
            throw failure
        }
        guard await hasher.verify(password, against: caller.user.passwordHash) else { throw failure }
        guard caller.user.state == .enabled, caller.account.state == .enabled else {
            throw CloudError(.accountError, "User \(username) in domain \(domainLabel) is disabled or locked; please contact the administrator", csCode: nil)
        }
        return caller
    }

    /// A live domain by UUID, or a 431 naming it.
    public func domain(uuid: UUID) async throws -> Domain {
        try await db.read { try await Self.requireDomain($0, uuid: uuid) }
    }

    /// A live account by UUID, or a 431 naming it.
    public func account(uuid: UUID) async throws -> Account {
        try await db.read { try await Self.requireAccount($0, uuid: uuid) }
    }

    // MARK: - Scoping

    /// Resolves the tenancy filter of a list command (see ``TenancyScope``): looks up
    /// `domainid` and `account`, then applies the one scoping rule.
    public func scope(for caller: Caller, domainUUID: UUID?, accountName: String?, listAll: Bool, isRecursive: Bool, fallback: TenancyScope.Default) async throws -> ListScope {
        var request = ScopeRequest(listAll: listAll, isRecursive: isRecursive)
        if domainUUID != nil || accountName != nil {
            let (domain, account) = try await db.read { sql -> (Domain?, Account?) in
                var domain: Domain?
                if let domainUUID {
                    let d = try await Lookup.domain(sql, domainUUID)
                    domain = d
                }
                var account: Account?
                if let accountName {
                    let owner = domain ?? caller.domain
                    if !caller.isAdmin || caller.administers(domainPath: owner.path) {
                        guard let a = try await AccountRepository.find(sql, name: accountName, domainID: owner.id) else {
                            throw CloudError.invalidParameter("Unable to find account \(accountName) in domain \(owner.uuid.uuidString.lowercased())")
                        }
                        account = a
                    }
                }
                return (domain, account)
            }
            request.domain = domain
            request.account = account
        }
        return try TenancyScope.resolve(caller: caller, request: request, fallback: fallback)
    }

    // MARK: - Access checks

    /// Throws 531 unless the caller may manage `account`: root admins any, domain admins those
    /// in their subtree, users only their own.
    func checkAccess(_ caller: Caller, to account: Account, accountDomain: Domain) throws {
        if caller.isRootAdmin { return }
        if caller.isDomainAdmin, caller.administers(domainPath: accountDomain.path) {
            // A domain admin cannot manage root admin accounts even if one sits below them.
            if account.type == .admin { throw CloudError.permissionDenied("Account \(caller.account.name) does not have permission to operate on account \(account.name)") }
            return
        }
        if account.id == caller.account.id, !caller.isAdmin || caller.isDomainAdmin { return }
        throw CloudError.permissionDenied("Account \(caller.account.name) does not have permission to operate on account \(account.name)")
    }

    func checkAdministers(_ caller: Caller, domain: Domain) throws {
        guard caller.administers(domainPath: domain.path) else {
            throw CloudError.permissionDenied("Account \(caller.account.name) does not have permission to operate within domain id=\(domain.uuid.uuidString.lowercased())")
        }
    }

    static func requireDomain(_ sql: any SQLDatabase, uuid: UUID) async throws -> Domain {
        let d = try await Lookup.domain(sql, uuid)
        return d
    }

    static func requireAccount(_ sql: any SQLDatabase, uuid: UUID) async throws -> Account {
        guard let a = try await AccountRepository.find(sql, uuid: uuid) else {
            throw CloudError.invalidParameter("Unable to find account by id \(uuid.uuidString.lowercased())")
        }
        return a
    }

    static func requireUser(_ sql: any SQLDatabase, uuid: UUID) async throws -> User {
        guard let u = try await UserRepository.find(sql, uuid: uuid) else {
            throw CloudError.invalidParameter("Unable to find user by id \(uuid.uuidString.lowercased())")
        }
        return u
    }

    static func validateName(_ name: String, what: String) throws {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw CloudError.invalidParameter("The \(what) name cannot be empty") }
        guard trimmed == name else { throw CloudError.invalidParameter("The \(what) name cannot begin or end with spaces") }
    }
}
