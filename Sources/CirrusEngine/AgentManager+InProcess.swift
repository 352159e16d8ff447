import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation

/// A link that calls a host resource living in this process (the in-process Simulator).
final class InProcessLink: AgentLink {
    let resource: any HostResource

    init(resource: any HostResource) {
        self.resource = resource
    }

    func send(_ command: AgentCommand, deadline: Date) async throws -> Answer {
        await resource.execute(command)
    }

    func close(reason: String) async {}
}

extension AgentManager {
    /// Connects a host resource living in this process through the same registration,
    /// ping and command path as a WebSocket agent, and keeps pinging for it until the
    /// host is deleted or the server stops. Returns the startup answer.
    @discardableResult
    public func attachInProcess(_ resource: any HostResource) async throws -> StartupAnswer {
        let link = InProcessLink(resource: resource)
        let answer = await connect(await resource.startup(), link: link, trusted: true)
        guard answer.accepted, let hostID = answer.hostID else {
            throw CloudError.invalidParameter(answer.details ?? "The simulated host was refused")
        }
        let driver = Task { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                let interval = await self.pingInterval()
                do { try await Task.sleep(for: .seconds(interval)) } catch { return }
                let reply = await self.ping(hostID: hostID, report: await resource.ping())
                if reply.sendStartup && !Task.isCancelled {
                    let again = await self.connect(await resource.startup(), link: link, trusted: true)
                    if !again.accepted { self.logger.warning("In-process host refused", metadata: ["host": "\(hostID)", "reason": "\(again.details ?? "")"]) }
                }
            }
        }
        let old = state.withLock { s -> Task<Void, Never>? in
            let old = s.drivers[hostID]
            s.drivers[hostID] = driver
            s.resources[hostID] = resource
            return old
        }
        old?.cancel()
        return answer
    }

    /// Whether this server drives the host in-process (even while its link is down).
    public func drivesInProcess(_ hostID: Int64) -> Bool {
        inProcessResource(hostID: hostID) != nil
    }

    /// The resource of an in-process host, if this server drives one.
    func inProcessResource(hostID: Int64) -> (any HostResource)? {
        state.withLock { $0.resources[hostID] }
    }

    /// Drops and re-establishes a host's link (reconnectHost): an in-process host registers
    /// again at once; a remote agent is asked to reconnect by closing its link. Waits up to
    /// `timeout` for the host to be Up again.
    public func reconnect(hostID: Int64, timeout: Duration) async throws -> Bool {
        if let resource = inProcessResource(hostID: hostID) {
            await disconnect(hostID: hostID, reason: "reconnect requested", stopDriver: true)
            try await attachInProcess(resource)
        } else {
            await disconnect(hostID: hostID, reason: "reconnect requested", stopDriver: false)
        }
        return await waitUntilUp(hostID: hostID, timeout: timeout)
    }

    /// Builds the resources of the in-process simulated hosts stored in the database and
    /// attaches them, so a restarted management server brings them back Up. Runs at start
    /// and on every monitor round: a host whose owner server is gone (stopped, or crashed
    /// and its server lease expired) is taken over. Hosts attached here, and hosts a live
    /// server owns, are left alone.
    func reattachInProcessHosts(onlyThisServerIsAlive: Bool = false) async throws {
        guard let factory = simulatorFactory else { return }
        let now = Date()
        let specs: [SimulatedHostSpec] = try await db.read { sql in
            var out: [SimulatedHostSpec] = []
            let liveServers = onlyThisServerIsAlive ? [self.serverID] : try await LeaseRepository.liveOwners(sql, prefix: JobRunner.leasePrefix, now: now)
            for host in try await HostRepository.inProcessSimulatorHosts(sql) {
                if self.inProcessResource(hostID: host.id) != nil { continue }
                if let owner = host.ownerServer, owner != self.serverID, liveServers.contains(owner) { continue }
                guard let clusterID = host.clusterID, let podID = host.podID,
                      let cluster = try await ClusterRepository.find(sql, id: clusterID),
                      let pod = try await PodRepository.find(sql, id: podID),
                      let zone = try await ZoneRepository.find(sql, id: host.zoneID),
                      case .success(let capacity) = SimulatorCapacity.parse(url: host.url ?? "") else { continue }
                out.append(SimulatedHostSpec(guid: host.guid, name: host.name, url: host.url ?? "", zoneUUID: zone.uuid.uuidString.lowercased(), podUUID: pod.uuid.uuidString.lowercased(),
                                             clusterUUID: cluster.uuid.uuidString.lowercased(), capacity: capacity, privateIP: host.privateIP ?? "",
                                             privateMAC: host.privateMAC ?? ""))
            }
            return out
        }
        for spec in specs {
            do { try await attachInProcess(factory(spec)) } catch {
                logger.error("Cannot re-attach simulated host", metadata: ["host": "\(spec.name)", "error": "\(error)"])
            }
        }
    }
}
