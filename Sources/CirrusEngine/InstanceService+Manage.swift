import CirrusModel
import CirrusStore
import Foundation
import SQLKit

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
            var cpu = offering.cpuNumber ?? 0, speed = Int64(offering.cpuSpeed ?? 0), memory = Int64(offering.memory ?? 0)
            if offering.isCustomized {
                let lower = Dictionary(details.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
                func number(_ key: String) throws -> Int64? {
                    guard let text = lower[key.lowercased()] else { return nil }
                    guard let n = Int64(text), n > 0 else { throw CloudError.invalidParameter("Invalid \(key) value \(text) for the custom offering") }
                    return n
                }
                if offering.cpuNumber == nil { guard let n = try number("cpuNumber") else { throw Self.customMissing }; cpu = Int(n) }
                if offering.cpuSpeed == nil { guard let n = try number("cpuSpeed") else { throw Self.customMissing }; speed = n }
                if offering.memory == nil { guard let n = try number("memory") else { throw Self.customMissing }; memory = n }
                if let low = offering.minCPUNumber, let high = offering.maxCPUNumber, cpu < low || cpu > high {
                    throw CloudError.invalidParameter("The number of CPUs must be between \(low) and \(high)")
                }
                if let low = offering.minMemory, let high = offering.maxMemory, memory < Int64(low) || memory > Int64(high) {
                    throw CloudError.invalidParameter("The memory must be between \(low) and \(high) MB")
                }
            }
            guard cpu > 0, speed > 0, memory > 0 else { throw Self.customMissing }
            if offering.id == vm.serviceOfferingID && !offering.isCustomized {
                throw CloudError.invalidParameter("Not upgrading vm \(vm.instanceName) since it already has the requested service offering (\(offering.name))")
            }
            var changes = VirtualMachineChanges()
            changes.serviceOfferingID = offering.id; changes.cpu = cpu; changes.cpuSpeed = speed; changes.memory = memory
            guard try await VirtualMachineRepository.transition(sql, id: vm.id, from: .stopped, to: .stopped, changes) else {
                throw CloudError(.resourceInUse, "VM instance \(vm.instanceName) is being changed by another operation; try again", csCode: .concurrentOperation)
            }
            try await self.events.record(sql, type: EventType.vmUpgrade, state: .completed,
                                         description: "Changed the service offering of VM instance \(vm.instanceName) to \(offering.name)",
                                         userID: caller.user.id, accountID: vm.accountID, domainID: vm.domainID, resource: Self.resource(vm))
            guard let updated = try await VirtualMachineRepository.find(sql, id: vm.id) else { throw CloudError.internalError() }
            return updated
        }
    }
}
