import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import Logging
import SQLKit
import Synchronization

/// One live link to a host's agent, as the management server holds it: a WebSocket to a
/// `cirrus agent` process, or a direct in-process call into a simulated host.
public protocol AgentLink: Sendable {
    /// Sends a command and waits for its answer (the link enforces nothing about time; the
    /// ``AgentManager`` races it against the deadline).
    func send(_ command: AgentCommand, deadline: Date) async throws -> Answer
    /// Closes the link, telling the agent why when it can.
    func close(reason: String) async
}

/// Creates the ``HostResource`` of an in-process simulated host. Set by the management
/// server (and test support) to `SimulatorResource.factory`; the Engine itself does not
/// depend on the agent module.
public typealias SimulatedResourceFactory = @Sendable (SimulatedHostSpec) -> any HostResource

/// The management server's side of the agent link (CloudStack's AgentManager): agent
/// registration, pings (batched into one write per tick), the monitor that moves silent
/// hosts to Disconnected, Alert or Down, and commands to hosts.
public final class AgentManager: Sendable {
    let db: any Database
    let config: ConfigService
    let events: EventService
    let alerts: AlertService
    let serverID: String
    let logger: Logger

    struct LinkEntry: Sendable {
        let link: any AgentLink
        let generation: UInt64
        var hostID: Int64
        var hostName: String
        var guid: String
        var hypervisor: HypervisorType
        var zoneID: Int64
        var podID: Int64?
        var clusterID: Int64?
        var status: HostStatus
        var inProcess: Bool
    }

    struct State: Sendable {
        var links: [Int64: LinkEntry] = [:]
        var pendingPings: Set<Int64> = []
        var powerReports: [Int64: [InstanceReport]] = [:]
        var drivers: [Int64: Task<Void, Never>] = [:]
        var resources: [Int64: any HostResource] = [:]
        var generation: UInt64 = 0
        var factory: SimulatedResourceFactory?
        var agentKey: String?
        var monitor: Task<Void, Never>?
        var maintenanceHook: (@Sendable (CirrusModel.Host) async throws -> Bool)?
        var powerReportHandler: (@Sendable ([Int64: [InstanceReport]]) async throws -> Void)?
    }

    let state = Mutex(State())

    init(db: any Database, config: ConfigService, events: EventService, alerts: AlertService, serverID: String, logger: Logger) {
        self.db = db
        self.config = config
        self.events = events
        self.alerts = alerts
        self.serverID = serverID
        self.logger = logger
    }

    /// The configuration name the shared agent key is stored under. It is not a declared
    /// setting, so `listConfigurations` never shows it.
    static let agentKeyName = "agent.key"

    // MARK: lifecycle

    /// Sets the factory for in-process simulated hosts.
    public func setSimulatorFactory(_ factory: @escaping SimulatedResourceFactory) {
        state.withLock { $0.factory = factory }
    }

    var simulatorFactory: SimulatedResourceFactory? { state.withLock { $0.factory } }

    /// Sets what prepareHostForMaintenance runs before a host may enter Maintenance (the
    /// instances work migrates instances away here). Returns true when the host is empty.
    public func setMaintenanceHook(_ hook: @escaping @Sendable (CirrusModel.Host) async throws -> Bool) {
        state.withLock { $0.maintenanceHook = hook }
    }

    /// Sets what runs on every monitor tick with the power reports of the hosts that pinged
    /// since the last one (the instances work reconciles instance states here).
    public func setPowerReportHandler(_ handler: @escaping @Sendable ([Int64: [InstanceReport]]) async throws -> Void) {
        state.withLock { $0.powerReportHandler = handler }
    }

    func maintenanceHook() -> @Sendable (CirrusModel.Host) async throws -> Bool {
        let noInstances: @Sendable (CirrusModel.Host) async throws -> Bool = { _ in true }
        return state.withLock { $0.maintenanceHook } ?? noInstances
    }

    /// Loads (or creates at first start) the shared agent key, starts the monitor, and
    /// re-attaches the in-process simulated hosts so that they come back Up.
    ///
    /// - Parameter exclusive: No other management server shares the database (the embedded
    ///   database's data-directory lock): in-process simulated hosts a previous process owned
    ///   are taken over at once, without waiting for its lease to run out. Otherwise they are
    ///   taken over by the monitor once their owner's lease has expired.
    public func start(exclusive: Bool = false) async throws {
        let key = try await loadAgentKey()
        state.withLock { $0.agentKey = key }
        let monitor = Task { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                // Sleep in slices of at most a second, re-reading the interval, so that a
                // shorter ping.interval takes effect at once.
                let clock = ContinuousClock()
                let started = clock.now
                while !Task.isCancelled {
                    let tick = await self.tickInterval()
                    let remaining = tick - (clock.now - started)
                    if remaining <= .zero { break }
                    try? await Task.sleep(for: min(remaining, .seconds(1)))
                }
                if Task.isCancelled { return }
                // Simulated hosts whose owning server has stopped come back here.
                do { try await self.reattachInProcessHosts() } catch {
                    if Task.isCancelled { return }
                    self.logger.warning("Could not re-attach simulated hosts", metadata: ["error": "\(StoreError.describe(error))"])
                }
                do { try await self.monitorRound() } catch {
                    // Stopping the manager cancels a round midway; that is not a failure.
                    if Task.isCancelled || error is CancellationError { return }
                    self.logger.error("Agent monitor round failed", metadata: ["error": "\(StoreError.describe(error))"])
                }
            }
        }
        state.withLock { $0.monitor = monitor }
        try await reattachInProcessHosts(onlyThisServerIsAlive: exclusive)
    }

    /// Stops the monitor and every in-process host, and closes every link.
    public func stop() async {
        let (monitor, drivers, links) = state.withLock { s in
            let r = (s.monitor, Array(s.drivers.values), Array(s.links.values))
            s.monitor = nil; s.drivers = [:]; s.links = [:]; s.resources = [:]
            return r
        }
        monitor?.cancel()
        for d in drivers { d.cancel() }
        for l in links { await l.link.close(reason: "management server stopping") }
        try? await flushPings()
    }

    /// The shared key agents must present.
    public func agentKey() async throws -> String {
        if let k = state.withLock({ $0.agentKey }) { return k }
        let k = try await loadAgentKey()
        state.withLock { $0.agentKey = k }
        return k
    }

    func loadAgentKey() async throws -> String {
        try await db.transaction { sql in
            if let v = try await ConfigurationRepository.all(sql).first(where: { $0.name == Self.agentKeyName && $0.scope == .global }) { return v.value }
            var bytes = [UInt8](repeating: 0, count: 24)
            var rng = SystemRandomNumberGenerator()
            for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
            let key = Data(bytes).base64EncodedString().replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "+", with: "-")
            try await ConfigurationRepository.set(sql, .init(name: Self.agentKeyName, scope: .global, scopeID: 0, value: key), at: Date())
            return key
        }
    }

    // MARK: settings

    func pingInterval() async -> Int { (try? await config.int(Settings.pingInterval)) ?? 60 }

    func pingTimeout() async -> TimeInterval {
        let interval = await pingInterval()
        let factor = (try? await config.double(Settings.pingTimeout)) ?? 2.5
        return Double(interval) * factor
    }

    func tickInterval() async -> Duration {
        let interval = Double(await pingInterval())
        return .milliseconds(Int64(max(0.2, min(interval / 2, 10)) * 1000))
    }

    // MARK: registration

    /// Handles an agent's startup: checks the key, finds the host by guid or creates it in
    /// the hinted cluster (with its local storage pools, in one transaction), registers the
    /// link, and then sends ReadyCommand in the background (Connecting → Up).
    public func connect(_ info: StartupInfo, link: any AgentLink, trusted: Bool = false) async -> StartupAnswer {
        await connectLink(info, link: link, trusted: trusted).0
    }

    /// ``connect(_:link:trusted:)``, also returning the link's generation (nil when refused),
    /// which ``ping(hostID:generation:report:)`` and ``linkClosed(hostID:generation:reason:)`` take.
    public func connectLink(_ info: StartupInfo, link: any AgentLink, trusted: Bool = false) async -> (StartupAnswer, UInt64?) {
        let interval = await pingInterval()
        if !trusted {
            let expected = try? await agentKey()
            guard let expected, info.agentKey == expected else {
                logger.warning("Agent refused: wrong agent key", metadata: ["guid": "\(info.guid)"])
                return (StartupAnswer(accepted: false, details: "The agent key is not valid for this management server", pingInterval: interval), nil)
            }
        }
        let host: CirrusModel.Host
        do {
            host = try await register(info)
        } catch let error as CloudError {
            logger.warning("Agent refused", metadata: ["guid": "\(info.guid)", "reason": "\(error.message)"])
            return (StartupAnswer(accepted: false, details: error.message, pingInterval: interval), nil)
        } catch {
            logger.error("Agent registration failed", metadata: ["guid": "\(info.guid)", "error": "\(StoreError.describe(error))"])
            return (StartupAnswer(accepted: false, details: "Registration failed on the management server", pingInterval: interval), nil)
        }
        let (entry, old) = state.withLock { s -> (LinkEntry, LinkEntry?) in
            s.generation += 1
            let e = LinkEntry(link: link, generation: s.generation, hostID: host.id, hostName: host.name, guid: host.guid, hypervisor: host.hypervisorType,
                              zoneID: host.zoneID, podID: host.podID, clusterID: host.clusterID, status: .connecting, inProcess: trusted)
            let old = s.links[host.id]
            s.links[host.id] = e
            s.powerReports[host.id] = info.instances
            return (e, old)
        }
        if let old, old.generation != entry.generation { Task { await old.link.close(reason: "replaced by a new link of the same host") } }
        Task { await self.completeConnect(entry) }
        return (StartupAnswer(accepted: true, hostID: host.id, hostUUID: host.uuid.uuidString.lowercased(), hostName: host.name, pingInterval: interval), entry.generation)
    }

    /// Finds or creates the host row for a startup, moving it to Connecting.
    func register(_ info: StartupInfo) async throws -> CirrusModel.Host {
        guard let hypervisor = HypervisorType(caseInsensitive: info.hypervisorType) else {
            throw CloudError.invalidParameter("Unknown hypervisor type \(info.hypervisorType)")
        }
        let now = Date()
        let serverID = self.serverID
        return try await db.transaction { sql in
            var host: CirrusModel.Host
            if let existing = try await HostRepository.find(sql, guid: info.guid) {
                guard existing.hypervisorType == hypervisor else {
                    throw CloudError.invalidParameter("Host \(existing.name) is a \(existing.hypervisorType.rawValue) host, not \(hypervisor.rawValue)")
                }
                guard let next = HostStatusMachine.next(existing.status, on: .agentConnected) else {
                    throw CloudError.invalidParameter("Host \(existing.name) is \(existing.status.rawValue) and cannot accept an agent")
                }
                host = existing
                host.status = next
                Self.applyFacts(info, to: &host)
                host.ownerServer = serverID; host.lastPing = now; host.disconnected = nil
                try await HostRepository.update(sql, host)
            } else {
                guard let hint = info.clusterUUID, let clusterUUID = UUID(uuidString: hint),
                      let cluster = try await ClusterRepository.find(sql, uuid: clusterUUID) else {
                    throw CloudError.invalidParameter("Host \(info.name) (\(info.guid)) is unknown and names no existing cluster to join")
                }
                guard cluster.hypervisorType == hypervisor else {
                    throw CloudError.invalidParameter("Cluster \(cluster.name) is a \(cluster.hypervisorType.rawValue) cluster; a \(hypervisor.rawValue) host cannot join it")
                }
                host = CirrusModel.Host(id: 0, uuid: UUID(), name: info.name, guid: info.guid, status: .connecting, resourceState: .enabled,
                                        zoneID: cluster.zoneID, podID: cluster.podID, clusterID: cluster.id, hypervisorType: hypervisor,
                                        url: info.url, cpuSockets: info.cpuSockets, cpus: info.cpus, cpuSpeed: info.cpuSpeed,
                                        totalMemory: info.memory, created: now)
                Self.applyFacts(info, to: &host)
                host.ownerServer = serverID; host.lastPing = now
                host = try await HostRepository.insert(sql, host)
            }
            try await Self.syncLocalPools(sql, host: host, pools: info.localStoragePools, now: now)
            return host
        }
    }

    static func applyFacts(_ info: StartupInfo, to host: inout CirrusModel.Host) {
        host.hypervisorVersion = info.hypervisorVersion
        host.cpuSockets = info.cpuSockets; host.cpus = info.cpus; host.cpuSpeed = info.cpuSpeed
        host.totalMemory = info.memory; host.dom0Memory = info.dom0Memory; host.arch = info.arch
        host.privateIP = info.privateIP ?? host.privateIP; host.privateMAC = info.privateMAC ?? host.privateMAC
        host.agentVersion = info.agentVersion
        if host.url == nil { host.url = info.url }
        if !info.bridges.isEmpty { host.details["bridges"] = info.bridges.joined(separator: ",") }
    }

    /// Creates the HOST-scope pools the agent reports that the host does not have yet
    /// (matched by path), and refreshes the capacity of the others.
    static func syncLocalPools(_ sql: any SQLDatabase, host: CirrusModel.Host, pools: [LocalStoragePool], now: Date) async throws {
        guard !pools.isEmpty else { return }
        let existing = try await StoragePoolRepository.list(sql, hostID: host.id)
        for reported in pools {
            if let pool = existing.first(where: { $0.path == reported.path }) {
                try await StoragePoolRepository.updateCapacity(sql, id: pool.id, capacityBytes: reported.capacityBytes, usedBytes: pool.usedBytes)
                continue
            }
            let pool = StoragePool(id: 0, uuid: UUID(), name: reported.name, zoneID: host.zoneID, podID: host.podID, clusterID: host.clusterID,
                                   hostID: host.id, scope: .host, type: .filesystem, url: "file://\(reported.path)", hostAddress: host.privateIP,
                                   path: reported.path, hypervisorType: host.hypervisorType, capacityBytes: reported.capacityBytes,
                                   usedBytes: max(0, reported.capacityBytes - reported.availableBytes), status: .up, created: now)
            _ = try await StoragePoolRepository.insert(sql, pool)
        }
    }

    /// Sends ReadyCommand and moves the host Up, or drops the link when that fails.
    func completeConnect(_ entry: LinkEntry) async {
        let ready = AgentCommand.ready(ReadyCommand(hostID: entry.hostID, hostUUID: "", managementServers: []))
        let answer: Answer
        do {
            answer = try await dispatch(ready, entry: entry, timeout: 30)
        } catch {
            logger.warning("ReadyCommand failed", metadata: ["host": "\(entry.hostName)", "error": "\(error)"])
            await linkClosed(hostID: entry.hostID, generation: entry.generation, reason: "ReadyCommand failed")
            return
        }
        guard answer.result else {
            await linkClosed(hostID: entry.hostID, generation: entry.generation, reason: "ReadyCommand failed: \(answer.details)")
            return
        }
        do {
            let moved = try await db.transaction { sql in
                try await HostRepository.setStatus(sql, id: entry.hostID, from: .connecting, to: .up, disconnected: nil, ownerServer: self.serverID, lastPing: Date())
            }
            if moved {
                state.withLock { s in
                    if s.links[entry.hostID]?.generation == entry.generation { s.links[entry.hostID]?.status = .up }
                }
                logger.info("Host is Up", metadata: ["host": "\(entry.hostName)"])
            }
        } catch {
            logger.error("Cannot mark host Up", metadata: ["host": "\(entry.hostName)", "error": "\(StoreError.describe(error))"])
        }
    }

    // MARK: pings

    /// Records a ping. The write is batched with every other ping of this tick. Answers
    /// `sendStartup` when the host is not Up on this server.
    public func ping(hostID: Int64, generation: UInt64? = nil, report: PingReport) async -> PingAnswer {
        let status = state.withLock { s -> HostStatus? in
            guard let e = s.links[hostID], generation == nil || e.generation == generation else { return nil }
            s.pendingPings.insert(hostID)
            s.powerReports[hostID] = report.instances
            return e.status
        }
        let interval = await pingInterval()
        guard let status else { return PingAnswer(sendStartup: true, pingInterval: interval) }
        return PingAnswer(sendStartup: status != .up && status != .connecting, pingInterval: interval)
    }

    /// The latest instance power states a host reported (startup or ping).
    public func powerReport(hostID: Int64) -> [InstanceReport]? {
        state.withLock { $0.powerReports[hostID] }
    }

    /// Writes the pings received since the last flush: one statement for all hosts.
    func flushPings() async throws {
        let ids = state.withLock { s -> [Int64] in
            let ids = Array(s.pendingPings)
            s.pendingPings.removeAll(keepingCapacity: true)
            return ids
        }
        guard !ids.isEmpty else { return }
        let now = Date()
        try await db.transaction { sql in try await HostRepository.touchPings(sql, ids: ids.sorted(), at: now) }
        let (handler, reports) = state.withLock { s in
            (s.powerReportHandler, Dictionary(ids.compactMap { id in s.powerReports[id].map { (id, $0) } }, uniquingKeysWith: { a, _ in a }))
        }
        if let handler {
            do { try await handler(reports) } catch {
                logger.error("Power report reconciliation failed", metadata: ["error": "\(StoreError.describe(error))"])
            }
        }
    }

    // MARK: disconnects

    /// The link of `hostID` closed (socket closed, or the driver stopped).
    public func linkClosed(hostID: Int64, generation: UInt64, reason: String) async {
        let entry = state.withLock { s -> LinkEntry? in
            guard let e = s.links[hostID], e.generation == generation else { return nil }
            s.links[hostID] = nil
            s.pendingPings.remove(hostID)
            return e
        }
        guard entry != nil else { return }
        await lose(hostID: hostID, reason: reason)
    }

    /// Moves a host to Disconnected (LinkLost) and raises an alert.
    func lose(hostID: Int64, reason: String) async {
        do {
            try await db.transaction { sql in
                guard let host = try await HostRepository.find(sql, id: hostID) else { return }
                guard let next = HostStatusMachine.next(host.status, on: .linkLost), next != host.status else { return }
                let now = Date()
                guard try await HostRepository.setStatus(sql, id: host.id, from: host.status, to: next, disconnected: now, ownerServer: nil) else { return }
                try await self.alerts.raise(sql, type: AlertType.host, subject: "Host \(host.name) is disconnected: \(reason)",
                                            content: "Host \(host.name) (\(host.uuid.uuidString.lowercased())) lost its agent link (\(reason)); it goes to Alert if the agent does not come back within alert.wait",
                                            zoneID: host.zoneID, podID: host.podID, clusterID: host.clusterID, now: now)
                self.logger.warning("Host disconnected", metadata: ["host": "\(host.name)", "reason": "\(reason)"])
            }
        } catch {
            logger.error("Cannot record a host disconnect", metadata: ["host": "\(hostID)", "error": "\(StoreError.describe(error))"])
        }
    }

    /// One monitor round: flush pings, disconnect silent hosts, and settle hosts that have
    /// been Disconnected longer than `alert.wait` (Down if a neighbour says so, else Alert).
    func monitorRound() async throws {
        try await flushPings()
        try await reattachInProcessHosts()
        let now = Date()
        let timeout = await pingTimeout()
        let overdue = try await db.read { sql in
            try await HostRepository.overdue(sql, statuses: [.up, .connecting], before: now.addingTimeInterval(-timeout))
        }
        for host in overdue {
            let entry = state.withLock { s -> LinkEntry? in
                let e = s.links[host.id]
                s.links[host.id] = nil
                s.pendingPings.remove(host.id)
                return e
            }
            if let entry { await entry.link.close(reason: "pings overdue") }
            await lose(hostID: host.id, reason: "no ping for \(Int(timeout)) s")
        }
        let wait = Double((try? await config.int(Settings.alertWait)) ?? 1800)
        let waited = try await db.read { sql in try await HostRepository.disconnectedSince(sql, before: now.addingTimeInterval(-wait)) }
        for host in waited {
            let verdict = await investigate(host)
            try await db.transaction { sql in
                let event: HostStatusMachine.Event = verdict == false ? .hostDown : .waitedTooLong
                guard let next = HostStatusMachine.next(.disconnected, on: event) else { return }
                guard try await HostRepository.setStatus(sql, id: host.id, from: .disconnected, to: next, disconnected: host.disconnected, ownerServer: nil) else { return }
                let subject = next == .down ? "Host \(host.name) is Down: a neighbour could not reach it"
                                            : "Host \(host.name) is in Alert state: its agent did not come back within alert.wait"
                try await self.alerts.raise(sql, type: AlertType.host, subject: subject, content: nil, zoneID: host.zoneID, podID: host.podID, clusterID: host.clusterID)
                self.logger.warning("Host state changed", metadata: ["host": "\(host.name)", "status": "\(next.rawValue)"])
            }
        }
    }

    /// Asks an Up neighbour in the host's cluster whether the host is alive: true, false, or
    /// nil when nobody can tell.
    func investigate(_ host: CirrusModel.Host) async -> Bool? {
        guard let clusterID = host.clusterID else { return nil }
        let neighbours = (try? await db.read { sql in try await HostRepository.list(sql, clusterID: clusterID, status: .up) }) ?? []
        for n in neighbours where n.id != host.id {
            guard hasLink(n.id) else { continue }
            guard let answer = try? await send(.checkOnHost(CheckOnHostCommand(hostGUID: host.guid, privateIP: host.privateIP)), to: n.id, timeout: .seconds(10)),
                  answer.result, case .hostAlive(let alive)? = answer.payload, let alive else { continue }
            return alive
        }
        return nil
    }

    // MARK: commands

    /// Whether this server holds a link to the host.
    public func hasLink(_ hostID: Int64) -> Bool {
        state.withLock { $0.links[hostID] != nil }
    }

    /// The host's status as this server's link sees it (nil without a link).
    public func linkStatus(_ hostID: Int64) -> HostStatus? {
        state.withLock { $0.links[hostID]?.status }
    }

    /// Whether this server holds a link to the host now.
    public func isConnected(hostID: Int64) -> Bool {
        state.withLock { $0.links[hostID] != nil }
    }

    /// Sends a command to a host and waits for the answer. Throws a clear CloudError when
    /// the host has no link on this server or when the deadline passes; a failed answer is
    /// returned, not thrown.
    public func send(_ command: AgentCommand, to hostID: Int64, timeout: Duration? = nil) async throws -> Answer {
        guard let entry = state.withLock({ $0.links[hostID] }) else {
            let host = try await db.read { sql in try await HostRepository.find(sql, id: hostID) }
            guard let host else { throw CloudError.invalidParameter("Unable to find host by id \(hostID)") }
            let status = host.status == .up ? "not connected to this management server" : host.status.rawValue
            throw CloudError(.resourceUnavailable, "Host \(host.name) is \(status); \(command.name) was not sent", csCode: .agentUnavailable)
        }
        let seconds: Double
        if let timeout {
            seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        } else {
            seconds = Double((try? await config.int(Settings.agentCommandWait)) ?? 1800)
        }
        return try await dispatch(command, entry: entry, timeout: seconds)
    }

    /// Sends over one link, applying the Simulator's mocks for simulated hosts.
    func dispatch(_ command: AgentCommand, entry: LinkEntry, timeout seconds: Double) async throws -> Answer {
        let mock = entry.hypervisor == .simulator ? try await simulatorMock(for: command, entry: entry) : nil
        let link = entry.link
        return try await race(command, timeout: seconds, hostName: entry.hostName) { deadline in
            if let mock {
                if mock.wait > 0 { try await Task.sleep(for: .milliseconds(mock.wait)) }
                if let answer = mock.answer { return answer }
            }
            return try await link.send(command, deadline: deadline)
        }
    }

    /// Sends over a link, failing with a CloudError when `timeout` passes first.
    func race(_ link: any AgentLink, _ command: AgentCommand, timeout seconds: Double, hostName: String = "") async throws -> Answer {
        try await race(command, timeout: seconds, hostName: hostName) { deadline in try await link.send(command, deadline: deadline) }
    }

    func race(_ command: AgentCommand, timeout seconds: Double, hostName: String, _ body: @escaping @Sendable (Date) async throws -> Answer) async throws -> Answer {
        let deadline = Date().addingTimeInterval(seconds)
        return try await withThrowingTaskGroup(of: Answer?.self) { group in
            group.addTask { try await body(deadline) }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let answer = first else {
                throw CloudError(.resourceUnavailable, "\(command.name) to host \(hostName) timed out after \(Self.format(seconds)) s", csCode: .agentUnavailable)
            }
            return answer
        }
    }

    static func format(_ s: Double) -> String { s == s.rounded() ? String(Int(s)) : String(format: "%.1f", s) }

    /// Drops the link of a host on purpose (reconnectHost, deleteHost). In-process hosts
    /// have their driver stopped too when `stopDriver` is set.
    public func disconnect(hostID: Int64, reason: String, stopDriver: Bool) async {
        let (entry, driver) = state.withLock { s -> (LinkEntry?, Task<Void, Never>?) in
            let e = s.links.removeValue(forKey: hostID)
            s.pendingPings.remove(hostID)
            let d = stopDriver ? s.drivers.removeValue(forKey: hostID) : nil
            if stopDriver { s.resources[hostID] = nil }
            return (e, d)
        }
        driver?.cancel()
        if let entry { await entry.link.close(reason: reason) }
    }

    /// Waits until this server's link shows the host Up (or the timeout passes).
    public func waitUntilUp(hostID: Int64, timeout: Duration) async -> Bool {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: timeout)
        while clock.now < end {
            if linkStatus(hostID) == .up { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return linkStatus(hostID) == .up
    }
}
