import Foundation

/// CloudStack's `Account.Type`, stored and reported as its ordinal.
public enum AccountType: Int, Sendable, Codable, CaseIterable {
    case normal = 0
    case admin = 1
    case domainAdmin = 2
    case resourceDomainAdmin = 3
    case readOnlyAdmin = 4
    case project = 5

    /// The role type of accounts of this type.
    public var defaultRoleType: RoleType {
        switch self {
        case .normal, .project: .user
        case .admin, .readOnlyAdmin: .admin
        case .domainAdmin: .domainAdmin
        case .resourceDomainAdmin: .resourceAdmin
        }
    }

    /// The built-in role an account of this type gets when no role is named. A read-only
    /// admin gets the read-only role (type Admin, but bound by rules), never Root Admin.
    public var defaultRoleID: Int64 {
        self == .readOnlyAdmin ? Role.readOnlyAdminID : defaultRoleType.builtInRoleID
    }
}

/// Account states, lower-case as CloudStack stores and reports them.
public enum AccountState: String, Sendable, Codable, CaseIterable {
    case enabled
    case disabled
    case locked
}

/// A tenant: owns resources, belongs to one domain, has users.
public struct Account: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var name: String
    public var type: AccountType
    public var roleID: Int64
    public var domainID: Int64
    public var state: AccountState
    public var networkDomain: String?
    public var isDefault: Bool
    public var created: Date

    public init(id: Int64, uuid: UUID, name: String, type: AccountType, roleID: Int64, domainID: Int64, state: AccountState, networkDomain: String?, isDefault: Bool, created: Date) {
        self.id = id
        self.uuid = uuid
        self.name = name
        self.type = type
        self.roleID = roleID
        self.domainID = domainID
        self.state = state
        self.networkDomain = networkDomain
        self.isDefault = isDefault
        self.created = created
    }

    /// Account id 1 is SYSTEM, as in CloudStack.
    public static let systemID: Int64 = 1
    /// Account id 2 is the root `admin` account.
    public static let adminID: Int64 = 2
}

/// The lifecycle of an account's `state` as a pure transition function.
public enum AccountStateMachine {
    /// Actions that change an account's state.
    public enum Action: Sendable { case enable, disable, lock }

    /// The state after `action`, or `nil` when CloudStack refuses the transition.
    /// Locking is only possible from `enabled` (a disabled account is already stricter);
    /// enabling and disabling are idempotent.
    public static func next(from state: AccountState, on action: Action) -> AccountState? {
        switch (state, action) {
        case (_, .enable): .enabled
        case (_, .disable): .disabled
        case (.enabled, .lock), (.locked, .lock): .locked
        case (.disabled, .lock): nil
        }
    }
}
