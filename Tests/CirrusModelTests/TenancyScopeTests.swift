import CirrusModel
import Foundation
import Testing

@Suite("Tenancy scoping")
struct TenancyScopeTests {
    let root = Domain(id: 1, uuid: UUID(), name: "ROOT", parentID: nil, path: "/", level: 0, networkDomain: nil, state: .active, created: Date())
    let sales = Domain(id: 2, uuid: UUID(), name: "sales", parentID: 1, path: "/sales/", level: 1, networkDomain: nil, state: .active, created: Date())
    let emea = Domain(id: 3, uuid: UUID(), name: "emea", parentID: 2, path: "/sales/emea/", level: 2, networkDomain: nil, state: .active, created: Date())
    let ops = Domain(id: 4, uuid: UUID(), name: "ops", parentID: 1, path: "/ops/", level: 1, networkDomain: nil, state: .active, created: Date())

    func caller(_ type: AccountType, in domain: Domain, accountID: Int64 = 10) -> Caller {
        let account = Account(id: accountID, uuid: UUID(), name: "acct\(accountID)", type: type, roleID: type.defaultRoleType.builtInRoleID, domainID: domain.id,
                              state: .enabled, networkDomain: nil, isDefault: false, created: Date())
        let user = User(id: accountID, uuid: UUID(), username: "u\(accountID)", passwordHash: "", firstName: "", lastName: "", email: nil, timezone: nil,
                        accountID: accountID, state: .enabled, apiKey: nil, secretKey: nil, isDefault: false, created: Date())
        let rt = type.defaultRoleType
        let role = Role(id: rt.builtInRoleID, uuid: UUID(), name: rt.builtInRoleName, type: rt, description: nil, isPublic: true, isDefault: true)
        return Caller(user: user, account: account, domain: domain, role: role)
    }

    func account(_ id: Int64, in domain: Domain) -> Account {
        Account(id: id, uuid: UUID(), name: "a\(id)", type: .normal, roleID: 4, domainID: domain.id, state: .enabled, networkDomain: nil, isDefault: false, created: Date())
    }

    @Test("a user always sees only their own account; listall does not widen it")
    func userOwnAccount() throws {
        let user = caller(.normal, in: sales)
        #expect(try TenancyScope.resolve(caller: user, request: .init(listAll: true, isRecursive: true), fallback: .ownDomain) == .account(id: 10))
        #expect(try TenancyScope.resolve(caller: user, request: .init(domain: sales), fallback: .ownAccount) == .account(id: 10))
    }

    @Test("a user naming another account or domain is refused")
    func userRefused() {
        let user = caller(.normal, in: sales)
        #expect(throws: CloudError.self) { try TenancyScope.resolve(caller: user, request: .init(account: account(11, in: sales)), fallback: .ownAccount) }
        #expect(throws: CloudError.self) { try TenancyScope.resolve(caller: user, request: .init(domain: ops), fallback: .ownAccount) }
    }

    @Test("a domain admin lists their subtree with listall and is refused outside it")
    func domainAdmin() throws {
        let admin = caller(.domainAdmin, in: sales)
        #expect(try TenancyScope.resolve(caller: admin, request: .init(listAll: true), fallback: .ownAccount) == .domainTree(path: "/sales/"))
        #expect(try TenancyScope.resolve(caller: admin, request: .init(), fallback: .ownAccount) == .account(id: 10))
        #expect(try TenancyScope.resolve(caller: admin, request: .init(), fallback: .ownDomain) == .domain(id: 2))
        #expect(try TenancyScope.resolve(caller: admin, request: .init(domain: emea), fallback: .ownAccount) == .domain(id: 3))
        #expect(try TenancyScope.resolve(caller: admin, request: .init(domain: emea, isRecursive: true), fallback: .ownAccount) == .domainTree(path: "/sales/emea/"))
        #expect(try TenancyScope.resolve(caller: admin, request: .init(domain: emea, account: account(12, in: emea)), fallback: .ownAccount) == .account(id: 12))
        let error = #expect(throws: CloudError.self) { try TenancyScope.resolve(caller: admin, request: .init(domain: ops), fallback: .ownAccount) }
        #expect(error?.code == .accountError)
        #expect(throws: CloudError.self) { try TenancyScope.resolve(caller: admin, request: .init(domain: root, listAll: true), fallback: .ownAccount) }
    }

    @Test("the root admin sees everything with listall")
    func rootAdmin() throws {
        let admin = caller(.admin, in: root, accountID: 2)
        #expect(try TenancyScope.resolve(caller: admin, request: .init(listAll: true), fallback: .ownAccount) == .everything)
        #expect(try TenancyScope.resolve(caller: admin, request: .init(), fallback: .ownAccount) == .account(id: 2))
        #expect(try TenancyScope.resolve(caller: admin, request: .init(domain: ops), fallback: .ownAccount) == .domain(id: 4))
        #expect(try TenancyScope.resolve(caller: admin, request: .init(domain: root, isRecursive: true), fallback: .ownAccount) == .everything)
    }
}
