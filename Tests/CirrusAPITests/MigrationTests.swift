@testable import CirrusEngine
import CirrusAgent
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// Live migration, storage migration, the migration listings and host maintenance against
/// the demo zone's two in-process Simulator hosts.
@Suite("Instances: migration and host maintenance", .serialized)
struct MigrationTests {
    struct Fixture {
        let zone: String
        let template: String
        let offering: String
        let hosts: [String]
    }

    func fixture(_ admin: Session, _ zone: Zone) async throws -> Fixture {
        let hosts = await admin.call("listHosts", ["type": "Routing"]).items("host").compactMap { $0["id"] as? String }
        try #require(hosts.count == 2)
        return Fixture(zone: zone.uuid.uuidString.lowercased(),
                       template: try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"]),
                       offering: try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"]), hosts: hosts)
    }

    func deploy(_ s: Session, _ f: Fixture, _ extra: [(String, String)] = []) async throws -> [String: Any] {
        let job = try await s.runJob("deployVirtualMachine", pairs: [("zoneid", f.zone), ("templateid", f.template), ("serviceofferingid", f.offering)] + extra)
        let vm = (job["jobresult"] as? [String: Any])?["virtualmachine"] as? [String: Any] ?? [:]
        try #require(vm["state"] as? String == "Running", "\(job)")
        return vm
    }

    func vm(_ job: [String: Any]) -> [String: Any] {
        (job["jobresult"] as? [String: Any])?["virtualmachine"] as? [String: Any] ?? [:]
    }

    /// CPU MHz used per host (by API id).
    func cpuUsed(_ cloud: TestCloud) async throws -> [String: Int64] {
        try await cloud.engine.db.read { sql in
            var out: [String: Int64] = [:]
            for (hostID, a) in try await AllocationRepository.hosts(sql) where a.cpuUsed > 0 {
                if let h = try await HostRepository.find(sql, id: hostID) { out[h.uuid.uuidString.lowercased()] = a.cpuUsed }
            }
            return out
        }
    }

    func resource(_ cloud: TestCloud, hostUUID: String) async throws -> SimulatorResource {
        let host = try await cloud.engine.hosts.find(uuid: try #require(UUID(uuidString: hostUUID)))
        return try #require(cloud.engine.agents.inProcessResource(hostID: host.id) as? SimulatorResource)
    }

    func instanceName(_ cloud: TestCloud, _ id: String) async throws -> String {
        try #require(try await cloud.engine.db.read { sql in try await VirtualMachineRepository.find(sql, uuid: UUID(uuidString: id)!) }).instanceName
    }

    @Test("findHostsForMigration lists the other host as suitable; migrateVirtualMachine moves a Running instance there and back, capacity follows it exactly")
    func liveMigration() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let first = try await deploy(admin, f)
            let id = try #require(first["id"] as? String)
            let source = try #require(first["hostid"] as? String)
            let other = try #require(f.hosts.first { $0 != source })
            let name = try await instanceName(cloud, id)

            let found = await admin.call("findHostsForMigration", ["virtualmachineid": id])
            #expect(found.status == 200, "\(found.body)")
            let candidates = found.items("host")
            #expect(candidates.count == 1, "\(found.body)")
            #expect(candidates.first?["id"] as? String == other)
            #expect(candidates.first?["suitableformigration"] as? Bool == true)
            #expect(candidates.first?["requiresStorageMotion"] as? Bool == false)
            #expect(candidates.first?["hasenoughcapacity"] as? Bool == true)

            let job = try await admin.runJob("migrateVirtualMachine", pairs: [("virtualmachineid", id), ("hostid", other)])
            #expect(job["jobstatus"] as? Int == 1, "\(job)")
            #expect(vm(job)["hostid"] as? String == other)
            #expect(vm(job)["state"] as? String == "Running")
            var used = try await cpuUsed(cloud)
            #expect(used[source] ?? 0 == 0, "\(used)")
            #expect(used[other] == 500, "\(used)")
            #expect(try await resource(cloud, hostUUID: other).instanceList.map(\.name) == [name])
            #expect(try await resource(cloud, hostUUID: source).instanceList.isEmpty)

            // Without hostid placement chooses: the only other host is the first one.
            let back = try await admin.runJob("migrateVirtualMachine", pairs: [("virtualmachineid", id)])
            #expect(vm(back)["hostid"] as? String == source, "\(back)")
            used = try await cpuUsed(cloud)
            #expect(used[source] == 500 && (used[other] ?? 0) == 0, "\(used)")
            let events = await admin.call("listEvents", ["type": "VM.MIGRATE"]).items("event")
            #expect(events.contains { $0["state"] as? String == "Completed" }, "\(events)")
        }
    }

    @Test("a refused PrepareForMigration leaves the instance Running on its host with allocations unchanged")
    func failedMigrationRollsBack() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let first = try await deploy(admin, f)
            let id = try #require(first["id"] as? String)
            let source = try #require(first["hostid"] as? String)
            let other = try #require(f.hosts.first { $0 != source })
            let before = try await cpuUsed(cloud)
            let mock = await admin.call("configureSimulator", ["zoneid": f.zone, "name": "PrepareForMigrationCommand", "value": "result:fail"])
            #expect(mock.status == 200, "\(mock.body)")
            let job = try await admin.runJob("migrateVirtualMachine", pairs: [("virtualmachineid", id), ("hostid", other)])
            #expect(job["jobstatus"] as? Int == 2, "\(job)")
            let listed = await admin.call("listVirtualMachines", ["id": id]).items("virtualmachine").first
            #expect(listed?["state"] as? String == "Running")
            #expect(listed?["hostid"] as? String == source)
            #expect(try await cpuUsed(cloud) == before)
            try await cloud.engine.db.transaction { sql in try await AllocationRepository.recompute(sql) }
            #expect(try await cpuUsed(cloud) == before, "the allocations were exact")
        }
    }

    @Test("bad migrations are refused with 431 before a job runs")
    func badInput() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let first = try await deploy(admin, f)
            let id = try #require(first["id"] as? String)
            let source = try #require(first["hostid"] as? String)
            let same = await admin.call("migrateVirtualMachine", ["virtualmachineid": id, "hostid": source])
            #expect(same.status == 431, "\(same.body)")
            let pool = try await admin.firstID("listStoragePools", "storagepool")
            let both = await admin.call("migrateVirtualMachine", ["virtualmachineid": id, "hostid": source, "storageid": pool])
            #expect(both.status == 431, "\(both.body)")
            let runningToPool = await admin.call("migrateVirtualMachine", ["virtualmachineid": id, "storageid": pool])
            #expect(runningToPool.status == 431, "\(runningToPool.body)")
            let unknown = await admin.call("migrateVirtualMachine", ["virtualmachineid": UUID().uuidString.lowercased()])
            #expect(unknown.status == 431, "\(unknown.body)")
            _ = try await admin.runJob("stopVirtualMachine", pairs: [("id", id)])
            let stopped = await admin.call("migrateVirtualMachine", ["virtualmachineid": id, "hostid": f.hosts[0]])
            #expect(stopped.status == 431, "\(stopped.body)")
            let listing = await admin.call("findHostsForMigration", ["virtualmachineid": id])
            #expect(listing.status == 431, "\(listing.body)")
        }
    }

    @Test("storageid moves a Stopped instance's volumes to another pool; findStoragePoolsForMigration lists the pools; migrateto moves a Running instance with its volume")
    func storageMigration() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let first = try await deploy(admin, f)
            let id = try #require(first["id"] as? String)
            let source = try #require(first["hostid"] as? String)
            let other = try #require(f.hosts.first { $0 != source })
            let root = try #require(await admin.call("listVolumes", ["virtualmachineid": id]).items("volume").first)
            let rootID = try #require(root["id"] as? String)
            let sharedPool = try #require(root["storageid"] as? String)
            let size = try #require((root["size"] as? NSNumber)?.int64Value)

            let pools = await admin.call("findStoragePoolsForMigration", ["id": rootID])
            #expect(pools.status == 200, "\(pools.body)")
            let listed = pools.items("storagepool")
            #expect(!listed.contains { $0["id"] as? String == sharedPool })
            // The instance runs: only the local pool of its own host is reachable.
            let suitable = listed.filter { $0["suitableformigration"] as? Bool == true }
            #expect(suitable.count == 1, "\(pools.body)")
            let localHere = try #require(suitable.first?["id"] as? String)

            // Running: move to the other host with the ROOT volume onto that host's local pool.
            let localThere = try #require(listed.first { $0["id"] as? String != localHere }?["id"] as? String)
            let moved = try await admin.runJob("migrateVirtualMachineWithVolume", pairs: [("virtualmachineid", id), ("hostid", other),
                                                                                          ("migrateto[0].volume", rootID), ("migrateto[0].pool", localThere)])
            #expect(moved["jobstatus"] as? Int == 1, "\(moved)")
            #expect(vm(moved)["hostid"] as? String == other)
            let afterLive = await admin.call("listVolumes", ["id": rootID]).items("volume").first
            #expect(afterLive?["storageid"] as? String == localThere)

            // Stopped: storageid moves every volume back to the shared pool.
            _ = try await admin.runJob("stopVirtualMachine", pairs: [("id", id)])
            let job = try await admin.runJob("migrateVirtualMachine", pairs: [("virtualmachineid", id), ("storageid", sharedPool)])
            #expect(job["jobstatus"] as? Int == 1, "\(job)")
            let afterStopped = await admin.call("listVolumes", ["id": rootID]).items("volume").first
            #expect(afterStopped?["storageid"] as? String == sharedPool)
            let allocated = try await cloud.engine.db.read { sql in try await AllocationRepository.pools(sql) }
            let sharedID = try #require(try await cloud.engine.db.read { sql in try await StoragePoolRepository.find(sql, uuid: UUID(uuidString: sharedPool)!) }).id
            #expect(allocated[sharedID] == size, "\(allocated)")
            #expect(allocated.values.reduce(0, +) == size, "nothing left on the local pools: \(allocated)")
        }
    }

    @Test("prepareHostForMaintenance migrates running instances to the other host and reaches Maintenance; when they cannot move the host is ErrorInMaintenance")
    func maintenance() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let a = try await deploy(admin, f, [("hostid", f.hosts[0])])
            let b = try await deploy(admin, f, [("hostid", f.hosts[0])])
            #expect(a["hostid"] as? String == f.hosts[0] && b["hostid"] as? String == f.hosts[0])
            let job = try await admin.runJob("prepareHostForMaintenance", pairs: [("id", f.hosts[0])])
            #expect(job["jobstatus"] as? Int == 1, "\(job)")
            let host = (job["jobresult"] as? [String: Any])?["host"] as? [String: Any]
            #expect(host?["resourcestate"] as? String == "Maintenance", "\(job)")
            let vms = await admin.call("listVirtualMachines", ["listall": "true"]).items("virtualmachine")
            #expect(vms.count == 2 && vms.allSatisfy { $0["hostid"] as? String == f.hosts[1] && $0["state"] as? String == "Running" }, "\(vms)")
            let used = try await cpuUsed(cloud)
            #expect((used[f.hosts[0]] ?? 0) == 0 && used[f.hosts[1]] == 1000, "\(used)")

            // Back, then make the other host refuse: the instances stay and the host is ErrorInMaintenance.
            _ = try await admin.runJob("cancelHostMaintenance", pairs: [("id", f.hosts[0])])
            let mock = await admin.call("configureSimulator", ["zoneid": f.zone, "name": "PrepareForMigrationCommand", "value": "result:fail"])
            #expect(mock.status == 200, "\(mock.body)")
            let failed = try await admin.runJob("prepareHostForMaintenance", pairs: [("id", f.hosts[1])])
            let state = ((failed["jobresult"] as? [String: Any])?["host"] as? [String: Any])?["resourcestate"] as? String
            #expect(state == "ErrorInMaintenance", "\(failed)")
            let still = await admin.call("listVirtualMachines", ["listall": "true"]).items("virtualmachine")
            #expect(still.allSatisfy { $0["hostid"] as? String == f.hosts[1] && $0["state"] as? String == "Running" }, "\(still)")
            let alerts = await admin.call("listAlerts", ["type": "7"]).items("alert")
            #expect(alerts.contains { ($0["description"] as? String)?.contains("cannot enter maintenance") == true }, "\(alerts)")
        }
    }
}

@Suite("Instances: changeServiceForVirtualMachine", .serialized)
struct ChangeServiceTests {
    @Test("a Stopped instance takes another offering; a Running one, the same offering and a custom offering without details are refused")
    func changeService() async throws {
        try await withDemoZone { cloud, admin, zone in
            let template = try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"])
            let small = try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"])
            let medium = try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Medium Instance"])
            let job = try await admin.runJob("deployVirtualMachine", pairs: [("zoneid", zone.uuid.uuidString.lowercased()), ("templateid", template),
                                                                             ("serviceofferingid", small)])
            let id = try #require(((job["jobresult"] as? [String: Any])?["virtualmachine"] as? [String: Any])?["id"] as? String, "\(job)")
            let running = await admin.call("changeServiceForVirtualMachine", ["id": id, "serviceofferingid": medium])
            #expect(running.status == 431, "\(running.body)")
            _ = try await admin.runJob("stopVirtualMachine", pairs: [("id", id)])
            let same = await admin.call("changeServiceForVirtualMachine", ["id": id, "serviceofferingid": small])
            #expect(same.status == 431, "\(same.body)")
            let changed = await admin.call("changeServiceForVirtualMachine", ["id": id, "serviceofferingid": medium])
            #expect(changed.status == 200, "\(changed.body)")
            let vm = changed.object["virtualmachine"] as? [String: Any]
            #expect(vm?["serviceofferingid"] as? String == medium, "\(changed.body)")
            let offering = await admin.call("listServiceOfferings", ["id": medium]).items("serviceoffering").first
            #expect((vm?["cpunumber"] as? NSNumber)?.intValue == (offering?["cpunumber"] as? NSNumber)?.intValue)
            #expect((vm?["memory"] as? NSNumber)?.intValue == (offering?["memory"] as? NSNumber)?.intValue)
            let started = try await admin.runJob("startVirtualMachine", pairs: [("id", id)])
            #expect(started["jobstatus"] as? Int == 1, "\(started)")
            let used = try await cloud.engine.db.read { sql in try await AllocationRepository.hosts(sql).values.reduce(0) { $0 + $1.cpuUsed } }
            let cpu = Int64((offering?["cpunumber"] as? NSNumber)?.intValue ?? 0) * Int64((offering?["cpuspeed"] as? NSNumber)?.intValue ?? 0)
            #expect(used == cpu, "the new shape is what the host holds")
        }
    }
}
