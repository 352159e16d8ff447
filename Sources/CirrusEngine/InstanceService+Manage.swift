import CirrusModel
import CirrusStore
import Foundation

extension InstanceService {
    /// changeServiceForVirtualMachine: a Stopped instance takes another compute offering
    /// (with `details` cpuNumber/cpuSpeed/memory for custom offerings). Nothing is reserved
    /// on a host while it is Stopped; the next start places it with the new shape.
    public func changeService(_ vm: VirtualMachine, caller: Caller, offeringID: UUID, details: [String: String]) async throws -> VirtualMachine {
        guard vm.state == .stopped else {
            throw CloudError.invalidParameter("Unable to upgrade virtual machine \(vm.instanceName) in state \(vm.state.rawValue); make sure the virtual machine is stopped")
        }
        return try await db.transaction { sql in
            guard let offering = try await ServiceOfferingRepository.find(sql, uuid: offeringID), !offering.isSystem else {
                throw CloudError.invalidParameter("Unable to find service offering by id \(offeringID.uuidString.lowercased())")
            }
            guard offering.state == .active else { throw CloudError.invalidParameter("Service offering \(offering.name) is not active") }
            guard let owner = try await AccountRepository.find(sql, id: vm.accountID), let domain = try await DomainRepository.find(sql, id: owner.domainID),
                  let zone = try await ZoneRepository.find(sql, id: vm.zoneID) else { throw CloudError.internalError() }
            try await self.checkOfferingScope(sql, kind: .service, id: offering.id, name: "Service offering \(offering.name)", owner: owner, domain: domain, zone: zone)
            let shape = try InstanceShape.resolve(offering: offering, details: details)
            if offering.id == vm.serviceOfferingID && !offering.isCustomized {
                throw CloudError.invalidParameter("Not upgrading vm \(vm.instanceName) since it already has the requested service offering (\(offering.name))")
            }
            var changes = VirtualMachineChanges()
            changes.serviceOfferingID = offering.id; changes.cpu = shape.cpu; changes.cpuSpeed = shape.cpuSpeed; changes.memory = shape.memory
            guard try await VirtualMachineRepository.transition(sql, id: vm.id, from: .stopped, to: .stopped, changes) else {
                throw CloudError(.resourceInUse, "VM instance \(vm.instanceName) is being changed by another operation; try again", csCode: .concurrentOperation)
            }
            // A Stopped instance counts its cores and memory: the counts follow the new shape
            // (growth is checked against the limits; shrinking gives back without a check).
            let deltas: [ResourceType: Int64] = [.cpu: Int64(shape.cpu - vm.cpu), .memory: shape.memory - vm.memory].filter { $0.value != 0 }
            try await self.limits.reserve(sql, accountID: vm.accountID, deltas.filter { $0.value > 0 })
            try await self.limits.release(sql, accountID: vm.accountID, deltas.filter { $0.value < 0 })
            try await self.recordUsage(sql, UsageEventType.vmUpgrade, vm)
            try await self.events.record(sql, type: EventType.vmUpgrade, state: .completed,
                                         description: "Changed the service offering of VM instance \(vm.instanceName) to \(offering.name)",
                                         userID: caller.user.id, accountID: vm.accountID, domainID: vm.domainID, resource: Self.resource(vm))
            guard let updated = try await VirtualMachineRepository.find(sql, id: vm.id) else { throw CloudError.internalError() }
            return updated
        }
    }
}
