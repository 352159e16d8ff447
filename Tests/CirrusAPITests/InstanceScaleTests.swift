@testable import CirrusEngine
import CirrusAgent
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// scaleVirtualMachine: in place for Running instances, as an offering change for Stopped ones.
@Suite("Instances: scaleVirtualMachine")
struct InstanceScaleTests {
    func stored(_ cloud: TestCloud, _ id: String) async throws -> VirtualMachine {
        try #require(try await cloud.engine.db.read { sql in try await VirtualMachineRepository.find(sql, uuid: UUID(uuidString: id)!) })
    }

    func hostUse(_ cloud: TestCloud, _ hostID: Int64) async throws -> (cpu: Int64, memory: Int64) {
        let a = try await cloud.engine.db.read { sql in try await AllocationRepository.host(sql, id: hostID) }
        return (a.cpuUsed, a.memoryUsed)
    }

    func counts(_ cloud: TestCloud) async throws -> [ResourceType: Int64] {
        let owner = ResourceLimitRepository.Owner(.account, Account.adminID)
        return try await cloud.engine.db.read { sql in try await ResourceLimitRepository.counts(sql, owners: [owner])[owner] ?? [:] }
    }

    func job(_ job: [String: Any]) -> (status: Int, code: Int?, text: String, vm: [String: Any]) {
        let result = job["jobresult"] as? [String: Any] ?? [:]
        return (job["jobstatus"] as? Int ?? -1, result["errorcode"] as? Int, result["errortext"] as? String ?? "", result["virtualmachine"] as? [String: Any] ?? [:])
    }

    @Test("a Running instance grows in place on its host, with capacity and counts following; refusals leave everything as it was")
    func scaleRunning() async throws {
        try await withDemoZone { cloud, admin, zone in
            let template = try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"])
            let small = try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"])
            let medium = try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Medium Instance"])
            let huge = await admin.call("createServiceOffering", ["name": "Huge", "displaytext": "Huge", "cpunumber": "64", "cpuspeed": "2000", "memory": "1024"])
            let hugeID = try #require((huge.object["serviceoffering"] as? [String: Any])?["id"] as? String, "\(huge.body)")
            let zoneID = zone.uuid.uuidString.lowercased()

            let plain = try await admin.runJob("deployVirtualMachine", pairs: [("zoneid", zoneID), ("templateid", template), ("serviceofferingid", small)])
            let plainID = try #require(job(plain).vm["id"] as? String, "\(plain)")
            let disabled = await admin.call("scaleVirtualMachine", ["id": plainID, "serviceofferingid": medium])
            #expect(disabled.status == 431)
            #expect((disabled.errorText ?? "").contains("disabled for this zone"), "\(disabled.body)")
            #expect(await admin.call("updateConfiguration", ["name": "enable.dynamic.scale.vm", "value": "true"]).status == 200)
            let noTools = await admin.call("scaleVirtualMachine", ["id": plainID, "serviceofferingid": medium])
            #expect(noTools.status == 431)
            #expect((noTools.errorText ?? "").contains("does not have tools to support dynamic scaling"), "\(noTools.body)")

            let deployed = try await admin.runJob("deployVirtualMachine", pairs: [("zoneid", zoneID), ("templateid", template), ("serviceofferingid", small),
                                                                                ("dynamicscalingenabled", "true")])
            let id = try #require(job(deployed).vm["id"] as? String, "\(deployed)")
            let before = try await stored(cloud, id)
            let hostID = try #require(before.hostID)
            let resource = try #require(cloud.engine.agents.inProcessResource(hostID: hostID) as? SimulatorResource)
            let useBefore = try await hostUse(cloud, hostID)
            let countsBefore = try await counts(cloud)

            // Too big for the host: refused in the job, nothing taken.
            let tooBig = job(try await admin.runJob("scaleVirtualMachine", pairs: [("id", id), ("serviceofferingid", hugeID)]))
            #expect(tooBig.status == 2 && tooBig.code == 533, "\(tooBig)")
            #expect(try await hostUse(cloud, hostID) == useBefore)
            #expect(try await counts(cloud) == countsBefore)

            let scaled = job(try await admin.runJob("scaleVirtualMachine", pairs: [("id", id), ("serviceofferingid", medium)]))
            #expect(scaled.status == 1, "\(scaled)")
            #expect(scaled.vm["serviceofferingname"] as? String == "Medium Instance")
            #expect(scaled.vm["cpuspeed"] as? Int == 1000 && scaled.vm["memory"] as? Int == 1024)
            let after = try await stored(cloud, id)
            #expect(after.state == .running && after.hostID == hostID)
            #expect(try await hostUse(cloud, hostID) == (useBefore.cpu + 500, useBefore.memory + 512 * 1_048_576))
            #expect(try await counts(cloud)[.memory] == (countsBefore[.memory] ?? 0) + 512)
            let simulated = try #require(resource.instanceList.first { $0.name == after.instanceName })
            #expect(simulated.speed == 1000 && simulated.memory == 1024 * 1_048_576)

            // Scaling down a running instance is refused.
            let down = await admin.call("scaleVirtualMachine", ["id": id, "serviceofferingid": small])
            #expect(down.status == 431)
            #expect((down.errorText ?? "").contains("Only scaling up the vm is supported"), "\(down.body)")

            // The host refuses (the instance is gone from it): the growth is given back.
            let custom = await admin.call("createServiceOffering", ["name": "Bigger", "displaytext": "Bigger", "cpunumber": "2", "cpuspeed": "1000", "memory": "2048"])
            let biggerID = try #require((custom.object["serviceoffering"] as? [String: Any])?["id"] as? String)
            let useScaled = try await hostUse(cloud, hostID)
            let countsScaled = try await counts(cloud)
            resource.stopInstance(name: after.instanceName)
            let refused = job(try await admin.runJob("scaleVirtualMachine", pairs: [("id", id), ("serviceofferingid", biggerID)]))
            #expect(refused.status == 2, "\(refused)")
            #expect(refused.text.contains("Failed to scale"), "\(refused)")
            #expect(try await hostUse(cloud, hostID) == useScaled)
            #expect(try await counts(cloud) == countsScaled)
            #expect(try await stored(cloud, id).memory == 1024)

            // Stopped: any offering, as changeServiceForVirtualMachine.
            _ = try await admin.runJob("stopVirtualMachine", pairs: [("id", id)])
            let stoppedScale = job(try await admin.runJob("scaleVirtualMachine", pairs: [("id", id), ("serviceofferingid", small)]))
            #expect(stoppedScale.status == 1, "\(stoppedScale)")
            #expect(try await stored(cloud, id).memory == 512)
            #expect(try await counts(cloud)[.memory] == (countsBefore[.memory] ?? 0))
        }
    }
}
