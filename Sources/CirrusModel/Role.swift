import Foundation

/// CloudStack's four built-in role types. Every role, built-in or custom, has one.
public enum RoleType: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case admin = "Admin"
    case resourceAdmin = "ResourceAdmin"
    case domainAdmin = "DomainAdmin"
    case user = "User"

    /// The id of the built-in role of this type.
    public var builtInRoleID: Int64 {
        switch self {
        case .admin: 1
        case .resourceAdmin: 2
        case .domainAdmin: 3
        case .user: 4
        }
    }

    /// The display name of the built-in role of this type.
    public var builtInRoleName: String {
        switch self {
        case .admin: "Root Admin"
        case .resourceAdmin: "Resource Admin"
        case .domainAdmin: "Domain Admin"
        case .user: "User"
        }
    }

    /// The account type that goes with this role type.
    public var accountType: AccountType {
        switch self {
        case .admin: .admin
        case .resourceAdmin: .resourceDomainAdmin
        case .domainAdmin: .domainAdmin
        case .user: .normal
        }
    }
}

/// A role: built-in (ids 1–4) or custom.
public struct Role: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var name: String
    public var type: RoleType
    public var description: String?
    public var isPublic: Bool
    /// True for the four built-in roles, which cannot be deleted.
    public var isDefault: Bool

    public init(id: Int64, uuid: UUID, name: String, type: RoleType, description: String?, isPublic: Bool, isDefault: Bool) {
        self.id = id
        self.uuid = uuid
        self.name = name
        self.type = type
        self.description = description
        self.isPublic = isPublic
        self.isDefault = isDefault
    }

    /// The built-in read-only admin role: type Admin, limited by its rules to reading.
    public static let readOnlyAdminID: Int64 = 5
    public static let readOnlyAdminName = "Read-Only Admin - Default"
    /// Its rules, in order: reading is allowed, everything else denied.
    public static let readOnlyAdminRules: [(pattern: String, permission: RulePermission)] = [
        ("getUserKeys", .deny), ("list*", .allow), ("queryAsyncJobResult", .allow), ("*", .deny),
    ]

    /// The built-in Root Admin role may call every API whatever its rules say.
    public var isRootAdmin: Bool { id == RoleType.admin.builtInRoleID && type == .admin }
}

/// ALLOW or DENY, as stored and shown.
public enum RulePermission: String, Sendable, Codable, CaseIterable {
    case allow = "allow"
    case deny = "deny"

    public init?(caseInsensitive raw: String) {
        self.init(rawValue: raw.lowercased())
    }
}

/// One ordered rule of a role.
public struct RolePermission: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var roleID: Int64
    public var rule: APIRule
    public var permission: RulePermission
    public var description: String?
    public var sortOrder: Int

    public init(id: Int64, uuid: UUID, roleID: Int64, rule: APIRule, permission: RulePermission, description: String?, sortOrder: Int) {
        self.id = id
        self.uuid = uuid
        self.roleID = roleID
        self.rule = rule
        self.permission = permission
        self.description = description
        self.sortOrder = sortOrder
    }
}

/// An API-name pattern of a role permission: letters, digits and `*`, where `*` stands
/// for any run of characters. Matching ignores case and spans the whole name.
public struct APIRule: Sendable, Equatable, CustomStringConvertible {
    public let pattern: String

    /// Validates `pattern`; returns `nil` when it contains anything but `[a-zA-Z0-9*]` or is empty.
    public init?(_ pattern: String) {
        guard !pattern.isEmpty, pattern.unicodeScalars.allSatisfy({ $0 == "*" || ($0.isASCII && CharacterSet.alphanumerics.contains($0)) }) else {
            return nil
        }
        self.pattern = pattern
    }

    public var description: String { pattern }

    /// True when the rule covers `apiName`.
    public func matches(_ apiName: String) -> Bool {
        let p = Array(pattern.lowercased().utf8)
        let s = Array(apiName.lowercased().utf8)
        // Iterative wildcard match with backtracking on the last star.
        var pi = 0, si = 0
        var star = -1, mark = 0
        while si < s.count {
            if pi < p.count && p[pi] != UInt8(ascii: "*") && p[pi] == s[si] {
                pi += 1; si += 1
            } else if pi < p.count && p[pi] == UInt8(ascii: "*") {
                star = pi; mark = si; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; si = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}

/// Decides whether a role may call an API, the way CloudStack's dynamic checker does.
public enum RoleAccess {
    /// The outcome of a check, with the reason kept for logs and tests.
    public enum Decision: Sendable, Equatable {
        case allowed(by: Reason)
        case denied(by: Reason)

        public var isAllowed: Bool { if case .allowed = self { return true } else { return false } }
    }

    public enum Reason: Sendable, Equatable {
        case rootAdmin
        case rule(String)
        case defaultAccess
        case noMatch
    }

    /// The built-in Root Admin passes everything; otherwise the first rule (in sort order)
    /// that matches decides; with no match the API's default role types decide.
    public static func check(role: Role, rules: [RolePermission], api: String, defaultRoles: Set<RoleType>) -> Decision {
        if role.isRootAdmin { return .allowed(by: .rootAdmin) }
        for rule in rules.sorted(by: { $0.sortOrder < $1.sortOrder }) where rule.rule.matches(api) {
            switch rule.permission {
            case .allow: return .allowed(by: .rule(rule.rule.pattern))
            case .deny: return .denied(by: .rule(rule.rule.pattern))
            }
        }
        if defaultRoles.contains(role.type) { return .allowed(by: .defaultAccess) }
        return .denied(by: .noMatch)
    }
}
