import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// Parallel deploys against limited capacity, and resource limits on deploy and destroy.
@Suite("Instances: capacity and limits under concurrency", .serialized)
struct InstanceCapacityTests {
    @Test("200 parallel deploys against capacity for 100: exactly 100 Running, 100 refused for capacity, capacity and counts exact")
    func parallelDeploys() async throws {
        try await withDemoZone(workers: 8) { cloud, admin, zone in
            let zoneID = zone.uuid.uuidString.lowercased()
            let template = try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"])
            let cluster = try await admin.firstID("listClusters", "cluster")
            for name in ["cluster.cpu.allocated.capacity.disablethreshold", "cluster.memory.allocated.capacity.disablethreshold"] {
                let set = await admin.call("updateConfiguration", ["name": name, "value": "1", "clusterid": cluster])
                try #require(set.status == 200, "\(set.body)")
            }
            // Each host has 4 × 8000 MHz: 50 instances of 640 MHz, 100 over the two hosts.
            let offering = await admin.call("createServiceOffering", ["name": "Tiny", "displaytext": "1 x 640 MHz, 128 MB", "cpunumber": "1",
                                                                    "cpuspeed": "640", "memory": "128"])
            let offeringID = try #require(offering.object["serviceoffering"].flatMap { ($0 as? [String: Any])?["id"] as? String }, "\(offering.body)")
            let jobs = try await withThrowingTaskGroup(of: String.self) { group in
                for i in 0..<200 {
                    group.addTask {
                        let reply = await admin.call("deployVirtualMachine", ["zoneid": zoneID, "templateid": template, "serviceofferingid": offeringID,
                                                                             "name": "p\(i)"])
                        try #require(reply.status == 200, "\(reply.body)")
                        return try #require(reply.object["jobid"] as? String)
                    }
                }
                var out: [String] = []
                for try await id in group { out.append(id) }
                return out
            }
            var codes: [Int: Int] = [:]
            for id in jobs {
                let result = try await cloud.waitForJob(id, session: admin, timeout: .seconds(120))
                let status = result["jobstatus"] as? Int ?? 0
                let code = status == 1 ? 0 : ((result["jobresult"] as? [String: Any])?["errorcode"] as? Int ?? -1)
                codes[code, default: 0] += 1
            }
            #expect(codes == [0: 100, 533: 100], "job outcomes: \(codes)")
            let running = await admin.call("listVirtualMachines", ["state": "Running", "listall": "true", "pagesize": "500", "page": "1"])
            #expect(running.object["count"] as? Int == 100)
            let errors = await admin.call("listVirtualMachines", ["state": "Error", "listall": "true"])
            #expect(errors.object["count"] as? Int == 100)
            let hosts = try await cloud.engine.db.read { try await AllocationRepository.hosts($0) }
            #expect(hosts.values.map(\.cpuUsed).sorted() == [32_000, 32_000])
            #expect(hosts.values.reduce(0) { $0 + $1.memoryUsed } == 100 * 128 * 1_048_576)
            // Recomputing from the instances gives the same figures: nothing leaked.
            try await cloud.engine.db.transaction { try await AllocationRepository.recompute($0) }
            let recomputed = try await cloud.engine.db.read { try await AllocationRepository.hosts($0) }
            #expect(recomputed.values.map(\.cpuUsed).sorted() == [32_000, 32_000])
            let admin1 = try await cloud.engine.db.read { try await AccountRepository.find($0, name: "admin", domainID: 1) }
            let counts = try await cloud.engine.limits.counts(accountID: try #require(admin1).id)
            let expected: [ResourceType: Int64] = [.userVM: 100, .cpu: 100, .memory: 12_800, .volume: 100]
            for (type, value) in expected { #expect(counts[type, default: -1] == value, "\(type)") }
        }
    }

    @Test("limits refuse a deploy with CloudStack's error and nothing allocated; destroy gives the counts back and recover takes them again")
    func limits() async throws {
        try await withDemoZone { cloud, admin, zone in
            let zoneID = zone.uuid.uuidString.lowercased()
            let template = try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"])
            let offering = try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"])
            let account = try await admin.createAccount(unique("lim"), domainID: nil)
            let user = try await cloud.login(account.username, password: account.password)
            let limit = await admin.call("updateResourceLimit", ["account": account.name, "domainid": account.domainID, "resourcetype": "0", "max": "1"])
            try #require(limit.status == 200, "\(limit.body)")
            let first = try await user.runJob("deployVirtualMachine", pairs: [("zoneid", zoneID), ("templateid", template), ("serviceofferingid", offering)])
            #expect(first["jobstatus"] as? Int == 1, "\(first)")
            let second = await user.call("deployVirtualMachine", ["zoneid": zoneID, "templateid": template, "serviceofferingid": offering, "name": "two"])
            #expect(second.status == 535, "\(second.body)")
            #expect(second.body.contains("user_vm"), "\(second.body)")
            #expect(await user.call("listVirtualMachines").object["count"] as? Int == 1)
            #expect(await user.call("listVolumes").object["count"] as? Int == 1)
            let vmID = try #require(((first["jobresult"] as? [String: Any])?["virtualmachine"] as? [String: Any])?["id"] as? String)
            let owner = try await cloud.engine.db.read { try await AccountRepository.find($0, uuid: UUID(uuidString: account.id)!) }
            let accountID = try #require(owner).id
            var counts = try await cloud.engine.limits.counts(accountID: accountID)
            #expect(counts[.userVM] == 1)
            #expect(counts[.volume] == 1)
            let destroyed = try await user.runJob("destroyVirtualMachine", pairs: [("id", vmID)])
            #expect(destroyed["jobstatus"] as? Int == 1, "\(destroyed)")
            counts = try await cloud.engine.limits.counts(accountID: accountID)
            #expect(counts[.userVM] == 0)
            #expect(counts[.volume] == 0)
            #expect(counts[.primaryStorage] == 0)
            // With the slot free again, a new deploy passes; recovering the first would exceed the limit.
            let third = try await user.runJob("deployVirtualMachine", pairs: [("zoneid", zoneID), ("templateid", template), ("serviceofferingid", offering),
                                                                               ("startvm", "false")])
            #expect(third["jobstatus"] as? Int == 1, "\(third)")
            let recover = await admin.call("recoverVirtualMachine", ["id": vmID])
            #expect(recover.status == 535, "\(recover.body)")
            #expect(await admin.call("listVirtualMachines", ["id": vmID]).items("virtualmachine").first?["state"] as? String == "Destroyed")
            // Usage events of the lifecycle.
            let usage = try await cloud.engine.usage.list(accountID: accountID).map(\.type)
            #expect(usage.filter { $0 == "VM.CREATE" }.count == 2)
            #expect(usage.contains("VM.START"))
            #expect(usage.contains("VM.DESTROY"))
            #expect(usage.contains("VOLUME.CREATE"))
        }
    }
}
