import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// Deploying and the instance lifecycle against in-process Simulator hosts.
@Suite("Instances: deploy and lifecycle", .serialized)
struct InstanceTests {
    struct Fixture {
        let zone: String
        let template: String
        let offering: String
    }

    func fixture(_ admin: Session, _ zone: Zone) async throws -> Fixture {
        Fixture(zone: zone.uuid.uuidString.lowercased(),
                template: try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"]),
                offering: try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"]))
    }

    func deploy(_ s: Session, _ f: Fixture, _ extra: [(String, String)] = []) async throws -> [String: Any] {
        try await s.runJob("deployVirtualMachine", pairs: [("zoneid", f.zone), ("templateid", f.template), ("serviceofferingid", f.offering)] + extra)
    }

    func vm(_ job: [String: Any]) -> [String: Any] {
        (job["jobresult"] as? [String: Any])?["virtualmachine"] as? [String: Any] ?? [:]
    }

    func allocations(_ cloud: TestCloud) async throws -> (cpu: Int64, memory: Int64, pool: Int64) {
        try await cloud.engine.db.read { sql in
            let hosts = try await AllocationRepository.hosts(sql).values
            let pools = try await AllocationRepository.pools(sql).values
            return (hosts.reduce(0) { $0 + $1.cpuUsed }, hosts.reduce(0) { $0 + $1.memoryUsed }, pools.reduce(0, +))
        }
    }

    @Test("startvm=false allocates a Stopped instance and an Allocated ROOT volume; start, stop, destroy, recover and expunge follow CloudStack's states and give capacity back")
    func lifecycle() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let created = try await deploy(admin, f, [("startvm", "false"), ("name", "web-1"), ("displayname", "Web 1")])
            #expect(created["jobstatus"] as? Int == 1, "\(created)")
            let stopped = vm(created)
            let id = try #require(stopped["id"] as? String)
            #expect(stopped["state"] as? String == "Stopped")
            #expect(stopped["name"] as? String == "web-1")
            #expect(stopped["displayname"] as? String == "Web 1")
            #expect((stopped["instancename"] as? String)?.hasPrefix("i-2-") == true)
            let root = await admin.call("listVolumes", ["virtualmachineid": id]).items("volume")
            #expect(root.count == 1)
            #expect(root.first?["type"] as? String == "ROOT")
            #expect(root.first?["state"] as? String == "Allocated")
            #expect(try await allocations(cloud).cpu == 0)

            let started = vm(try await admin.runJob("startVirtualMachine", pairs: [("id", id)]))
            #expect(started["state"] as? String == "Running", "\(started)")
            #expect(started["hostid"] as? String != nil)
            let ready = await admin.call("listVolumes", ["virtualmachineid": id]).items("volume")
            #expect(ready.first?["state"] as? String == "Ready")
            #expect(ready.first?["storageid"] as? String != nil)
            var used = try await allocations(cloud)
            #expect(used.cpu == 500)
            #expect(used.memory == 512 * 1_048_576)
            #expect(used.pool > 0)

            // The Simulator host really runs it.
            let hostUUID = try #require(UUID(uuidString: started["hostid"] as? String ?? ""))
            let running = try await cloud.engine.db.read { try await HostRepository.find($0, uuid: hostUUID) }
            #expect(running != nil)

            let rebooted = try await admin.runJob("rebootVirtualMachine", pairs: [("id", id)])
            #expect(rebooted["jobstatus"] as? Int == 1, "\(rebooted)")

            let halted = vm(try await admin.runJob("stopVirtualMachine", pairs: [("id", id)]))
            #expect(halted["state"] as? String == "Stopped")
            #expect(halted["hostid"] == nil)
            used = try await allocations(cloud)
            #expect(used.cpu == 0)
            #expect(used.memory == 0)

            let destroyed = vm(try await admin.runJob("destroyVirtualMachine", pairs: [("id", id)]))
            #expect(destroyed["state"] as? String == "Destroyed")
            #expect(await admin.call("listVolumes", ["id": root.first?["id"] as? String ?? ""]).items("volume").first?["state"] as? String == "Destroy")
            let recovered = await admin.call("recoverVirtualMachine", ["id": id])
            #expect(recovered.object["virtualmachine"].flatMap { ($0 as? [String: Any])?["state"] as? String } == "Stopped", "\(recovered.body)")
            #expect(await admin.call("listVolumes", ["virtualmachineid": id]).items("volume").first?["state"] as? String == "Ready")

            let expunged = vm(try await admin.runJob("destroyVirtualMachine", pairs: [("id", id), ("expunge", "true")]))
            #expect(expunged["state"] as? String == "Expunging")
            #expect(await admin.call("listVirtualMachines", ["id": id]).items("virtualmachine").isEmpty)
            #expect(await admin.call("listVolumes", ["virtualmachineid": id]).items("volume").isEmpty)
            used = try await allocations(cloud)
            #expect(used.pool == 0)
        }
    }

    @Test("a start that fails on the first host succeeds on another; failing everywhere leaves the instance in Error with capacity released and an alert")
    func retryAndError() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let hosts = await admin.call("listHosts", ["type": "Routing"]).items("host").compactMap { $0["id"] as? String }
            try #require(hosts.count == 2)
            // Placement tries the last host or a random one first: fail StartCommand once on each host.
            let mock = await admin.call("configureSimulator", ["zoneid": f.zone, "name": "StartCommand", "value": "result:fail", "count": "1"])
            #expect(mock.status == 200, "\(mock.body)")
            let job = try await deploy(admin, f)
            let first = vm(job)
            #expect(first["state"] as? String == "Running", "\(job)")

            let everywhere = await admin.call("configureSimulator", ["zoneid": f.zone, "name": "StartCommand", "value": "result:fail"])
            #expect(everywhere.status == 200)
            let failed = try await deploy(admin, f, [("name", "doomed")])
            #expect(failed["jobstatus"] as? Int == 2, "\(failed)")
            #expect(failed["jobresultcode"] as? Int == 530 || (failed["jobresult"] as? [String: Any])?["errorcode"] as? Int == 533, "\(failed)")
            let doomed = await admin.call("listVirtualMachines", ["name": "doomed", "listall": "true"]).items("virtualmachine")
            #expect(doomed.first?["state"] as? String == "Error")
            let used = try await allocations(cloud)
            #expect(used.cpu == 500, "only the first instance holds CPU")
            let alerts = await admin.call("listAlerts", ["type": "8"]).items("alert")
            #expect(!alerts.isEmpty)
            let volumes = await admin.call("listVolumes", ["virtualmachineid": doomed.first?["id"] as? String ?? "", "listall": "true"]).items("volume")
            #expect(volumes.allSatisfy { $0["state"] as? String == "Destroy" })
        }
    }

    @Test("bad deploys are refused with CloudStack's errors and write nothing")
    func badInput() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            func refused(_ s: Session, _ pairs: [(String, String)], _ code: Int, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) async {
                let reply = await s.call("deployVirtualMachine", pairs: pairs)
                #expect(reply.status == code, "\(reply.body)", sourceLocation: sourceLocation)
                #expect(reply.body.contains(text), "\(reply.body)", sourceLocation: sourceLocation)
            }
            let base = [("zoneid", f.zone), ("templateid", f.template), ("serviceofferingid", f.offering)]
            await refused(admin, base + [("name", "1bad")], 431, "Invalid name")
            await refused(admin, [("zoneid", UUID().uuidString), ("templateid", f.template), ("serviceofferingid", f.offering)], 431, "Unable to find zone")
            await refused(admin, [("zoneid", f.zone), ("templateid", UUID().uuidString), ("serviceofferingid", f.offering)], 431, "template")
            await refused(admin, base + [("rootdisksize", "0")], 431, "Root disk size")
            await refused(admin, base + [("size", "5")], 431, "disk offering")
            let custom = await admin.call("createServiceOffering", ["name": "Flexible", "displaytext": "custom", "customized": "true", "cpuspeed": "1000",
                                                                  "mincpunumber": "1", "maxcpunumber": "4", "minmemory": "256", "maxmemory": "2048"])
            let customID = try #require(custom.object["serviceoffering"].flatMap { ($0 as? [String: Any])?["id"] as? String }, "\(custom.body)")
            await refused(admin, [("zoneid", f.zone), ("templateid", f.template), ("serviceofferingid", customID)], 431, "custom parameter values")
            await refused(admin, [("zoneid", f.zone), ("templateid", f.template), ("serviceofferingid", customID), ("details[0].cpuNumber", "8"),
                                  ("details[0].memory", "512")], 431, "number of CPUs")
            #expect(await admin.call("listVirtualMachines", ["listall": "true"]).items("virtualmachine").isEmpty)
            #expect(await admin.call("listVolumes", ["listall": "true"]).items("volume").isEmpty)

            // A custom offering with its details deploys with those figures.
            let sized = vm(try await deploy(admin, Fixture(zone: f.zone, template: f.template, offering: customID),
                                            [("details[0].cpuNumber", "2"), ("details[0].memory", "1024"), ("startvm", "false")]))
            #expect(sized["cpunumber"] as? Int == 2)
            #expect(sized["memory"] as? Int == 1024)
        }
    }

    @Test("deploy with key pairs, user data and a host anti-affinity group: members land on different hosts, a third finds none; another tenant's key pair and bad user data are refused")
    func keysUserDataAffinity() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(admin, zone)
            let key = await admin.call("createSSHKeyPair", ["name": "ops"])
            #expect(key.status == 200, "\(key.body)")
            let group = try await admin.runJob("createAffinityGroup", pairs: [("name", "spread"), ("type", "host anti-affinity")])
            #expect(group["jobstatus"] as? Int == 1, "\(group)")
            let userData = Data("#cloud-config\nhostname: a\n".utf8).base64EncodedString()
            let a = vm(try await deploy(admin, f, [("keypairs", "ops"), ("affinitygroupnames", "spread"), ("userdata", userData)]))
            let b = vm(try await deploy(admin, f, [("affinitygroupnames", "spread")]))
            #expect(a["state"] as? String == "Running")
            #expect(b["state"] as? String == "Running")
            #expect(a["hostid"] as? String != nil && a["hostid"] as? String != b["hostid"] as? String)
            #expect(a["keypairs"] as? String == "ops")
            #expect(a["userdata"] as? String == userData)
            #expect((a["affinitygroup"] as? [[String: Any]])?.first?["name"] as? String == "spread")
            let third = try await deploy(admin, f, [("affinitygroupnames", "spread"), ("name", "third")])
            #expect(third["jobstatus"] as? Int == 2, "\(third)")

            let other = try await admin.createAccount(unique("kp"), domainID: nil)
            let user = try await cloud.login(other.username, password: other.password)
            let refused = await user.call("deployVirtualMachine", ["zoneid": f.zone, "templateid": f.template, "serviceofferingid": f.offering, "keypair": "ops"])
            #expect(refused.status == 431, "\(refused.body)")
            #expect(refused.body.contains("ops"), "\(refused.body)")
            let notBase64 = await user.call("deployVirtualMachine", ["zoneid": f.zone, "templateid": f.template, "serviceofferingid": f.offering, "userdata": "***"])
            #expect(notBase64.status == 431, "\(notBase64.body)")
            let tooLong = await user.call("deployVirtualMachine", ["zoneid": f.zone, "templateid": f.template, "serviceofferingid": f.offering,
                                                                  "userdata": Data(repeating: 65, count: 5000).base64EncodedString()])
            #expect(tooLong.status == 431, "\(tooLong.body)")
            let otherGroup = await user.call("deployVirtualMachine", ["zoneid": f.zone, "templateid": f.template, "serviceofferingid": f.offering,
                                                                     "affinitygroupnames": "spread"])
            #expect(otherGroup.status >= 431 && otherGroup.status <= 531, "\(otherGroup.body)")
            #expect(await user.call("listVirtualMachines").object["count"] == nil)
        }
    }
}
