import CirrusModel
import CirrusStore
import Foundation
import SQLKit

extension InstanceService {
    /// What a restore will use, checked before anything changes.
    public struct RestorePlan: Sendable {
        var template: Template
        var rootSize: Int64
    }

    /// Checks a `restoreVirtualMachine` before its job is queued (and again when it runs).
    public func checkRestore(_ vm: VirtualMachine, caller: Caller, templateID: UUID?, rootDiskSizeGB: Int64?) async throws -> RestorePlan {
        guard vm.state == .running || vm.state == .stopped else {
            throw CloudError.invalidParameter("Cannot restore VM instance \(vm.instanceName): it is \(vm.state.rawValue); only Running or Stopped instances can be restored")
        }
        return try await db.read { sql in
            if try await !VMSnapshotRepository.of(sql, instanceID: vm.id).isEmpty {
                throw CloudError.invalidParameter("Unable to restore VM, please specify a VM that does not have VM snapshots")
            }
            let template: Template
            if let templateID {
                guard let t = try await TemplateRepository.find(sql, uuid: templateID) else {
                    throw CloudError.invalidParameter("Cannot find template with ID \(templateID.uuidString.lowercased())")
                }
                template = t
            } else {
                guard let id = vm.templateID, let t = try await TemplateRepository.find(sql, id: id) else {
                    throw CloudError.invalidParameter("Cannot restore VM instance \(vm.instanceName): it has no template; give templateid")
                }
                template = t
            }
            guard template.format != .iso else {
                throw CloudError.invalidParameter("Restoring from an ISO is not supported; give a template id")
            }
            guard let owner = try await AccountRepository.find(sql, id: vm.accountID), let zone = try await ZoneRepository.find(sql, id: vm.zoneID) else {
                throw CloudError.internalError()
            }
            try await self.checkTemplateAccess(sql, caller: caller, template: template, owner: owner)
            let templateSize = try await self.readyTemplateSize(sql, template, zone: zone)
            guard let root = try await VolumeRepository.of(sql, instanceID: vm.id).first(where: { $0.type == .root }),
                  let offering = try await root.diskOfferingID.asyncMap({ try await DiskOfferingRepository.find(sql, id: $0) }) ?? nil else {
                throw CloudError.internalError("VM instance \(vm.instanceName) has no ROOT volume to restore")
            }
            return RestorePlan(template: template, rootSize: try Self.rootSize(templateSize: templateSize, offering: offering, requestedGB: rootDiskSizeGB))
        }
    }

    /// `restoreVirtualMachine`: the instance gets a new ROOT volume from its template (or
    /// `templateID`); the old one is detached and destroyed (removed at once with `expunge`).
    /// A Running instance is stopped first and started again on the new disk. Counts and usage
    /// move from the old ROOT volume to the new one in the same transaction as the swap.
    public func restore(_ vm: VirtualMachine, caller: Caller, templateID: UUID?, rootDiskSizeGB: Int64?, expunge: Bool) async throws -> VirtualMachine {
        let plan = try await checkRestore(vm, caller: caller, templateID: templateID, rootDiskSizeGB: rootDiskSizeGB)
        let wasRunning = vm.state == .running
        var current = vm
        if wasRunning { current = try await stop(current) }
        let stopped = current
        let now = Date()
        let oldRoot = try await db.transaction { sql -> Volume in
            guard let old = try await VolumeRepository.of(sql, instanceID: stopped.id).first(where: { $0.type == .root }),
                  let destroyed = VolumeStateMachine.next(old.state, on: .destroyRequested) else {
                throw CloudError.internalError("VM instance \(stopped.instanceName) has no ROOT volume in a state that can be replaced")
            }
            var changes = VirtualMachineChanges()
            changes.templateID = .some(plan.template.id)
            guard try await VirtualMachineRepository.transition(sql, id: stopped.id, from: .stopped, to: .stopped, changes) else {
                throw CloudError(.resourceInUse, "VM instance \(stopped.instanceName) is being changed by another operation; try again", csCode: .concurrentOperation)
            }
            var detach = VolumeChanges()
            detach.instanceID = .some(nil); detach.deviceID = .some(nil); detach.attached = .some(nil); detach.destroyed = now
            guard try await VolumeRepository.transition(sql, id: old.id, from: old.state, to: destroyed, detach) else {
                throw CloudError(.resourceInUse, "The ROOT volume of VM instance \(stopped.instanceName) is busy; try again", csCode: .concurrentOperation)
            }
            if old.state.countsAgainstLimits {
                try await self.limits.release(sql, accountID: old.accountID, ResourceLimitService.volumeDeltas(sizeBytes: old.size))
            }
            try await self.recordUsage(sql, UsageEventType.volumeDelete, old)
            let fresh = try await VolumeRepository.insert(sql, Volume(name: "ROOT-\(stopped.id)", type: .root, accountID: stopped.accountID, domainID: stopped.domainID,
                                                                      zoneID: stopped.zoneID, instanceID: stopped.id, deviceID: 0, diskOfferingID: old.diskOfferingID,
                                                                      templateID: plan.template.id, size: plan.rootSize, provisioningType: old.provisioningType,
                                                                      format: plan.template.format.rawValue, hypervisorType: stopped.hypervisorType, created: now))
            try await self.limits.reserve(sql, accountID: stopped.accountID, ResourceLimitService.volumeDeltas(sizeBytes: fresh.size))
            try await self.recordUsage(sql, UsageEventType.volumeCreate, fresh)
            var out = old
            out.state = destroyed; out.instanceID = nil; out.deviceID = nil; out.destroyed = now
            return out
        }
        if expunge {
            try await volumes.remove(oldRoot, caller: caller, eventType: nil)
        }
        guard var restored = try await db.read({ sql in try await VirtualMachineRepository.find(sql, id: vm.id) }) else { throw CloudError.internalError() }
        if wasRunning {
            restored = try await start(restored, caller: caller)
        }
        return restored
    }
}
