import CirrusModel
import CirrusStore
import Foundation

/// What `updateVirtualMachine` changes; nil leaves a field alone.
public struct InstanceUpdate: Sendable {
    public var displayName: String?
    public var hostName: String?
    public var group: String?
    public var haEnabled: Bool?
    public var osTypeID: UUID?
    public var userData: String?
    public var displayVM: Bool?
    public var dynamicallyScalable: Bool?
    public var details: [String: String]?
    public var cleanupDetails = false

    public init() {}
}

extension InstanceService {
    /// Resolves an admin's `hostid`, `podid` and `clusterid` to internal ids.
    public func hints(hostID: UUID?, podID: UUID?, clusterID: UUID?) async throws -> PlacementHints {
        try await db.read { sql in
            PlacementHints(hostID: try await hostID.asyncMap { try await Lookup.host(sql, $0).id },
                           podID: try await podID.asyncMap { try await Lookup.pod(sql, $0).id },
                           clusterID: try await clusterID.asyncMap { try await Lookup.cluster(sql, $0).id })
        }
    }

    /// Checks an expunge before its job is queued.
    public func checkExpunge(caller: Caller, _ vm: VirtualMachine) async throws {
        guard try await mayExpungeOrRecover(caller) else {
            throw CloudError.permissionDenied("Parameter expunge can be passed by Admin only. Or when the allow.user.expunge.recover.vm key is set.")
        }
        guard vm.state == .destroyed || vm.state == .error else {
            throw CloudError.invalidParameter("Unable to expunge VM instance \(vm.instanceName): it is \(vm.state.rawValue); destroy it first")
        }
    }

    /// Changes an instance's names, group, flags, OS type, user data or details.
    public func update(_ vm: VirtualMachine, caller: Caller, _ u: InstanceUpdate) async throws -> VirtualMachine {
        var changes = VirtualMachineChanges()
        if let name = u.hostName, name != vm.hostName {
            try Self.validateHostName(name)
            guard vm.state == .stopped else { throw CloudError.invalidParameter("The host name of VM instance \(vm.instanceName) can only be changed while it is Stopped") }
            changes.hostName = name
        }
        if let d = u.displayName {
            guard !d.isEmpty, d.count <= 255 else { throw CloudError.invalidParameter("The display name must have 1 to 255 characters") }
            changes.displayName = d
        }
        if let g = u.group { changes.group = .some(g.isEmpty ? nil : g) }
        if let h = u.haEnabled { changes.haEnabled = h }
        if let d = u.displayVM { changes.displayVM = d }
        if let s = u.dynamicallyScalable { changes.dynamicallyScalable = s }
        if let data = u.userData {
            guard Data(base64Encoded: data) != nil else { throw CloudError.invalidParameter("User data is not base64 encoded") }
            changes.userData = .some(data)
        }
        if u.cleanupDetails { changes.details = [:] } else if let d = u.details { changes.details = vm.details.merging(d) { _, new in new } }
        let osTypeID = u.osTypeID
        let planned = changes
        let fresh = try await db.transaction { sql in
            var changes = planned
            if let os = osTypeID {
                guard let type = try await OSTypeRepository.find(sql, uuid: os) else { throw CloudError.invalidParameter("Unable to find OS type by id \(os.uuidString.lowercased())") }
                changes.osTypeID = type.id
            }
            try await VirtualMachineRepository.update(sql, id: vm.id, changes)
            try await self.events.record(sql, type: EventType.vmUpdate, state: .completed, description: "Updated VM instance \(vm.instanceName)",
                                         userID: caller.user.id, accountID: vm.accountID, domainID: vm.domainID, resource: Self.resource(vm))
            return try await VirtualMachineRepository.find(sql, id: vm.id)
        }
        guard let fresh else { throw CloudError.invalidParameter("Unable to find virtual machine by id \(vm.uuid.uuidString.lowercased())") }
        return fresh
    }
}
