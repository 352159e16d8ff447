import CirrusAPI
import CirrusModel
import Foundation
import Testing

@Suite("Settings")
struct SettingsTests {
    @Test("default.page.size caps unpaged lists but count stays the total")
    func defaultPageSize() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            for name in ["p1", "p2", "p3"] { _ = try await admin.createAccount(name, domainID: nil) }
            let before = await admin.call("listUsers", ["listall": "true"])
            let total = before.count
            #expect(total == 4) // admin and three new users; the system user is never listed
            #expect(!before.items("user").contains { $0["username"] as? String == "system" })
            #expect(before.items("user").count == total)

            let set = await admin.call("updateConfiguration", ["name": "default.page.size", "value": "2"])
            #expect(set.status == 200, "\(set.body)")
            let entry = try #require(set.object["configuration"] as? [String: Any])
            #expect(entry["value"] as? String == "2")
            #expect(entry["name"] as? String == "default.page.size")

            let capped = await admin.call("listUsers", ["listall": "true"])
            #expect(capped.status == 200)
            #expect(capped.items("user").count == 2)
            #expect(capped.count == total)
            // Explicit pages obey the new maximum.
            let page2 = await admin.call("listUsers", ["listall": "true", "page": "2", "pagesize": "2"])
            #expect(page2.items("user").count == 2)
            #expect(page2.count == total)
            #expect(page2.ids("user").isDisjoint(with: capped.ids("user")))
            let page3 = await admin.call("listUsers", ["listall": "true", "page": "3", "pagesize": "2"])
            #expect(page3.items("user").isEmpty)
            #expect(page3.body == #"{"listusersresponse":{"count":4}}"#)
            let tooBig = await admin.call("listUsers", ["listall": "true", "page": "1", "pagesize": "3"])
            #expect(tooBig.status == 431)
            let capability = await admin.call("listCapabilities")
            #expect((capability.object["capability"] as? [String: Any])?["defaultuipagesize"] as? Int == 2)

            let listed = await admin.call("listConfigurations", ["name": "default.page.size"])
            #expect(listed.items("configuration").first?["value"] as? String == "2")

            let reset = await admin.call("resetConfiguration", ["name": "default.page.size"])
            #expect(reset.status == 200, "\(reset.body)")
            #expect((reset.object["configuration"] as? [String: Any])?["value"] as? String == "500")
            let restored = await admin.call("listUsers", ["listall": "true"])
            #expect(restored.items("user").count == total)
            let relisted = await admin.call("listConfigurations", ["name": "default.page.size"])
            #expect(relisted.items("configuration").first?["value"] as? String == "500")
        }
    }

    @Test("invalid setting values and unknown settings are 431")
    func invalidValues() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let cases: [(String, String)] = [
                ("default.page.size", "many"),
                ("default.page.size", "0"),
                ("default.page.size", "100001"),
                ("default.page.size", "1.5"),
                ("session.timeout", "99999999999"),
                ("api.key.access", "perhaps"),
                ("api.sessionkey.check.locations", "Anywhere"),
                ("no.such.setting", "1"),
            ]
            for (name, value) in cases {
                let reply = await admin.call("updateConfiguration", ["name": name, "value": value])
                #expect(reply.status == 431, "\(name)=\(value): \(reply.body)")
                #expect(reply.errorCode == 431)
                #expect(reply.key == "updateconfigurationresponse")
            }
            let noValue = await admin.call("updateConfiguration", ["name": "default.page.size"])
            #expect(noValue.status == 431)
            let unknownReset = await admin.call("resetConfiguration", ["name": "no.such.setting"])
            #expect(unknownReset.status == 431)
            // A setting that has no account scope cannot be set for an account.
            let account = try await admin.createAccount("scoped", domainID: nil)
            let wrongScope = await admin.call("updateConfiguration", ["name": "default.page.size", "value": "3", "accountid": account.id])
            #expect(wrongScope.status == 431, "\(wrongScope.body)")
            // Two scopes at once.
            let twoScopes = await admin.call("updateConfiguration", ["name": "api.key.access", "value": "false", "accountid": account.id,
                                                                      "domainid": account.domainID])
            #expect(twoScopes.status == 431)
            // The value did not change.
            let listed = await admin.call("listConfigurations", ["name": "default.page.size"])
            #expect(listed.items("configuration").first?["value"] as? String == "500")
            // Only the root admin may change settings.
            let denied = await cloud.signed("updateConfiguration", [("name", "default.page.size"), ("value", "3")], keys: account.keys)
            #expect(denied.status == 401)
        }
    }

    @Test("api.key.access=false for one account refuses its signed calls only, until reset")
    func apiKeyAccessPerAccount() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let a = try await admin.createAccount("keyless", domainID: nil)
            let b = try await admin.createAccount("keyed", domainID: nil)
            #expect(await cloud.signed("listUsers", keys: a.keys).status == 200)

            let off = await admin.call("updateConfiguration", ["name": "api.key.access", "value": "FALSE", "accountid": a.id])
            #expect(off.status == 200, "\(off.body)")
            #expect((off.object["configuration"] as? [String: Any])?["value"] as? String == "false")

            let refused = await cloud.signed("listUsers", keys: a.keys)
            #expect(refused.status == 401)
            #expect(refused.errorText == "unable to verify user credentials and/or request signature")
            #expect(refused.object["cserrorcode"] == nil)
            let allowed = await cloud.signed("listUsers", keys: b.keys)
            #expect(allowed.status == 200)
            #expect(allowed.ids("user") == [b.userID])
            // The session path is unaffected.
            let session = try await cloud.login(a.username, password: a.password)
            #expect(await session.call("listUsers").status == 200)

            let scoped = await admin.call("listConfigurations", ["name": "api.key.access", "accountid": a.id])
            #expect(scoped.items("configuration").first?["value"] as? String == "false")
            let global = await admin.call("listConfigurations", ["name": "api.key.access"])
            #expect(global.items("configuration").first?["value"] as? String == "true")

            let reset = await admin.call("resetConfiguration", ["name": "api.key.access", "accountid": a.id])
            #expect(reset.status == 200, "\(reset.body)")
            #expect((reset.object["configuration"] as? [String: Any])?["value"] as? String == "true")
            #expect(await cloud.signed("listUsers", keys: a.keys).status == 200)

            // At domain scope it covers every account of the domain.
            let domain = try await admin.createDomain("nokeys")
            let c = try await admin.createAccount("indomain", domainID: domain)
            let domainOff = await admin.call("updateConfiguration", ["name": "api.key.access", "value": "false", "domainid": domain])
            #expect(domainOff.status == 200, "\(domainOff.body)")
            #expect(await cloud.signed("listUsers", keys: c.keys).status == 401)
            #expect(await cloud.signed("listUsers", keys: b.keys).status == 200)
            // An account-level value overrides the domain's.
            _ = await admin.call("updateConfiguration", ["name": "api.key.access", "value": "true", "accountid": c.id])
            #expect(await cloud.signed("listUsers", keys: c.keys).status == 200)
        }
    }
}
