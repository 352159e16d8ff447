import CirrusModel
import CirrusStore
import Foundation
import SQLKit

extension GuestNetworkService {
    /// An instance the caller may operate on (a user instance, not expunged).
    static func ownedInstance(_ sql: any SQLDatabase, caller: Caller, id: UUID) async throws -> VirtualMachine {
        guard let vm = try await VirtualMachineRepository.find(sql, uuid: id), vm.type == .user, vm.state != .expunging else {
            throw CloudError.invalidParameter("Unable to find virtual machine with id \(id.uuidString.lowercased())")
        }
        try await Ownership.checkAccess(sql, caller: caller, accountID: vm.accountID, domainID: vm.domainID, resource: "instance \(vm.displayName)")
        return vm
    }

    /// A NIC of a user instance the caller may operate on, with its instance.
    static func ownedNic(_ sql: any SQLDatabase, caller: Caller, id: UUID) async throws -> (Nic, VirtualMachine) {
        guard let nic = try await NicRepository.find(sql, uuid: id), nic.ownerType == .user,
              let vm = try await VirtualMachineRepository.find(sql, id: nic.instanceID) else {
            throw CloudError.invalidParameter("Unable to find NIC with id \(id.uuidString.lowercased())")
        }
        try await Ownership.checkAccess(sql, caller: caller, accountID: vm.accountID, domainID: vm.domainID, resource: "instance \(vm.displayName)")
        return (nic, vm)
    }

    /// The instance a NIC command works on, checked (for job plans).
    public func nicTarget(caller: Caller, instanceID: UUID?, nicID: UUID?) async throws -> VirtualMachine {
        try await db.read { sql in
            if let nicID {
                let (nic, vm) = try await Self.ownedNic(sql, caller: caller, id: nicID)
                if let instanceID, instanceID != vm.uuid {
                    throw CloudError.invalidParameter("NIC \(nic.uuid.uuidString.lowercased()) does not belong to instance \(instanceID.uuidString.lowercased())")
                }
                return vm
            }
            guard let instanceID else { throw CloudError.invalidParameter("Give virtualmachineid or nicid") }
            return try await Self.ownedInstance(sql, caller: caller, id: instanceID)
        }
    }

    static func requireStates(_ vm: VirtualMachine, _ states: Set<VirtualMachineState>, _ action: String) throws {
        guard states.contains(vm.state) else {
            throw CloudError.invalidParameter("Unable to \(action): instance \(vm.displayName) is \(vm.state.rawValue); it must be \(states.map(\.rawValue).sorted().joined(separator: " or "))")
        }
    }

    /// `addNicToVirtualMachine`: a NIC on another network the instance's owner may use (own,
    /// domain-wide or granted), with a given or random address and MAC. On a Running instance
    /// the network is implemented first (the NIC is hot-plugged by the next issue's datapath).
    public func addNic(caller: Caller, instanceID: UUID, networkID: UUID, address: String?, mac: String?) async throws -> VirtualMachine {
        if let mac, !Self.isUnicastMAC(mac) { throw CloudError.invalidParameter("Mac address is not valid: \(mac)") }
        // Every check runs before the network is implemented for a running instance, so a
        // refused call never takes a VNI or a source NAT address; the transaction repeats them.
        let (vm, n) = try await db.read { sql -> (VirtualMachine, Network) in
            let vm = try await Self.ownedInstance(sql, caller: caller, id: instanceID)
            guard let n = try await NetworkRepository.find(sql, uuid: networkID) else { throw Self.notFound(networkID) }
            try await Self.checkAddNic(sql, vm: vm, network: n, address: address, mac: mac)
            return (vm, n)
        }
        try Self.requireStates(vm, [.running, .stopped], "add a NIC")
        if vm.state == .running, n.state == .allocated { try await implement(networkID: n.id, hostID: vm.hostID) }
        return try await db.transaction { sql in
            guard let n = try await NetworkRepository.find(sql, id: n.id) else { throw Self.notFound(networkID) }
            // Another account's network is used by grant: its row lock orders this against a
            // concurrent removeNetworkPermissions (which takes the same lock), on PostgreSQL too.
            if n.accountID != vm.accountID { try await NetworkRepository.lockForRules(sql, id: n.id) }
            let nics = try await Self.checkAddNic(sql, vm: vm, network: n, address: address, mac: mac)
            var nic = try await Self.allocateNic(sql, instanceID: vm.id, network: n, requested: address, deviceID: (nics.map(\.deviceID).max() ?? -1) + 1,
                                                 isDefault: nics.isEmpty)
            if let mac {
                nic.macAddress = mac.lowercased()
                // The SLAAC address derives from the MAC: recompute it for the given one.
                if let v6 = Self.slaac(network: n, mac: nic.macAddress) {
                    nic.ipv6Address = v6.address; nic.ipv6CIDR = v6.cidr; nic.ipv6Gateway = v6.gateway
                }
                try await NicRepository.update(sql, nic)
            }
            if vm.state == .running {
                nic.state = .reserved
                nic.broadcastURI = n.broadcastURI
                nic.isolationURI = n.broadcastURI
                try await NicRepository.update(sql, nic)
            }
            return vm
        }
    }

    /// The checks of `addNicToVirtualMachine` (use, zone, one NIC per network, address form,
    /// MAC not taken); answers the instance's NICs.
    @discardableResult
    static func checkAddNic(_ sql: any SQLDatabase, vm: VirtualMachine, network n: Network, address: String?, mac: String?) async throws -> [Nic] {
        guard let owner = try await AccountRepository.find(sql, id: vm.accountID) else { throw CloudError.internalError() }
        try await checkUse(sql, network: n, account: owner)
        guard n.zoneID == vm.zoneID else { throw CloudError.invalidParameter("Network \(n.name) and instance \(vm.displayName) must be in the same zone") }
        let nics = try await NicRepository.of(sql, instanceIDs: [vm.id])[vm.id] ?? []
        if nics.contains(where: { $0.networkID == n.id }) {
            throw CloudError.invalidParameter("A NIC already exists for VM: \(vm.instanceName) in network: \(n.uuid.uuidString.lowercased())")
        }
        if let address {
            guard n.guestType != .l2, let range = n.guestRange else {
                throw CloudError.invalidParameter("Network \(n.name) has no IPv4 addressing; \(address) cannot be given")
            }
            guard let ip = IPv4Address(address) else { throw CloudError.invalidParameter("Invalid IPv4 address \(address)") }
            guard range.contains(ip), ip != n.gateway.flatMap(IPv4Address.init) else {
                throw CloudError.invalidParameter("IP address \(ip) is not in the guest range \(range) of network \(n.name)")
            }
            // Early word only: the claim in takeGuestAddress is what guarantees it.
            if try await NicRepository.takenAddresses(sql, networkID: n.id).contains(ip.number) {
                throw CloudError(.insufficientCapacity, "The requested IP address \(ip) is already in use in network \(n.name)", csCode: .insufficientCapacity)
            }
        }
        if let mac, try await NicRepository.on(sql, networkID: n.id).contains(where: { $0.macAddress == mac.lowercased() }) {
            throw CloudError.invalidParameter("The MAC address \(mac.lowercased()) is already in use in network \(n.name)")
        }
        return nics
    }

    /// `removeNicFromVirtualMachine`: not the default NIC, nor one with rules pointing at it.
    public func removeNic(caller: Caller, instanceID: UUID, nicID: UUID) async throws -> VirtualMachine {
        try await db.transaction { sql in
            let (nic, vm) = try await Self.ownedNic(sql, caller: caller, id: nicID)
            guard vm.uuid == instanceID else {
                throw CloudError.invalidParameter("NIC \(nicID.uuidString.lowercased()) does not belong to instance \(instanceID.uuidString.lowercased())")
            }
            try Self.requireStates(vm, [.running, .stopped], "remove a NIC")
            guard !nic.isDefault else {
                throw CloudError.invalidParameter("Unable to remove NIC \(nicID.uuidString.lowercased()) from instance \(vm.displayName): it is the default NIC")
            }
            let addresses = [nic.ipv4Address].compactMap { $0 } + ((try await NicRepository.secondaryIPs(sql, nicIDs: [nic.id]))[nic.id] ?? []).map(\.address)
            for ip in addresses {
                if let what = try await PublicIPService.rulesTargeting(sql, instanceID: vm.id, guestIP: ip) {
                    throw CloudError.invalidParameter("Unable to remove NIC \(nicID.uuidString.lowercased()): \(what) point at its address \(ip); remove them first")
                }
            }
            try await NicRepository.remove(sql, nicID: nic.id, at: Date())
            try await RouterRepository.bumpGeneration(sql, networkID: nic.networkID)
            return vm
        }
    }

    /// `updateDefaultNicForVirtualMachine`.
    public func updateDefaultNic(caller: Caller, instanceID: UUID, nicID: UUID) async throws -> VirtualMachine {
        try await db.transaction { sql in
            let (nic, vm) = try await Self.ownedNic(sql, caller: caller, id: nicID)
            guard vm.uuid == instanceID else {
                throw CloudError.invalidParameter("NIC \(nicID.uuidString.lowercased()) does not belong to instance \(instanceID.uuidString.lowercased())")
            }
            try Self.requireStates(vm, [.running, .stopped], "change the default NIC")
            guard !nic.isDefault else { throw CloudError.invalidParameter("NIC \(nicID.uuidString.lowercased()) is already the default NIC of instance \(vm.displayName)") }
            for var other in (try await NicRepository.of(sql, instanceIDs: [vm.id]))[vm.id] ?? [] {
                let wanted = other.id == nic.id
                guard other.isDefault != wanted else { continue }
                other.isDefault = wanted
                try await NicRepository.update(sql, other)
                try await RouterRepository.bumpGeneration(sql, networkID: other.networkID)
            }
            return vm
        }
    }

    /// `updateVmNicIp`: a new primary address on the same network (given or random) for a
    /// Stopped instance; the old one is given back. Refused while rules point at the old one.
    public func updateNicIP(caller: Caller, nicID: UUID, address: String?) async throws -> VirtualMachine {
        try await db.transaction { sql in
            var (nic, vm) = try await Self.ownedNic(sql, caller: caller, id: nicID)
            try Self.requireStates(vm, [.stopped], "update the NIC's address")
            guard let n = try await NetworkRepository.find(sql, id: nic.networkID) else { throw CloudError.internalError() }
            guard n.guestType != .l2, let old = nic.ipv4Address else {
                throw CloudError.invalidParameter("Network \(n.name) has no IPv4 addressing; its NICs have no address to update")
            }
            if address == old { throw CloudError.invalidParameter("The NIC already has the address \(old)") }
            if let what = try await PublicIPService.rulesTargeting(sql, instanceID: vm.id, guestIP: old) {
                throw CloudError.invalidParameter("Unable to change the address \(old): \(what) point at it; remove them first")
            }
            guard let ip = try await Self.takeGuestAddress(sql, network: n, requested: address, nicID: nic.id) else { throw CloudError.internalError() }
            try await NicRepository.release(sql, networkID: n.id, address: old)
            nic.ipv4Address = ip.description
            try await NicRepository.update(sql, nic)
            try await RouterRepository.bumpGeneration(sql, networkID: n.id)
            return vm
        }
    }

    /// `addIpToNic`: a secondary address on the NIC's network (given or random).
    public func addSecondaryIP(caller: Caller, nicID: UUID, address: String?) async throws -> NicSecondaryIP {
        try await db.transaction { sql in
            let (nic, vm) = try await Self.ownedNic(sql, caller: caller, id: nicID)
            guard let n = try await NetworkRepository.find(sql, id: nic.networkID) else { throw CloudError.internalError() }
            guard n.guestType != .l2 else { throw CloudError.invalidParameter("Network \(n.name) is an L2 network; it has no addresses to add to a NIC") }
            guard let ip = try await Self.takeGuestAddress(sql, network: n, requested: address, nicID: nic.id, purpose: .secondary) else {
                throw CloudError.internalError()
            }
            let secondary = try await NicRepository.insertSecondary(sql, NicSecondaryIP(nicID: nic.id, instanceID: vm.id, networkID: n.id, address: ip.description))
            try await RouterRepository.bumpGeneration(sql, networkID: n.id)
            return secondary
        }
    }

    /// A secondary address the caller may remove, with its instance (for job plans).
    public func secondaryIP(caller: Caller, id: UUID) async throws -> (NicSecondaryIP, VirtualMachine) {
        try await db.read { sql in try await Self.ownedSecondary(sql, caller: caller, id: id) }
    }

    static func ownedSecondary(_ sql: any SQLDatabase, caller: Caller, id: UUID) async throws -> (NicSecondaryIP, VirtualMachine) {
        guard let ip = try await NicRepository.secondaryIP(sql, uuid: id), let vm = try await VirtualMachineRepository.find(sql, id: ip.instanceID) else {
            throw CloudError.invalidParameter("Unable to find secondary IP address with id \(id.uuidString.lowercased())")
        }
        try await Ownership.checkAccess(sql, caller: caller, accountID: vm.accountID, domainID: vm.domainID, resource: "instance \(vm.displayName)")
        return (ip, vm)
    }

    /// `removeIpFromNic`: refused while rules point at the address.
    public func removeSecondaryIP(caller: Caller, id: UUID) async throws {
        try await db.transaction { sql in
            let (ip, vm) = try await Self.ownedSecondary(sql, caller: caller, id: id)
            if let what = try await PublicIPService.rulesTargeting(sql, instanceID: vm.id, guestIP: ip.address) {
                throw CloudError.invalidParameter("Can't remove the secondary IP address \(ip.address): \(what) point at it")
            }
            try await NicRepository.deleteSecondary(sql, id: ip.id)
            try await NicRepository.release(sql, networkID: ip.networkID, address: ip.address)
            try await RouterRepository.bumpGeneration(sql, networkID: ip.networkID)
        }
    }

    /// A unicast MAC written as six hex pairs.
    static func isUnicastMAC(_ text: String) -> Bool {
        let parts = text.split(separator: ":")
        guard parts.count == 6, let first = UInt8(parts[0], radix: 16) else { return false }
        return parts.allSatisfy { $0.count == 2 && UInt8($0, radix: 16) != nil } && first & 1 == 0 && text.lowercased() != "00:00:00:00:00:00"
    }
}

extension GuestNetworkService {
    /// The live network with internal id `id`.
    public func network(id: Int64) async throws -> Network {
        guard let n = try await db.read({ try await NetworkRepository.find($0, id: id) }) else { throw CloudError.internalError("Network \(id) is gone") }
        return n
    }
}
