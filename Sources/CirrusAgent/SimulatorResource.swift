import CirrusProtocol
import Foundation
import Synchronization

/// A simulated hypervisor host (CloudStack's simulator `AgentRoutingResource`): fixed
/// capacity, simulated instances whose power states travel in pings, and answers to the
/// commands a real host would get. Fault injection (`configureSimulator`) is applied by
/// the management server before a command is dispatched here.
public final class SimulatorResource: HostResource {
    /// One simulated instance.
    public struct Instance: Sendable, Equatable {
        public var name: String
        public var cpus: Int
        /// MHz per vCPU.
        public var speed: Int64
        public var memory: Int64
        public var powerState: PowerState
        /// What the config drive of the last start carried: SSH public keys, user data, password.
        public var sshPublicKeys: [String] = []
        public var userData: String?
        public var password: String?
        /// The data disks plugged in while it runs (volume UUIDs).
        public var disks: [String] = []
        /// When it was last started (its counters grow from then).
        public var started = Date()
    }

    /// Why a simulated instance could not start.
    public struct InsufficientResources: Error, Sendable, Equatable, CustomStringConvertible {
        public init() {}
        public var description: String { "Not enough resource to start the vm" }
    }

    public let spec: SimulatedHostSpec
    private let agentKey: String?
    private let instances = Mutex<[String: Instance]>([:])
    /// The last router document applied per router name, as a real host's router would hold it.
    private let routerDocuments = Mutex<[String: RouterDocument]>([:])
    /// The security group rule set enforced per instance name (the newest sequence wins); an
    /// instance's set goes when it stops or leaves the host, as its iptables chains would.
    private let securityGroupRuleSets = Mutex<[String: SecurityGroupRuleSet]>([:])

    public init(spec: SimulatedHostSpec, agentKey: String? = nil) {
        self.spec = spec
        self.agentKey = agentKey
    }

    /// The factory the management server injects for in-process simulated hosts.
    public static let factory: @Sendable (SimulatedHostSpec) -> any HostResource = { SimulatorResource(spec: $0) }

    public func startup() async -> StartupInfo {
        let cap = spec.capacity
        let pool = LocalStoragePool(uuid: Self.localPoolUUID(guid: spec.guid), name: "\(spec.name)-local", path: "/mnt/\(spec.guid)",
                                    capacityBytes: cap.localStorage, availableBytes: cap.localStorage)
        return StartupInfo(guid: spec.guid, name: spec.name, hypervisorType: "Simulator", hypervisorVersion: "4.19", cpuSockets: 1,
                           cpus: cap.cpuCores, cpuSpeed: cap.cpuSpeed, memory: cap.memory, dom0Memory: cap.memory / 10, arch: "x86_64",
                           privateIP: spec.privateIP, privateMAC: spec.privateMAC, zoneUUID: spec.zoneUUID, podUUID: spec.podUUID,
                           clusterUUID: spec.clusterUUID, agentKey: agentKey, localStoragePools: [pool], bridges: ["cloudbr0"],
                           instances: report(), agentVersion: AgentProtocol.agentVersion, url: spec.url)
    }

    public func ping() async -> PingReport {
        PingReport(health: .up, instances: report())
    }

    public func execute(_ command: AgentCommand) async -> Answer {
        switch command {
        case .checkHealth, .maintain, .ready:
            return .success()
        case .getHostStats:
            let (usedMemory, usedCPU) = instances.withLock { all in
                all.values.filter { $0.powerState == .powerOn }.reduce((Int64(0), Int64(0))) { ($0.0 + $1.memory, $0.1 + Int64($1.cpus) * $1.speed) }
            }
            let total = Int64(spec.capacity.cpuCores) * spec.capacity.cpuSpeed
            return .success(payload: .hostStats(HostStats(cpuUtilization: total > 0 ? Double(usedCPU) * 100 / Double(total) : 0,
                                                          totalMemory: spec.capacity.memory, freeMemory: spec.capacity.memory - usedMemory,
                                                          networkReadKBs: 32768, networkWriteKBs: 16384)))
        case .modifyStoragePool:
            return .success(payload: .storagePool(capacityBytes: spec.capacity.localStorage, availableBytes: spec.capacity.localStorage))
        case .checkOnHost:
            // A simulated host cannot see its neighbours; fault injection decides otherwise.
            return Answer(result: true, details: "The Simulator cannot tell whether another host is alive", payload: .hostAlive(nil))
        case .startInstance(let vm):
            do {
                try startInstance(name: vm.name, cpus: vm.cpus, speed: vm.speed, memory: vm.memory)
                instances.withLock {
                    $0[vm.name]?.sshPublicKeys = vm.sshPublicKeys; $0[vm.name]?.userData = vm.userData; $0[vm.name]?.password = vm.password
                    $0[vm.name]?.disks = vm.disks.filter { $0.type == "DATADISK" }.map(\.volumeUUID)
                }
                return .success("Started \(vm.name)")
            } catch {
                return .failure(error.description)
            }
        case .prepareForMigration(let vm):
            // The instance arrives here: it takes its share of the host from now on.
            do {
                try startInstance(name: vm.name, cpus: vm.cpus, speed: vm.speed, memory: vm.memory)
                return .success()
            } catch {
                return .failure(error.description)
            }
        case .stopInstance(let stop):
            // Stopping an instance the host does not know is a success, as on a real hypervisor.
            removeInstance(name: stop.name)
            securityGroupRuleSets.withLock { _ = $0.removeValue(forKey: stop.name) }
            return .success("Stopped \(stop.name)")
        case .rebootInstance(let name):
            let running = instances.withLock { $0[name]?.powerState == .powerOn }
            return running ? .success("Rebooted \(name)") : .failure("Instance \(name) is not running on \(spec.name)")
        case .migrateInstance(let migrate):
            removeInstance(name: migrate.name)
            securityGroupRuleSets.withLock { _ = $0.removeValue(forKey: migrate.name) }
            return .success("Migrated \(migrate.name) to \(migrate.destinationGUID)")
        case .createVolume(let volume), .resizeVolume(let volume):
            return .success(volume.path)
        case .deleteVolume:
            return .success()
        case .snapshotVolume(let snapshot):
            return .success(snapshot.installPath)
        case .deleteSnapshot, .revertSnapshot:
            return .success()
        case .createVMSnapshot(let snapshot):
            // Memory can only be saved from a running instance.
            if snapshot.withMemory, instances.withLock({ $0[snapshot.instanceName]?.powerState != .powerOn }) {
                return .failure("Instance \(snapshot.instanceName) is not running on \(spec.name); its memory cannot be saved")
            }
            return .success(snapshot.snapshotName)
        case .deleteVMSnapshot:
            return .success()
        case .revertToVMSnapshot(let snapshot):
            return .success(snapshot.snapshotName)
        case .scaleInstance(let scale):
            guard instances.withLock({ $0[scale.name]?.powerState == .powerOn }) else {
                return .failure("Instance \(scale.name) is not running on \(spec.name)")
            }
            do {
                try startInstance(name: scale.name, cpus: scale.cpus, speed: scale.speed, memory: scale.memory)
                return .success("Scaled \(scale.name)")
            } catch {
                return .failure(error.description)
            }
        case .attachVolume(let attach):
            let plugged = instances.withLock { (all: inout [String: Instance]) -> Bool in
                guard all[attach.instanceName]?.powerState == .powerOn else { return false }
                if all[attach.instanceName]?.disks.contains(attach.disk.volumeUUID) == false { all[attach.instanceName]?.disks.append(attach.disk.volumeUUID) }
                return true
            }
            return plugged ? .success("Attached \(attach.disk.volumeUUID)") : .failure("Instance \(attach.instanceName) is not running on \(spec.name)")
        case .detachVolume(let detach):
            // Unplugging from an instance that is not running here is a success, as on a real host.
            instances.withLock { $0[detach.instanceName]?.disks.removeAll { $0 == detach.disk.volumeUUID } }
            return .success("Detached \(detach.disk.volumeUUID)")
        case .copy(let copy):
            guard !copy.source.path.isEmpty else { return .failure("The \(copy.source.kind.rawValue.lowercased()) to copy from has no path") }
            return .success(copy.destination.path)
        case .applyRouterDocument(let document):
            // Validate, then keep it unless a newer generation is already applied (idempotent).
            do { try document.validate() } catch { return .failure("Invalid router document: \(error.description)") }
            let applied = routerDocuments.withLock { all -> Int64 in
                if let current = all[document.router.name], current.generation > document.generation { return current.generation }
                all[document.router.name] = document
                return document.generation
            }
            return .success("Applied generation \(applied)", payload: .routerDocumentApplied(generation: applied))
        case .applySecurityGroupRules(let set):
            do { try set.validate() } catch { return .failure("Invalid security group rule set: \(error.description)") }
            let applied = securityGroupRuleSets.withLock { all -> Int64 in
                if let current = all[set.instanceName], current.sequence > set.sequence { return current.sequence }
                all[set.instanceName] = set
                return set.sequence
            }
            return .success("Applied rule set \(applied)", payload: .securityGroupRulesApplied(sequence: applied))
        case .unsupported:
            return .unsupported(command)
        }
    }

    /// The security group rule set this host enforces for the instance named `name`.
    public func securityGroupRules(named name: String) -> SecurityGroupRuleSet? {
        securityGroupRuleSets.withLock { $0[name] }
    }

    /// The router document last applied for the router named `name`.
    public func routerDocument(named name: String) -> RouterDocument? {
        routerDocuments.withLock { $0[name] }
    }

    // MARK: simulated instances (driven by the instances work)

    /// Starts (or restarts) a simulated instance, refusing when CPU or memory would be overcommitted.
    public func startInstance(name: String, cpus: Int, speed: Int64, memory: Int64) throws(InsufficientResources) {
        try instances.withLock { (all: inout [String: Instance]) throws(InsufficientResources) in
            let running = all.values.filter { $0.powerState == .powerOn && $0.name != name }
            let cpu = running.reduce(Int64(0)) { $0 + Int64($1.cpus) * $1.speed } + Int64(cpus) * speed
            let mem = running.reduce(Int64(0)) { $0 + $1.memory } + memory
            guard cpu <= Int64(spec.capacity.cpuCores) * spec.capacity.cpuSpeed, mem <= spec.capacity.memory else { throw InsufficientResources() }
            let previous = all[name]
            all[name] = Instance(name: name, cpus: cpus, speed: speed, memory: memory, powerState: .powerOn,
                                 sshPublicKeys: previous?.sshPublicKeys ?? [], userData: previous?.userData, password: previous?.password,
                                 disks: previous?.disks ?? [], started: previous?.powerState == .powerOn ? previous?.started ?? Date() : Date())
        }
    }

    /// Stops a simulated instance; its CPU and memory are released.
    public func stopInstance(name: String) {
        instances.withLock { $0[name]?.powerState = .powerOff }
    }

    /// Forgets a simulated instance.
    public func removeInstance(name: String) {
        instances.withLock { _ = $0.removeValue(forKey: name) }
    }

    public var instanceList: [Instance] {
        instances.withLock { Array($0.values).sorted { $0.name < $1.name } }
    }

    private func report() -> [InstanceReport] {
        let now = Date()
        return instances.withLock { all in
            all.values.sorted { $0.name < $1.name }.map { InstanceReport(name: $0.name, powerState: $0.powerState, stats: Self.stats(of: $0, at: now)) }
        }
    }

    /// Simulated use, as CloudStack's simulator reports it: steady for an instance (its CPU
    /// share derives from its name), counters growing with its uptime.
    static func stats(of instance: Instance, at now: Date) -> InstanceStats? {
        guard instance.powerState == .powerOn else { return nil }
        let uptime = max(0, now.timeIntervalSince(instance.started))
        let share = Double(instance.name.utf8.reduce(UInt32(7)) { ($0 &* 31) &+ UInt32($1) } % 40) + 2
        let memoryKBs = instance.memory / 1024
        return InstanceStats(cpuUtilization: share, networkReadKBs: uptime * 12, networkWriteKBs: uptime * 6, diskReadKBs: uptime * 40,
                             diskWriteKBs: uptime * 24, diskReadIOs: Int64(uptime * 10), diskWriteIOs: Int64(uptime * 6),
                             memoryKBs: memoryKBs, memoryInternalFreeKBs: memoryKBs / 2, memoryTargetKBs: memoryKBs)
    }

    /// A stable UUID for a host's local pool, derived from its guid.
    public static func localPoolUUID(guid: String) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        var h1: UInt64 = 0xcbf2_9ce4_8422_2325, h2: UInt64 = 0x8422_2325_cbf2_9ce4
        for b in Array("local:\(guid)".utf8) {
            h1 = (h1 ^ UInt64(b)) &* 0x100_0000_01b3
            h2 = (h2 &* 31) &+ UInt64(b)
        }
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: h1 >> (8 * UInt64(i))); bytes[8 + i] = UInt8(truncatingIfNeeded: h2 >> (8 * UInt64(i))) }
        bytes[6] = (bytes[6] & 0x0f) | 0x50
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        let u = UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        return u.uuidString.lowercased()
    }
}
