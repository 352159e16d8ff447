@testable import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// assignVirtualMachine (another owner) and restoreVirtualMachine (a new ROOT volume).
@Suite("Instances: assignVirtualMachine and restoreVirtualMachine")
struct InstanceAssignRestoreTests {
    func counts(_ cloud: TestCloud, account: Int64) async throws -> [ResourceType: Int64] {
        let owner = ResourceLimitRepository.Owner(.account, account)
        return try await cloud.engine.db.read { sql in try await ResourceLimitRepository.counts(sql, owners: [owner])[owner] ?? [:] }
    }

    func accountID(_ cloud: TestCloud, _ uuid: String) async throws -> Int64 {
        try #require(try await cloud.engine.db.read { sql in try await AccountRepository.find(sql, uuid: UUID(uuidString: uuid)!) }?.id)
    }

    func volume(_ cloud: TestCloud, _ uuid: String) async throws -> Volume? {
        try await cloud.engine.db.read { sql in try await VolumeRepository.find(sql, uuid: UUID(uuidString: uuid)!) }
    }

    func vmResult(_ job: [String: Any]) -> [String: Any] {
        ((job["jobresult"] as? [String: Any])?["virtualmachine"] as? [String: Any]) ?? [:]
    }

    @Test("a Stopped instance moves with its volumes and counts to another account, which can then use it; refusals change nothing")
    func assign() async throws {
        try await withDemoZone { cloud, admin, zone in
            let template = try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"])
            let offering = try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"])
            let disk = try await admin.firstID("listDiskOfferings", "diskoffering", ["name": "Small"])
            let alice = try await admin.createAccount(unique("alice"), domainID: nil)
            let aliceID = try await accountID(cloud, alice.id)
            let zoneID = zone.uuid.uuidString.lowercased()

            let deployed = try await admin.runJob("deployVirtualMachine", pairs: [("zoneid", zoneID), ("templateid", template), ("serviceofferingid", offering),
                                                                                ("diskofferingid", disk)])
            let id = try #require(vmResult(deployed)["id"] as? String, "\(deployed)")
            let running = await admin.call("assignVirtualMachine", ["virtualmachineid": id, "account": alice.name, "domainid": alice.domainID])
            #expect(running.status == 431)
            #expect((running.errorText ?? "").contains("unable to move the vm"), "\(running.body)")
            _ = try await admin.runJob("stopVirtualMachine", pairs: [("id", id)])
            let same = await admin.call("assignVirtualMachine", ["virtualmachineid": id, "account": "admin", "domainid": zone.uuid.uuidString.lowercased()])
            #expect(same.status == 431)
            let byUser = await cloud.signed("assignVirtualMachine", [("virtualmachineid", id), ("account", alice.name), ("domainid", alice.domainID)], keys: alice.keys)
            #expect(byUser.status != 200)

            let adminBefore = try await counts(cloud, account: Account.adminID)
            let moved = await admin.call("assignVirtualMachine", ["virtualmachineid": id, "account": alice.name, "domainid": alice.domainID])
            #expect(moved.status == 200, "\(moved.body)")
            #expect((moved.object["virtualmachine"] as? [String: Any])?["account"] as? String == alice.name)
            let aliceCounts = try await counts(cloud, account: aliceID)
            #expect(aliceCounts[.userVM] == 1 && aliceCounts[.cpu] == 1 && aliceCounts[.memory] == 512 && aliceCounts[.volume] == 2, "\(aliceCounts)")
            let adminAfter = try await counts(cloud, account: Account.adminID)
            #expect(adminAfter[.userVM] == (adminBefore[.userVM] ?? 0) - 1 && adminAfter[.volume] == (adminBefore[.volume] ?? 0) - 2, "\(adminAfter)")
            #expect(adminAfter[.primaryStorage] == (adminBefore[.primaryStorage] ?? 0) - (aliceCounts[.primaryStorage] ?? 0))

            // Alice now sees and runs it, with both volumes.
            let aliceVolumes = await cloud.signed("listVolumes", [("virtualmachineid", id)], keys: alice.keys)
            #expect(aliceVolumes.items("volume").count == 2, "\(aliceVolumes.body)")
            let start = await cloud.signed("startVirtualMachine", [("id", id)], keys: alice.keys)
            let jobID = try #require(start.object["jobid"] as? String, "\(start.body)")
            let started = try await cloud.waitForJob(jobID, session: admin)
            #expect(started["jobstatus"] as? Int == 1, "\(started)")
            #expect(await admin.call("listEvents", ["type": "VM.MOVE", "listall": "true"]).items("event").count == 1)

            // An instance whose volume has a snapshot stays where it is.
            let second = try await admin.runJob("deployVirtualMachine", pairs: [("zoneid", zoneID), ("templateid", template), ("serviceofferingid", offering)])
            let secondID = try #require(vmResult(second)["id"] as? String)
            let root = try #require(await admin.call("listVolumes", ["virtualmachineid": secondID, "type": "ROOT"]).items("volume").first?["id"] as? String)
            _ = try await admin.runJob("createSnapshot", pairs: [("volumeid", root)])
            _ = try await admin.runJob("stopVirtualMachine", pairs: [("id", secondID)])
            // (Alice's start implemented her network: its source NAT address now counts too.)
            let aliceBeforeRefusal = try await counts(cloud, account: aliceID)
            #expect(aliceBeforeRefusal[.publicIP] == 1 && aliceBeforeRefusal[.network] == 1, "\(aliceBeforeRefusal)")
            let withSnapshot = await admin.call("assignVirtualMachine", ["virtualmachineid": secondID, "account": alice.name, "domainid": alice.domainID])
            #expect(withSnapshot.status == 431)
            #expect((withSnapshot.errorText ?? "").contains("Snapshots exists for volume"), "\(withSnapshot.body)")
            #expect(try await counts(cloud, account: aliceID) == aliceBeforeRefusal)
        }
    }

    @Test("restore gives a Running instance a new ROOT volume and runs it again; the old one is destroyed, or removed with expunge; counts stay exact")
    func restore() async throws {
        try await withDemoZone { cloud, admin, zone in
            let template = try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"])
            let offering = try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"])
            let deployed = try await admin.runJob("deployVirtualMachine", pairs: [("zoneid", zone.uuid.uuidString.lowercased()), ("templateid", template),
                                                                                ("serviceofferingid", offering)])
            let id = try #require(vmResult(deployed)["id"] as? String, "\(deployed)")
            let oldRoot = try #require(await admin.call("listVolumes", ["virtualmachineid": id, "type": "ROOT"]).items("volume").first?["id"] as? String)
            let countsBefore = try await counts(cloud, account: Account.adminID)
            let poolsBefore = try await cloud.engine.db.read { sql in try await AllocationRepository.pools(sql) }

            let tooSmall = await admin.call("restoreVirtualMachine", ["virtualmachineid": id, "rootdisksize": "0"])
            #expect(tooSmall.status == 431)

            let restored = try await admin.runJob("restoreVirtualMachine", pairs: [("virtualmachineid", id)])
            #expect(restored["jobstatus"] as? Int == 1, "\(restored)")
            #expect(vmResult(restored)["state"] as? String == "Running")
            let newRoot = try #require(await admin.call("listVolumes", ["virtualmachineid": id, "type": "ROOT"]).items("volume").first)
            #expect(newRoot["id"] as? String != oldRoot)
            #expect(newRoot["state"] as? String == "Ready")
            let old = try #require(try await volume(cloud, oldRoot))
            #expect(old.state == .destroy && old.instanceID == nil)
            #expect(try await counts(cloud, account: Account.adminID) == countsBefore, "the new ROOT volume counts what the old one did")

            // The expunger removes the detached old ROOT volume and gives its pool space back.
            _ = try await cloud.engine.volumes.expungeDue(now: Date().addingTimeInterval(10 * 86_400))
            #expect(try await volume(cloud, oldRoot) == nil, "removed")
            #expect(try await cloud.engine.db.read { sql in try await AllocationRepository.pools(sql) } == poolsBefore)

            // expunge=true removes the old one at once.
            let secondOld = try #require(newRoot["id"] as? String)
            let again = try await admin.runJob("restoreVirtualMachine", pairs: [("virtualmachineid", id), ("expunge", "true")])
            #expect(again["jobstatus"] as? Int == 1, "\(again)")
            #expect(try await volume(cloud, secondOld) == nil, "removed")
            #expect(try await cloud.engine.db.read { sql in try await AllocationRepository.pools(sql) } == poolsBefore)

            // Instance snapshots block a restore.
            let snapshot = try await admin.runJob("createVMSnapshot", pairs: [("virtualmachineid", id), ("name", "keep")])
            let snapshotID = try #require(((snapshot["jobresult"] as? [String: Any])?["vmsnapshot"] as? [String: Any])?["id"] as? String, "\(snapshot)")
            let blocked = await admin.call("restoreVirtualMachine", ["virtualmachineid": id])
            #expect(blocked.status == 431)
            #expect((blocked.errorText ?? "").contains("does not have VM snapshots"), "\(blocked.body)")
            _ = try await admin.runJob("deleteVMSnapshot", pairs: [("vmsnapshotid", snapshotID)])

            // A Stopped instance stays Stopped; its new ROOT volume waits for the next start.
            _ = try await admin.runJob("stopVirtualMachine", pairs: [("id", id)])
            let stopped = try await admin.runJob("restoreVirtualMachine", pairs: [("virtualmachineid", id)])
            #expect(vmResult(stopped)["state"] as? String == "Stopped", "\(stopped)")
            #expect(await admin.call("listVolumes", ["virtualmachineid": id, "type": "ROOT"]).items("volume").first?["state"] as? String == "Allocated")
        }
    }
}
