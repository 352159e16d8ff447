import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// Things made from snapshots and volumes: createVolume with snapshotid, createTemplate from
/// a snapshot or a Stopped instance's volume, copySnapshot to other zones and deleteSnapshot
/// of one zone's copy, against in-process Simulator hosts.
@Suite("Snapshots: volumes and templates made from them, copies in other zones", .serialized)
struct SnapshotDerivedTests {
    struct Fixture {
        let zone: String
        let vm: String
        let root: String
        let snapshot: String
        let snapshotSize: Int64
    }

    /// A Running instance, its ROOT volume and a BackedUp snapshot of it.
    func fixture(_ admin: Session, _ zone: Zone) async throws -> Fixture {
        let zoneID = zone.uuid.uuidString.lowercased()
        let template = try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"])
        let offering = try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"])
        let job = try await admin.runJob("deployVirtualMachine", pairs: [("zoneid", zoneID), ("templateid", template), ("serviceofferingid", offering), ("name", "derived-vm")])
        let vm = try #require(result(job, "virtualmachine")["id"] as? String, "\(job)")
        let root = try await admin.firstID("listVolumes", "volume", ["virtualmachineid": vm])
        let snap = try await admin.runJob("createSnapshot", pairs: [("volumeid", root)])
        let snapshot = result(snap, "snapshot")
        #expect(snapshot["state"] as? String == "BackedUp", "\(snap)")
        let volume = await admin.call("listVolumes", ["id": root]).items("volume").first ?? [:]
        return Fixture(zone: zoneID, vm: vm, root: root, snapshot: try #require(snapshot["id"] as? String, "\(snap)"),
                       snapshotSize: try #require(int64(volume["size"]), "\(volume)"))
    }

    func result(_ job: [String: Any], _ name: String) -> [String: Any] {
        (job["jobresult"] as? [String: Any])?[name] as? [String: Any] ?? [:]
    }

    func int64(_ value: Any?) -> Int64? {
        value as? Int64 ?? (value as? Int).map(Int64.init) ?? (value as? Double).map(Int64.init)
    }

    func counts(_ cloud: TestCloud, account: Int64 = 2) async throws -> [ResourceType: Int64] {
        try await cloud.engine.limits.counts(accountID: account)
    }

    /// Recounts the admin account's resources from the tables and checks nothing changes:
    /// what the operations counted is what they left behind.
    func expectRecountAgrees(_ cloud: TestCloud, _ admin: Session, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let storage: [ResourceType] = [.volume, .primaryStorage, .snapshot, .template, .secondaryStorage]
        func storageCounts() async throws -> [ResourceType: Int64] {
            let all = try await counts(cloud)
            return Dictionary(uniqueKeysWithValues: storage.map { ($0, all[$0, default: 0]) })
        }
        let counted = try await storageCounts()
        let root = try await admin.firstID("listDomains", "domain", ["name": "ROOT"])
        let recount = await admin.call("updateResourceCount", ["domainid": root, "account": "admin"])
        #expect(recount.status == 200, "\(recount.body)", sourceLocation: sourceLocation)
        let recounted = try await storageCounts()
        #expect(recounted == counted, "counted \(counted), recounted \(recounted)", sourceLocation: sourceLocation)
    }

    /// Moves a snapshot between states behind the API's back (to test a non-BackedUp one).
    func setState(_ cloud: TestCloud, snapshot: String, from: SnapshotState, to: SnapshotState) async throws {
        let moved = try await cloud.engine.db.transaction { sql -> Bool in
            guard let s = try await SnapshotRepository.find(sql, uuid: try #require(UUID(uuidString: snapshot))) else { return false }
            return try await SnapshotRepository.transition(sql, id: s.id, from: from, to: to)
        }
        try #require(moved)
    }

    @Test("createVolume with snapshotid: a Ready DATADISK of the snapshot's size with its counts and usage, attachable; refused for another account, a non-BackedUp snapshot or a size; a failing host leaves nothing")
    func volumeFromSnapshot() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let before = try await counts(cloud)
            let job = try await admin.runJob("createVolume", pairs: [("snapshotid", f.snapshot), ("name", "from-snap")])
            #expect(job["jobstatus"] as? Int == 1, "\(job)")
            let volume = result(job, "volume")
            let id = try #require(volume["id"] as? String, "\(job)")
            #expect(volume["state"] as? String == "Ready")
            #expect(volume["type"] as? String == "DATADISK")
            #expect(int64(volume["size"]) == f.snapshotSize)
            #expect(volume["storageid"] as? String != nil, "\(volume)")
            var after = try await counts(cloud)
            #expect(after[.volume, default: 0] == before[.volume, default: 0] + 1)
            #expect(after[.primaryStorage, default: 0] == before[.primaryStorage, default: 0] + f.snapshotSize)
            let usage = try await cloud.engine.usage.list(accountID: 2).filter { $0.type == UsageEventType.volumeCreate && $0.resourceName == "from-snap" }
            #expect(usage.count == 1)
            let events = await admin.call("listEvents", ["type": EventType.volumeCreate]).items("event")
            #expect(events.contains { ($0["description"] as? String)?.contains("from snapshot") == true }, "\(events)")

            let attached = try await admin.runJob("attachVolume", pairs: [("id", id), ("virtualmachineid", f.vm)])
            #expect(attached["jobstatus"] as? Int == 1, "\(attached)")
            #expect(result(attached, "volume")["virtualmachineid"] as? String == f.vm)

            // Straight onto the instance with virtualmachineid.
            let onVM = try await admin.runJob("createVolume", pairs: [("snapshotid", f.snapshot), ("virtualmachineid", f.vm)])
            #expect(result(onVM, "volume")["virtualmachineid"] as? String == f.vm, "\(onVM)")
            #expect(result(onVM, "volume")["state"] as? String == "Ready")

            // Refusals, with nothing created.
            after = try await counts(cloud)
            let sized = await admin.call("createVolume", ["snapshotid": f.snapshot, "size": "5"])
            #expect(sized.status == 431, "\(sized.body)")
            let unknown = await admin.call("createVolume", ["snapshotid": UUID().uuidString])
            #expect(unknown.status == 431, "\(unknown.body)")
            let account = try await admin.createAccount(unique("derived"), domainID: nil)
            let user = try await cloud.login(account.username, password: account.password)
            let denied = await user.call("createVolume", ["snapshotid": f.snapshot, "name": "stolen"])
            #expect(denied.status == 531, "\(denied.body)")
            try await setState(cloud, snapshot: f.snapshot, from: .backedUp, to: .copying)
            let busy = await admin.call("createVolume", ["snapshotid": f.snapshot])
            #expect(busy.status == 431, "\(busy.body)")
            #expect(busy.errorText?.contains("is not in BackedUp state") == true, "\(busy.body)")
            try await setState(cloud, snapshot: f.snapshot, from: .copying, to: .backedUp)
            #expect(try await counts(cloud) == after)

            // The host refuses the copy: no volume left, counts back.
            let mock = await admin.call("configureSimulator", ["zoneid": f.zone, "name": "CopyCommand", "value": "result:fail", "count": "1"])
            #expect(mock.status == 200, "\(mock.body)")
            let failed = try await admin.runJob("createVolume", pairs: [("snapshotid", f.snapshot), ("name", "doomed")])
            #expect(failed["jobstatus"] as? Int == 2, "\(failed)")
            #expect(await admin.call("listVolumes", ["name": "doomed"]).items("volume").isEmpty)
            #expect(try await counts(cloud) == after)
            #expect(try await cloud.engine.usage.list(accountID: 2).filter { $0.resourceName == "doomed" }.isEmpty)
            try await expectRecountAgrees(cloud, admin)
        }
    }

    @Test("createTemplate from a snapshot and from a Stopped instance's ROOT volume: Ready, counted, deployable; a running instance's volume, both or neither source refused; a failing host leaves no template")
    func templateFromSnapshotAndVolume() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let osType = try await admin.firstID("listOsTypes", "ostype")
            let offering = try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"])
            let featured = try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"])
            let before = try await counts(cloud)

            let job = try await admin.runJob("createTemplate", pairs: [("snapshotid", f.snapshot), ("name", "from-snap"), ("displaytext", "made from a snapshot"),
                                                                     ("ostypeid", osType), ("passwordenabled", "true")])
            #expect(job["jobstatus"] as? Int == 1, "\(job)")
            let template = result(job, "template")
            let id = try #require(template["id"] as? String, "\(job)")
            #expect(template["isready"] as? Bool == true, "\(template)")
            #expect(template["templatetype"] as? String == "USER")
            #expect(template["ispublic"] as? Bool == false)
            #expect(template["passwordenabled"] as? Bool == true)
            #expect(template["zoneid"] as? String == f.zone)
            #expect(template["ostypeid"] as? String == osType)
            #expect(template["sourcetemplateid"] as? String == featured, "\(template)")
            var after = try await counts(cloud)
            #expect(after[.template, default: 0] == before[.template, default: 0] + 1)
            #expect(after[.secondaryStorage, default: 0] == before[.secondaryStorage, default: 0] + f.snapshotSize)
            let listed = await admin.call("listTemplates", ["templatefilter": "self", "id": id]).items("template")
            #expect(listed.count == 1 && listed.first?["status"] as? String == "Download Complete", "\(listed)")

            let deployed = try await admin.runJob("deployVirtualMachine", pairs: [("zoneid", f.zone), ("templateid", id), ("serviceofferingid", offering),
                                                                                ("name", "from-template")])
            #expect(result(deployed, "virtualmachine")["state"] as? String == "Running", "\(deployed)")
            #expect(result(deployed, "virtualmachine")["templateid"] as? String == id)

            // A running instance's volume, both sources, neither source.
            let running = await admin.call("createTemplate", ["volumeid": f.root, "name": "t", "ostypeid": osType])
            #expect(running.status == 431, "\(running.body)")
            #expect(running.errorText?.contains("please stop the VM first") == true, "\(running.body)")
            let both = await admin.call("createTemplate", ["volumeid": f.root, "snapshotid": f.snapshot, "name": "t", "ostypeid": osType])
            #expect(both.status == 431, "\(both.body)")
            let neither = await admin.call("createTemplate", ["name": "t", "ostypeid": osType])
            #expect(neither.status == 431, "\(neither.body)")
            #expect(try await counts(cloud)[.template, default: 0] == after[.template, default: 0])

            _ = try await admin.runJob("stopVirtualMachine", pairs: [("id", f.vm)])
            let fromVolume = try await admin.runJob("createTemplate", pairs: [("volumeid", f.root), ("name", "from-root"), ("ostypeid", osType)])
            #expect(fromVolume["jobstatus"] as? Int == 1, "\(fromVolume)")
            let rootTemplate = result(fromVolume, "template")
            let rootTemplateID = try #require(rootTemplate["id"] as? String, "\(fromVolume)")
            #expect(rootTemplate["isready"] as? Bool == true)
            #expect(rootTemplate["sourcetemplateid"] as? String == featured, "\(rootTemplate)")
            after = try await counts(cloud)
            #expect(after[.template, default: 0] == before[.template, default: 0] + 2)
            let second = try await admin.runJob("deployVirtualMachine", pairs: [("zoneid", f.zone), ("templateid", rootTemplateID), ("serviceofferingid", offering),
                                                                              ("name", "from-root-template")])
            #expect(result(second, "virtualmachine")["state"] as? String == "Running", "\(second)")
            after = try await counts(cloud)

            // The host refuses: no template, the count back.
            let mock = await admin.call("configureSimulator", ["zoneid": f.zone, "name": "CopyCommand", "value": "result:fail", "count": "1"])
            #expect(mock.status == 200, "\(mock.body)")
            let failed = try await admin.runJob("createTemplate", pairs: [("snapshotid", f.snapshot), ("name", "doomed"), ("ostypeid", osType)])
            #expect(failed["jobstatus"] as? Int == 2, "\(failed)")
            #expect(await admin.call("listTemplates", ["templatefilter": "self", "name": "doomed"]).items("template").isEmpty)
            #expect(try await counts(cloud) == after)
            try await expectRecountAgrees(cloud, admin)

            // A creation whose job is gone (its server stopped during the copy) is swept away
            // with its count; finished templates stay.
            let settled = try await counts(cloud)
            let caller = try #require(try await cloud.engine.identity.caller(userID: User.adminID))
            _ = try await cloud.engine.templates.allocatePrivate(caller: caller, PrivateTemplateRequest(
                name: "stranded", displayText: nil, osTypeID: try #require(UUID(uuidString: osType)), snapshotID: UUID(uuidString: f.snapshot), volumeID: nil))
            #expect(try await counts(cloud)[.template, default: 0] == settled[.template, default: 0] + 1)
            #expect(try await cloud.engine.templates.recoverStrandedPrivateTemplates(age: 60) == 0)
            #expect(try await cloud.engine.templates.recoverStrandedPrivateTemplates(age: 0, now: Date().addingTimeInterval(1)) == 1)
            #expect(await admin.call("listTemplates", ["templatefilter": "self", "name": "stranded"]).items("template").isEmpty)
            #expect(await admin.call("listTemplates", ["templatefilter": "self", "id": id]).items("template").count == 1)
            #expect(try await counts(cloud) == settled)

            // Another account may not use the admin's snapshot.
            let account = try await admin.createAccount(unique("derivedtpl"), domainID: nil)
            let user = try await cloud.login(account.username, password: account.password)
            let denied = await user.call("createTemplate", ["snapshotid": f.snapshot, "name": "stolen", "ostypeid": osType])
            #expect(denied.status == 531, "\(denied.body)")
        }
    }

    @Test("copySnapshot puts a copy in another zone (listSnapshots shows one row per zone, showunique one); refuses the source zone, a zone without image store and a disabled zone; deleteSnapshot with zoneid removes one copy")
    func copyToOtherZones() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            func makeZone(_ name: String, state: String, store: Bool) async throws -> String {
                let created = await admin.call("createZone", ["name": name, "networktype": "Advanced", "dns1": "8.8.8.8", "internaldns1": "10.0.0.2",
                                                              "allocationstate": state])
                let id = try #require((created.object["zone"] as? [String: Any])?["id"] as? String, "\(created.body)")
                if store {
                    let added = await admin.call("addImageStore", ["zoneid": id, "provider": "NFS", "url": "nfs://10.0.0.6/\(name)"])
                    try #require(added.status == 200, "\(added.body)")
                }
                return id
            }
            let second = try await makeZone("derived-2", state: "Enabled", store: true)
            let third = try await makeZone("derived-3", state: "Enabled", store: true)
            let bare = try await makeZone("derived-bare", state: "Enabled", store: false)
            let disabled = try await makeZone("derived-off", state: "Disabled", store: true)
            let before = try await counts(cloud)

            for (dest, text) in [(f.zone, "different source and destination"), (bare, "no image store"), (disabled, "disabled")] {
                let refused = await admin.call("copySnapshot", ["id": f.snapshot, "destzoneid": dest])
                #expect(refused.status == 431, "\(refused.body)")
                #expect(refused.errorText?.contains(text) == true, "\(refused.body)")
            }
            let none = await admin.call("copySnapshot", ["id": f.snapshot])
            #expect(none.status == 431, "\(none.body)")
            #expect(await admin.call("listSnapshots", ["id": f.snapshot]).items("snapshot").count == 1)

            let job = try await admin.runJob("copySnapshot", pairs: [("id", f.snapshot), ("destzoneids", "\(second),\(third)")])
            #expect(job["jobstatus"] as? Int == 1, "\(job)")
            #expect(result(job, "snapshot")["state"] as? String == "BackedUp", "\(job)")
            let rows = await admin.call("listSnapshots", ["id": f.snapshot]).items("snapshot")
            #expect(Set(rows.compactMap { $0["zoneid"] as? String }) == [f.zone, second, third], "\(rows)")
            let inSecond = await admin.call("listSnapshots", ["id": f.snapshot, "zoneid": second]).items("snapshot")
            #expect(inSecond.count == 1 && inSecond.first?["zoneid"] as? String == second, "\(inSecond)")
            #expect(inSecond.first?["datastoreid"] as? String != nil)
            #expect(await admin.call("listSnapshots", ["id": f.snapshot, "showunique": "true"]).items("snapshot").count == 1)
            // The copies share the snapshot's counts.
            #expect(try await counts(cloud) == before)
            // Copying again to a zone that holds a copy changes nothing.
            let again = try await admin.runJob("copySnapshot", pairs: [("id", f.snapshot), ("destzoneid", second)])
            #expect(again["jobstatus"] as? Int == 1, "\(again)")
            #expect(await admin.call("listSnapshots", ["id": f.snapshot]).items("snapshot").count == 3)

            let deleted = try await admin.runJob("deleteSnapshot", pairs: [("id", f.snapshot), ("zoneid", second)])
            #expect(deleted["jobstatus"] as? Int == 1, "\(deleted)")
            let left = await admin.call("listSnapshots", ["id": f.snapshot]).items("snapshot")
            #expect(Set(left.compactMap { $0["zoneid"] as? String }) == [f.zone, third], "\(left)")
            #expect(await admin.call("listSnapshots", ["id": f.snapshot, "zoneid": second]).items("snapshot").isEmpty)
            #expect(try await counts(cloud) == before)

            // A failing host: the snapshot stays BackedUp without the copy.
            let mock = await admin.call("configureSimulator", ["zoneid": f.zone, "name": "CopyCommand", "value": "result:fail", "count": "1"])
            #expect(mock.status == 200, "\(mock.body)")
            let failed = try await admin.runJob("copySnapshot", pairs: [("id", f.snapshot), ("destzoneid", second)])
            #expect(failed["jobstatus"] as? Int == 2, "\(failed)")
            let afterFailure = await admin.call("listSnapshots", ["id": f.snapshot]).items("snapshot")
            #expect(afterFailure.count == 2 && afterFailure.allSatisfy { $0["state"] as? String == "BackedUp" }, "\(afterFailure)")
            try await expectRecountAgrees(cloud, admin)

            // Another account may not copy it.
            let account = try await admin.createAccount(unique("derivedcopy"), domainID: nil)
            let user = try await cloud.login(account.username, password: account.password)
            let denied = await user.call("copySnapshot", ["id": f.snapshot, "destzoneid": second])
            #expect(denied.status == 531, "\(denied.body)")
        }
    }
    @Test("a user's own snapshot: the volume and the template are the user's and counted on the user's account; a secondary_storage limit refuses the template before anything is written")
    func userOwnedAndLimits() async throws {
        try await withDemoZone { cloud, admin, zone in
            let account = try await admin.createAccount(unique("derivedown"), domainID: nil)
            let user = try await cloud.login(account.username, password: account.password)
            let accountID = try await cloud.engine.identity.account(uuid: try #require(UUID(uuidString: account.id))).id
            let f = try await fixture(user, zone)
            let osType = try await user.firstID("listOsTypes", "ostype")
            let before = try await counts(cloud, account: accountID)

            let volume = try await user.runJob("createVolume", pairs: [("snapshotid", f.snapshot), ("name", "mine")])
            #expect(result(volume, "volume")["account"] as? String == account.name, "\(volume)")
            let template = try await user.runJob("createTemplate", pairs: [("snapshotid", f.snapshot), ("name", "mine"), ("ostypeid", osType), ("isfeatured", "true")])
            let made = result(template, "template")
            #expect(made["account"] as? String == account.name, "\(template)")
            #expect(made["isfeatured"] as? Bool == false, "a user's template is never featured: \(made)")
            var after = try await counts(cloud, account: accountID)
            #expect(after[.volume, default: 0] == before[.volume, default: 0] + 1)
            #expect(after[.template, default: 0] == before[.template, default: 0] + 1)
            #expect(after[.secondaryStorage, default: 0] == before[.secondaryStorage, default: 0] + f.snapshotSize)

            // Room for less than the snapshot's size: refused at once, nothing written.
            let gb = (after[.secondaryStorage, default: 0] >> 30) + 1
            let limit = await admin.call("updateResourceLimit", ["account": account.name, "domainid": account.domainID, "resourcetype": "11", "max": "\(gb)"])
            #expect(limit.status == 200, "\(limit.body)")
            let refused = await user.call("createTemplate", ["snapshotid": f.snapshot, "name": "too-big", "ostypeid": osType])
            #expect(refused.status == 535, "\(refused.body)")
            #expect(await user.call("listTemplates", ["templatefilter": "self", "name": "too-big"]).items("template").isEmpty)
            after = try await counts(cloud, account: accountID)
            #expect(after[.template, default: 0] == before[.template, default: 0] + 1)
        }
    }
}
