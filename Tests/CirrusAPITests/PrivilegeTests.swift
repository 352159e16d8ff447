import CirrusAPI
import CirrusModel
import Foundation
import Testing

/// Privilege boundaries beyond plain tenant isolation: secret keys of root admins stay
/// hidden from domain admins, and read-only admins are bound by their role's rules.
@Suite("Privilege boundaries")
struct PrivilegeTests {
    @Test("a domain admin never sees the secret key of a root admin placed in its subtree")
    func domainAdminCannotReadRootAdminSecret() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let f = try await TenancyFixture.make(admin)
            // A root admin account living below the domain admin.
            let root = try await admin.createAccount("rootbelow", domainID: f.domainASub, type: 1)

            // Direct access is refused...
            let keys = await cloud.signed("getUserKeys", [("id", root.userID)], keys: f.adminA.keys)
            #expect(keys.status == 531)
            let register = await cloud.signed("registerUserKeys", [("id", root.userID)], keys: f.adminA.keys)
            #expect(register.status == 531)
            let update = await cloud.signed("updateUser", [("id", root.userID), ("password", "taken-over")], keys: f.adminA.keys)
            #expect(update.status == 531)

            // ...and the domain admin still sees its own tenants' keys, as CloudStack allows.
            let users = await cloud.signed("listUsers", [("listall", "true")], keys: f.adminA.keys)
            #expect(users.status == 200)
            let tenant = users.items("user").first { $0["id"] as? String == f.userA.userID }
            #expect(tenant?["apikey"] as? String == f.userA.keys.apiKey)

            // The root admin's secret must not leak through list responses either.
            do {
                let leakedByUsers = users.body.contains(root.keys.secretKey)
                #expect(!leakedByUsers, "listUsers leaks a root admin's secret key to a domain admin")
                let accounts = await cloud.signed("listAccounts", [("listall", "true")], keys: f.adminA.keys)
                let leakedByAccounts = accounts.body.contains(root.keys.secretKey)
                #expect(!leakedByAccounts, "listAccounts leaks a root admin's secret key to a domain admin")
            }
            // With the secret, the domain admin would act as root admin.
            let escalated = await cloud.signed("listConfigurations", [("name", "default.page.size")], keys: root.keys)
            #expect(escalated.status == 200)
        }
    }

    @Test("a read-only admin (account type 4) cannot change anything")
    func readOnlyAdminIsReadOnly() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let created = await admin.call("createAccount", [
                "account": "auditor", "accounttype": "4", "username": "auditor", "password": "pw4", "firstname": "A", "lastname": "U", "email": "a@x",
            ])
            #expect(created.status == 200, "\(created.body)")
            let account = try #require(created.object["account"] as? [String: Any])
            #expect(account["accounttype"] as? Int == 4)
            let session = try await cloud.login("auditor", password: "pw4")
            #expect(await session.call("listDomains").status == 200)

            do {
                #expect(account["rolename"] as? String == "Read-Only Admin - Default")
                let domain = await session.call("createDomain", ["name": "written-by-readonly"])
                #expect(domain.status != 200, "a read-only admin created a domain: \(domain.body)")
                let setting = await session.call("updateConfiguration", ["name": "default.page.size", "value": "7"])
                #expect(setting.status != 200, "a read-only admin changed a setting: \(setting.body)")
            }
        }
    }

    @Test("a user cannot elevate themselves or others with updateUser/updateAccount")
    func noSelfElevation() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let f = try await TenancyFixture.make(admin)
            // A normal user cannot set API keys directly, even their own.
            let setKeys = await cloud.signed("updateUser", [("id", f.userA.userID), ("userapikey", "chosen"), ("usersecretkey", "chosen")],
                                             keys: f.userA.keys)
            #expect(setKeys.status == 531)
            // Nor change their own password without the current one.
            let session = try await cloud.login(f.userA.username, password: f.userA.password, domain: "/tenantA")
            let noCurrent = await session.call("updateUser", ["id": f.userA.userID, "password": "new"])
            #expect(noCurrent.status == 431)
            let wrongCurrent = await session.call("updateUser", ["id": f.userA.userID, "password": "new", "currentpassword": "bad"])
            #expect(wrongCurrent.status == 431)
            let ok = await session.call("updateUser", ["id": f.userA.userID, "password": "new", "currentpassword": f.userA.password])
            #expect(ok.status == 200, "\(ok.body)")
            _ = try await cloud.login(f.userA.username, password: "new", domain: "/tenantA")

            // Role changes: a domain admin cannot turn an account into an admin.
            let roles = await admin.call("listRoles", ["type": "Admin"])
            let adminRole = try #require(roles.items("role").first?["id"] as? String)
            let promote = await cloud.signed("updateAccount", [("id", f.userA.id), ("roleid", adminRole)], keys: f.adminA.keys)
            #expect(promote.status == 431 || promote.status == 531, "\(promote.body)")
            let still = await admin.call("listAccounts", ["id": f.userA.id, "listall": "true"])
            #expect(still.items("account").first?["accounttype"] as? Int == 0)
            #expect(still.items("account").first?["roletype"] as? String == "User")
            // A normal user cannot call updateAccount at all.
            #expect(await cloud.signed("updateAccount", [("id", f.userA.id), ("newname", "renamed")], keys: f.userA.keys).status == 401)

            // Events of another tenant cannot be deleted or archived.
            _ = try await cloud.login(f.userB.username, password: f.userB.password, domain: "/tenantB")
            let bEvents = await cloud.signed("listEvents", keys: f.userB.keys)
            let bEvent = try #require(bEvents.items("event").first?["id"] as? String)
            let delete = await cloud.signed("deleteEvents", [("ids", bEvent)], keys: f.userA.keys)
            #expect(delete.status == 431 || delete.status == 531, "\(delete.body)")
            let archive = await cloud.signed("archiveEvents", [("ids", bEvent)], keys: f.adminA.keys)
            #expect(archive.status == 431 || archive.status == 531, "\(archive.body)")
            let after = await cloud.signed("listEvents", [("id", bEvent)], keys: f.userB.keys)
            #expect(after.ids("event") == [bEvent])
        }
    }
}
