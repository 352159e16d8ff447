import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import SQLKit
import Testing

@Suite("Resource limits and counts")
struct ResourceLimitTests {
    typealias Owner = ResourceLimitRepository.Owner

    /// The internal id of an account created through the API.
    func accountID(_ cloud: TestCloud, _ account: TestAccount) async throws -> Int64 {
        try await cloud.engine.identity.account(uuid: try #require(UUID(uuidString: account.id))).id
    }

    func domainID(_ cloud: TestCloud, _ uuid: String) async throws -> Int64 {
        try await cloud.engine.identity.domain(uuid: try #require(UUID(uuidString: uuid))).id
    }

    /// Reserves in a transaction of its own, as a deploy would.
    func reserve(_ cloud: TestCloud, _ accountID: Int64, _ deltas: [ResourceType: Int64]) async throws {
        let limits = cloud.engine.limits
        try await cloud.engine.db.transaction { sql in try await limits.reserve(sql, accountID: accountID, deltas) }
    }

    func count(_ cloud: TestCloud, _ owner: Owner, _ type: ResourceType) async throws -> Int64 {
        try await cloud.engine.db.read { sql in try await ResourceLimitRepository.counts(sql, owners: [owner])[owner]?[type] ?? 0 }
    }

    func setLimit(_ session: Session, _ pairs: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let reply = await session.call("updateResourceLimit", pairs: pairs)
        try #require(reply.status == 200, "updateResourceLimit \(pairs): \(reply.body)", sourceLocation: sourceLocation)
    }

    @Test("An account's limit stops the reservation that would pass it, with CloudStack's 535 text; counts reach the domains")
    func accountLimit() async throws {
        try await withCloud(startRunner: false) { cloud in
            let admin = try await cloud.admin()
            let domain = try await admin.createDomain("limited")
            let account = try await admin.createAccount("capped", domainID: domain)
            try await setLimit(admin, [("account", "capped"), ("domainid", domain), ("resourcetype", "0"), ("max", "2")])
            let id = try await accountID(cloud, account)
            try await reserve(cloud, id, [.userVM: 1, .cpu: 2, .memory: 512])
            try await reserve(cloud, id, [.userVM: 1, .cpu: 2, .memory: 512])
            do {
                try await reserve(cloud, id, [.userVM: 1, .cpu: 2, .memory: 512])
                Issue.record("the third instance passed a limit of 2")
            } catch let e as CloudError {
                #expect(e.code.rawValue == 535)
                #expect(e.message == "Maximum amount of resources of Type = 'user_vm' for Account Name = capped in Domain Id = \(domain) is exceeded: "
                    + "Account Resource Limit = 2, Current Account Resource Amount = 2, Current Account Resource Reservation = 0, Requested Resource Amount = 1.")
            }
            let d = try await domainID(cloud, domain)
            #expect(try await count(cloud, Owner(.account, id), .userVM) == 2)
            // The refused reservation left no cpu or memory behind.
            #expect(try await count(cloud, Owner(.account, id), .cpu) == 4)
            #expect(try await count(cloud, Owner(.account, id), .memory) == 1024)
            #expect(try await count(cloud, Owner(.domain, d), .userVM) == 2)
            #expect(try await count(cloud, Owner(.domain, Domain.rootID), .userVM) == 2)
            #expect(try await count(cloud, Owner(.domain, Domain.rootID), .memory) == 1024)

            try await cloud.engine.db.transaction { sql in try await cloud.engine.limits.release(sql, accountID: id, [.userVM: 1, .cpu: 2, .memory: 512]) }
            #expect(try await count(cloud, Owner(.account, id), .userVM) == 1)
            #expect(try await count(cloud, Owner(.domain, d), .cpu) == 2)
            // Releasing more than is held stops at zero.
            try await cloud.engine.db.transaction { sql in try await cloud.engine.limits.release(sql, accountID: id, [.userVM: 5]) }
            #expect(try await count(cloud, Owner(.account, id), .userVM) == 0)
            #expect(try await count(cloud, Owner(.domain, Domain.rootID), .userVM) == 0)
        }
    }

    @Test("A domain's limit binds its accounts together and, without rows of their own, its sub-domains")
    func domainLimit() async throws {
        try await withCloud(startRunner: false) { cloud in
            let admin = try await cloud.admin()
            let parent = try await admin.createDomain("dept")
            let child = try await admin.createDomain("team", parent: parent)
            let a = try await accountID(cloud, try await admin.createAccount("alpha", domainID: parent))
            let b = try await accountID(cloud, try await admin.createAccount("beta", domainID: child))
            try await setLimit(admin, [("domainid", parent), ("resourcetype", "2"), ("max", "3")])
            try await reserve(cloud, a, [.volume: 2])
            try await reserve(cloud, b, [.volume: 1])
            do {
                try await reserve(cloud, b, [.volume: 1])
                Issue.record("the domain limit of 3 volumes was passed")
            } catch let e as CloudError {
                #expect(e.code.rawValue == 535)
                // The sub-domain (1 of 3) passes; the parent (3 of 3) refuses.
                #expect(e.message.hasPrefix("Maximum domain resource limits of Type 'volume' for Domain Id = \(parent) is exceeded: Domain Resource Limit = 3, "
                    + "Current Domain Resource Amount = 3"), "\(e.message)")
            }
            do {
                try await reserve(cloud, a, [.volume: 1])
                Issue.record("the domain limit of 3 volumes was passed")
            } catch let e as CloudError {
                #expect(e.message.hasPrefix("Maximum domain resource limits of Type 'volume' for Domain Id = \(parent) is exceeded"), "\(e.message)")
            }
            #expect(try await count(cloud, Owner(.domain, try await domainID(cloud, parent)), .volume) == 3)
            #expect(try await count(cloud, Owner(.account, b), .volume) == 1)
            // Without a row of its own the sub-domain takes the parent's 3 as its limit too.
            try await setLimit(admin, [("domainid", parent), ("resourcetype", "2"), ("max", "5")])
            try await reserve(cloud, b, [.volume: 2])
            do {
                try await reserve(cloud, b, [.volume: 3])
                Issue.record("the sub-domain's inherited limit of 5 volumes was passed")
            } catch let e as CloudError {
                #expect(e.message.hasPrefix("Maximum domain resource limits of Type 'volume' for Domain Id = \(child) is exceeded: Domain Resource Limit = 5"), "\(e.message)")
            }
        }
    }

    @Test("-1 is unlimited, root admins are never limited, and the SYSTEM account is not counted")
    func unlimitedAndExempt() async throws {
        try await withCloud(startRunner: false) { cloud in
            let admin = try await cloud.admin()
            let domain = try await admin.createDomain("free")
            let id = try await accountID(cloud, try await admin.createAccount("unbound", domainID: domain))
            try await setLimit(admin, [("domainid", domain), ("resourcetype", "8"), ("max", "-1")])
            try await setLimit(admin, [("account", "unbound"), ("domainid", domain), ("resourcetype", "8")])  // max omitted: -1
            try await reserve(cloud, id, [.cpu: 1000])
            #expect(try await count(cloud, Owner(.account, id), .cpu) == 1000)
            // The default (40 cores) still binds another type's default.
            await #expect(throws: CloudError.self) { try await reserve(cloud, id, [.memory: 40961]) }

            try await reserve(cloud, Account.adminID, [.userVM: 500, .primaryStorage: 10_000 * ResourceLimits.bytesPerGiB])
            #expect(try await count(cloud, Owner(.account, Account.adminID), .userVM) == 500)
            try await reserve(cloud, Account.systemID, [.userVM: 5])
            #expect(try await count(cloud, Owner(.account, Account.systemID), .userVM) == 0)
        }
    }

    @Test("Twenty parallel reservations against a limit of five: exactly five pass and the counts are exact")
    func parallelReservations() async throws {
        try await withCloud(startRunner: false) { cloud in
            let admin = try await cloud.admin()
            let domain = try await admin.createDomain("race")
            let id = try await accountID(cloud, try await admin.createAccount("racer", domainID: domain))
            try await setLimit(admin, [("account", "racer"), ("domainid", domain), ("resourcetype", "0"), ("max", "5")])
            let passed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        do {
                            try await reserve(cloud, id, [.userVM: 1, .cpu: 1])
                            return true
                        } catch let e as CloudError where e.code == .resourceAllocation {
                            return false
                        }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(passed == 5)
            #expect(try await count(cloud, Owner(.account, id), .userVM) == 5)
            #expect(try await count(cloud, Owner(.account, id), .cpu) == 5)
            #expect(try await count(cloud, Owner(.domain, try await domainID(cloud, domain)), .userVM) == 5)
            #expect(try await count(cloud, Owner(.domain, Domain.rootID), .cpu) == 5)
        }
    }

    @Test("listResourceLimits shows stored limits and CloudStack's defaults, storage in GiB")
    func listing() async throws {
        try await withCloud(startRunner: false) { cloud in
            let admin = try await cloud.admin()
            let domain = try await admin.createDomain("shown")
            let account = try await admin.createAccount("viewer", domainID: domain)
            try await setLimit(admin, [("account", "viewer"), ("domainid", domain), ("resourcetype", "10"), ("max", "50")])
            let reply = await admin.call("listResourceLimits", ["account": "viewer", "domainid": domain])
            #expect(reply.status == 200, "\(reply.body)")
            let items = reply.items("resourcelimit")
            #expect(items.count == 12)
            #expect(items.map { $0["resourcetype"] as? String } == (0...11).map { String($0) })
            let byName = Dictionary(uniqueKeysWithValues: items.map { ($0["resourcetypename"] as? String ?? "", $0) })
            #expect(byName["user_vm"]?["max"] as? Int == 20)
            #expect(byName["memory"]?["max"] as? Int == 40960)
            #expect(byName["primary_storage"]?["max"] as? Int == 50)
            #expect(byName["secondary_storage"]?["max"] as? Int == 400)
            #expect(byName["user_vm"]?["account"] as? String == "viewer")
            #expect(byName["user_vm"]?["domainid"] as? String == domain)

            let one = await admin.call("listResourceLimits", ["domainid": domain, "resourcetype": "8"])
            #expect(one.items("resourcelimit").count == 1)
            #expect(one.items("resourcelimit").first?["max"] as? Int == 80)
            #expect(one.items("resourcelimit").first?["account"] == nil)
            let named = await admin.call("listResourceLimits", ["domainid": domain, "resourcetypename": "primary_storage"])
            #expect(named.items("resourcelimit").first?["max"] as? Int == 400)

            // A user sees their own account's limits whatever they name.
            let own = await cloud.signed("listResourceLimits", [("resourcetype", "10")], keys: account.keys)
            #expect(own.items("resourcelimit").first?["max"] as? Int == 50, "\(own.body)")
            #expect(own.items("resourcelimit").first?["account"] as? String == "viewer")
            // Root admins are listed as unlimited.
            let root = await admin.call("listResourceLimits", ["resourcetype": "0"])
            #expect(root.items("resourcelimit").first?["max"] as? Int == -1)
        }
    }

    @Test("updateResourceLimit refuses bad input with CloudStack's errors and changes nothing")
    func badInput() async throws {
        try await withCloud(startRunner: false) { cloud in
            let admin = try await cloud.admin()
            let parent = try await admin.createDomain("top")
            let child = try await admin.createDomain("below", parent: parent)
            let user = try await admin.createAccount("plain", domainID: child)
            let root = try await rootDomainUUID(admin)
            func expect(_ pairs: [(String, String)], _ code: Int, _ text: String?, sourceLocation: SourceLocation = #_sourceLocation) async {
                let reply = await admin.call("updateResourceLimit", pairs: pairs)
                #expect(reply.status == code, "\(pairs): \(reply.body)", sourceLocation: sourceLocation)
                if let text { #expect(reply.errorText?.contains(text) == true, "\(pairs): \(reply.body)", sourceLocation: sourceLocation) }
            }
            await expect([("domainid", child), ("resourcetype", "12"), ("max", "1")], 431, "Please specify valid resource type")
            await expect([("domainid", child), ("resourcetype", "-1"), ("max", "1")], 431, "Please specify valid resource type")
            await expect([("domainid", child), ("resourcetype", "0"), ("max", "-2")], 431, "Please specify either '-1' for an infinite limit")
            await expect([("resourcetype", "0"), ("max", "3")], 431, "AccountId or domainId have to be specified")
            await expect([("account", "plain"), ("resourcetype", "0"), ("max", "3")], 431, "Account must be specified with domainId")
            await expect([("account", "ghost"), ("domainid", child), ("resourcetype", "0"), ("max", "3")], 431, "Unable to find account ghost")
            await expect([("domainid", "1b0b5f43-0000-4000-8000-000000000000"), ("resourcetype", "0"), ("max", "3")], 431, nil)
            await expect([("domainid", root), ("resourcetype", "0"), ("max", "3")], 531, "Cannot update resource limit for ROOT domain")
            await expect([("account", "admin"), ("domainid", root), ("resourcetype", "0"), ("max", "3")], 431,
                         "Only -1 limit is supported for Root Admin accounts")
            await expect([("resourcetype", "0")], 431, nil)
            let missing = await admin.call("updateResourceLimit", ["domainid": child])
            #expect(missing.status == 431)
            #expect(missing.errorText == "Unable to execute API command updateresourcelimit due to missing parameter resourcetype")
            // A child domain may not exceed its parent's limit (stored or default).
            try await setLimit(admin, [("domainid", parent), ("resourcetype", "0"), ("max", "10")])
            await expect([("domainid", child), ("resourcetype", "0"), ("max", "11")], 431, "has maximum allowed resource limit 10 for user_vm")
            await expect([("domainid", child), ("resourcetype", "10"), ("max", "401")], 431, "has maximum allowed resource limit 400 for primary_storage")
            try await setLimit(admin, [("domainid", child), ("resourcetype", "0"), ("max", "10")])
            let listed = await admin.call("listResourceLimits", ["domainid": child, "resourcetype": "0"])
            #expect(listed.items("resourcelimit").first?["max"] as? Int == 10)
            // Users may not change limits at all.
            let refused = await cloud.signed("updateResourceLimit", [("domainid", child), ("account", "plain"), ("resourcetype", "0"), ("max", "99")], keys: user.keys)
            #expect(refused.status != 200)
            let still = await admin.call("listResourceLimits", ["domainid": child, "account": "plain", "resourcetype": "0"])
            #expect(still.items("resourcelimit").first?["max"] as? Int == 20)
        }
    }

    func rootDomainUUID(_ admin: Session) async throws -> String {
        let reply = await admin.call("listDomains", ["level": "0"])
        return try #require(reply.items("domain").first?["id"] as? String)
    }

    @Test("A domain admin manages the limits below them but not their own account or domain")
    func domainAdmin() async throws {
        try await withCloud(startRunner: false) { cloud in
            let admin = try await cloud.admin()
            let top = try await admin.createDomain("region")
            let sub = try await admin.createDomain("office", parent: top)
            let boss = try await admin.createAccount("boss", domainID: top, type: 2)
            _ = try await admin.createAccount("worker", domainID: sub)
            let own = await cloud.signed("updateResourceLimit", [("account", "boss"), ("domainid", top), ("resourcetype", "0"), ("max", "99")], keys: boss.keys)
            #expect(own.status == 531, "\(own.body)")
            let ownDomain = await cloud.signed("updateResourceLimit", [("domainid", top), ("resourcetype", "0"), ("max", "30")], keys: boss.keys)
            #expect(ownDomain.status == 531, "\(ownDomain.body)")
            let below = await cloud.signed("updateResourceLimit", [("domainid", sub), ("resourcetype", "0"), ("max", "30")], keys: boss.keys)
            #expect(below.status == 200, "\(below.body)")
            let worker = await cloud.signed("updateResourceLimit", [("account", "worker"), ("domainid", sub), ("resourcetype", "0"), ("max", "7")], keys: boss.keys)
            #expect(worker.status == 200, "\(worker.body)")
            #expect((worker.object["resourcelimit"] as? [String: Any])?["max"] as? Int == 7)
            let outside = await cloud.signed("updateResourceLimit", [("domainid", try await rootDomainUUID(admin)), ("resourcetype", "0"), ("max", "7")], keys: boss.keys)
            #expect(outside.status == 531, "\(outside.body)")
        }
    }

    @Test("updateResourceCount recounts an account and a domain from the resource tables and repairs corrupted counts")
    func recount() async throws {
        try await withCloud(startRunner: false) { cloud in
            let admin = try await cloud.admin()
            let domain = try await admin.createDomain("audit")
            let account = try await admin.createAccount("counted", domainID: domain)
            let id = try await accountID(cloud, account)
            let d = try await domainID(cloud, domain)
            let gib = ResourceLimits.bytesPerGiB
            try await cloud.engine.db.transaction { sql in
                for (state, size) in [("Ready", gib), ("Allocated", 2 * gib), ("Destroy", 4 * gib)] {
                    try await sql.raw("""
                        INSERT INTO volumes (uuid, name, volume_type, state, account_id, domain_id, zone_id, size, provisioning_type, display_volume, update_count, created)
                        VALUES (\(bind: UUID().uuidString.lowercased()), 'v', 'DATADISK', \(bind: state), \(bind: id), \(bind: d), 1, \(bind: size), 'thin', \(true), 0, 0)
                        """).run()
                }
                // Corrupt counts: the account's and the domain's.
                try await ResourceLimitRepository.setCount(sql, owner: Owner(.account, id), type: .volume, count: 9)
                try await ResourceLimitRepository.setCount(sql, owner: Owner(.domain, d), type: .volume, count: 9)
                try await ResourceLimitRepository.setCount(sql, owner: Owner(.account, id), type: .userVM, count: 4)
            }
            let reply = await admin.call("updateResourceCount", ["domainid": domain, "account": "counted"])
            #expect(reply.status == 200, "\(reply.body)")
            let counts = reply.items("resourcecount")
            #expect(counts.count == 12)
            let byName = Dictionary(uniqueKeysWithValues: counts.map { ($0["resourcetypename"] as? String ?? "", $0) })
            #expect(byName["volume"]?["resourcecount"] as? Int == 2)
            #expect(byName["primary_storage"]?["resourcecount"] as? Int == Int(3 * gib))
            #expect(byName["user_vm"]?["resourcecount"] as? Int == 0)
            #expect(byName["volume"]?["account"] as? String == "counted")
            #expect(try await count(cloud, Owner(.account, id), .volume) == 2)
            #expect(try await count(cloud, Owner(.account, id), .userVM) == 0)
            // The account's correction (-7 volumes) went up to its domain: 9 - 7.
            #expect(try await count(cloud, Owner(.domain, d), .volume) == 2)

            try await cloud.engine.db.transaction { sql in
                try await ResourceLimitRepository.setCount(sql, owner: Owner(.domain, d), type: .volume, count: 40)
            }
            let domainReply = await admin.call("updateResourceCount", ["domainid": domain, "resourcetype": "2"])
            #expect(domainReply.status == 200, "\(domainReply.body)")
            #expect(domainReply.items("resourcecount").count == 1)
            #expect(domainReply.items("resourcecount").first?["resourcecount"] as? Int == 2)
            #expect(domainReply.items("resourcecount").first?["account"] == nil)
            #expect(try await count(cloud, Owner(.domain, d), .volume) == 2)

            let bad = await admin.call("updateResourceCount", ["domainid": domain, "resourcetype": "42"])
            #expect(bad.status == 431)
            #expect(bad.errorText == "Please specify valid resource type")
            let noDomain = await admin.call("updateResourceCount", ["account": "counted"])
            #expect(noDomain.status == 431)
        }
    }

    /// On PostgreSQL a count row created by a concurrent transaction after our UPDATE began is
    /// visible to a later read but was not to the UPDATE: that must not read as a refusal.
    @Test("Concurrent first reservations of a new account all succeed and add up exactly")
    func concurrentFirstReservations() async throws {
        try await withCloud(startRunner: false) { cloud in
            let admin = try await cloud.admin()
            let account = try await admin.createAccount(unique("burst"), domainID: nil)
            let id = try await accountID(cloud, account)
            for type in ["0", "2", "8", "9", "10"] {
                try await setLimit(admin, [("account", account.name), ("domainid", account.domainID), ("resourcetype", type), ("max", "-1")])
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<60 {
                    group.addTask { try await reserve(cloud, id, [.userVM: 1, .cpu: 2, .memory: 256, .volume: 1, .primaryStorage: 1 << 30]) }
                }
                try await group.waitForAll()
            }
            let owner = Owner(.account, id)
            #expect(try await count(cloud, owner, .userVM) == 60)
            #expect(try await count(cloud, owner, .cpu) == 120)
            #expect(try await count(cloud, owner, .primaryStorage) == 60 << 30)
            #expect(try await count(cloud, Owner(.domain, Domain.rootID), .memory) >= 60 * 256)
        }
    }

    @Test("Usage events are stored in the caller's transaction and read back in order")
    func usageEvents() async throws {
        try await withCloud(startRunner: false) { cloud in
            let usage = cloud.engine.usage
            let first = try await cloud.engine.db.transaction { sql in
                try await usage.record(sql, UsageEvent(type: UsageEventType.vmCreate, accountID: Account.adminID, domainID: Domain.rootID, zoneID: 1,
                                                       resourceID: 7, resourceName: "vm-7", offeringID: 3, templateID: 4))
            }
            struct Rollback: Error {}
            _ = try? await cloud.engine.db.transaction { sql -> Int in
                try await usage.record(sql, UsageEvent(type: UsageEventType.vmStart, accountID: Account.adminID, domainID: Domain.rootID))
                throw Rollback()
            }
            try await cloud.engine.db.transaction { sql in
                try await usage.record(sql, UsageEvent(type: UsageEventType.volumeCreate, accountID: Account.adminID, domainID: Domain.rootID, size: 1024))
            }
            let all = try await usage.list()
            #expect(all.map(\.type) == [UsageEventType.vmCreate, UsageEventType.volumeCreate])
            #expect(all.first?.id == first.id)
            #expect(all.first?.resourceName == "vm-7")
            #expect(all.first?.offeringID == 3)
            #expect(all.first?.processed == false)
            #expect(all.last?.size == 1024)
            #expect(try await usage.list(after: first.id).map(\.type) == [UsageEventType.volumeCreate])
        }
    }
}
