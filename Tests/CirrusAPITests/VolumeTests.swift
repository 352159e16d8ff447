import CirrusAgent
@testable import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// Data disks: create, attach, detach, resize, migrate, destroy, recover and delete against
/// in-process Simulator hosts, with pool allocations and limits checked after every step.
@Suite("Volumes: lifecycle, resize and migration", .serialized)
struct VolumeTests {
    struct Fixture {
        let zone: String
        let template: String
        let offering: String
        let small: String
        let custom: String
    }

    func fixture(_ admin: Session, _ zone: Zone) async throws -> Fixture {
        Fixture(zone: zone.uuid.uuidString.lowercased(),
                template: try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"]),
                offering: try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"]),
                small: try await admin.firstID("listDiskOfferings", "diskoffering", ["name": "Small"]),
                custom: try await admin.firstID("listDiskOfferings", "diskoffering", ["name": "Custom"]))
    }

    func result(_ job: [String: Any], _ key: String = "volume") -> [String: Any] {
        (job["jobresult"] as? [String: Any])?[key] as? [String: Any] ?? [:]
    }

    func failure(_ job: [String: Any]) -> String {
        (job["jobresult"] as? [String: Any])?["errortext"] as? String ?? ""
    }

    func deploy(_ s: Session, _ f: Fixture, start: Bool = true) async throws -> String {
        let job = try await s.runJob("deployVirtualMachine", pairs: [("zoneid", f.zone), ("templateid", f.template), ("serviceofferingid", f.offering),
                                                                     ("startvm", start ? "true" : "false")])
        return try #require(result(job, "virtualmachine")["id"] as? String, "\(job)")
    }

    func create(_ s: Session, _ f: Fixture, _ extra: [(String, String)] = []) async throws -> [String: Any] {
        let offering = extra.contains { $0.0 == "diskofferingid" } ? [] : [("diskofferingid", f.small)]
        let job = try await s.runJob("createVolume", pairs: [("zoneid", f.zone), ("name", unique("disk"))] + offering + extra)
        #expect(job["jobstatus"] as? Int == 1, "\(job)")
        return result(job)
    }

    /// Bytes allocated per pool.
    func pools(_ cloud: TestCloud) async throws -> [Int64: Int64] {
        try await cloud.engine.db.read { try await AllocationRepository.pools($0) }
    }

    /// The allocations match what the live volumes hold (nothing leaked or double counted).
    func expectExactAllocations(_ cloud: TestCloud, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let before = try await pools(cloud).filter { $0.value != 0 }
        try await cloud.engine.db.transaction { try await AllocationRepository.recompute($0) }
        let truth = try await pools(cloud).filter { $0.value != 0 }
        #expect(before == truth, "pool allocations drifted", sourceLocation: sourceLocation)
    }

    func adminCounts(_ cloud: TestCloud) async throws -> [ResourceType: Int64] {
        try await cloud.engine.limits.counts(accountID: 2)
    }

    @Test("createVolume stays Allocated and counts; attaching to a running instance creates it on a pool its host reaches; detach and delete give everything back")
    func createAttachDetachDelete() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let vm = try await deploy(admin, f)
            let countsBefore = try await adminCounts(cloud)
            let poolsBefore = try await pools(cloud)

            let v = try await create(admin, f)
            let id = try #require(v["id"] as? String)
            #expect(v["state"] as? String == "Allocated")
            #expect(v["type"] as? String == "DATADISK")
            #expect(v["size"] as? Int64 == 5 << 30)
            #expect(v["storageid"] == nil)
            var counts = try await adminCounts(cloud)
            #expect(counts[.volume] == (countsBefore[.volume] ?? 0) + 1)
            #expect(counts[.primaryStorage] == (countsBefore[.primaryStorage] ?? 0) + (5 << 30))
            #expect(try await pools(cloud) == poolsBefore)

            let attached = result(try await admin.runJob("attachVolume", pairs: [("id", id), ("virtualmachineid", vm)]))
            #expect(attached["state"] as? String == "Ready", "\(attached)")
            #expect(attached["virtualmachineid"] as? String == vm)
            #expect(attached["deviceid"] as? Int == 1)
            #expect(attached["storageid"] as? String != nil)
            let grown = try await pools(cloud).values.reduce(0, +) - poolsBefore.values.reduce(0, +)
            #expect(grown == 5 << 30)
            try await expectExactAllocations(cloud)

            // Deleting an attached volume is refused.
            let refused = await admin.call("deleteVolume", ["id": id])
            #expect(refused.errorCode == 431)
            #expect(refused.errorText == "Please specify a volume that is not attached to any VM.")

            let detached = result(try await admin.runJob("detachVolume", pairs: [("id", id)]))
            #expect(detached["virtualmachineid"] == nil, "\(detached)")
            #expect(detached["state"] as? String == "Ready")

            let deleted = await admin.call("deleteVolume", ["id": id])
            #expect(deleted.status == 200, "\(deleted.body)")
            #expect(await admin.call("listVolumes", ["id": id]).count == 0)
            #expect(try await pools(cloud).values.reduce(0, +) == poolsBefore.values.reduce(0, +))
            counts = try await adminCounts(cloud)
            #expect(counts[.volume] == countsBefore[.volume])
            #expect(counts[.primaryStorage] == countsBefore[.primaryStorage])
            try await expectExactAllocations(cloud)

            let usage = try await cloud.engine.usage.list().filter { $0.resourceType == "Volume" && $0.resourceUUID?.uuidString.lowercased() == id }
            #expect(usage.map(\.type) == [UsageEventType.volumeCreate, UsageEventType.volumeDelete])
        }
    }

    @Test("attaching to and detaching from a running instance plugs the disk in and out on its host; a host that refuses leaves the disk as it was")
    func hotplug() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let vm = try await deploy(admin, f)
            let stored = try #require(try await cloud.engine.db.read { sql in try await VirtualMachineRepository.find(sql, uuid: UUID(uuidString: vm)!) })
            let hostID = try #require(stored.hostID)
            let resource = try #require(cloud.engine.agents.inProcessResource(hostID: hostID) as? SimulatorResource)
            func plugged() -> [String] { resource.instanceList.first { $0.name == stored.instanceName }?.disks ?? [] }
            let v = try await create(admin, f)
            let id = try #require(v["id"] as? String)

            // The host refuses the hot-plug once: the disk stays detached and Ready.
            let mock = await admin.call("configureSimulator", ["zoneid": f.zone, "name": "AttachCommand", "value": "result:fail", "count": "1"])
            #expect(mock.status == 200, "\(mock.body)")
            let refused = try await admin.runJob("attachVolume", pairs: [("id", id), ("virtualmachineid", vm)])
            #expect(refused["jobstatus"] as? Int == 2, "\(refused)")
            #expect(failure(refused).contains("Failed to attach volume"), "\(refused)")
            var listed = await admin.call("listVolumes", ["id": id]).items("volume").first ?? [:]
            #expect(listed["virtualmachineid"] == nil && listed["state"] as? String == "Ready", "\(listed)")
            #expect(plugged().isEmpty)

            let attached = try await admin.runJob("attachVolume", pairs: [("id", id), ("virtualmachineid", vm)])
            #expect(result(attached)["virtualmachineid"] as? String == vm, "\(attached)")
            #expect(plugged() == [id])

            // Unplugging refused: the disk stays attached.
            _ = await admin.call("configureSimulator", ["zoneid": f.zone, "name": "DettachCommand", "value": "result:fail", "count": "1"])
            let stuck = try await admin.runJob("detachVolume", pairs: [("id", id)])
            #expect(stuck["jobstatus"] as? Int == 2, "\(stuck)")
            listed = await admin.call("listVolumes", ["id": id]).items("volume").first ?? [:]
            #expect(listed["virtualmachineid"] as? String == vm)
            #expect(plugged() == [id])

            let detached = try await admin.runJob("detachVolume", pairs: [("id", id)])
            #expect(detached["jobstatus"] as? Int == 1, "\(detached)")
            #expect(plugged().isEmpty)
            try await expectExactAllocations(cloud)
        }
    }

    @Test("createVolume with virtualmachineid attaches at once; to a Stopped instance the disk stays Allocated until the instance starts")
    func createAttachedToStopped() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let vm = try await deploy(admin, f, start: false)
            let v = try await create(admin, f, [("virtualmachineid", vm)])
            #expect(v["virtualmachineid"] as? String == vm, "\(v)")
            #expect(v["state"] as? String == "Allocated")
            let started = try await admin.runJob("startVirtualMachine", pairs: [("id", vm)])
            #expect(result(started, "virtualmachine")["state"] as? String == "Running", "\(started)")
            let disks = await admin.call("listVolumes", ["virtualmachineid": vm]).items("volume")
            #expect(disks.count == 2)
            #expect(disks.allSatisfy { $0["state"] as? String == "Ready" })
            try await expectExactAllocations(cloud)
        }
    }

    @Test("bad input gets CloudStack's errors and leaves nothing behind")
    func badInput() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let before = await admin.call("listVolumes", ["listall": "true"]).count

            var r = await admin.call("createVolume", ["zoneid": f.zone, "diskofferingid": f.custom])
            #expect(r.errorCode == 431)
            #expect(r.errorText == "This disk offering requires a custom size specified")
            r = await admin.call("createVolume", ["zoneid": f.zone, "diskofferingid": f.custom, "size": "5000"])
            #expect(r.errorText == "Volume size: 5000GB is out of allowed range. Max: 1024 Min:1")
            r = await admin.call("createVolume", ["zoneid": f.zone])
            #expect(r.errorText == "Either disk offering id or snapshot id must be passed whilst creating volume")
            r = await admin.call("createVolume", ["zoneid": f.zone, "diskofferingid": UUID().uuidString])
            #expect(r.errorCode == 431)
            #expect(await admin.call("listVolumes", ["listall": "true"]).count == before)

            let vm = try await deploy(admin, f, start: false)
            let v = try #require(try await create(admin, f)["id"] as? String)
            r = await admin.call("attachVolume", ["id": v, "virtualmachineid": vm, "deviceid": "0"])
            #expect(r.errorText == "deviceId can't be 0, which is used by Root device")
            r = await admin.call("attachVolume", ["id": v, "virtualmachineid": vm, "deviceid": "3"])
            #expect(r.errorText == "deviceId should be 1,2,4-6")
            let root = try #require(await admin.call("listVolumes", ["virtualmachineid": vm, "type": "ROOT"]).items("volume").first?["id"] as? String)
            r = await admin.call("attachVolume", ["id": root, "virtualmachineid": vm])
            #expect(r.errorText == "Please specify a valid data volume.")
            r = await admin.call("detachVolume", ["id": root])
            #expect(r.errorText == "Please specify a data volume.")
            r = await admin.call("detachVolume", ["id": v])
            #expect(r.errorText == "The specified volume is not attached to a VM.")
            r = await admin.call("detachVolume", ["id": v, "virtualmachineid": vm])
            #expect(r.errorText == "Please provide either a volume id, or a tuple(device id, instance id)")

            // Device 2 is taken once given; the next free one skips 3.
            let a = try await admin.runJob("attachVolume", pairs: [("id", v), ("virtualmachineid", vm), ("deviceid", "2")])
            #expect(result(a)["deviceid"] as? Int == 2, "\(a)")
            let w = try #require(try await create(admin, f)["id"] as? String)
            r = await admin.call("attachVolume", ["id": w, "virtualmachineid": vm, "deviceid": "2"])
            #expect(r.errorText?.hasPrefix("deviceId 2 is used by vm") == true, "\(r.body)")
            r = await admin.call("attachVolume", ["id": v, "virtualmachineid": vm])
            #expect(r.errorText == "Please specify a volume that is not attached to any VM.")

            // A volume in another zone.
            let other = await admin.call("createZone", ["name": unique("zone"), "networktype": "Advanced", "dns1": "8.8.8.8", "internaldns1": "8.8.4.4"])
            let otherZone = try #require((other.object["zone"] as? [String: Any])?["id"] as? String, "\(other.body)")
            let far = try await admin.runJob("createVolume", pairs: [("zoneid", otherZone), ("diskofferingid", f.small)])
            let farID = try #require(result(far)["id"] as? String, "\(far)")
            r = await admin.call("attachVolume", ["id": farID, "virtualmachineid": vm])
            #expect(r.errorCode == 431)
            #expect(r.errorText == "Please specify a VM that is in the same zone as the volume.")
            r = await admin.call("createVolume", ["zoneid": otherZone, "diskofferingid": f.small, "virtualmachineid": vm])
            #expect(r.errorText == "Please specify a VM that is in the same zone as the volume.")
            _ = cloud
        }
    }

    @Test("another account's volume or instance is refused; owners must match")
    func ownership() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let alice = try await admin.createAccount(unique("alice"), domainID: nil)
            let session = try await cloud.login(alice.username, password: alice.password)
            let mine = try #require(try await create(session, f)["id"] as? String)
            let adminVM = try await deploy(admin, f, start: false)
            let r = await session.call("attachVolume", ["id": mine, "virtualmachineid": adminVM])
            #expect(r.errorCode == 531, "\(r.body)")
            let adminDisk = try #require(try await create(admin, f)["id"] as? String)
            let d = await session.call("deleteVolume", ["id": adminDisk])
            #expect(d.errorCode == 531, "\(d.body)")
            let cross = await admin.call("attachVolume", ["id": mine, "virtualmachineid": adminVM])
            #expect(cross.errorCode == 431)
            #expect(cross.errorText?.hasPrefix("Owners of volume") == true, "\(cross.body)")
        }
    }

    @Test("resizeVolume: shrinking needs shrinkok, fixed offerings refuse a size, growth is taken on the pool exactly and the host resizes")
    func resize() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let vm = try await deploy(admin, f)
            let v = try #require(try await create(admin, f, [("diskofferingid", f.custom), ("size", "4"), ("virtualmachineid", vm)])["id"] as? String)
            let before = try await pools(cloud).values.reduce(0, +)

            var r = await admin.call("resizeVolume", ["id": v, "size": "2"])
            #expect(r.errorCode == 431)
            #expect(r.errorText == "Going from existing size of \(4 << 30) to size of \(2 << 30) would shrink the volume.Need to sign off by supplying the shrinkok parameter with value of true.")

            let fixed = try #require(try await create(admin, f)["id"] as? String)
            r = await admin.call("resizeVolume", ["id": fixed, "size": "10"])
            #expect(r.errorText?.hasPrefix("To change a volume's size without providing a new disk offering") == true, "\(r.body)")

            let counts = try await adminCounts(cloud)
            let grown = result(try await admin.runJob("resizeVolume", pairs: [("id", v), ("size", "6")]))
            #expect(grown["size"] as? Int64 == 6 << 30, "\(grown)")
            #expect(grown["state"] as? String == "Ready")
            #expect(try await pools(cloud).values.reduce(0, +) == before + (2 << 30))
            #expect(try await adminCounts(cloud)[.primaryStorage] == (counts[.primaryStorage] ?? 0) + (2 << 30))
            try await expectExactAllocations(cloud)

            let shrunk = result(try await admin.runJob("resizeVolume", pairs: [("id", v), ("size", "3"), ("shrinkok", "true")]))
            #expect(shrunk["size"] as? Int64 == 3 << 30, "\(shrunk)")
            #expect(try await pools(cloud).values.reduce(0, +) == before - (1 << 30))
            try await expectExactAllocations(cloud)

            // A new (fixed) offering sets the size; an Allocated volume resizes without a pool.
            let medium = try await admin.firstID("listDiskOfferings", "diskoffering", ["name": "Medium"])
            let moved = result(try await admin.runJob("resizeVolume", pairs: [("id", fixed), ("diskofferingid", medium)]))
            #expect(moved["size"] as? Int64 == 20 << 30, "\(moved)")
            #expect(moved["diskofferingid"] as? String == medium)
            #expect(moved["state"] as? String == "Allocated")

            // The host refusing rolls the growth back.
            let host = try #require(await admin.call("listVirtualMachines", ["id": vm]).items("virtualmachine").first?["hostid"] as? String)
            let mock = await admin.call("configureSimulator", ["hostid": host, "name": "ResizeVolumeCommand", "value": "result:fail"])
            if mock.status == 200 {
                let failed = try await admin.runJob("resizeVolume", pairs: [("id", v), ("size", "8")])
                #expect(failed["jobstatus"] as? Int == 2, "\(failed)")
                let after = await admin.call("listVolumes", ["id": v]).items("volume").first
                #expect(after?["size"] as? Int64 == 3 << 30)
                #expect(after?["state"] as? String == "Ready")
                try await expectExactAllocations(cloud)
            }
        }
    }

    @Test("migrateVolume moves a detached Ready volume to another pool: reserved there, released on the source; running instances need livemigrate")
    func migrate() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let vm = try await deploy(admin, f)
            let v = try #require(try await create(admin, f, [("virtualmachineid", vm)])["id"] as? String)
            let listed = try #require(await admin.call("listVolumes", ["id": v]).items("volume").first)
            let source = try #require(listed["storageid"] as? String)
            let pools = await admin.call("listStoragePools", ["zoneid": f.zone]).items("storagepool")
            let target = try #require(pools.first { ($0["id"] as? String) != source }?["id"] as? String, "\(pools)")

            var r = await admin.call("migrateVolume", ["volumeid": v, "storageid": target])
            #expect(r.errorCode == 431, "\(r.body)")
            #expect(r.errorText?.contains("livemigrate=true") == true)
            r = await admin.call("migrateVolume", ["volumeid": v, "storageid": source])
            #expect(r.errorText?.contains("already on storage pool") == true, "\(r.body)")

            _ = try await admin.runJob("detachVolume", pairs: [("id", v)])
            let byPool = try await self.pools(cloud)
            let moved = result(try await admin.runJob("migrateVolume", pairs: [("volumeid", v), ("storageid", target)]))
            #expect(moved["storageid"] as? String == target, "\(moved)")
            #expect(moved["state"] as? String == "Ready")
            let after = try await self.pools(cloud)
            let (sourceID, targetID) = try await cloud.engine.db.read { sql in
                (try await StoragePoolRepository.find(sql, uuid: UUID(uuidString: source)!)!.id, try await StoragePoolRepository.find(sql, uuid: UUID(uuidString: target)!)!.id)
            }
            #expect((after[sourceID] ?? 0) == (byPool[sourceID] ?? 0) - (5 << 30))
            #expect((after[targetID] ?? 0) == (byPool[targetID] ?? 0) + (5 << 30))
            try await expectExactAllocations(cloud)

            // deleteStoragePool refuses a pool that holds volumes.
            let del = await admin.call("deleteStoragePool", ["id": target])
            #expect(del.status != 200, "\(del.body)")
        }
    }

    @Test("destroyVolume keeps it recoverable (not counted); recoverVolume counts it again; expunge removes it and its pool space")
    func destroyRecoverExpunge() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let vm = try await deploy(admin, f)
            let v = try #require(try await create(admin, f, [("virtualmachineid", vm)])["id"] as? String)
            _ = try await admin.runJob("detachVolume", pairs: [("id", v)])
            let counts = try await adminCounts(cloud)
            let poolTotal = try await pools(cloud).values.reduce(0, +)

            let destroyed = result(try await admin.runJob("destroyVolume", pairs: [("id", v)]))
            #expect(destroyed["state"] as? String == "Destroy", "\(destroyed)")
            #expect(destroyed["destroyed"] as? Bool == true)
            #expect(try await adminCounts(cloud)[.volume] == (counts[.volume] ?? 0) - 1)
            #expect(try await pools(cloud).values.reduce(0, +) == poolTotal)

            let recovered = await admin.call("recoverVolume", ["id": v])
            #expect((recovered.object["volume"] as? [String: Any])?["state"] as? String == "Ready", "\(recovered.body)")
            #expect(try await adminCounts(cloud)[.volume] == counts[.volume])
            let again = await admin.call("recoverVolume", ["id": v])
            #expect(again.errorCode == 431)

            let gone = try await admin.runJob("destroyVolume", pairs: [("id", v), ("expunge", "true")])
            #expect(gone["jobstatus"] as? Int == 1, "\(gone)")
            #expect(await admin.call("listVolumes", ["id": v, "listall": "true"]).count == 0)
            #expect(try await pools(cloud).values.reduce(0, +) == poolTotal - (5 << 30))
            #expect(try await adminCounts(cloud)[.volume] == (counts[.volume] ?? 0) - 1)
            try await expectExactAllocations(cloud)

            let events = await admin.call("listEvents", ["type": "VOLUME.RECOVER"]).items("event")
            #expect(!events.isEmpty)
        }
    }

    @Test("listVolumesMetrics adds sizegb (disk counters are not measured per volume yet); updateVolume renames")
    func metricsAndUpdate() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let v = try #require(try await create(admin, f)["id"] as? String)
            let m = try #require(await admin.call("listVolumesMetrics", ["id": v]).items("volume").first)
            #expect(m["sizegb"] as? String == "5.00 GB")
            #expect(m["diskiopstotal"] == nil, "not measured per volume: absent, not a made-up zero")
            let renamed = result(try await admin.runJob("updateVolume", pairs: [("id", v), ("name", "renamed-disk")]))
            #expect(renamed["name"] as? String == "renamed-disk", "\(renamed)")
            _ = cloud
        }
    }
}
