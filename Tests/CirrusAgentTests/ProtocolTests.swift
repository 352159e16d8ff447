import CirrusAgent
import CirrusProtocol
import Foundation
import Testing

@Suite("Agent protocol")
struct ProtocolTests {
    func roundTrip(_ envelope: Envelope) throws -> Envelope {
        try AgentProtocol.decode(try AgentProtocol.encode(envelope))
    }

    @Test("every body survives encoding and decoding")
    func roundTrips() throws {
        let info = StartupInfo(guid: "g1", name: "h1", hypervisorType: "Simulator", hypervisorVersion: "4.19", cpuSockets: 2, cpus: 8, cpuSpeed: 2400,
                               memory: 1 << 34, dom0Memory: 1 << 30, privateIP: "10.0.0.5", privateMAC: "06:00:00:00:00:01", zoneUUID: "z", podUUID: "p",
                               clusterUUID: "c", agentKey: "k", localStoragePools: [LocalStoragePool(uuid: "u", name: "local", path: "/var/lib", capacityBytes: 100, availableBytes: 50)],
                               bridges: ["cloudbr0"], instances: [InstanceReport(name: "i-2-3-VM", powerState: .powerOn)], url: "http://sim/h1")
        let bodies: [Body] = [
            .startup(info),
            .startupAnswer(StartupAnswer(accepted: true, hostID: 7, hostUUID: "uuid", hostName: "h1", pingInterval: 60)),
            .startupAnswer(StartupAnswer(accepted: false, details: "wrong key", pingInterval: 60)),
            .ping(PingReport(health: .up, instances: [InstanceReport(name: "r-4-VM", powerState: .powerOff),
                                                      InstanceReport(name: "i-2-3-VM", powerState: .powerOn,
                                                                     stats: InstanceStats(cpuUtilization: 12.5, networkReadKBs: 1, networkWriteKBs: 2, diskReadKBs: 3,
                                                                                          diskWriteKBs: 4, diskReadIOs: 5, diskWriteIOs: 6, memoryKBs: 7,
                                                                                          memoryInternalFreeKBs: 8, memoryTargetKBs: 9))])),
            .pingAnswer(PingAnswer(sendStartup: true, pingInterval: 5)),
            .command(.checkHealth), .command(.getHostStats), .command(.maintain),
            .command(.ready(ReadyCommand(hostID: 7, hostUUID: "uuid", managementServers: ["ws://a:8250/agent"]))),
            .command(.modifyStoragePool(ModifyStoragePoolCommand(poolUUID: "p", poolType: "NetworkFilesystem", hostAddress: "10.0.0.9", path: "/export"))),
            .command(.checkOnHost(CheckOnHostCommand(hostGUID: "g2", privateIP: "10.0.0.6"))),
            .answer(.success("ok", payload: .hostStats(HostStats(cpuUtilization: 12.5, totalMemory: 100, freeMemory: 40)))),
            .answer(Answer(result: true, payload: .hostAlive(nil))),
            .answer(Answer(result: true, payload: .hostAlive(false))),
            .answer(.success(payload: .storagePool(capacityBytes: 10, availableBytes: 5))),
            .answer(.success(payload: .json(#"{"a":1}"#))),
            .answer(.failure("Simulated failure")),
            .shutdown(reason: "requested"),
            .error("nope"),
        ]
        for (i, body) in bodies.enumerated() {
            let envelope = Envelope(id: Int64(i + 1), kind: .request, deadline: 1_700_000_000_000, body: body)
            #expect(try roundTrip(envelope) == envelope, "\(body.typeName)")
        }
    }

    @Test("an answer reuses the request's id; the wire form names the type and the command class")
    func wireShape() throws {
        let request = Envelope(id: 42, kind: .request, deadline: 5, body: .command(.checkHealth))
        let answer = request.answer(.answer(.success()))
        #expect(answer.id == 42 && answer.kind == .answer && answer.version == AgentProtocol.version)
        let text = try AgentProtocol.encode(request)
        #expect(text.contains(#""type":"command""#))
        #expect(text.contains(#""name":"CheckHealthCommand""#))
        #expect(text.contains(#""version":1"#))
    }

    @Test("unknown commands and body types decode as such instead of failing")
    func unknowns() throws {
        let command = #"{"version":1,"id":3,"kind":"request","body":{"type":"command","data":{"name":"TeleportCommand","args":{"vm":"x"}}}}"#
        let decoded = try AgentProtocol.decode(command)
        #expect(decoded.body == .command(.unsupported(name: "TeleportCommand")))
        let body = #"{"version":1,"id":4,"kind":"request","body":{"type":"teleport","data":{}}}"#
        #expect(try AgentProtocol.decode(body).body == .unknown(type: "teleport"))
    }

    @Test("instance and volume commands survive the wire under CloudStack's class names")
    func instanceCommands() throws {
        let vm = InstanceTO(name: "i-2-5-VM", uuid: "u", cpus: 2, speed: 1000, memory: 1 << 30,
                            disks: [DiskTO(volumeUUID: "v", type: "ROOT", deviceID: 0, sizeBytes: 1 << 32, poolUUID: "p", path: "v", templatePath: "t", create: true)],
                            userData: "e30=", sshPublicKeys: ["ssh-rsa AAAA"], hostName: "web", password: "s3cret")
        let volume = VolumeTO(volumeUUID: "v", poolUUID: "p", path: "v", sizeBytes: 5)
        let commands: [(AgentCommand, String)] = [
            (.startInstance(vm), "StartCommand"), (.stopInstance(StopInstanceCommand(name: "i-2-5-VM", forced: true)), "StopCommand"),
            (.rebootInstance(name: "i-2-5-VM"), "RebootCommand"), (.prepareForMigration(vm), "PrepareForMigrationCommand"),
            (.migrateInstance(MigrateInstanceCommand(name: "i-2-5-VM", destinationGUID: "g", destinationIP: "192.0.2.1")), "MigrateCommand"),
            (.createVolume(volume), "CreateObjectCommand"), (.deleteVolume(volume), "DeleteCommand"), (.resizeVolume(volume), "ResizeVolumeCommand"),
            (.scaleInstance(ScaleInstanceCommand(name: "i-2-5-VM", cpus: 4, speed: 2000, memory: 4 << 30)), "ScaleVmCommand"),
            (.attachVolume(AttachVolumeCommand(instanceName: "i-2-5-VM", disk: vm.disks[0])), "AttachCommand"),
            (.detachVolume(AttachVolumeCommand(instanceName: "i-2-5-VM", disk: vm.disks[0])), "DettachCommand"),
            (.copy(CopyCommand(source: DataObjectTO(kind: .snapshot, store: .image, uuid: "s", storeUUID: "i", path: "snapshots/2/5/s", sizeBytes: 5),
                               destination: DataObjectTO(kind: .volume, store: .primary, uuid: "v", storeUUID: "p", path: "v", sizeBytes: 5), wait: 60)), "CopyCommand"),
            (.applyRouterDocument(RouterDocumentGolden.full), "ApplyRouterDocumentCommand"),
            (.applySecurityGroupRules(SecurityGroupRuleSetTests.sample), "SecurityGroupRulesCmd"),
        ]
        for (command, name) in commands {
            let text = try AgentProtocol.encode(Envelope(id: 7, kind: .request, deadline: 5, body: .command(command)))
            #expect(text.contains(#""name":"\#(name)""#))
            #expect(try AgentProtocol.decode(text).body == .command(command))
        }
    }

    @Test("Simulator capacity comes from the URL's last segment, with CloudStack's defaults")
    func capacity() throws {
        #expect(try SimulatorCapacity.parse(url: "http://sim/c0/h0").get() == .default)
        #expect(SimulatorCapacity.default.cpuCores == 4 && SimulatorCapacity.default.cpuSpeed == 8000)
        #expect(SimulatorCapacity.default.memory == 8 * 1024 * 1024 * 1024 && SimulatorCapacity.default.localStorage == 1 << 40)
        let c = try SimulatorCapacity.parse(url: "http://sim/c0/h0/cpuspeed=1000&cpucore=2&memory=4096&localstorage=99").get()
        #expect(c == SimulatorCapacity(cpuCores: 2, cpuSpeed: 1000, memory: 4096, localStorage: 99))
        #expect(throws: SimulatorCapacity.CapacityError.self) { try SimulatorCapacity.parse(url: "http://sim/h/cpucore=-1").get() }
    }

    @Test("the Simulator resource answers commands, reports instances in pings and refuses overcommit")
    func simulatorResource() async throws {
        let spec = SimulatedHostSpec(guid: "g", name: "h", url: "http://sim/h", zoneUUID: "z", podUUID: "p", clusterUUID: "c",
                                     capacity: SimulatorCapacity(cpuCores: 2, cpuSpeed: 1000, memory: 2048, localStorage: 1 << 30), privateIP: "10.0.0.2", privateMAC: "06:00:00:00:00:02")
        let sim = SimulatorResource(spec: spec, agentKey: "key")
        let info = await sim.startup()
        #expect(info.cpus == 2 && info.cpuSpeed == 1000 && info.memory == 2048 && info.dom0Memory == 204)
        #expect(info.hypervisorType == "Simulator" && info.agentKey == "key" && info.localStoragePools.count == 1)
        #expect(await sim.execute(.checkHealth).result)
        let unsupported = await sim.execute(.unsupported(name: "FooCommand"))
        #expect(!unsupported.result && unsupported.unsupported)

        try sim.startInstance(name: "i-1", cpus: 1, speed: 1000, memory: 1024)
        #expect(throws: SimulatorResource.InsufficientResources.self) { try sim.startInstance(name: "i-2", cpus: 2, speed: 1000, memory: 512) }
        #expect(throws: SimulatorResource.InsufficientResources.self) { try sim.startInstance(name: "i-3", cpus: 1, speed: 500, memory: 1500) }
        #expect(String(describing: SimulatorResource.InsufficientResources()) == "Not enough resource to start the vm")
        let pinged = await sim.ping().instances
        #expect(pinged.map(\.name) == ["i-1"] && pinged.map(\.powerState) == [.powerOn])
        // A running instance's use travels with the ping (its 1024 bytes of memory are 1 KiB).
        #expect(pinged.first?.stats?.memoryKBs == 1 && (pinged.first?.stats?.cpuUtilization ?? 0) > 0)
        sim.stopInstance(name: "i-1")
        try sim.startInstance(name: "i-2", cpus: 2, speed: 1000, memory: 2048)
        #expect(await sim.ping().instances.map(\.powerState) == [.powerOff, .powerOn])
        guard case .hostStats(let stats)? = await sim.execute(.getHostStats).payload else { Issue.record("no host stats"); return }
        #expect(stats.cpuUtilization == 100 && stats.freeMemory == 0)
    }
}
