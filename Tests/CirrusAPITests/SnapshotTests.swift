import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// Volume snapshots, snapshot policies with the scheduler, and instance snapshots against
/// in-process Simulator hosts.
@Suite("Snapshots: volume and instance snapshots, policies", .serialized)
struct SnapshotTests {
    struct Fixture {
        let zone: String
        let vm: String
        let root: String
    }

    /// A Running instance and its Ready ROOT volume.
    func fixture(_ admin: Session, _ zone: Zone) async throws -> Fixture {
        let zoneID = zone.uuid.uuidString.lowercased()
        let template = try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"])
        let offering = try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"])
        let job = try await admin.runJob("deployVirtualMachine", pairs: [("zoneid", zoneID), ("templateid", template), ("serviceofferingid", offering), ("name", "snap-vm")])
        let vm = try #require((job["jobresult"] as? [String: Any])?["virtualmachine"] as? [String: Any], "\(job)")
        let id = try #require(vm["id"] as? String)
        let root = try await admin.firstID("listVolumes", "volume", ["virtualmachineid": id])
        return Fixture(zone: zoneID, vm: id, root: root)
    }

    func result(_ job: [String: Any], _ name: String) -> [String: Any] {
        (job["jobresult"] as? [String: Any])?[name] as? [String: Any] ?? [:]
    }

    func counts(_ cloud: TestCloud, account: Int64 = 2) async throws -> [ResourceType: Int64] {
        try await cloud.engine.limits.counts(accountID: account)
    }

    @Test("createSnapshot backs the volume up (BackedUp on the image store), counts snapshot and secondary storage, records usage; revert needs the instance Stopped; delete gives everything back")
    func lifecycle() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let before = try await counts(cloud)
            let job = try await admin.runJob("createSnapshot", pairs: [("volumeid", f.root)])
            #expect(job["jobstatus"] as? Int == 1, "\(job)")
            let snap = result(job, "snapshot")
            let id = try #require(snap["id"] as? String)
            #expect(snap["state"] as? String == "BackedUp")
            #expect(snap["volumeid"] as? String == f.root)
            #expect(snap["snapshottype"] as? String == "MANUAL")
            #expect(snap["zoneid"] as? String == f.zone)
            #expect((snap["name"] as? String)?.hasPrefix("snap-vm_ROOT-") == true, "\(snap)")
            #expect(snap["datastoreid"] as? String != nil)
            let size = try #require(snap["physicalsize"] as? Int64 ?? (snap["physicalsize"] as? Int).map(Int64.init))
            #expect(size > 0)
            let volume = await admin.call("listVolumes", ["id": f.root]).items("volume").first
            #expect(volume?["state"] as? String == "Ready")
            var after = try await counts(cloud)
            #expect(after[.snapshot, default: 0] == before[.snapshot, default: 0] + 1)
            #expect(after[.secondaryStorage, default: 0] == before[.secondaryStorage, default: 0] + size)
            let usage = try await cloud.engine.usage.list(accountID: 2).filter { $0.type == UsageEventType.snapshotCreate }
            #expect(usage.count == 1)
            #expect(usage.first?.size == size)

            let listed = await admin.call("listSnapshots", ["volumeid": f.root])
            #expect(listed.items("snapshot").map { $0["id"] as? String } == [id], "\(listed.body)")

            // Revert refuses a running instance, works once it is stopped.
            let refused = await admin.call("revertSnapshot", ["id": id])
            #expect(refused.status == 431, "\(refused.body)")
            #expect(refused.errorText?.contains("stop it") == true, "\(refused.body)")
            _ = try await admin.runJob("stopVirtualMachine", pairs: [("id", f.vm)])
            let reverted = try await admin.runJob("revertSnapshot", pairs: [("id", id)])
            #expect(reverted["jobstatus"] as? Int == 1, "\(reverted)")
            #expect(await admin.call("listVolumes", ["id": f.root]).items("volume").first?["state"] as? String == "Ready")

            let deleted = try await admin.runJob("deleteSnapshot", pairs: [("id", id)])
            #expect(deleted["jobstatus"] as? Int == 1, "\(deleted)")
            #expect(await admin.call("listSnapshots", ["id": id]).items("snapshot").isEmpty)
            after = try await counts(cloud)
            #expect(after[.snapshot, default: 0] == before[.snapshot, default: 0])
            #expect(after[.secondaryStorage, default: 0] == before[.secondaryStorage, default: 0])
            #expect(try await cloud.engine.usage.list(accountID: 2).contains { $0.type == UsageEventType.snapshotDelete })
            let again = await admin.call("deleteSnapshot", ["id": id])
            #expect(again.status == 431, "\(again.body)")
        }
    }

    @Test("a host that fails the snapshot leaves the volume Ready, no snapshot and no count; bad input is refused with nothing created")
    func failureAndBadInput() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let before = try await counts(cloud)
            let mock = await admin.call("configureSimulator", ["zoneid": f.zone, "name": "ManageSnapshotCommand", "value": "result:fail", "count": "1"])
            #expect(mock.status == 200, "\(mock.body)")
            let failed = try await admin.runJob("createSnapshot", pairs: [("volumeid", f.root)])
            #expect(failed["jobstatus"] as? Int == 2, "\(failed)")
            #expect(await admin.call("listVolumes", ["id": f.root]).items("volume").first?["state"] as? String == "Ready")
            #expect(await admin.call("listSnapshots", ["volumeid": f.root]).items("snapshot").isEmpty)
            let after = try await counts(cloud)
            #expect(after[.snapshot, default: 0] == before[.snapshot, default: 0])
            #expect(after[.secondaryStorage, default: 0] == before[.secondaryStorage, default: 0])

            let unknown = await admin.call("createSnapshot", ["volumeid": UUID().uuidString])
            #expect(unknown.status == 431, "\(unknown.body)")
            let badZone = await admin.call("createSnapshot", ["volumeid": f.root, "zoneids": UUID().uuidString])
            #expect(badZone.status == 431, "\(badZone.body)")
            #expect(await admin.call("listSnapshots", ["volumeid": f.root]).items("snapshot").isEmpty)
            #expect(try await counts(cloud)[.snapshot, default: 0] == before[.snapshot, default: 0])

            // Another account may not snapshot the admin's volume.
            let account = try await admin.createAccount(unique("snapuser"), domainID: nil)
            let user = try await cloud.login(account.username, password: account.password)
            let denied = await user.call("createSnapshot", ["volumeid": f.root])
            #expect(denied.status == 531, "\(denied.body)")
        }
    }

    @Test("policies validate as CloudStack does, one per volume and interval; the scheduler takes due snapshots and keeps maxsnaps")
    func policiesAndScheduler() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            for (pairs, text) in [
                ([("intervaltype", "yearly"), ("schedule", "00"), ("timezone", "UTC"), ("maxsnaps", "2")], "Unsupported interval type"),
                ([("intervaltype", "daily"), ("schedule", "61:02"), ("timezone", "UTC"), ("maxsnaps", "2")], "Invalid schedule"),
                ([("intervaltype", "weekly"), ("schedule", "00:02"), ("timezone", "UTC"), ("maxsnaps", "2")], "Invalid schedule"),
                ([("intervaltype", "daily"), ("schedule", "00:02"), ("timezone", "Mars/Olympus"), ("maxsnaps", "2")], "Invalid timezone"),
                ([("intervaltype", "daily"), ("schedule", "00:02"), ("timezone", "UTC"), ("maxsnaps", "0")], "maxSnaps should be greater than 0"),
                ([("intervaltype", "daily"), ("schedule", "00:02"), ("timezone", "UTC"), ("maxsnaps", "9")], "maxSnaps exceeds limit: 8"),
            ] {
                let reply = await admin.call("createSnapshotPolicy", pairs: [("volumeid", f.root)] + pairs)
                #expect(reply.status == 431, "\(pairs): \(reply.body)")
                #expect(reply.errorText?.contains(text) == true, "\(pairs): \(reply.body)")
            }
            #expect(await admin.call("listSnapshotPolicies", ["volumeid": f.root]).items("snapshotpolicy").isEmpty)

            let created = await admin.call("createSnapshotPolicy", pairs: [("volumeid", f.root), ("intervaltype", "HOURLY"), ("schedule", "30"),
                                                                          ("timezone", "Asia/Kolkata"), ("maxsnaps", "2")])
            #expect(created.status == 200, "\(created.body)")
            let policy = created.object["snapshotpolicy"] as? [String: Any] ?? [:]
            let policyID = try #require(policy["id"] as? String)
            #expect(policy["intervaltype"] as? Int == 0)
            #expect(policy["schedule"] as? String == "30")
            #expect(policy["timezone"] as? String == "Asia/Kolkata")
            // The same interval again rewrites the policy.
            let rewritten = await admin.call("createSnapshotPolicy", pairs: [("volumeid", f.root), ("intervaltype", "hourly"), ("schedule", "15"),
                                                                            ("timezone", "UTC"), ("maxsnaps", "2")])
            #expect((rewritten.object["snapshotpolicy"] as? [String: Any])?["id"] as? String == policyID)
            #expect(await admin.call("listSnapshotPolicies", ["volumeid": f.root]).items("snapshotpolicy").count == 1)

            // Three due runs: three snapshots taken, the oldest pruned to keep two.
            var now = Date()
            for _ in 0..<3 {
                now = now.addingTimeInterval(3600)
                #expect(try await cloud.engine.snapshots.runDuePolicies(now: now) == 1)
            }
            // Not due again within the same hour.
            #expect(try await cloud.engine.snapshots.runDuePolicies(now: now) == 0)
            let snaps = await admin.call("listSnapshots", ["volumeid": f.root]).items("snapshot")
            #expect(snaps.count == 2, "\(snaps)")
            #expect(snaps.allSatisfy { $0["snapshottype"] as? String == "HOURLY" && $0["intervaltype"] as? String == "HOURLY" })
            #expect(try await counts(cloud)[.snapshot, default: 0] == 2)

            let deleted = await admin.call("deleteSnapshotPolicies", ["id": policyID])
            #expect(deleted.status == 200, "\(deleted.body)")
            #expect(await admin.call("listSnapshotPolicies", ["volumeid": f.root]).items("snapshotpolicy").isEmpty)
            #expect(try await cloud.engine.snapshots.runDuePolicies(now: now.addingTimeInterval(7200)) == 0)
            let missing = await admin.call("deleteSnapshotPolicies", ["id": policyID])
            #expect(missing.status == 431)
        }
    }

    @Test("VM snapshots: disk snapshots revert only when Stopped, memory needs Running, delete moves current to the parent")
    func vmSnapshots() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let first = try await admin.runJob("createVMSnapshot", pairs: [("virtualmachineid", f.vm), ("name", "before")])
            #expect(first["jobstatus"] as? Int == 1, "\(first)")
            let a = result(first, "vmsnapshot")
            let aID = try #require(a["id"] as? String, "\(first)")
            #expect(a["state"] as? String == "Ready")
            #expect(a["type"] as? String == "Disk")
            #expect(a["current"] as? Bool == true)
            let second = try await admin.runJob("createVMSnapshot", pairs: [("virtualmachineid", f.vm), ("name", "with-memory"), ("snapshotmemory", "true")])
            let b = result(second, "vmsnapshot")
            let bID = try #require(b["id"] as? String, "\(second)")
            #expect(b["type"] as? String == "DiskAndMemory")
            #expect(b["parent"] as? String == aID)

            let refused = await admin.call("revertToVMSnapshot", ["vmsnapshotid": aID])
            #expect(refused.status == 431, "\(refused.body)")
            // Memory snapshots revert a running instance.
            let withMemory = try await admin.runJob("revertToVMSnapshot", pairs: [("vmsnapshotid", bID)])
            #expect(result(withMemory, "virtualmachine")["state"] as? String == "Running", "\(withMemory)")

            _ = try await admin.runJob("stopVirtualMachine", pairs: [("id", f.vm)])
            let noMemory = await admin.call("createVMSnapshot", ["virtualmachineid": f.vm, "snapshotmemory": "true"])
            #expect(noMemory.status == 431, "\(noMemory.body)")
            let diskOnly = try await admin.runJob("revertToVMSnapshot", pairs: [("vmsnapshotid", aID)])
            #expect(result(diskOnly, "virtualmachine")["state"] as? String == "Stopped", "\(diskOnly)")
            var listed = await admin.call("listVMSnapshot", ["virtualmachineid": f.vm]).items("vmSnapshot")
            #expect(listed.count == 2)
            #expect(listed.first { $0["id"] as? String == aID }?["current"] as? Bool == true)

            _ = try await admin.runJob("revertToVMSnapshot", pairs: [("vmsnapshotid", bID)])
            let deleted = try await admin.runJob("deleteVMSnapshot", pairs: [("vmsnapshotid", bID)])
            #expect(deleted["jobstatus"] as? Int == 1, "\(deleted)")
            listed = await admin.call("listVMSnapshot", ["virtualmachineid": f.vm]).items("vmSnapshot")
            #expect(listed.map { $0["id"] as? String } == [aID])
            #expect(listed.first?["current"] as? Bool == true)
            let usage = try await cloud.engine.usage.list(accountID: 2).map(\.type)
            #expect(usage.filter { $0 == UsageEventType.vmSnapshotCreate }.count == 2)
            #expect(usage.contains(UsageEventType.vmSnapshotDelete))
        }
    }
}
