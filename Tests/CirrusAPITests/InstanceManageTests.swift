@testable import CirrusEngine
import CirrusAgent
import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import Testing

/// Power report reconciliation: what hosts say about instances against what the database holds.
@Suite("Instances: power state reconciliation", .serialized)
struct InstanceManageTests {
    struct Deployed {
        let id: String
        let vm: VirtualMachine
        let resource: SimulatorResource
    }

    func deploy(_ cloud: TestCloud, _ admin: Session, _ zone: Zone) async throws -> Deployed {
        let template = try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"])
        let offering = try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"])
        let job = try await admin.runJob("deployVirtualMachine", pairs: [("zoneid", zone.uuid.uuidString.lowercased()), ("templateid", template),
                                                                         ("serviceofferingid", offering)])
        let id = try #require(((job["jobresult"] as? [String: Any])?["virtualmachine"] as? [String: Any])?["id"] as? String, "\(job)")
        let vm = try #require(try await stored(cloud, id))
        let hostID = try #require(vm.hostID)
        let resource = try #require(cloud.engine.agents.inProcessResource(hostID: hostID) as? SimulatorResource)
        return Deployed(id: id, vm: vm, resource: resource)
    }

    func stored(_ cloud: TestCloud, _ id: String) async throws -> VirtualMachine? {
        try await cloud.engine.db.read { sql in try await VirtualMachineRepository.find(sql, uuid: UUID(uuidString: id)!) }
    }

    /// One ping from the host's resource, then one monitor tick (which reconciles).
    func tick(_ cloud: TestCloud, hostID: Int64, _ resource: SimulatorResource) async throws {
        _ = await cloud.engine.agents.ping(hostID: hostID, report: await resource.ping())
        try await cloud.engine.agents.monitorRound()
    }

    func cpuUsed(_ cloud: TestCloud) async throws -> Int64 {
        try await cloud.engine.db.read { sql in try await AllocationRepository.hosts(sql).values.reduce(0) { $0 + $1.cpuUsed } }
    }

    @Test("an instance powered off behind Cirrus's back becomes Stopped with its host released and a VM.POWER.STATE.CHANGE event")
    func poweredOff() async throws {
        try await withDemoZone { cloud, admin, zone in
            let d = try await deploy(cloud, admin, zone)
            let hostID = try #require(d.vm.hostID)
            try await tick(cloud, hostID: hostID, d.resource)
            #expect(try await stored(cloud, d.id)?.state == .running, "a running report changes nothing")
            #expect(try await cpuUsed(cloud) == 500)

            d.resource.stopInstance(name: d.vm.instanceName)
            try await tick(cloud, hostID: hostID, d.resource)
            let after = try #require(try await stored(cloud, d.id))
            #expect(after.state == .stopped)
            #expect(after.powerState == .off)
            #expect(after.hostID == nil)
            #expect(try await cpuUsed(cloud) == 0)
            let events = await admin.call("listEvents", ["type": "VM.POWER.STATE.CHANGE"]).items("event")
            #expect(events.count == 1, "\(events)")
            // The stopped instance starts again normally.
            let started = try await admin.runJob("startVirtualMachine", pairs: [("id", d.id)])
            #expect(started["jobstatus"] as? Int == 1, "\(started)")
        }
    }

    @Test("listVirtualMachinesMetrics shows totals and what the host last reported; a stopped instance has no use figures")
    func metrics() async throws {
        try await withDemoZone { cloud, admin, zone in
            let d = try await deploy(cloud, admin, zone)
            let hostID = try #require(d.vm.hostID)
            var item = await admin.call("listVirtualMachinesMetrics", ["id": d.id]).items("virtualmachine").first ?? [:]
            #expect(item["cputotal"] as? String == "1 x 0.50 Ghz", "\(item)")
            #expect(item["memorytotal"] as? String == "0.50 GB")
            #expect(item["cpuused"] == nil, "nothing reported yet")

            try await tick(cloud, hostID: hostID, d.resource)
            let reported = try #require(await d.resource.ping().instances.first { $0.name == d.vm.instanceName }?.stats)
            item = await admin.call("listVirtualMachinesMetrics", ["id": d.id]).items("virtualmachine").first ?? [:]
            #expect(item["cpuused"] as? String == String(format: "%.2f%%", reported.cpuUtilization), "\(item)")
            #expect(item["memorykbs"] as? Int == 512 * 1024)
            #expect(item["networkread"] as? String != nil && item["diskiopstotal"] as? Int != nil, "\(item)")
            let plain = await admin.call("listVirtualMachines", ["id": d.id]).items("virtualmachine").first ?? [:]
            #expect(plain["cpuused"] as? String == item["cpuused"] as? String)
            #expect(plain["cputotal"] == nil, "totals are for the metrics listing")

            _ = try await admin.runJob("stopVirtualMachine", pairs: [("id", d.id)])
            try await tick(cloud, hostID: hostID, d.resource)
            item = await admin.call("listVirtualMachinesMetrics", ["id": d.id]).items("virtualmachine").first ?? [:]
            #expect(item["cpuused"] == nil && item["networkread"] == nil, "\(item)")
            #expect(item["cputotal"] as? String == "1 x 0.50 Ghz")
        }
    }

    @Test("listVirtualMachines details: min leaves out every group, named groups come back, unknown values are refused")
    func detailViews() async throws {
        try await withDemoZone { cloud, admin, zone in
            let d = try await deploy(cloud, admin, zone)
            let full = await admin.call("listVirtualMachines", ["id": d.id]).items("virtualmachine").first ?? [:]
            #expect(full["templateid"] != nil && full["serviceofferingid"] != nil && full["rootdeviceid"] != nil)
            let min = await admin.call("listVirtualMachines", ["id": d.id, "details": "min"]).items("virtualmachine").first ?? [:]
            #expect(min["id"] as? String == d.id && min["state"] as? String == "Running")
            #expect(min["templateid"] == nil && min["serviceofferingid"] == nil && min["cpunumber"] == nil && min["rootdeviceid"] == nil, "\(min)")
            let some = await admin.call("listVirtualMachines", ["id": d.id, "details": "tmpl,volume"]).items("virtualmachine").first ?? [:]
            #expect(some["templateid"] as? String == full["templateid"] as? String && some["rootdeviceid"] != nil)
            #expect(some["serviceofferingid"] == nil)
            let all = await admin.call("listVirtualMachines", ["id": d.id, "details": "all"]).items("virtualmachine").first ?? [:]
            #expect(all.keys.sorted() == full.keys.sorted())
            let bad = await admin.call("listVirtualMachines", ["details": "everything"])
            #expect(bad.status == 431 && (bad.errorText ?? "").contains("non permitted value everything"), "\(bad.body)")
        }
    }

    @Test("an instance missing from its host's report is PowerReportMissing, then Stopped once the grace period has passed")
    func missing() async throws {
        try await withDemoZone { cloud, admin, zone in
            let d = try await deploy(cloud, admin, zone)
            let hostID = try #require(d.vm.hostID)
            d.resource.removeInstance(name: d.vm.instanceName)
            try await tick(cloud, hostID: hostID, d.resource)
            let first = try #require(try await stored(cloud, d.id))
            #expect(first.state == .running)
            #expect(first.powerState == .reportMissing)
            // A later tick within the grace period keeps it Running.
            try await cloud.engine.instances.reconcile([hostID: await d.resource.ping().instances], now: Date())
            #expect(try await stored(cloud, d.id)?.state == .running)
            // Past the grace period (the ping timeout) it is Stopped.
            try await cloud.engine.instances.reconcile([hostID: await d.resource.ping().instances], now: Date().addingTimeInterval(3600))
            let later = try #require(try await stored(cloud, d.id))
            #expect(later.state == .stopped)
            #expect(try await cpuUsed(cloud) == 0)
        }
    }

    @Test("an instance a host runs that Cirrus does not know raises one sync alert, and nothing else changes")
    func unknownInstance() async throws {
        try await withDemoZone { cloud, admin, zone in
            let d = try await deploy(cloud, admin, zone)
            let hostID = try #require(d.vm.hostID)
            try d.resource.startInstance(name: "i-99-999-VM", cpus: 1, speed: 100, memory: 64 * 1_048_576)
            try await tick(cloud, hostID: hostID, d.resource)
            try await tick(cloud, hostID: hostID, d.resource)
            let alerts = await admin.call("listAlerts", ["type": "27"]).items("alert")
            #expect(alerts.count == 1, "\(alerts)")
            #expect((alerts.first?["description"] as? String)?.contains("i-99-999-VM") == true, "\(alerts)")
            #expect(try await stored(cloud, d.id)?.state == .running)
            #expect(try await cpuUsed(cloud) == 500)
        }
    }
}
