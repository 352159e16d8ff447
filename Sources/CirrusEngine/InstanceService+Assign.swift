import CirrusModel
import CirrusStore
import Foundation
import SQLKit

extension InstanceService {
    /// `assignVirtualMachine`: an admin moves a Stopped instance, with its ROOT volume and
    /// attached data disks, to another account. The counts and usage move with it (the old
    /// owner's go down, the new owner's limits are checked); affinity groups and key pairs,
    /// which belong to the old account, are dropped. Everything happens in one transaction.
    /// NICs move too: the old ones go, and the instance gets NICs on `networkIDs` of the new
    /// owner (or the new owner's default isolated network).
    public func assign(_ vm: VirtualMachine, caller: Caller, accountName: String?, domainID: UUID?, networkIDs: [UUID] = []) async throws -> VirtualMachine {
        guard caller.isAdmin else {
            throw CloudError.permissionDenied("Only admins may move an instance to another account")
        }
        guard let accountName else { throw CloudError.invalidParameter("account must be specified to assign a VM to another account") }
        guard vm.state == .stopped else {
            throw CloudError.invalidParameter("VM is \(vm.state.rawValue), unable to move the vm \(vm.instanceName); stop it first")
        }
        let networkDefaults = try await networks.defaults()
        return try await db.transaction { sql in
            let newOwner = try await IdentityService.owner(sql, caller: caller, accountName: accountName, domainID: domainID)
            guard newOwner.id != vm.accountID else {
                throw CloudError.invalidParameter("The new account is the same as the old account. Account id =\(newOwner.uuid.uuidString.lowercased())")
            }
            guard newOwner.state == .enabled else {
                throw CloudError.invalidParameter("The new account owner \(newOwner.name) is disabled.")
            }
            guard newOwner.type != .project, let user = try await UserRepository.inAccount(sql, accountID: newOwner.id).first else {
                throw CloudError.invalidParameter("Account \(newOwner.name) has no user to own VM instance \(vm.instanceName)")
            }
            if try await !VMSnapshotRepository.of(sql, instanceID: vm.id).isEmpty {
                throw CloudError.invalidParameter("VM snapshots exist for VM \(vm.instanceName); remove them before assigning the VM to another account")
            }
            let volumes = try await VolumeRepository.of(sql, instanceID: vm.id)
            for v in volumes where try await !SnapshotRepository.of(sql, volumeID: v.id).isEmpty {
                throw CloudError.invalidParameter("Snapshots exists for volume: \(v.name), Detach volume or remove snapshots for volume before assigning VM to another user.")
            }
            if let templateID = vm.templateID, let template = try await TemplateRepository.find(sql, id: templateID) {
                try await self.checkTemplateAccess(sql, caller: caller, template: template, owner: newOwner)
            }
            let counted = volumes.filter { $0.state.countsAgainstLimits }
            let deltas = Self.limitDeltas(vm, volumes: counted)
            try await self.limits.release(sql, accountID: vm.accountID, deltas)
            try await self.limits.reserve(sql, accountID: newOwner.id, deltas)

            // Usage: the old owner stops paying where the new one starts.
            try await self.recordUsage(sql, UsageEventType.vmDestroy, vm)
            for v in volumes { try await self.recordUsage(sql, UsageEventType.volumeDelete, v) }
            var changes = VirtualMachineChanges()
            changes.accountID = newOwner.id; changes.domainID = newOwner.domainID; changes.userID = user.id
            changes.keyPairs = []
            if vm.userDataID != nil { changes.userDataID = .some(nil) }
            guard try await VirtualMachineRepository.transition(sql, id: vm.id, from: .stopped, to: .stopped, changes) else {
                throw CloudError(.resourceInUse, "VM instance \(vm.instanceName) is being changed by another operation; try again", csCode: .concurrentOperation)
            }
            try await AffinityGroupService.removeAll(sql, instanceID: vm.id)
            if let zone = try await ZoneRepository.find(sql, id: vm.zoneID) {
                try await GuestNetworkService.releaseNics(sql, instanceID: vm.id)
                let guestNetworks = try await self.networks.networksForDeploy(sql, caller: caller, owner: newOwner, zone: zone, ids: networkIDs,
                                                                              defaults: networkDefaults)
                _ = try await GuestNetworkService.allocateNics(sql, instanceID: vm.id, networks: guestNetworks)
            }
            for v in volumes {
                var vc = VolumeChanges()
                vc.accountID = newOwner.id; vc.domainID = newOwner.domainID
                try await VolumeRepository.update(sql, id: v.id, vc)
            }
            guard let moved = try await VirtualMachineRepository.find(sql, id: vm.id) else { throw CloudError.internalError() }
            try await self.recordUsage(sql, UsageEventType.vmCreate, moved)
            for v in try await VolumeRepository.of(sql, instanceID: vm.id) { try await self.recordUsage(sql, UsageEventType.volumeCreate, v) }
            try await self.events.record(sql, type: EventType.vmAssign, state: .completed,
                                         description: "Moved VM instance \(vm.instanceName) to account \(newOwner.name)",
                                         userID: caller.user.id, accountID: newOwner.id, domainID: newOwner.domainID, resource: Self.resource(moved))
            return moved
        }
    }
}
