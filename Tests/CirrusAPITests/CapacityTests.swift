import CirrusAgent
import CirrusEngine
import CirrusModel
import Foundation
import Testing

/// The demo zone, built through the engine's services, then measured by `listCapacity`.
@Suite("Capacity, alerts and the demo zone", .serialized)
struct CapacityTests {
    func capacity(_ admin: Session, _ params: [(String, String)]) async throws -> [Int: [String: Any]] {
        let reply = await admin.call("listCapacity", pairs: params + [("fetchlatest", "true")])
        try #require(reply.status == 200, "listCapacity: \(reply.body)")
        return Dictionary(reply.items("capacity").map { ($0["type"] as! Int, $0) }, uniquingKeysWith: { a, _ in a })
    }

    @Test("the demo zone is enabled with two Up Simulator hosts, storage, public IPs and a ready template; building it again does nothing")
    func demoZone() async throws {
        try await withDemoZone { cloud, admin, zone in
            let zones = await admin.call("listZones").items("zone")
            #expect(zones.map { $0["name"] as? String } == [DemoZone.name])
            #expect(zones.first?["allocationstate"] as? String == "Enabled")
            let hosts = await admin.call("listHosts", ["type": "Routing"]).items("host")
            #expect(hosts.count == 2 && hosts.allSatisfy { $0["state"] as? String == "Up" && $0["hypervisor"] as? String == "Simulator" })
            let pools = await admin.call("listStoragePools").items("storagepool")
            #expect(pools.contains { $0["name"] as? String == "Sandbox-primary" && $0["scope"] as? String == "CLUSTER" })
            let templates = await admin.call("listTemplates", ["templatefilter": "executable"]).items("template")
            #expect(templates.contains { $0["isready"] as? Bool == true && ($0["name"] as? String ?? "").contains("Simulator") })
            let again = try await DemoZone.ensure(engine: cloud.engine, dataDirectory: "/nonexistent", logger: cloud.logger)
            #expect(again == nil)
            #expect(await admin.call("listZones").count == 1)
        }
    }

    @Test("listCapacity sums hosts, pools and addresses per zone and applies a cluster's overprovisioning factor")
    func capacityFigures() async throws {
        try await withDemoZone { cloud, admin, zone in
            let zoneID = zone.uuid.uuidString.lowercased()
            let hosts = await admin.call("listHosts", ["type": "Routing"]).items("host")
            let mhz = hosts.reduce(0) { $0 + ($1["cpunumber"] as! Int) * ($1["cpuspeed"] as! Int) }
            #expect(mhz > 0)
            var caps = try await capacity(admin, [("zoneid", zoneID)])
            #expect(caps[CapacityType.cpu.rawValue]?["capacitytotal"] as? Int == mhz)
            #expect(caps[CapacityType.publicIP.rawValue]?["capacitytotal"] as? Int == 241)
            #expect(caps[CapacityType.publicIP.rawValue]?["capacityused"] as? Int == 0)
            #expect(caps[CapacityType.privateIP.rawValue]?["capacitytotal"] as? Int == 91)
            #expect(caps[CapacityType.vlan.rawValue]?["capacitytotal"] as? Int == 1000)
            #expect(caps[CapacityType.storage.rawValue]?["capacitytotal"] as? Int == 2 * 1024 * 1024 * 1024 * 1024)
            // storage.overprovisioning.factor defaults to 2 for the shared pool.
            #expect((caps[CapacityType.storageAllocated.rawValue]?["capacitytotal"] as? Int ?? 0) >= 4 * 1024 * 1024 * 1024 * 1024)

            let clusterID = try #require(hosts.first?["clusterid"] as? String)
            let set = await admin.call("updateConfiguration", ["name": "cpu.overprovisioning.factor", "value": "2", "clusterid": clusterID])
            try #require(set.status == 200, "\(set.body)")
            caps = try await capacity(admin, [("zoneid", zoneID)])
            #expect(caps[CapacityType.cpu.rawValue]?["capacitytotal"] as? Int == 2 * mhz)
            let perCluster = try await capacity(admin, [("clusterid", clusterID)])
            #expect(perCluster[CapacityType.cpu.rawValue]?["clustername"] as? String == "Sandbox-cluster")
            #expect(perCluster[CapacityType.publicIP.rawValue] == nil, "zone-wide kinds are not shown per cluster")

            let sorted = await admin.call("listCapacity", ["sortby": "usage"]).items("capacity").compactMap { Double($0["percentused"] as? String ?? "") }
            #expect(sorted == sorted.sorted(by: >))
            #expect(await admin.call("listCapacity", ["type": "77"]).status == 431)
            #expect(await admin.call("listCapacity", ["sortby": "name"]).status == 431)
        }
    }

    @Test("CPU, memory and core capacity count what instances hold on their hosts, and fall back when they stop")
    func instancesUseCapacity() async throws {
        try await withDemoZone { cloud, admin, zone in
            let zoneID = zone.uuid.uuidString.lowercased()
            let template = try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"])
            let offering = try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"])
            var caps = try await capacity(admin, [("zoneid", zoneID)])
            #expect(caps[CapacityType.cpu.rawValue]?["capacityused"] as? Int == 0)
            var ids: [String] = []
            for _ in 0..<2 {
                let job = try await admin.runJob("deployVirtualMachine", pairs: [("zoneid", zoneID), ("templateid", template), ("serviceofferingid", offering)])
                ids.append(try #require(((job["jobresult"] as? [String: Any])?["virtualmachine"] as? [String: Any])?["id"] as? String, "\(job)"))
            }
            caps = try await capacity(admin, [("zoneid", zoneID)])
            #expect(caps[CapacityType.cpu.rawValue]?["capacityused"] as? Int == 2 * 500)
            #expect(caps[CapacityType.memory.rawValue]?["capacityused"] as? Int == 2 * 512 * 1_048_576)
            #expect(caps[CapacityType.cpuCore.rawValue]?["capacityused"] as? Int == 2)
            _ = try await admin.runJob("stopVirtualMachine", pairs: [("id", ids[0])])
            caps = try await capacity(admin, [("zoneid", zoneID)])
            #expect(caps[CapacityType.cpu.rawValue]?["capacityused"] as? Int == 500)
            #expect(caps[CapacityType.cpuCore.rawValue]?["capacityused"] as? Int == 1)
        }
    }

    @Test("crossing a notification threshold raises one alert per place; archive and delete need a criterion")
    func thresholdAlerts() async throws {
        try await withDemoZone { cloud, admin, zone in
            let zoneID = zone.uuid.uuidString.lowercased()
            #expect(await admin.call("listAlerts").count == 0)
            // The demo zone's image store is a directory on this machine's disk, whose real use
            // may cross the default 75 %; only the public IP threshold is under test here.
            let quiet = await admin.call("updateConfiguration", ["name": "zone.secstorage.capacity.notificationthreshold", "value": "1", "zoneid": zoneID])
            try #require(quiet.status == 200, "\(quiet.body)")
            let set = await admin.call("updateConfiguration", ["name": "zone.virtualnetwork.publicip.capacity.notificationthreshold", "value": "0", "zoneid": zoneID])
            try #require(set.status == 200, "\(set.body)")
            _ = try await capacity(admin, [])
            _ = try await capacity(admin, [])
            let alerts = await admin.call("listAlerts").items("alert")
            #expect(alerts.count == 1, "a second check must not duplicate the open alert: \(alerts)")
            #expect(alerts.first?["type"] as? Int == 4 && alerts.first?["name"] as? String == "ALERT.NETWORK.PUBLICIP")
            #expect((alerts.first?["description"] as? String ?? "").contains("VIRTUAL_NETWORK_PUBLIC_IP"))

            let noCriterion = await admin.call("deleteAlerts")
            #expect(noCriterion.status == 431)
            #expect(await admin.call("archiveAlerts", ["type": "4"]).status == 200)
            #expect(await admin.call("listAlerts").count == 0)
            // Still crossed: the next check opens a new alert, which deleteAlerts removes by id.
            _ = try await capacity(admin, [])
            let reopened = await admin.call("listAlerts").items("alert")
            #expect(reopened.count == 1)
            let id = try #require(reopened.first?["id"] as? String)
            #expect(await admin.call("deleteAlerts", ["ids": id]).status == 200)
            #expect(await admin.call("listAlerts").count == 0)
            #expect(await admin.call("listAlertTypes").count == AlertType.all.count)
        }
    }
}
