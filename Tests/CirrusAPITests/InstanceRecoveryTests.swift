@testable import CirrusEngine
import CirrusAgent
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// Instances left mid-operation by a management server that stopped: after its jobs are
/// recovered, nothing stays Starting or Stopping and host capacity is exact again.
@Suite("Instances: recovery of operations a stopped server left behind", .serialized)
struct InstanceRecoveryTests {
    func stored(_ cloud: TestCloud, _ id: String) async throws -> VirtualMachine {
        try #require(try await cloud.engine.db.read { sql in try await VirtualMachineRepository.find(sql, uuid: UUID(uuidString: id)!) })
    }

    func hostCPU(_ cloud: TestCloud) async throws -> Int64 {
        try await cloud.engine.db.read { sql in try await AllocationRepository.hosts(sql).values.reduce(0) { $0 + $1.cpuUsed } }
    }

    /// Puts a Stopped instance into Starting on a host with its reservation taken and its ROOT
    /// volume Creating, as a start does just before it asks the host, and a running job for it
    /// owned by `server`.
    func strand(_ cloud: TestCloud, _ id: String, hostID: Int64, server: String) async throws {
        let vm = try await stored(cloud, id)
        try await cloud.engine.db.transaction { sql in
            #expect(try await AllocationRepository.reserveHost(sql, hostID: hostID, cpu: vm.cpuDemand, memory: vm.memoryDemand, cpuLimit: .max, memoryLimit: .max))
            var changes = VirtualMachineChanges()
            changes.hostID = hostID
            #expect(try await VirtualMachineRepository.transition(sql, id: vm.id, from: .stopped, to: .starting, changes))
            for v in try await VolumeRepository.of(sql, instanceID: vm.id) {
                #expect(try await VolumeRepository.transition(sql, id: v.id, from: .allocated, to: .creating))
            }
        }
        _ = try await cloud.insertJob(userID: User.adminID, accountID: Account.adminID, domainID: Domain.rootID, command: "startVirtualMachine",
                                      state: .running, ownerServer: server, parameters: #"{"maps":{},"scalars":{"id":"\#(id)"}}"#,
                                      syncKey: "vm:\(id)", instanceType: "VirtualMachine", instanceUUID: id)
    }

    @Test("an instance left Starting by a stopped server's job becomes Stopped with its host given back; one whose job still runs is left alone")
    func strandedStart() async throws {
        try await withDemoZone { cloud, admin, zone in
            let template = try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"])
            let offering = try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"])
            var ids: [String] = []
            for _ in 0..<2 {
                let job = try await admin.runJob("deployVirtualMachine", pairs: [("zoneid", zone.uuid.uuidString.lowercased()), ("templateid", template),
                                                                                 ("serviceofferingid", offering), ("startvm", "false")])
                ids.append(try #require(((job["jobresult"] as? [String: Any])?["virtualmachine"] as? [String: Any])?["id"] as? String, "\(job)"))
            }
            let host = try #require(await admin.call("listHosts", ["type": "Routing"]).items("host").first?["id"] as? String)
            let hostID = try await cloud.engine.db.read { sql in try #require(try await HostRepository.find(sql, uuid: UUID(uuidString: host)!)).id }
            try await strand(cloud, ids[0], hostID: hostID, server: "crashed-server")
            try await strand(cloud, ids[1], hostID: hostID, server: cloud.engine.serverID)
            #expect(try await hostCPU(cloud) == 1000)

            // The crashed server's job fails at recovery; its instance is then recovered.
            try await cloud.engine.runner.recoverOrphans(executor: cloud.dispatcher)
            #expect(try await cloud.engine.instances.recoverStranded() == 1)
            let recovered = try await stored(cloud, ids[0])
            #expect(recovered.state == .stopped && recovered.hostID == nil)
            let volumes = try await cloud.engine.db.read { sql in try await VolumeRepository.of(sql, instanceID: recovered.id) }
            #expect(volumes.allSatisfy { $0.state == .allocated && $0.poolID == nil }, "\(volumes.map(\.state))")
            #expect(try await stored(cloud, ids[1]).state == .starting, "its job is still running")
            #expect(try await hostCPU(cloud) == 500, "only the instance whose operation still runs holds its share")
            let events = await admin.call("listEvents", ["type": "VM.POWER.STATE.CHANGE"]).items("event")
            #expect(events.count == 1 && (events.first?["description"] as? String ?? "").contains("no longer runs"), "\(events)")

            // Nothing more to do on a second pass; the recovered instance starts normally.
            #expect(try await cloud.engine.instances.recoverStranded() == 0)
            let started = try await admin.runJob("startVirtualMachine", pairs: [("id", ids[0])])
            #expect(started["jobstatus"] as? Int == 1, "\(started)")
        }
    }
}
