import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import SQLKit

extension InstanceService {
    /// Registers the instance side of the agent manager: the host maintenance hook (running
    /// instances are migrated away, ``evacuate(_:)``) and power report reconciliation
    /// (``reconcile(_:now:)``). Called once from `Engine.init`.
    public func attachToAgents() {
        agents.setMaintenanceHook { [weak self] host in
            guard let self else { return true }
            return try await self.evacuate(host)
        }
        agents.setPowerReportHandler { [weak self] reports in
            try await self?.reconcile(reports)
        }
    }

    /// Reconciles what hosts reported about instance power with the database, once per
    /// agent monitor tick for every host that pinged (``AgentManager/setPowerReportHandler(_:)``):
    /// - an instance Running here but reported off becomes Stopped (FollowAgentPowerOffReport),
    ///   its host capacity released, with a VM.POWER.STATE.CHANGE event;
    /// - one missing from its host's report is PowerReportMissing, and Stopped the same way once
    ///   it has been missing longer than the ping timeout;
    /// - an instance a host runs that Cirrus does not know (or places elsewhere) raises a sync alert;
    /// - power_state columns change in one statement per power state for the whole tick.
    /// Instances in a transitional state (Starting, Stopping, Migrating) belong to the
    /// operation moving them and are left alone.
    public func reconcile(_ reports: [Int64: [InstanceReport]], now: Date = Date()) async throws {
        guard !reports.isEmpty else { return }
        latestStats.withLock { stats in
            for report in reports.values.joined() {
                if report.powerState == .powerOn, let s = report.stats { stats[report.name] = s } else { stats[report.name] = nil }
            }
        }
        let grace = await agents.pingTimeout()
        struct Findings: Sendable {
            var powerUpdates: [CirrusModel.PowerState: [Int64]] = [:]
            var stopped: [(VirtualMachine, CirrusModel.PowerState)] = []
            var strangers: [(hostID: Int64, name: String, known: VirtualMachine?)] = []
        }
        let found = try await db.read { sql -> Findings in
            var powerUpdates: [CirrusModel.PowerState: [Int64]] = [:]
            var stopped: [(VirtualMachine, CirrusModel.PowerState)] = []
            var strangers: [(hostID: Int64, name: String, known: VirtualMachine?)] = []
            for (hostID, report) in reports.sorted(by: { $0.key < $1.key }) {
                let resident = try await VirtualMachineRepository.onHost(sql, hostID: hostID)
                let byName = Dictionary(resident.map { ($0.instanceName, $0) }, uniquingKeysWith: { a, _ in a })
                let reported = Dictionary(report.map { ($0.name, $0.powerState) }, uniquingKeysWith: { a, _ in a })
                for vm in resident where vm.type == .user && !vm.state.isTransitional {
                    switch reported[vm.instanceName] {
                    case .powerOn?:
                        if vm.powerState != .on { powerUpdates[.on, default: []].append(vm.id) }
                    case .powerOff?:
                        if vm.state == .running { stopped.append((vm, .off)) } else if vm.powerState != .off { powerUpdates[.off, default: []].append(vm.id) }
                    default:
                        guard vm.state == .running else { continue }
                        if vm.powerState == .reportMissing, let since = vm.powerStateUpdated, now.timeIntervalSince(since) > grace {
                            stopped.append((vm, .reportMissing))
                        } else if vm.powerState != .reportMissing {
                            powerUpdates[.reportMissing, default: []].append(vm.id)
                        }
                    }
                }
                for (name, power) in reported where byName[name] == nil && power == .powerOn {
                    let known = try await VirtualMachineRepository.find(sql, instanceName: name)
                    if let known, known.state.isTransitional { continue }
                    strangers.append((hostID, name, known))
                }
            }
            return Findings(powerUpdates: powerUpdates, stopped: stopped, strangers: strangers)
        }
        let powerUpdates = found.powerUpdates, stopped = found.stopped, strangers = found.strangers
        if !powerUpdates.isEmpty {
            try await db.transaction { sql in
                for (state, ids) in powerUpdates.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                    try await VirtualMachineRepository.setPowerStates(sql, ids: ids, state: state, hostID: nil, at: now)
                }
            }
        }
        for (vm, power) in stopped { try await followPowerOff(vm, reported: power, now: now) }
        for stranger in strangers { try await reportStranger(hostID: stranger.hostID, name: stranger.name, known: stranger.known) }
    }

    /// Running → Stopped because the host says the instance is off (or has lost it).
    func followPowerOff(_ vm: VirtualMachine, reported: CirrusModel.PowerState, now: Date) async throws {
        guard let next = VirtualMachineStateMachine.next(vm.state, on: .followAgentPowerOffReport) else { return }
        let moved = try await db.transaction { sql -> Bool in
            var changes = VirtualMachineChanges()
            changes.hostID = .some(nil); changes.powerState = .off; changes.powerStateUpdated = now
            guard try await VirtualMachineRepository.transition(sql, id: vm.id, from: vm.state, to: next, changes) else { return false }
            if let host = vm.hostID { try await AllocationRepository.releaseHost(sql, hostID: host, cpu: vm.cpuDemand, memory: vm.memoryDemand) }
            let why = reported == .reportMissing ? "its host no longer reports it" : "its host reports it powered off"
            try await self.events.record(sql, type: EventType.vmPowerStateChange, state: .completed,
                                         description: "VM instance \(vm.instanceName) is Stopped: \(why) (power state \(reported.rawValue))",
                                         userID: vm.userID, accountID: vm.accountID, domainID: vm.domainID, resource: Self.resource(vm))
            return true
        }
        guard moved else { return }
        if let host = vm.hostID { placement.recordHost(host, cpu: -vm.cpuDemand, memory: -vm.memoryDemand) }
        logger.notice("Instance stopped behind Cirrus's back", metadata: ["vm": "\(vm.instanceName)", "power": "\(reported.rawValue)"])
    }

    /// A host runs an instance Cirrus does not place there: one sync alert (the alert service
    /// does not repeat an open alert of the same kind and place).
    func reportStranger(hostID: Int64, name: String, known: VirtualMachine?) async throws {
        try await db.transaction { sql in
            guard let host = try await HostRepository.find(sql, id: hostID) else { return }
            let subject: String
            if let known {
                subject = "Instance \(name) runs on host \(host.name) but is \(known.state.rawValue) in Cirrus\(known.hostID.map { " on host \($0)" } ?? "")"
            } else {
                subject = "Unknown instance \(name) is running on host \(host.name)"
            }
            let raised = try await self.alerts.raise(sql, type: AlertType.sync, subject: subject,
                                                     content: "The host reports an instance that Cirrus does not place on it; it is left running for an operator to inspect",
                                                     zoneID: host.zoneID, podID: host.podID, clusterID: host.clusterID)
            if raised.isNew { self.logger.warning("Unknown instance on a host", metadata: ["host": "\(host.name)", "instance": "\(name)"]) }
        }
    }
}
