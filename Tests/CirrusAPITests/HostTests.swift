import CirrusAgent
import CirrusEngine
import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import Testing

/// A zone, pod and a cluster of each hypervisor, inserted straight through the repositories.
struct HostFixture: Sendable {
    var zoneID: String
    var podID: String
    var simulatorClusterID: String
    var kvmClusterID: String
    var zoneRowID: Int64

    static func make(_ cloud: TestCloud) async throws -> HostFixture {
        try await cloud.db.transaction { sql in
            let now = Date()
            let zone = try await ZoneRepository.insert(sql, Zone(id: 0, uuid: UUID(), name: unique("zone"), networkType: .advanced, internalDNS1: "10.0.0.2",
                                                                 allocationState: .enabled, securityGroupEnabled: false, localStorageEnabled: true, created: now))
            let pod = try await PodRepository.insert(sql, Pod(id: 0, uuid: UUID(), zoneID: zone.id, name: unique("pod"), gateway: "192.168.50.1",
                                                              cidr: "192.168.50.0/24", startIP: nil, endIP: nil, allocationState: .enabled, created: now))
            let sim = try await ClusterRepository.insert(sql, Cluster(id: 0, uuid: UUID(), zoneID: zone.id, podID: pod.id, name: unique("sim"),
                                                                      hypervisorType: .simulator, allocationState: .enabled, created: now))
            let kvm = try await ClusterRepository.insert(sql, Cluster(id: 0, uuid: UUID(), zoneID: zone.id, podID: pod.id, name: unique("kvm"),
                                                                      hypervisorType: .kvm, allocationState: .enabled, created: now))
            func s(_ u: UUID) -> String { u.uuidString.lowercased() }
            return HostFixture(zoneID: s(zone.uuid), podID: s(pod.uuid), simulatorClusterID: s(sim.uuid), kvmClusterID: s(kvm.uuid), zoneRowID: zone.id)
        }
    }
}

/// `withCloud` with the in-process Simulator available and the agent manager running.
func withHostCloud(_ body: (TestCloud, Session, HostFixture) async throws -> Void) async throws {
    try await withCloud { cloud in
        cloud.engine.agents.setSimulatorFactory(SimulatorResource.factory)
        try await cloud.engine.agents.start()
        do {
            let admin = try await cloud.admin()
            try await body(cloud, admin, try await HostFixture.make(cloud))
        } catch {
            await cloud.engine.agents.stop()
            throw error
        }
        await cloud.engine.agents.stop()
    }
}

extension Session {
    /// addHost for a Simulator host; returns the host object.
    func addSimulatorHost(_ f: HostFixture, url: String = "http://sim/c0/h0", tags: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        var pairs = [("zoneid", f.zoneID), ("podid", f.podID), ("clusterid", f.simulatorClusterID), ("hypervisor", "Simulator"), ("url", url)]
        if let tags { pairs.append(("hosttags", tags)) }
        let reply = await call("addHost", pairs: pairs)
        try #require(reply.status == 200, "addHost: \(reply.body)", sourceLocation: sourceLocation)
        #expect(reply.count == 1, sourceLocation: sourceLocation)
        return try #require(reply.items("host").first, sourceLocation: sourceLocation)
    }

    func hostCount() async -> Int { await call("listHosts").count }

    func setting(_ name: String, _ value: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let reply = await call("updateConfiguration", ["name": name, "value": value])
        try #require(reply.status == 200, "updateConfiguration \(name): \(reply.body)", sourceLocation: sourceLocation)
    }
}

@Suite("Hosts API", .serialized)
struct HostTests {
    @Test("addHost with a Simulator URL creates an in-process host that is Up with the URL's capacity and a local pool")
    func addSimulatorHost() async throws {
        try await withHostCloud { cloud, admin, f in
            let host = try await admin.addSimulatorHost(f, url: "http://sim/c0/h0/cpuspeed=2000&cpucore=8&memory=17179869184&localstorage=2199023255552", tags: "ssd,gpu")
            #expect(host["state"] as? String == "Up")
            #expect(host["resourcestate"] as? String == "Enabled")
            #expect(host["hypervisor"] as? String == "Simulator")
            #expect(host["type"] as? String == "Routing")
            #expect(host["cpunumber"] as? Int == 8)
            #expect(host["cpuspeed"] as? Int == 2000)
            #expect(host["memorytotal"] as? Int == 17_179_869_184)
            #expect(host["clusterid"] as? String == f.simulatorClusterID)
            #expect(host["podid"] as? String == f.podID)
            #expect(host["zoneid"] as? String == f.zoneID)
            #expect(host["zonename"] != nil && host["clustername"] != nil && host["podname"] != nil)
            #expect(host["hosttags"] as? String == "gpu,ssd")
            #expect((host["ipaddress"] as? String)?.hasPrefix("192.168.50.") == true)
            #expect((host["events"] as? String)?.contains("Ping") == true)
            let id = try #require(host["id"] as? String)

            let pools = try await cloud.db.read { sql in
                let h = try #require(try await HostRepository.find(sql, uuid: UUID(uuidString: id)!))
                return try await StoragePoolRepository.list(sql, hostID: h.id)
            }
            #expect(pools.count == 1)
            #expect(pools.first?.scope == .host)
            #expect(pools.first?.capacityBytes == 2_199_023_255_552)

            let listed = await admin.call("listHosts", ["id": id])
            #expect(listed.count == 1)
            #expect(listed.items("host").first?["name"] as? String == host["name"] as? String)
            let byCluster = await admin.call("listHosts", ["clusterid": f.simulatorClusterID, "state": "Up", "type": "Routing"])
            #expect(byCluster.ids("host") == [id])
            let otherCluster = await admin.call("listHosts", ["clusterid": f.kvmClusterID])
            #expect(otherCluster.count == 0)

            // A default-capacity host: CloudStack's simulator defaults.
            let plain = try await admin.addSimulatorHost(f, url: "http://sim/c0/h1")
            #expect(plain["cpunumber"] as? Int == 4)
            #expect(plain["cpuspeed"] as? Int == 8000)
            #expect(plain["memorytotal"] as? Int == 8 * 1024 * 1024 * 1024)
            #expect(await admin.hostCount() == 2)
        }
    }

    @Test("addHost refuses bad input precisely and creates nothing")
    func addHostBadInput() async throws {
        try await withHostCloud { cloud, admin, f in
            let base = [("zoneid", f.zoneID), ("podid", f.podID)]
            let badAuthority = await admin.call("addHost", pairs: base + [("clusterid", f.simulatorClusterID), ("hypervisor", "Simulator"), ("url", "http://example.com/h0")])
            #expect(badAuthority.status == 431)
            #expect(badAuthority.errorText?.contains("not a Simulator host URL") == true)

            let unknownCluster = await admin.call("addHost", pairs: base + [("clusterid", UUID().uuidString.lowercased()), ("hypervisor", "Simulator"), ("url", "http://sim/h0")])
            #expect(unknownCluster.status == 431)
            #expect(unknownCluster.errorText?.contains("Unable to find cluster") == true)

            let wrongHypervisor = await admin.call("addHost", pairs: base + [("clusterid", f.kvmClusterID), ("hypervisor", "Simulator"), ("url", "http://sim/h0")])
            #expect(wrongHypervisor.status == 431)

            let unknownHypervisor = await admin.call("addHost", pairs: base + [("clusterid", f.simulatorClusterID), ("hypervisor", "XenServer"), ("url", "http://sim/h0")])
            #expect(unknownHypervisor.status == 431)
            #expect(unknownHypervisor.errorText?.contains("Unknown hypervisor") == true)

            let noCluster = await admin.call("addHost", pairs: base + [("hypervisor", "Simulator"), ("url", "http://sim/h0")])
            #expect(noCluster.status == 431)

            let badCapacity = await admin.call("addHost", pairs: base + [("clusterid", f.simulatorClusterID), ("hypervisor", "Simulator"), ("url", "http://sim/h0/cpucore=many")])
            #expect(badCapacity.status == 431)

            let notAURL = await admin.call("addHost", pairs: base + [("clusterid", f.simulatorClusterID), ("hypervisor", "Simulator"), ("url", "sim")])
            #expect(notAURL.status == 431)

            let missing = await admin.call("addHost", pairs: [("zoneid", f.zoneID), ("hypervisor", "Simulator"), ("url", "http://sim/h0")])
            #expect(missing.status == 431)

            #expect(await admin.hostCount() == 0)
            let pools = try await cloud.db.read { sql in try await StoragePoolRepository.list(sql, StoragePoolRepository.Filter(scope: .host)).total }
            #expect(pools == 0)
        }
    }

    @Test("a KVM host URL that no agent answers fails within host.add.wait and creates nothing")
    func kvmHostNobodyAnswers() async throws {
        try await withHostCloud { _, admin, f in
            try await admin.setting("host.add.wait", "1")
            let started = Date()
            let reply = await admin.call("addHost", pairs: [("zoneid", f.zoneID), ("podid", f.podID), ("clusterid", f.kvmClusterID), ("hypervisor", "KVM"),
                                                            ("url", "http://10.99.99.99"), ("username", "root"), ("password", "x")])
            #expect(reply.status == 431)
            #expect(reply.errorText?.contains("no agent answered") == true)
            #expect(Date().timeIntervalSince(started) < 10)
            #expect(await admin.hostCount() == 0)
        }
    }

    @Test("maintenance round trip; deleteHost needs maintenance unless forced")
    func maintenance() async throws {
        try await withHostCloud { _, admin, f in
            let host = try await admin.addSimulatorHost(f)
            let id = try #require(host["id"] as? String)

            let refused = await admin.call("deleteHost", ["id": id])
            #expect(refused.status == 431)
            #expect(refused.errorText?.contains("maintenance") == true)

            let cancelEarly = await admin.call("cancelHostMaintenance", ["id": id])
            #expect(cancelEarly.status == 431)

            let prepared = try await admin.runJob("prepareHostForMaintenance", pairs: [("id", id)])
            #expect(prepared["jobstatus"] as? Int == 1)
            let inMaintenance = ((prepared["jobresult"] as? [String: Any])?["host"] as? [String: Any])
            #expect(inMaintenance?["resourcestate"] as? String == "Maintenance")
            #expect(await admin.call("listHosts", ["resourcestate": "Maintenance"]).ids("host") == [id])

            let again = await admin.call("prepareHostForMaintenance", ["id": id])
            #expect(again.status == 431)

            let cancelled = try await admin.runJob("cancelHostMaintenance", pairs: [("id", id)])
            #expect(((cancelled["jobresult"] as? [String: Any])?["host"] as? [String: Any])?["resourcestate"] as? String == "Enabled")

            _ = try await admin.runJob("prepareHostForMaintenance", pairs: [("id", id)])
            let deleted = await admin.call("deleteHost", ["id": id])
            #expect(deleted.status == 200)
            #expect(await admin.hostCount() == 0)

            let other = try await admin.addSimulatorHost(f, url: "http://sim/c0/h9")
            let forced = await admin.call("deleteHost", ["id": try #require(other["id"] as? String), "forced": "true"])
            #expect(forced.status == 200)
            #expect(await admin.hostCount() == 0)
        }
    }

    @Test("updateHost changes tags, name and allocation state")
    func updateHost() async throws {
        try await withHostCloud { _, admin, f in
            let host = try await admin.addSimulatorHost(f, tags: "a")
            let id = try #require(host["id"] as? String)
            let updated = await admin.call("updateHost", ["id": id, "hosttags": "b,c", "allocationstate": "Disable", "name": "renamed"])
            #expect(updated.status == 200, "\(updated.body)")
            let h = updated.object["host"] as? [String: Any]
            #expect(h?["hosttags"] as? String == "b,c")
            #expect(h?["resourcestate"] as? String == "Disabled")
            #expect(h?["name"] as? String == "renamed")
            #expect(await admin.call("listHosts", ["name": "renamed"]).count == 1)
            #expect(await admin.call("updateHost", ["id": id, "allocationstate": "Sideways"]).status == 431)
            let enabled = await admin.call("updateHost", ["id": id, "allocationstate": "Enable"])
            #expect((enabled.object["host"] as? [String: Any])?["resourcestate"] as? String == "Enabled")
            #expect(await admin.call("updateHost", ["id": UUID().uuidString.lowercased()]).status == 431)
        }
    }

    @Test("configureSimulator injects latency and failures into commands; query and cleanup")
    func simulatorMocks() async throws {
        try await withHostCloud { cloud, admin, f in
            let host = try await admin.addSimulatorHost(f)
            let id = try #require(host["id"] as? String)
            let rowID = try await cloud.engine.hosts.find(uuid: UUID(uuidString: id)!).id

            let healthy = try await cloud.engine.agents.send(.checkHealth, to: rowID, timeout: .seconds(5))
            #expect(healthy.result)

            let slow = await admin.call("configureSimulator", ["hostid": id, "name": "CheckHealthCommand", "value": "wait:400", "count": "1"])
            #expect(slow.status == 200, "\(slow.body)")
            let mock = try #require(slow.object["simulatormock"] as? [String: Any])
            let mockID = try #require(mock["id"] as? Int)
            #expect(mock["hostid"] as? String == id)
            #expect(mock["count"] as? Int == 1)
            let clock = ContinuousClock()
            let took = try await clock.measure { _ = try await cloud.engine.agents.send(.checkHealth, to: rowID, timeout: .seconds(5)) }
            #expect(took >= .milliseconds(380))
            #expect(await admin.call("querySimulatorMock", ["id": String(mockID)]).object["simulatormock"].flatMap { ($0 as? [String: Any])?["count"] as? Int } == 0)
            // The counted mock is used up: no more latency.
            let fast = try await clock.measure { _ = try await cloud.engine.agents.send(.checkHealth, to: rowID, timeout: .seconds(5)) }
            #expect(fast < .milliseconds(300))

            // Latency beyond the deadline is a clear timeout error.
            _ = await admin.call("configureSimulator", ["clusterid": f.simulatorClusterID, "name": "CheckHealthCommand", "value": "wait:2000", "count": "1"])
            await #expect(throws: CloudError.self) { try await cloud.engine.agents.send(.checkHealth, to: rowID, timeout: .milliseconds(300)) }

            let failing = await admin.call("configureSimulator", ["zoneid": f.zoneID, "name": "CheckHealthCommand", "value": "result:fail"])
            let failingID = try #require((failing.object["simulatormock"] as? [String: Any])?["id"] as? Int)
            let failed = try await cloud.engine.agents.send(.checkHealth, to: rowID, timeout: .seconds(5))
            #expect(!failed.result)
            #expect(failed.details == "Simulated failure")
            #expect(await admin.call("cleanupSimulatorMock", ["id": String(failingID)]).status == 200)
            #expect(try await cloud.engine.agents.send(.checkHealth, to: rowID, timeout: .seconds(5)).result)
            #expect(await admin.call("querySimulatorMock", ["id": String(failingID)]).status == 431)

            // A failing ReadyCommand makes reconnectHost fail: the host does not come back Up.
            try await admin.setting("host.add.wait", "1")
            _ = await admin.call("configureSimulator", ["hostid": id, "name": "ReadyCommand", "value": "result:fault", "count": "1"])
            let reconnect = try await admin.runJob("reconnectHost", pairs: [("id", id)])
            #expect(reconnect["jobstatus"] as? Int == 2)
            // The next registration (no mock left) brings it back.
            let ok = try await admin.runJob("reconnectHost", pairs: [("id", id)])
            #expect(ok["jobstatus"] as? Int == 1, "\(ok)")
            #expect(((ok["jobresult"] as? [String: Any])?["host"] as? [String: Any])?["state"] as? String == "Up")

            // The answer JSON of CheckOnHost can say a neighbour is down.
            _ = await admin.call("configureSimulator", ["hostid": id, "name": "CheckOnHostCommand", "value": "wait:0",
                                                        "jsonresponse": #"{"com.cloud.agent.api.Answer":{"result":true,"alive":false}}"#])
            let check = try await cloud.engine.agents.send(.checkOnHost(CheckOnHostCommand(hostGUID: "x", privateIP: nil)), to: rowID, timeout: .seconds(5))
            #expect(check.payload == .hostAlive(false))
        }
    }

    @Test("a command to a host without a link fails with a clear error")
    func commandToDisconnectedHost() async throws {
        try await withHostCloud { cloud, admin, f in
            let host = try await admin.addSimulatorHost(f)
            let id = try #require(host["id"] as? String)
            let rowID = try await cloud.engine.hosts.find(uuid: UUID(uuidString: id)!).id
            await cloud.engine.agents.disconnect(hostID: rowID, reason: "test", stopDriver: true)
            await #expect { try await cloud.engine.agents.send(.checkHealth, to: rowID, timeout: .seconds(1)) } throws: { error in
                guard let e = error as? CloudError else { return false }
                return e.message.contains("CheckHealthCommand was not sent") && e.code == .resourceUnavailable
            }
        }
    }
}
