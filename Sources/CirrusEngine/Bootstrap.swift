import CirrusModel
import CirrusStore
import Foundation
import Logging
import SQLKit

/// First-start seeding: the built-in roles, the ROOT domain, the SYSTEM account and user,
/// and the root `admin` account with user `admin`.
public enum Bootstrap {
    /// CloudStack's default admin password, used when none is configured.
    public static let defaultAdminPassword = "password"

    public static func seed(db: any Database, hasher: PasswordHasher, adminPassword: String?, logger: Logger) async throws {
        let alreadySeeded = try await db.read { try await DomainRepository.find($0, id: Domain.rootID) != nil }
        if alreadySeeded { return }
        let password = adminPassword ?? defaultAdminPassword
        let adminHash = try await hasher.hash(password)
        // The system user never logs in: a random password nobody knows.
        let systemHash = try await hasher.hash(TokenGenerator.token(byteCount: 32))
        try await db.transaction { sql in
            // Another server may have seeded while we hashed.
            if try await DomainRepository.find(sql, id: Domain.rootID) != nil { return }
            // Inserted in id order into an empty table so that they get ids 1–4 on both engines
            // (an explicit id would leave PostgreSQL's identity sequence behind).
            for type in RoleType.allCases.sorted(by: { $0.builtInRoleID < $1.builtInRoleID }) {
                let role = try await RoleRepository.insert(sql, uuid: UUID(), name: type.builtInRoleName, type: type,
                                                           description: "Default \(type.builtInRoleName) role", isPublic: true, isDefault: true)
                precondition(role.id == type.builtInRoleID, "built-in role \(type.rawValue) must have id \(type.builtInRoleID)")
            }
            let readOnly = try await RoleRepository.insert(sql, uuid: UUID(), name: Role.readOnlyAdminName, type: .admin,
                                                           description: "Default read-only admin role: may list everything and change nothing",
                                                           isPublic: true, isDefault: true)
            precondition(readOnly.id == Role.readOnlyAdminID, "the read-only admin role must have id \(Role.readOnlyAdminID)")
            for rule in Role.readOnlyAdminRules {
                _ = try await RoleRepository.insertPermission(sql, uuid: UUID(), roleID: readOnly.id, rule: APIRule(rule.pattern)!, permission: rule.permission, description: nil)
            }
            let now = Date()
            let root = try await DomainRepository.insert(sql, uuid: UUID(), name: "ROOT", parentID: nil, path: "/", level: 0, networkDomain: nil, created: now)
            precondition(root.id == Domain.rootID, "the ROOT domain must be the first domain row")
            let system = try await AccountRepository.insert(sql, uuid: UUID(), name: "system", type: .admin, roleID: RoleType.admin.builtInRoleID, domainID: root.id, networkDomain: nil, isDefault: true, created: now)
            let admin = try await AccountRepository.insert(sql, uuid: UUID(), name: "admin", type: .admin, roleID: RoleType.admin.builtInRoleID, domainID: root.id, networkDomain: nil, isDefault: true, created: now)
            precondition(system.id == Account.systemID && admin.id == Account.adminID, "system and admin must be accounts 1 and 2")
            try await SecurityGroupService.ensureDefaultGroup(sql, account: admin)
            _ = try await UserRepository.insert(sql, User(id: 0, uuid: UUID(), username: "system", passwordHash: systemHash, firstName: "system", lastName: "cloud",
                                                          email: nil, timezone: nil, accountID: system.id, state: .enabled, apiKey: nil, secretKey: nil, isDefault: true, created: now), domainID: root.id)
            _ = try await UserRepository.insert(sql, User(id: 0, uuid: UUID(), username: "admin", passwordHash: adminHash, firstName: "Admin", lastName: "User",
                                                          email: nil, timezone: nil, accountID: admin.id, state: .enabled, apiKey: nil, secretKey: nil, isDefault: true, created: now), domainID: root.id)
        }
        if adminPassword == nil {
            logger.warning("The admin user was created with CloudStack's default password 'password'; change it now (updateUser) or start with CIRRUS_ADMIN_PASSWORD set")
        } else {
            logger.info("The admin user was created with the password from CIRRUS_ADMIN_PASSWORD")
        }
    }
}
