import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// The details of a new user.
public struct NewUser: Sendable {
    public var username: String
    public var password: String
    public var firstName: String
    public var lastName: String
    public var email: String?
    public var timezone: String?
    public var uuid: UUID?

    public init(username: String, password: String, firstName: String, lastName: String, email: String?, timezone: String?, uuid: UUID? = nil) {
        self.username = username
        self.password = password
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.timezone = timezone
        self.uuid = uuid
    }
}

extension IdentityService {
    /// Creates an account with its first user. The role comes from `roleUUID`, else the
    /// built-in role of `accountType`; one of them must be given.
    public func createAccount(caller: Caller, name: String?, accountType: AccountType?, roleUUID: UUID?, domainUUID: UUID?,
                              networkDomain: String?, accountUUID: UUID?, user: NewUser) async throws -> AccountView {
        try Self.validateName(user.username, what: "user")
        let accountName = name ?? user.username
        try Self.validateName(accountName, what: "account")
        guard !user.password.isEmpty else { throw CloudError.invalidParameter("The password cannot be empty") }
        let passwordHash = try await hasher.hash(user.password)
        return try await cache.mutate { sql in
            let domain = try await domainUUID.asyncMap { try await Self.requireDomain(sql, uuid: $0) } ?? caller.domain
            try checkAdministers(caller, domain: domain)
            let role: Role
            if let roleUUID {
                guard let r = try await RoleRepository.find(sql, uuid: roleUUID) else {
                    throw CloudError.invalidParameter("Unable to find role by id \(roleUUID.uuidString.lowercased())")
                }
                if let accountType, accountType.defaultRoleType != r.type {
                    throw CloudError.invalidParameter("Account type \(accountType.rawValue) and role type \(r.type.rawValue) are not compatible")
                }
                role = r
            } else if let accountType {
                guard accountType != .project else { throw CloudError.invalidParameter("Project accounts cannot be created directly") }
                guard let r = try await RoleRepository.find(sql, id: accountType.defaultRoleID) else {
                    throw CloudError.internalError("The built-in role for account type \(accountType.rawValue) is missing")
                }
                role = r
            } else {
                throw CloudError.invalidParameter("Both account type and role ID are not provided; specify one of them")
            }
            if !caller.isRootAdmin && role.type == .admin {
                throw CloudError.permissionDenied("Only the root admin can create root admin accounts")
            }
            if try await AccountRepository.find(sql, name: accountName, domainID: domain.id) != nil {
                throw CloudError.invalidParameter("The specified account: \(accountName) already exists")
            }
            if try await UserRepository.find(sql, username: user.username, domainID: domain.id) != nil {
                throw CloudError.invalidParameter("The user \(user.username) already exists in domain \(domain.displayPath)")
            }
            if let accountUUID, try await AccountRepository.find(sql, uuid: accountUUID) != nil {
                throw CloudError.invalidParameter("An account with id \(accountUUID.uuidString.lowercased()) already exists")
            }
            let now = Date()
            let account = try await AccountRepository.insert(sql, uuid: accountUUID ?? UUID(), name: accountName, type: accountType ?? role.type.accountType,
                                                             roleID: role.id, domainID: domain.id, networkDomain: networkDomain, isDefault: false, created: now)
            let created = try await insertUser(sql, user, passwordHash: passwordHash, account: account, domain: domain, now: now)
            try await SecurityGroupService.ensureDefaultGroup(sql, account: account)
            let owner = EventResource(type: "Account", uuid: account.uuid.uuidString.lowercased(), name: account.name)
            try await events.record(sql, type: EventType.accountCreate, state: .completed, description: "Account \(account.name) created in domain \(domain.displayPath)",
                                    userID: caller.user.id, accountID: caller.account.id, domainID: caller.account.domainID, resource: owner)
            try await events.record(sql, type: EventType.userCreate, state: .completed, description: "User \(created.username) created in account \(account.name)",
                                    userID: caller.user.id, accountID: caller.account.id, domainID: caller.account.domainID,
                                    resource: EventResource(type: "User", uuid: created.uuid.uuidString.lowercased(), name: created.username))
            return AccountView(account: account, domain: domain, role: role, users: [UserView(user: created, account: account, domain: domain, role: role, showSecret: true)])
        }
    }

    func insertUser(_ sql: any SQLDatabase, _ new: NewUser, passwordHash: String, account: Account, domain: Domain, now: Date) async throws -> User {
        if let uuid = new.uuid, try await UserRepository.find(sql, uuid: uuid) != nil {
            throw CloudError.invalidParameter("A user with id \(uuid.uuidString.lowercased()) already exists")
        }
        return try await UserRepository.insert(sql, User(
            id: 0, uuid: new.uuid ?? UUID(), username: new.username, passwordHash: passwordHash, firstName: new.firstName, lastName: new.lastName,
            email: new.email, timezone: new.timezone, accountID: account.id, state: .enabled, apiKey: nil, secretKey: nil,
            isDefault: false, created: now), domainID: domain.id)
    }

    /// Finds the account named by `id`, or by `account` name in `domainid` (default the caller's domain).
    static func locateAccount(_ sql: any SQLDatabase, caller: Caller, uuid: UUID?, name: String?, domainUUID: UUID?) async throws -> (Account, Domain) {
        if let uuid {
            let account = try await requireAccount(sql, uuid: uuid)
            guard let domain = try await DomainRepository.find(sql, id: account.domainID) else { throw CloudError.internalError("Account \(account.name) has no domain") }
            return (account, domain)
        }
        guard let name else { throw CloudError.invalidParameter("Either id or account name (with domainid) must be specified") }
        let domain = try await domainUUID.asyncMap { try await requireDomain(sql, uuid: $0) } ?? caller.domain
        guard let account = try await AccountRepository.find(sql, name: name, domainID: domain.id) else {
            throw CloudError.invalidParameter("Unable to find account \(name) in domain id=\(domain.uuid.uuidString.lowercased())")
        }
        return (account, domain)
    }

    /// Renames an account, changes its role or network domain.
    public func updateAccount(caller: Caller, uuid: UUID?, name: String?, domainUUID: UUID?, newName: String?, roleUUID: UUID?, networkDomain: String?) async throws -> AccountView {
        if let newName { try Self.validateName(newName, what: "account") }
        return try await cache.mutate { sql in
            var (account, domain) = try await Self.locateAccount(sql, caller: caller, uuid: uuid, name: name, domainUUID: domainUUID)
            guard account.id != Account.systemID else { throw CloudError.permissionDenied("The system account cannot be updated") }
            try checkAccess(caller, to: account, accountDomain: domain)
            guard caller.isAdmin else { throw CloudError.permissionDenied("Only administrators can update accounts") }
            if let newName, newName != account.name {
                if try await AccountRepository.find(sql, name: newName, domainID: domain.id) != nil {
                    throw CloudError.invalidParameter("There already exists an account with the name: \(newName) in the domain: \(domain.displayPath)")
                }
                account.name = newName
            }
            if let roleUUID {
                guard let role = try await RoleRepository.find(sql, uuid: roleUUID) else { throw CloudError.invalidParameter("Unable to find role by id \(roleUUID.uuidString.lowercased())") }
                guard let current = try await RoleRepository.find(sql, id: account.roleID), current.type == role.type else {
                    throw CloudError.invalidParameter("The role of an account can only be changed to another role of the same type")
                }
                if !caller.isRootAdmin && role.type == .admin { throw CloudError.permissionDenied("Only the root admin can assign root admin roles") }
                account.roleID = role.id
            }
            if let networkDomain { account.networkDomain = networkDomain }
            try await AccountRepository.update(sql, account)
            try await events.record(sql, type: EventType.accountUpdate, state: .completed, description: "Account \(account.name) updated",
                                    userID: caller.user.id, accountID: caller.account.id, domainID: caller.account.domainID,
                                    resource: EventResource(type: "Account", uuid: account.uuid.uuidString.lowercased(), name: account.name))
            return try await Self.accountViews(sql, [account], caller: caller)[0]
        }
    }

    /// Validates that the caller may delete or disable an account; returns it.
    public func checkAccountChange(caller: Caller, uuid: UUID?, name: String?, domainUUID: UUID?) async throws -> Account {
        try await db.read { sql in
            let (account, domain) = try await Self.locateAccount(sql, caller: caller, uuid: uuid, name: name, domainUUID: domainUUID)
            guard account.id != Account.systemID, account.id != Account.adminID else {
                throw CloudError.permissionDenied("Changing the state of, or removing, a default account is not allowed")
            }
            guard account.id != caller.account.id else { throw CloudError.permissionDenied("An account cannot disable, lock or delete itself") }
            try checkAccess(caller, to: account, accountDomain: domain)
            guard caller.isAdmin else { throw CloudError.permissionDenied("Only administrators can change accounts") }
            return account
        }
    }

    /// Deletes an account and its users (their sessions and keys stop working at once).
    public func deleteAccount(caller: Caller, uuid: UUID) async throws {
        let account = try await checkAccountChange(caller: caller, uuid: uuid, name: nil, domainUUID: nil)
        try await cache.mutate { sql in
            try await removeAccountRows(sql, account, at: Date())
            try await events.record(sql, type: EventType.accountDelete, state: .completed, description: "Account \(account.name) deleted",
                                    userID: caller.user.id, accountID: caller.account.id, domainID: caller.account.domainID,
                                    resource: EventResource(type: "Account", uuid: account.uuid.uuidString.lowercased(), name: account.name))
        }
    }

    func removeAccountRows(_ sql: any SQLDatabase, _ account: Account, at date: Date) async throws {
        for user in try await UserRepository.inAccount(sql, accountID: account.id) {
            try await SessionRepository.delete(sql, userID: user.id)
            try await TagRepository.deleteAll(sql, type: .user, resourceID: user.id)
        }
        try await TagRepository.deleteAll(sql, type: .account, resourceID: account.id)
        try await SecurityGroupService.removeAccountGroups(sql, accountID: account.id, at: date)
        try await UserRepository.markRemoved(sql, accountID: account.id, at: date)
        try await AccountRepository.markRemoved(sql, id: account.id, at: date)
    }

    /// Enables, disables or locks an account.
    public func setAccountState(caller: Caller, uuid: UUID?, name: String?, domainUUID: UUID?, action: AccountStateMachine.Action) async throws -> AccountView {
        let target = try await checkAccountChange(caller: caller, uuid: uuid, name: name, domainUUID: domainUUID)
        return try await cache.mutate { sql in
            guard var account = try await AccountRepository.find(sql, id: target.id) else { throw CloudError.invalidParameter("The account no longer exists") }
            guard let next = AccountStateMachine.next(from: account.state, on: action) else {
                throw CloudError.invalidParameter("Account \(account.name) is \(account.state.rawValue) and cannot be \(action == .lock ? "locked" : "changed")")
            }
            account.state = next
            try await AccountRepository.update(sql, account)
            if next != .enabled {
                for user in try await UserRepository.inAccount(sql, accountID: account.id) { try await SessionRepository.delete(sql, userID: user.id) }
            }
            let type = switch action { case .enable: EventType.accountEnable; case .disable: EventType.accountDisable; case .lock: EventType.accountLock }
            try await events.record(sql, type: type, state: .completed, description: "Account \(account.name) is now \(next.rawValue)",
                                    userID: caller.user.id, accountID: caller.account.id, domainID: caller.account.domainID,
                                    resource: EventResource(type: "Account", uuid: account.uuid.uuidString.lowercased(), name: account.name))
            return try await Self.accountViews(sql, [account], caller: caller)[0]
        }
    }

    /// Lists accounts with the one tenancy rule; normal users see only their own.
    public func listAccounts(caller: Caller, scope: ListScope, id: UUID?, name: String?, type: AccountType?, state: AccountState?, keyword: String?, page: (offset: Int, limit: Int?)) async throws -> Listing<AccountView> {
        try await db.read { sql in
            var filter = AccountRepository.Filter(scope: scope, name: name, type: type, state: state, keyword: keyword)
            if let id {
                guard let a = try await AccountRepository.find(sql, uuid: id) else { throw CloudError.invalidParameter("Unable to find account by id \(id.uuidString.lowercased())") }
                filter.id = a.id
            }
            let listing = try await AccountRepository.list(sql, filter: filter, offset: page.offset, limit: page.limit)
            return Listing(items: try await Self.accountViews(sql, listing.items, caller: caller), total: listing.total)
        }
    }

    static func accountViews(_ sql: any SQLDatabase, _ accounts: [Account], caller: Caller) async throws -> [AccountView] {
        let domains = try await DomainRepository.find(sql, ids: Set(accounts.map(\.domainID)))
        let roles = try await RoleRepository.find(sql, ids: Set(accounts.map(\.roleID)))
        let users = try await UserRepository.inAccounts(sql, accountIDs: accounts.map(\.id))
        return try accounts.map { account in
            guard let domain = domains[account.domainID], let role = roles[account.roleID] else {
                throw CloudError.internalError("Account \(account.name) refers to a missing domain or role")
            }
            let views = (users[account.id] ?? []).map {
                UserView(user: $0, account: account, domain: domain, role: role, showSecret: canSeeSecret(caller: caller, user: $0, account: account, domain: domain))
            }
            return AccountView(account: account, domain: domain, role: role, users: views)
        }
    }

    /// Secret keys are shown to their owner, the root admin, and domain admins for the
    /// non-root-admin users in their subtree (the same boundary as ``checkAccess``).
    static func canSeeSecret(caller: Caller, user: User, account: Account, domain: Domain) -> Bool {
        user.id == caller.user.id || caller.isRootAdmin
            || (caller.isDomainAdmin && caller.administers(domainPath: domain.path) && account.type != .admin && account.type != .readOnlyAdmin)
    }
}

extension IdentityService {
    /// The account a new resource belongs to: the caller's, or `account` in `domainid` when an
    /// admin acts for another account. The one rule every create command uses.
    static func owner(_ sql: any SQLDatabase, caller: Caller, accountName: String?, domainID: UUID?) async throws -> Account {
        guard accountName != nil || domainID != nil else { return caller.account }
        var domain = caller.domain
        if let domainID {
            let d = try await Lookup.domain(sql, domainID)
            domain = d
        }
        guard let accountName else {
            if domain.id == caller.domain.id { return caller.account }
            throw CloudError.invalidParameter("Give the account together with domainid")
        }
        guard caller.isAdmin || (accountName == caller.account.name && domain.id == caller.domain.id) else {
            throw CloudError.permissionDenied("Account \(caller.account.name) may not act for account \(accountName)")
        }
        guard caller.administers(domainPath: domain.path) || !caller.isAdmin else {
            throw CloudError.permissionDenied("Domain \(domain.uuid.uuidString.lowercased()) is not accessible to the caller")
        }
        guard let account = try await AccountRepository.find(sql, name: accountName, domainID: domain.id) else {
            throw CloudError.invalidParameter("Unable to find account \(accountName) in domain \(domain.uuid.uuidString.lowercased())")
        }
        return account
    }
}
