import CirrusAPI
import CirrusModel
import Foundation
import Testing

@Suite("Domain lifecycle")
struct DomainLifecycleTests {
    func domain(_ reply: Reply, _ id: String) -> [String: Any]? {
        reply.items("domain").first { $0["id"] as? String == id }
    }

    @Test("nested domains, paths, rename, and deletion with cleanup")
    func lifecycle() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let a = try await admin.createDomain("a")
            let b = try await admin.createDomain("b", parent: a)
            let c = try await admin.createDomain("c", parent: b)
            // A sibling whose name starts with the same letters must not be touched by the rename.
            let sibling = try await admin.createDomain("ab")
            let siblingChild = try await admin.createDomain("x", parent: sibling)

            let all = await admin.call("listDomains", ["listall": "true"])
            #expect(all.status == 200)
            #expect(domain(all, a)?["path"] as? String == "ROOT/a")
            #expect(domain(all, b)?["path"] as? String == "ROOT/a/b")
            #expect(domain(all, c)?["path"] as? String == "ROOT/a/b/c")
            #expect(domain(all, b)?["level"] as? Int == 2)
            #expect(domain(all, b)?["parentdomainid"] as? String == a)
            #expect(domain(all, b)?["parentdomainname"] as? String == "a")
            #expect(domain(all, a)?["haschild"] as? Bool == true)
            #expect(domain(all, c)?["haschild"] as? Bool == false)
            #expect(all.count == 6) // ROOT + 5
            let root = all.items("domain").first { $0["path"] as? String == "ROOT" }
            #expect(root?["level"] as? Int == 0)

            let children = await admin.call("listDomainChildren", ["id": a])
            #expect(children.ids("domain") == [b])
            let descendants = await admin.call("listDomainChildren", ["id": a, "isrecursive": "true"])
            #expect(descendants.ids("domain") == [b, c])

            // Accounts in the tree, with working keys.
            let inB = try await admin.createAccount("inb", domainID: b)
            let inC = try await admin.createAccount("inc", domainID: c)
            let inSibling = try await admin.createAccount("insibling", domainID: siblingChild)
            #expect(await cloud.signed("listUsers", keys: inC.keys).status == 200)
            let loginPath = try await cloud.login(inC.username, password: inC.password, domain: "/a/b/c")
            #expect(await loginPath.call("listUsers").status == 200)

            // Rename a: every path below it changes, the sibling's do not.
            let renamed = await admin.call("updateDomain", ["id": a, "name": "alpha"])
            #expect(renamed.status == 200, "\(renamed.body)")
            #expect((renamed.object["domain"] as? [String: Any])?["path"] as? String == "ROOT/alpha")
            #expect((renamed.object["domain"] as? [String: Any])?["name"] as? String == "alpha")
            let after = await admin.call("listDomains", ["listall": "true"])
            #expect(domain(after, a)?["path"] as? String == "ROOT/alpha")
            #expect(domain(after, b)?["path"] as? String == "ROOT/alpha/b")
            #expect(domain(after, c)?["path"] as? String == "ROOT/alpha/b/c")
            #expect(domain(after, b)?["parentdomainname"] as? String == "alpha")
            #expect(domain(after, sibling)?["path"] as? String == "ROOT/ab")
            #expect(domain(after, siblingChild)?["path"] as? String == "ROOT/ab/x")
            let accountPath = await admin.call("listAccounts", ["id": inC.id, "listall": "true"])
            #expect(accountPath.items("account").first?["domainpath"] as? String == "ROOT/alpha/b/c")
            // Logging in uses the new path; the old one is gone.
            _ = try await cloud.login(inC.username, password: inC.password, domain: "/alpha/b/c")
            let oldPath = await cloud.send(.post, [("command", "login"), ("username", inC.username), ("password", inC.password), ("domain", "/a/b/c"),
                                                   ("response", "json")])
            #expect(oldPath.status == 531)
            // Renaming onto an existing sibling name is refused; ROOT cannot be renamed.
            #expect(await admin.call("updateDomain", ["id": a, "name": "ab"]).status == 431)
            let rootID = try #require(root?["id"] as? String)
            #expect(await admin.call("updateDomain", ["id": rootID, "name": "TOP"]).status == 431)
            // ROOT cannot be deleted.
            #expect(await admin.call("deleteDomain", ["id": rootID, "cleanup": "true"]).status == 531)

            // Delete with cleanup.
            let deleted = try await admin.runJob("deleteDomain", pairs: [("id", a), ("cleanup", "true")])
            #expect(deleted["jobstatus"] as? Int == 1, "\(deleted)")
            #expect((deleted["jobresult"] as? [String: Any])?["success"] as? Bool == true)

            let remaining = await admin.call("listDomains", ["listall": "true"])
            #expect(remaining.ids("domain").isDisjoint(with: [a, b, c]))
            #expect(remaining.ids("domain").isSuperset(of: [sibling, siblingChild]))
            #expect(remaining.count == 3)
            #expect(await admin.call("listDomains", ["id": b]).ids("domain").isEmpty)
            let accounts = await admin.call("listAccounts", ["listall": "true"])
            #expect(!accounts.ids("account").contains(inB.id))
            #expect(!accounts.ids("account").contains(inC.id))
            #expect(accounts.ids("account").contains(inSibling.id))
            let users = await admin.call("listUsers", ["listall": "true"])
            #expect(!users.ids("user").contains(inC.userID))

            // Deleted users' keys and sessions stop working.
            let dead = await cloud.signed("listUsers", keys: inC.keys)
            #expect(dead.status == 401, "\(dead.body)")
            #expect(await cloud.signed("listAccounts", keys: inB.keys).status == 401)
            #expect(await loginPath.call("listUsers").status == 401)
            #expect(await cloud.signed("listUsers", keys: inSibling.keys).status == 200)

            // The name can be used again.
            let again = await admin.call("createDomain", ["name": "alpha"])
            #expect(again.status == 200, "\(again.body)")
            // And the deleted domain can no longer be used.
            #expect(await admin.call("createDomain", ["name": "orphan", "parentdomainid": b]).status == 431)
        }
    }

    @Test("domain admins manage their subtree but not their own domain")
    func domainAdminLimits() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let top = try await admin.createDomain("top")
            let other = try await admin.createDomain("other")
            let dadmin = try await admin.createAccount("topadmin", domainID: top, type: 2)
            let created = await cloud.signed("createDomain", [("name", "below")], keys: dadmin.keys)
            #expect(created.status == 200, "\(created.body)")
            let below = try #require((created.object["domain"] as? [String: Any])?["id"] as? String)
            #expect((created.object["domain"] as? [String: Any])?["path"] as? String == "ROOT/top/below")
            #expect(await cloud.signed("createDomain", [("name", "intruder"), ("parentdomainid", other)], keys: dadmin.keys).status == 531)
            #expect(await cloud.signed("updateDomain", [("id", top), ("name", "mine")], keys: dadmin.keys).status == 531)
            #expect(await cloud.signed("deleteDomain", [("id", top)], keys: dadmin.keys).status == 531)
            #expect(await cloud.signed("deleteDomain", [("id", other)], keys: dadmin.keys).status == 531)
            let renamed = await cloud.signed("updateDomain", [("id", below), ("name", "under")], keys: dadmin.keys)
            #expect(renamed.status == 200, "\(renamed.body)")
            let deleted = await cloud.signed("deleteDomain", [("id", below)], keys: dadmin.keys)
            let jobID = try #require(deleted.object["jobid"] as? String, "\(deleted.body)")
            let done = try await cloud.waitForJob(jobID, session: admin)
            #expect(done["jobstatus"] as? Int == 1)
            // A normal user cannot create domains at all.
            let user = try await admin.createAccount("plainuser", domainID: top)
            #expect(await cloud.signed("createDomain", [("name", "nope")], keys: user.keys).status == 401)
        }
    }
}
