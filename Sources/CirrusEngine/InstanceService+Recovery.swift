import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import SQLKit

extension InstanceService {
    /// Instances left in Starting, Stopping or Migrating by an operation that no longer runs:
    /// no queued or running job works on them (their job failed when its management server
    /// stopped, say). Power reconciliation leaves transitional instances to their operation,
    /// so without this they would hold their host's capacity forever.
    ///
    /// - Starting and Stopping: the host is told to stop the instance (best effort, as
    ///   CloudStack cleans up a failed start) and it becomes Stopped; volumes the start was
    ///   creating go back to Allocated.
    /// - Migrating: it stays on its source host as Running; power reconciliation then follows
    ///   what the hosts report (Stopped if the source no longer has it, an alert if another
    ///   host runs it).
    ///
    /// Host and pool allocations are then recomputed from the instances and volumes, so
    /// reservations an interrupted operation made are given back exactly. Returns how many
    /// instances were recovered.
    @discardableResult
    public func recoverStranded(now: Date = Date()) async throws -> Int {
        let (candidates, active) = try await db.read { sql in
            (try await VirtualMachineRepository.inStates(sql, [.starting, .stopping, .migrating]),
             try await JobRepository.activeInstances(sql, instanceType: "VirtualMachine"))
        }
        let stranded = candidates.filter { !active.contains($0.uuid.uuidString.lowercased()) }
        guard !stranded.isEmpty else { return 0 }
        var recovered = 0
        for vm in stranded {
            if vm.state != .migrating, let host = vm.hostID, agents.isConnected(hostID: host) {
                let answer = try? await agents.send(.stopInstance(StopInstanceCommand(name: vm.instanceName, forced: true)), to: host, timeout: .seconds(60))
                if answer?.result != true {
                    logger.warning("Could not stop a stranded instance on its host", metadata: ["vm": "\(vm.instanceName)", "host": "\(host)"])
                }
            }
            let moved = try await db.transaction { sql -> Bool in
                // The job check and this transition are separate: if an operation has picked the
                // instance up meanwhile, its state has moved on and the conditional update fails.
                guard try await JobRepository.activeInstances(sql, instanceType: "VirtualMachine").contains(vm.uuid.uuidString.lowercased()) == false else {
                    return false
                }
                let target: VirtualMachineState = vm.state == .migrating ? .running : .stopped
                var changes = VirtualMachineChanges()
                if target == .stopped { changes.hostID = .some(nil); changes.powerState = .off; changes.powerStateUpdated = now }
                guard try await VirtualMachineRepository.transition(sql, id: vm.id, from: vm.state, to: target, changes) else { return false }
                if vm.state == .starting {
                    for v in try await VolumeRepository.of(sql, instanceID: vm.id) where v.state == .creating {
                        var vc = VolumeChanges()
                        vc.poolID = .some(nil); vc.path = .some(nil)
                        try await VolumeRepository.transition(sql, id: v.id, from: .creating, to: .allocated, vc)
                    }
                }
                try await self.events.record(sql, type: EventType.vmPowerStateChange, state: .completed,
                                             description: "VM instance \(vm.instanceName) was left \(vm.state.rawValue) by an operation that no longer runs; it is now \(target.rawValue)",
                                             userID: vm.userID, accountID: vm.accountID, domainID: vm.domainID, resource: Self.resource(vm))
                return true
            }
            if moved { recovered += 1 }
        }
        if recovered > 0 {
            try await db.transaction { sql in try await AllocationRepository.recompute(sql) }
            placement.invalidate()
            logger.notice("Recovered instances stranded by interrupted operations", metadata: ["count": "\(recovered)"])
        }
        return recovered
    }

    /// Runs ``recoverStranded(now:)`` every minute on one management server at a time.
    public func startStrandedRecovery(serverID: String) -> PeriodicTask {
        PeriodicTask(name: "instance-stranded-recovery", db: db, serverID: serverID, singleton: true, logger: logger,
                     interval: { .seconds(60) },
                     body: { [self] in try await self.recoverStranded() })
    }
}
