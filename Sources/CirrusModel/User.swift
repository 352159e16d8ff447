import Foundation

/// User states, lower-case as CloudStack reports them.
public enum UserState: String, Sendable, Codable, CaseIterable {
    case enabled
    case disabled
    case locked
}

/// A login identity inside an account, with optional API keys.
public struct User: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var username: String
    /// Encoded PBKDF2 hash (`pbkdf2-sha256$iterations$salt$hash`), never sent.
    public var passwordHash: String
    public var firstName: String
    public var lastName: String
    public var email: String?
    public var timezone: String?
    public var accountID: Int64
    public var state: UserState
    public var apiKey: String?
    public var secretKey: String?
    public var source: String
    public var isDefault: Bool
    public var created: Date

    public init(id: Int64, uuid: UUID, username: String, passwordHash: String, firstName: String, lastName: String, email: String?, timezone: String?, accountID: Int64, state: UserState, apiKey: String?, secretKey: String?, source: String = "native", isDefault: Bool, created: Date) {
        self.id = id
        self.uuid = uuid
        self.username = username
        self.passwordHash = passwordHash
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.timezone = timezone
        self.accountID = accountID
        self.state = state
        self.apiKey = apiKey
        self.secretKey = secretKey
        self.source = source
        self.isDefault = isDefault
        self.created = created
    }

    /// User id 1 is the SYSTEM user; id 2 is `admin`.
    public static let systemID: Int64 = 1
    public static let adminID: Int64 = 2
}
