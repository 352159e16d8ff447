import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// Changes `updateUser` may make; nil leaves a field as it is.
public struct UserChanges: Sendable {
    public var username: String?
    public var password: String?
    public var currentPassword: String?
    public var firstName: String?
    public var lastName: String?
    public var email: String?
    public var timezone: String?
    public var apiKey: String?
    public var secretKey: String?

    public init(username: String? = nil, password: String? = nil, currentPassword: String? = nil, firstName: String? = nil, lastName: String? = nil, email: String? = nil, timezone: String? = nil, apiKey: String? = nil, secretKey: String? = nil) {
        self.username = username
        self.password = password
        self.currentPassword = currentPassword
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.timezone = timezone
        self.apiKey = apiKey
        self.secretKey = secretKey
    }
}

/// What a user state change does.
public enum UserAction: Sendable { case enable, disable, lock }

extension IdentityService {
    /// Adds a user to an existing account.
    public func createUser(caller: Caller, accountName: String, domainUUID: UUID?, user new: NewUser) async throws -> UserView {
        try Self.validateName(new.username, what: "user")
        guard !new.password.isEmpty else { throw CloudError.invalidParameter("The password cannot be empty") }
        let passwordHash = try await hasher.hash(new.password)
        return try await cache.mutate { sql in
            let (account, domain) = try await Self.locateAccount(sql, caller: caller, uuid: nil, name: accountName, domainUUID: domainUUID)
            guard account.id != Account.systemID else { throw CloudError.permissionDenied("Users cannot be added to the system account") }
            try checkAccess(caller, to: account, accountDomain: domain)
            guard caller.isAdmin else { throw CloudError.permissionDenied("Only administrators can create users") }
            if try await UserRepository.find(sql, username: new.username, domainID: domain.id) != nil {
                throw CloudError.invalidParameter("The user \(new.username) already exists in domain \(domain.displayPath)")
            }
            let user = try await insertUser(sql, new, passwordHash: passwordHash, account: account, domain: domain, now: Date())
            try await events.record(sql, type: EventType.userCreate, state: .completed, description: "User \(user.username) created in account \(account.name)",
                                    userID: caller.user.id, accountID: caller.account.id, domainID: caller.account.domainID,
                                    resource: EventResource(type: "User", uuid: user.uuid.uuidString.lowercased(), name: user.username))
            return try await Self.userView(sql, user, caller: caller)
        }
    }

    /// Loads a user the caller may manage: themselves, or users of accounts they administer.
    static func manageableUser(_ sql: any SQLDatabase, caller: Caller, uuid: UUID, identity: IdentityService) async throws -> (User, Account, Domain) {
        let user = try await requireUser(sql, uuid: uuid)
        guard user.id != User.systemID else { throw CloudError.permissionDenied("The system user cannot be changed") }
        guard let account = try await AccountRepository.find(sql, id: user.accountID),
              let domain = try await DomainRepository.find(sql, id: account.domainID) else {
            throw CloudError.invalidParameter("Unable to find user by id \(uuid.uuidString.lowercased())")
        }
        if user.id != caller.user.id {
            try identity.checkAccess(caller, to: account, accountDomain: domain)
            guard caller.isAdmin else { throw CloudError.permissionDenied("Account \(caller.account.name) does not have permission to operate on user \(user.username)") }
        }
        return (user, account, domain)
    }

    /// Updates a user's details, password or keys.
    public func updateUser(caller: Caller, uuid: UUID, changes: UserChanges) async throws -> UserView {
        let newHash = try await changes.password.asyncMap { password -> String in
            guard !password.isEmpty else { throw CloudError.invalidParameter("The password cannot be empty") }
            return try await hasher.hash(password)
        }
        let (target, _, _) = try await db.read { sql in try await Self.manageableUser(sql, caller: caller, uuid: uuid, identity: self) }
        if changes.password != nil, target.id == caller.user.id, !caller.isAdmin {
            guard let current = changes.currentPassword else {
                throw CloudError.invalidParameter("Current password is required to change your own password")
            }
            guard await hasher.verify(current, against: target.passwordHash) else {
                throw CloudError.invalidParameter("Current password is incorrect")
            }
        }
        return try await cache.mutate { sql in
            var (user, _, domain) = try await Self.manageableUser(sql, caller: caller, uuid: uuid, identity: self)
            if let username = changes.username, username != user.username {
                try Self.validateName(username, what: "user")
                if try await UserRepository.find(sql, username: username, domainID: domain.id) != nil {
                    throw CloudError.invalidParameter("The user \(username) already exists in domain \(domain.displayPath)")
                }
                user.username = username
            }
            if let newHash { user.passwordHash = newHash }
            if let v = changes.firstName { user.firstName = v }
            if let v = changes.lastName { user.lastName = v }
            if let v = changes.email { user.email = v }
            if let v = changes.timezone { user.timezone = v }
            if changes.apiKey != nil || changes.secretKey != nil {
                guard caller.isAdmin else { throw CloudError.permissionDenied("Only administrators can set API keys directly") }
                guard let apiKey = changes.apiKey, let secret = changes.secretKey else {
                    throw CloudError.invalidParameter("Please provide both userapikey and usersecretkey")
                }
                if let other = try await UserRepository.find(sql, apiKey: apiKey), other.id != user.id {
                    throw CloudError.invalidParameter("The API key is already in use by another user")
                }
                user.apiKey = apiKey
                user.secretKey = secret
            }
            try await UserRepository.update(sql, user)
            try await events.record(sql, type: EventType.userUpdate, state: .completed, description: "User \(user.username) updated",
                                    userID: caller.user.id, accountID: caller.account.id, domainID: caller.account.domainID,
                                    resource: EventResource(type: "User", uuid: user.uuid.uuidString.lowercased(), name: user.username))
            return try await Self.userView(sql, user, caller: caller)
        }
    }

    /// Checks that the caller may delete, disable or lock a user; returns it.
    public func checkUserChange(caller: Caller, uuid: UUID) async throws -> User {
        try await db.read { sql in
            let (user, _, _) = try await Self.manageableUser(sql, caller: caller, uuid: uuid, identity: self)
            guard user.id != User.adminID else { throw CloudError.permissionDenied("The default admin user cannot be deleted, disabled or locked") }
            guard user.id != caller.user.id else { throw CloudError.permissionDenied("A user cannot delete, disable or lock themselves") }
            guard caller.isAdmin else { throw CloudError.permissionDenied("Only administrators can change users") }
            return user
        }
    }

    public func deleteUser(caller: Caller, uuid: UUID) async throws {
        let user = try await checkUserChange(caller: caller, uuid: uuid)
        try await cache.mutate { sql in
            try await SessionRepository.delete(sql, userID: user.id)
            try await UserRepository.markRemoved(sql, id: user.id, at: Date())
            try await TagRepository.deleteAll(sql, type: .user, resourceID: user.id)
            try await events.record(sql, type: EventType.userDelete, state: .completed, description: "User \(user.username) deleted",
                                    userID: caller.user.id, accountID: caller.account.id, domainID: caller.account.domainID,
                                    resource: EventResource(type: "User", uuid: user.uuid.uuidString.lowercased(), name: user.username))
        }
    }

    public func setUserState(caller: Caller, uuid: UUID, action: UserAction) async throws -> UserView {
        let target = try await checkUserChange(caller: caller, uuid: uuid)
        return try await cache.mutate { sql in
            guard var user = try await UserRepository.find(sql, id: target.id) else { throw CloudError.invalidParameter("The user no longer exists") }
            switch action {
            case .enable: user.state = .enabled
            case .disable: user.state = .disabled
            case .lock:
                guard user.state != .disabled else { throw CloudError.invalidParameter("User \(user.username) is disabled and cannot be locked") }
                user.state = .locked
            }
            try await UserRepository.update(sql, user)
            if user.state != .enabled { try await SessionRepository.delete(sql, userID: user.id) }
            let type = switch action { case .enable: EventType.userEnable; case .disable: EventType.userDisable; case .lock: EventType.userLock }
            try await events.record(sql, type: type, state: .completed, description: "User \(user.username) is now \(user.state.rawValue)",
                                    userID: caller.user.id, accountID: caller.account.id, domainID: caller.account.domainID,
                                    resource: EventResource(type: "User", uuid: user.uuid.uuidString.lowercased(), name: user.username))
            return try await Self.userView(sql, user, caller: caller)
        }
    }

    /// Generates a new API key and secret for a user the caller may manage.
    public func registerKeys(caller: Caller, uuid: UUID) async throws -> (apiKey: String, secretKey: String) {
        try await cache.mutate { sql in
            var (user, _, _) = try await Self.manageableUser(sql, caller: caller, uuid: uuid, identity: self)
            user.apiKey = TokenGenerator.apiKey()
            user.secretKey = TokenGenerator.apiKey()
            try await UserRepository.update(sql, user)
            try await events.record(sql, type: EventType.registerUserKeys, state: .completed, description: "New API keys for user \(user.username)",
                                    userID: caller.user.id, accountID: caller.account.id, domainID: caller.account.domainID,
                                    resource: EventResource(type: "User", uuid: user.uuid.uuidString.lowercased(), name: user.username))
            return (user.apiKey!, user.secretKey!)
        }
    }

    /// The API key and secret of a user the caller may manage (nil values when none registered).
    public func keys(caller: Caller, uuid: UUID) async throws -> (apiKey: String?, secretKey: String?) {
        try await db.read { sql in
            let (user, _, _) = try await Self.manageableUser(sql, caller: caller, uuid: uuid, identity: self)
            return (user.apiKey, user.secretKey)
        }
    }

    public func listUsers(caller: Caller, scope: ListScope, id: UUID?, username: String?, accountType: AccountType?, state: UserState?, keyword: String?, page: (offset: Int, limit: Int?)) async throws -> Listing<UserView> {
        try await db.read { sql in
            var filter = UserRepository.Filter(scope: scope, username: username, accountType: accountType, state: state, keyword: keyword)
            if let id {
                guard let u = try await UserRepository.find(sql, uuid: id) else { throw CloudError.invalidParameter("Unable to find user by id \(id.uuidString.lowercased())") }
                filter.id = u.id
            }
            if !caller.isAdmin {
                // CloudStack shows a normal user only themselves, not the other users of their account.
                if let wanted = filter.id, wanted != caller.user.id { return Listing(items: [], total: 0) }
                filter.id = caller.user.id
            }
            let listing = try await UserRepository.listOwned(sql, filter: filter, offset: page.offset, limit: page.limit)
            return Listing(items: listing.items.map {
                UserView(user: $0.user, account: $0.account, domain: $0.domain, role: $0.role,
                         showSecret: Self.canSeeSecret(caller: caller, user: $0.user, account: $0.account, domain: $0.domain))
            }, total: listing.total)
        }
    }

    static func userView(_ sql: any SQLDatabase, _ user: User, caller: Caller) async throws -> UserView {
        try await userViews(sql, [user], caller: caller)[0]
    }

    static func userViews(_ sql: any SQLDatabase, _ users: [User], caller: Caller) async throws -> [UserView] {
        let accounts = try await AccountRepository.find(sql, ids: Set(users.map(\.accountID)))
        let domains = try await DomainRepository.find(sql, ids: Set(accounts.values.map(\.domainID)))
        let roles = try await RoleRepository.find(sql, ids: Set(accounts.values.map(\.roleID)))
        return try users.map { user in
            guard let account = accounts[user.accountID], let domain = domains[account.domainID], let role = roles[account.roleID] else {
                throw CloudError.internalError("User \(user.username) refers to a missing account, domain or role")
            }
            return UserView(user: user, account: account, domain: domain, role: role, showSecret: canSeeSecret(caller: caller, user: user, account: account, domain: domain))
        }
    }
}
