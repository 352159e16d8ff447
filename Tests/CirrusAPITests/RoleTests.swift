import CirrusAPI
import CirrusModel
import Foundation
import Testing

@Suite("Roles")
struct RoleTests {
    @Test("ordered rules decide access, reordering flips them, listApis follows, and a used role cannot be deleted")
    func customRoleRules() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let created = await admin.call("createRole", ["name": "no-users", "type": "User", "description": "cannot list users"])
            #expect(created.status == 200, "\(created.body)")
            let role = try #require(created.object["role"] as? [String: Any])
            let roleID = try #require(role["id"] as? String)
            #expect(role["type"] as? String == "User")
            #expect(role["isdefault"] as? Bool == false)

            let deny = await admin.call("createRolePermission", ["roleid": roleID, "rule": "listUsers", "permission": "deny"])
            #expect(deny.status == 200, "\(deny.body)")
            let denyID = try #require((deny.object["rolepermission"] as? [String: Any])?["id"] as? String)
            let allow = await admin.call("createRolePermission", ["roleid": roleID, "rule": "list*", "permission": "allow"])
            #expect(allow.status == 200, "\(allow.body)")
            let allowID = try #require((allow.object["rolepermission"] as? [String: Any])?["id"] as? String)

            let rules = await admin.call("listRolePermissions", ["roleid": roleID])
            #expect(rules.items("rolepermission").compactMap { $0["rule"] as? String } == ["listUsers", "list*"])

            let user = try await admin.createAccount("restricted", domainID: nil, type: nil, roleID: roleID)

            // API key: listUsers is denied by the first rule, listAccounts allowed by list*.
            let users = await cloud.signed("listUsers", keys: user.keys)
            #expect(users.status == 401, "\(users.body)")
            #expect(users.errorCode == 401)
            #expect(users.key == "listusersresponse")
            let accounts = await cloud.signed("listAccounts", keys: user.keys)
            #expect(accounts.status == 200, "\(accounts.body)")
            #expect(accounts.ids("account") == [user.id])

            // The session path refuses the same way.
            let session = try await cloud.login(user.username, password: user.password)
            let sessionUsers = await session.call("listUsers")
            #expect(sessionUsers.status == 401)
            #expect(await session.call("listAccounts").status == 200)

            let apis = await cloud.signed("listApis", keys: user.keys)
            #expect(apis.status == 200)
            let names = Set(apis.items("api").compactMap { $0["name"] as? String })
            #expect(!names.contains("listUsers"))
            #expect(names.contains("listAccounts"))
            #expect(names.contains("listApis"))
            #expect(apis.count == names.count)
            let one = await cloud.signed("listApis", [("name", "listUsers")], keys: user.keys)
            #expect(one.status == 431)

            // Swap the order: list* now matches first and allows listUsers.
            let reorder = await admin.call("updateRolePermission", ["roleid": roleID, "ruleorder": "\(allowID),\(denyID)"])
            #expect(reorder.status == 200, "\(reorder.body)")
            #expect(reorder.object["success"] as? Bool == true)
            let reordered = await admin.call("listRolePermissions", ["roleid": roleID])
            #expect(reordered.items("rolepermission").compactMap { $0["rule"] as? String } == ["list*", "listUsers"])

            let usersNow = await cloud.signed("listUsers", keys: user.keys)
            #expect(usersNow.status == 200, "\(usersNow.body)")
            #expect(usersNow.ids("user") == [user.userID])
            let apisNow = await cloud.signed("listApis", keys: user.keys)
            #expect(apisNow.items("api").contains { $0["name"] as? String == "listUsers" })

            // A bad ruleorder (not every rule) is refused.
            let partial = await admin.call("updateRolePermission", ["roleid": roleID, "ruleorder": denyID])
            #expect(partial.status == 431)

            // Changing one rule's permission flips it back.
            let flip = await admin.call("updateRolePermission", ["roleid": roleID, "ruleid": allowID, "permission": "deny"])
            #expect(flip.status == 200, "\(flip.body)")
            #expect(await cloud.signed("listAccounts", keys: user.keys).status == 401)

            // The role is in use.
            let delete = await admin.call("deleteRole", ["id": roleID])
            #expect(delete.status == 536, "\(delete.body)")
            #expect(delete.errorCode == 536)
            #expect(delete.key == "deleteroleresponse")
            let stillThere = await admin.call("listRoles", ["id": roleID])
            #expect(stillThere.ids("role") == [roleID])

            // Built-in roles cannot be deleted at all.
            let builtIn = await admin.call("listRoles", ["name": "User"])
            let builtInID = try #require(builtIn.items("role").first { $0["isdefault"] as? Bool == true }?["id"] as? String)
            #expect(await admin.call("deleteRole", ["id": builtInID]).status == 531)

            // Once the account is gone the role can be deleted.
            let gone = try await admin.runJob("deleteAccount", pairs: [("id", user.id)])
            #expect(gone["jobstatus"] as? Int == 1)
            let deleted = await admin.call("deleteRole", ["id": roleID])
            #expect(deleted.status == 200, "\(deleted.body)")
        }
    }

    @Test("a normal user cannot manage roles")
    func rolesNeedRootAdmin() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let user = try await admin.createAccount("plain", domainID: nil)
            let attempt = await cloud.signed("createRole", [("name", "mine"), ("type", "Admin")], keys: user.keys)
            #expect(attempt.status == 401)
            let roles = await admin.call("listRoles", ["name": "mine"])
            #expect(roles.object.isEmpty)
        }
    }
}
