import CirrusModel
import Foundation
import Testing

@Suite("Role rules")
struct RoleAccessTests {
    func rule(_ pattern: String, _ permission: RulePermission, order: Int) -> RolePermission {
        RolePermission(id: Int64(order), uuid: UUID(), roleID: 9, rule: APIRule(pattern)!, permission: permission, description: nil, sortOrder: order)
    }

    let custom = Role(id: 9, uuid: UUID(), name: "ops", type: .user, description: nil, isPublic: true, isDefault: false)

    @Test("wildcards match whole names, ignoring case", arguments: [
        ("list*", "listVirtualMachines", true),
        ("list*", "createVolume", false),
        ("*", "anything", true),
        ("*Vm*", "deployVirtualMachine", false),
        ("*VirtualMachine*", "deployVirtualMachine", true),
        ("listUsers", "LISTUSERS", true),
        ("listUsers", "listUsersX", false),
        ("l*s", "listUsers", true),
        ("l*s", "listUser", false),
        ("*a*b*c", "xaybzc", true),
        ("*a*b*c", "xaybzcd", false),
    ])
    func matching(pattern: String, api: String, expected: Bool) {
        #expect(APIRule(pattern)!.matches(api) == expected)
    }

    @Test("rules accept only letters, digits and *")
    func validation() {
        #expect(APIRule("list*") != nil)
        #expect(APIRule("") == nil)
        #expect(APIRule("list.*") == nil)
        #expect(APIRule("list Users") == nil)
        #expect(APIRule("list_Users") == nil)
    }

    @Test("the first matching rule in sort order decides")
    func firstMatchWins() {
        let rules = [rule("list*", .allow, order: 1), rule("listUsers", .deny, order: 0)]
        #expect(RoleAccess.check(role: custom, rules: rules, api: "listUsers", defaultRoles: .init([.user])) == .denied(by: .rule("listUsers")))
        #expect(RoleAccess.check(role: custom, rules: rules, api: "listAccounts", defaultRoles: []) == .allowed(by: .rule("list*")))
    }

    @Test("without a matching rule the API's default roles decide")
    func fallback() {
        #expect(RoleAccess.check(role: custom, rules: [], api: "listUsers", defaultRoles: [.user]).isAllowed)
        #expect(RoleAccess.check(role: custom, rules: [], api: "createDomain", defaultRoles: [.admin, .domainAdmin]) == .denied(by: .noMatch))
    }

    @Test("the built-in root admin role passes everything, rules or not")
    func rootAdmin() {
        let root = Role(id: 1, uuid: UUID(), name: "Root Admin", type: .admin, description: nil, isPublic: true, isDefault: true)
        #expect(RoleAccess.check(role: root, rules: [rule("*", .deny, order: 0)], api: "deleteDomain", defaultRoles: []) == .allowed(by: .rootAdmin))
        let otherAdmin = Role(id: 7, uuid: UUID(), name: "custom admin", type: .admin, description: nil, isPublic: true, isDefault: false)
        #expect(!RoleAccess.check(role: otherAdmin, rules: [rule("*", .deny, order: 0)], api: "deleteDomain", defaultRoles: [.admin]).isAllowed)
    }
}
