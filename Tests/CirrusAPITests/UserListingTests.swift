import CirrusModel
import Foundation
import Testing

/// listUsers reads through one hand-written query (UserRepository.ownedQuery) on its hot
/// path; these tests pin every filter, the scopes and the paging totals of that query.
@Suite("User listing query")
struct UserListingTests {
    @Test("filters: username, keyword, account type, state, domain (recursive or not), id")
    func filters() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let tag = unique("ul")
            let d1 = try await admin.createDomain("\(tag)-d1")
            let child = try await admin.createDomain("\(tag)-child", parent: d1)
            let d2 = try await admin.createDomain("\(tag)-d2")
            let plain = try await admin.createAccount("\(tag)-plain", domainID: d1, username: "\(tag)-kwzz-plain")
            let domainAdmin = try await admin.createAccount("\(tag)-dadmin", domainID: d1, type: 2)
            let inChild = try await admin.createAccount("\(tag)-inchild", domainID: child, username: "\(tag)-KWZZ-child")
            let other = try await admin.createAccount("\(tag)-other", domainID: d2)
            let all = [plain, domainAdmin, inChild, other]

            let everyone = await admin.call("listUsers", ["listall": "true"])
            #expect(everyone.status == 200)
            #expect(everyone.ids("user").isSuperset(of: Set(all.map(\.userID))))
            #expect(everyone.count == everyone.items("user").count)
            #expect(!everyone.items("user").contains { $0["username"] as? String == "system" }, "the system user is never listed")

            let byName = await admin.call("listUsers", ["listall": "true", "username": plain.username])
            #expect(byName.ids("user") == [plain.userID])
            #expect(byName.count == 1)
            let user = try #require(byName.items("user").first)
            #expect(user["account"] as? String == plain.name)
            #expect(user["domainid"] as? String == d1)
            #expect(user["accounttype"] as? Int == 0)
            #expect(user["rolename"] as? String != nil)

            // Keyword: case-insensitive, on user name, first or last name.
            let keyword = await admin.call("listUsers", ["listall": "true", "keyword": "\(tag)-kwZZ"])
            #expect(keyword.ids("user") == [plain.userID, inChild.userID])
            let lastName = await admin.call("listUsers", ["listall": "true", "keyword": "LAST", "domainid": d2])
            #expect(lastName.ids("user") == [other.userID], "the keyword also matches the last name")

            let domainAdmins = await admin.call("listUsers", ["listall": "true", "accounttype": "2", "domainid": d1])
            #expect(domainAdmins.ids("user") == [domainAdmin.userID])

            let locked = await admin.call("lockUser", ["id": other.userID])
            #expect(locked.status == 200, "\(locked.body)")
            let lockedList = await admin.call("listUsers", ["listall": "true", "state": "locked"])
            #expect(lockedList.ids("user").contains(other.userID))
            #expect(!lockedList.ids("user").contains(plain.userID))

            let flat = await admin.call("listUsers", ["domainid": d1])
            #expect(flat.ids("user") == [plain.userID, domainAdmin.userID])
            let tree = await admin.call("listUsers", ["domainid": d1, "isrecursive": "true"])
            #expect(tree.ids("user") == [plain.userID, domainAdmin.userID, inChild.userID])
            #expect(tree.count == 3)

            let one = await admin.call("listUsers", ["id": inChild.userID])
            #expect(one.ids("user") == [inChild.userID])

            // A domain admin sees the users of its domain tree, not the sibling's.
            let asDomainAdmin = await cloud.signed("listUsers", [("listall", "true")], keys: domainAdmin.keys)
            #expect(asDomainAdmin.status == 200)
            #expect(asDomainAdmin.ids("user") == [plain.userID, domainAdmin.userID, inChild.userID])
            // A normal user sees only themselves.
            let asUser = await cloud.signed("listUsers", keys: plain.keys)
            #expect(asUser.ids("user") == [plain.userID])
            #expect(asUser.count == 1)
        }
    }

    @Test("pages: disjoint, in id order, and the total counts the whole filter on full and past-the-end pages")
    func paging() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let tag = unique("up")
            let domain = try await admin.createDomain("\(tag)-d")
            var ids: [String] = []
            for i in 0..<5 {
                ids.append(try await admin.createAccount("\(tag)-\(i)", domainID: domain).userID)
            }
            var seen: [String] = []
            for page in 1...3 {
                let reply = await admin.call("listUsers", ["domainid": domain, "page": "\(page)", "pagesize": "2"])
                #expect(reply.status == 200)
                #expect(reply.count == 5, "page \(page)")
                #expect(reply.items("user").count == (page < 3 ? 2 : 1))
                seen += reply.items("user").compactMap { $0["id"] as? String }
            }
            #expect(seen == ids)
            let past = await admin.call("listUsers", ["domainid": domain, "page": "4", "pagesize": "2"])
            #expect(past.items("user").isEmpty)
            #expect(past.count == 5)
        }
    }
}
