import CirrusAPI
import CirrusModel
import Foundation
import Testing

/// Behaviour checked against CloudStack 4.x's QueryManagerImpl, where Cirrus once differed;
/// each case is asserted directly.
@Suite("CloudStack compatibility")
struct CloudStackCompatibilityTests {
    @Test("listAccounts by id finds accounts anywhere the caller may see, and an unknown id is 431")
    func listAccountsByID() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let domain = try await admin.createDomain("elsewhere")
            let account = try await admin.createAccount("faraway", domainID: domain)

            // With listall it works today.
            let withListAll = await admin.call("listAccounts", ["id": account.id, "listall": "true"])
            #expect(withListAll.ids("account") == [account.id])

            // CloudStack: `id` skips the "caller's domain" default (searchForAccountsInternal only
            // applies it when id == null), so Marvin's Account.list(apiclient, id=…) finds it.
            let byID = await admin.call("listAccounts", ["id": account.id])
            #expect(byID.ids("account") == [account.id], "\(byID.body)")
            let userByID = await admin.call("listUsers", ["id": account.userID])
            #expect(userByID.ids("user") == [account.userID], "\(userByID.body)")
            // CloudStack: "Unable to find account by id" (431).
            do {
                let unknown = await admin.call("listAccounts", ["id": UUID().uuidString.lowercased()])
                #expect(unknown.status == 431, "\(unknown.body)")
            }
        }
    }

    @Test("listEvents startid lists the Scheduled event together with the events that continue it")
    func eventStartIDIncludesScheduled() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let account = try await admin.createAccount("evented", domainID: nil)
            let job = try await admin.runJob("disableAccount", pairs: [("id", account.id), ("lock", "false")])
            #expect(job["jobstatus"] as? Int == 1)
            let events = await admin.call("listEvents", ["type": EventType.accountDisable])
            let scheduled = try #require(events.items("event").first { $0["state"] as? String == "Scheduled" }?["id"] as? String)
            let chain = await admin.call("listEvents", ["startid": scheduled])
            let states = Set(chain.items("event").compactMap { $0["state"] as? String })
            #expect(states.isSuperset(of: ["Started", "Completed"]))
            // CloudStack sets both `id = startid` and `startId = startid` (OR), so the Scheduled
            // event itself is part of the answer.
            do {
                #expect(chain.ids("event").contains(scheduled), "\(chain.body)")
            }
        }
    }
}
