import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import SQLKit

extension InstanceService {
    /// The offering an instance is asked to take, and the shape it gives, checked as CloudStack
    /// does for both changeServiceForVirtualMachine and scaleVirtualMachine.
    func resolveOfferingChange(_ sql: any SQLDatabase, _ vm: VirtualMachine, offeringID: UUID, details: [String: String]) async throws -> (ServiceOffering, InstanceShape) {
        guard let offering = try await ServiceOfferingRepository.find(sql, uuid: offeringID), !offering.isSystem else {
            throw CloudError.invalidParameter("Unable to find service offering by id \(offeringID.uuidString.lowercased())")
        }
        guard offering.state == .active else { throw CloudError.invalidParameter("Service offering \(offering.name) is not active") }
        guard let owner = try await AccountRepository.find(sql, id: vm.accountID), let domain = try await DomainRepository.find(sql, id: owner.domainID),
              let zone = try await ZoneRepository.find(sql, id: vm.zoneID) else { throw CloudError.internalError() }
        try await Self.checkOfferingScope(sql, kind: .service, id: offering.id, name: "Service offering \(offering.name)", owner: owner, domain: domain, zone: zone)
        let shape = try InstanceShape.resolve(offering: offering, details: details)
        if offering.id == vm.serviceOfferingID && !offering.isCustomized {
            throw CloudError.invalidParameter("Not upgrading vm \(vm.instanceName) since it already has the requested service offering (\(offering.name))")
        }
        return (offering, shape)
    }

    /// changeServiceForVirtualMachine: a Stopped instance takes another compute offering
    /// (with `details` cpuNumber/cpuSpeed/memory for custom offerings). Nothing is reserved
    /// on a host while it is Stopped; the next start places it with the new shape.
    public func changeService(_ vm: VirtualMachine, caller: Caller, offeringID: UUID, details: [String: String]) async throws -> VirtualMachine {
        guard vm.state == .stopped else {
            throw CloudError.invalidParameter("Unable to upgrade virtual machine \(vm.instanceName) in state \(vm.state.rawValue); make sure the virtual machine is stopped")
        }
        return try await db.transaction { sql in
            let (offering, shape) = try await self.resolveOfferingChange(sql, vm, offeringID: offeringID, details: details)
            var changes = VirtualMachineChanges()
            changes.serviceOfferingID = offering.id; changes.cpu = shape.cpu; changes.cpuSpeed = shape.cpuSpeed; changes.memory = shape.memory
            guard try await VirtualMachineRepository.transition(sql, id: vm.id, from: .stopped, to: .stopped, changes) else {
                throw CloudError(.resourceInUse, "VM instance \(vm.instanceName) is being changed by another operation; try again", csCode: .concurrentOperation)
            }
            // A Stopped instance counts its cores and memory: the counts follow the new shape
            // (growth is checked against the limits; shrinking gives back without a check).
            let deltas = Self.shapeDeltas(vm, shape)
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

    /// The change in counted cores and memory (MiB) from `vm`'s shape to `shape`.
    static func shapeDeltas(_ vm: VirtualMachine, _ shape: InstanceShape) -> [ResourceType: Int64] {
        [.cpu: Int64(shape.cpu - vm.cpu), .memory: shape.memory - vm.memory].filter { $0.value != 0 }
    }

    /// Checks a `scaleVirtualMachine` before its job is queued: a Stopped instance takes any
    /// offering (as changeServiceForVirtualMachine); a Running one only grows, in place, when
    /// dynamic scaling is on for its zone, the instance and the offering.
    public func checkScale(_ vm: VirtualMachine, offeringID: UUID, details: [String: String]) async throws {
        guard vm.state == .stopped || vm.state == .running else {
            throw CloudError.invalidParameter("Unable to scale VM instance \(vm.instanceName) in state \(vm.state.rawValue); it must be Running or Stopped")
        }
        let (offering, shape) = try await db.read { sql in try await self.resolveOfferingChange(sql, vm, offeringID: offeringID, details: details) }
        guard vm.state == .running else { return }
        guard try await config.bool(Settings.enableDynamicScale, in: ScopeChain([(.zone, vm.zoneID)])) else {
            throw CloudError.invalidParameter("Dynamically scaling virtual machines is disabled for this zone, please contact your admin")
        }
        guard vm.dynamicallyScalable else {
            throw CloudError.invalidParameter("Unable to scale the vm: \(vm.instanceName) as vm does not have tools to support dynamic scaling")
        }
        guard offering.dynamicScalingEnabled else {
            throw CloudError.invalidParameter("Unable to scale the vm: \(vm.instanceName) as the service offering \(offering.name) has dynamic scaling disabled")
        }
        let grows = shape.cpu > vm.cpu || shape.memory > vm.memory || shape.cpuSpeed > vm.cpuSpeed
        guard grows, shape.cpu >= vm.cpu, shape.memory >= vm.memory, shape.cpuSpeed >= vm.cpuSpeed else {
            throw CloudError.invalidParameter("Only scaling up the vm is supported, new service offering(speed=\(shape.cpuSpeed),cpu=\(shape.cpu),memory=\(shape.memory)) "
                + "should have at least one value (cpu/ram) greater than old value and no resource value less than older(speed=\(vm.cpuSpeed),cpu=\(vm.cpu),memory=\(vm.memory))")
        }
    }

    /// `scaleVirtualMachine`. Running: the growth is reserved on the instance's host (within its
    /// overprovisioned capacity) and against the limits, the host hot-plugs it, and only then
    /// does the instance take the offering; a refusal gives both back. Stopped: as
    /// ``changeService(_:caller:offeringID:details:)``.
    public func scale(_ vm: VirtualMachine, caller: Caller, offeringID: UUID, details: [String: String]) async throws -> VirtualMachine {
        try await checkScale(vm, offeringID: offeringID, details: details)
        if vm.state == .stopped { return try await changeService(vm, caller: caller, offeringID: offeringID, details: details) }
        guard let hostID = vm.hostID else { throw CloudError.internalError("VM instance \(vm.instanceName) is Running without a host") }
        let (offering, shape) = try await db.read { sql in try await self.resolveOfferingChange(sql, vm, offeringID: offeringID, details: details) }
        let cpuDelta = Int64(shape.cpu) * shape.cpuSpeed - vm.cpuDemand
        let memoryDelta = shape.memory * 1_048_576 - vm.memoryDemand
        let deltas = Self.shapeDeltas(vm, shape)
        guard let hostLimits = try await placement.hostLimits(hostID) else {
            throw CloudError(.insufficientCapacity, "Unable to scale VM instance \(vm.instanceName): its host is not available", csCode: .insufficientCapacity)
        }
        try await db.transaction { sql in
            try await self.limits.reserve(sql, accountID: vm.accountID, deltas.filter { $0.value > 0 })
            guard try await self.placement.resizeOnHost(sql, hostID: hostID, cpu: cpuDelta, memory: memoryDelta, limits: hostLimits) else {
                throw CloudError(.insufficientCapacity, "Unable to scale VM instance \(vm.instanceName): its host has no capacity for the new offering \(offering.name)",
                                 csCode: .insufficientCapacity)
            }
        }
        placement.recordHost(hostID, cpu: cpuDelta, memory: memoryDelta)
        let answer: Answer
        do {
            answer = try await agents.send(.scaleInstance(ScaleInstanceCommand(name: vm.instanceName, cpus: shape.cpu, speed: shape.cpuSpeed, memory: shape.memory * 1_048_576)),
                                           to: hostID, timeout: .seconds(120))
        } catch let error as CloudError {
            answer = .failure(error.message)
        }
        guard answer.result else {
            try await db.transaction { sql in
                _ = try await self.placement.resizeOnHost(sql, hostID: hostID, cpu: -cpuDelta, memory: -memoryDelta)
                try await self.limits.release(sql, accountID: vm.accountID, deltas.filter { $0.value > 0 })
            }
            placement.recordHost(hostID, cpu: -cpuDelta, memory: -memoryDelta)
            throw CloudError.internalError("Failed to scale VM instance \(vm.instanceName): \(answer.details.isEmpty ? "the host refused" : answer.details)")
        }
        let updated = try await db.transaction { sql -> VirtualMachine? in
            var changes = VirtualMachineChanges()
            changes.serviceOfferingID = offering.id; changes.cpu = shape.cpu; changes.cpuSpeed = shape.cpuSpeed; changes.memory = shape.memory
            guard try await VirtualMachineRepository.transition(sql, id: vm.id, from: .running, to: .running, changes) else { return nil }
            try await self.recordUsage(sql, UsageEventType.vmUpgrade, vm)
            return try await VirtualMachineRepository.find(sql, id: vm.id)
        }
        guard let updated else {
            // Stopped behind our back meanwhile: the stop gave back the old shape; give back the growth too.
            try await db.transaction { sql in
                _ = try await self.placement.resizeOnHost(sql, hostID: hostID, cpu: -cpuDelta, memory: -memoryDelta)
                try await self.limits.release(sql, accountID: vm.accountID, deltas.filter { $0.value > 0 })
            }
            placement.recordHost(hostID, cpu: -cpuDelta, memory: -memoryDelta)
            throw CloudError(.resourceInUse, "VM instance \(vm.instanceName) changed state while it was being scaled; try again", csCode: .concurrentOperation)
        }
        return updated
    }
}
