import CirrusModel
import CirrusStore
import Foundation
import SQLKit

extension GuestNetworkService {
    /// A guest MAC address: CloudStack's locally administered `02:00:…` prefix and 32 random
    /// bits (unique per network by index; a clash is retried by the caller's transaction).
    static func newMACAddress() -> String {
        let v = UInt32.random(in: 0...UInt32.max)
        return String(format: "02:00:%02x:%02x:%02x:%02x", (v >> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff)
    }

    /// Takes a guest address on `network` — `requested` if given, else one chosen at random
    /// among the free ones as CloudStack's guest guru does — and records it in the network's
    /// address book. Concurrent callers (on any management server) never get the same address;
    /// an exhausted network is CloudStack's insufficient-capacity error.
    static func takeGuestAddress(_ sql: any SQLDatabase, network n: Network, requested: String?, nicID: Int64?,
                                 purpose: NicRepository.AddressPurpose = .nic) async throws -> IPv4Address? {
        guard n.guestType != .l2, let range = n.guestRange else {
            if let requested { throw CloudError.invalidParameter("Network \(n.name) has no IPv4 addressing; \(requested) cannot be given") }
            return nil
        }
        let gateway = n.gateway.flatMap(IPv4Address.init)
        let now = Date()
        if let requested {
            guard let ip = IPv4Address(requested) else { throw CloudError.invalidParameter("Invalid IPv4 address \(requested)") }
            guard range.contains(ip), ip != gateway else {
                throw CloudError.invalidParameter("IP address \(ip) is not in the guest range \(range) of network \(n.name)")
            }
            guard try await NicRepository.claim(sql, networkID: n.id, address: ip, nicID: nicID, purpose: purpose, at: now) else {
                throw CloudError(.insufficientCapacity, "The requested IP address \(ip) is already in use in network \(n.name)", csCode: .insufficientCapacity)
            }
            return ip
        }
        var taken = try await NicRepository.takenAddresses(sql, networkID: n.id)
        if let gateway { taken.insert(gateway.number) }
        let numbers = range.numbers
        // Random probes first (cheap while the network has room), then every free address in random order.
        for _ in 0..<48 where Int64(taken.count) < range.count {
            let candidate = Int64.random(in: numbers)
            if taken.contains(candidate) { continue }
            let ip = IPv4Address(UInt32(candidate))
            if try await NicRepository.claim(sql, networkID: n.id, address: ip, nicID: nicID, purpose: purpose, at: now) { return ip }
            taken.insert(candidate)
        }
        for candidate in numbers.lazy.filter({ !taken.contains($0) }).shuffled() {
            let ip = IPv4Address(UInt32(candidate))
            if try await NicRepository.claim(sql, networkID: n.id, address: ip, nicID: nicID, purpose: purpose, at: now) { return ip }
        }
        throw CloudError(.insufficientCapacity, "Unable to acquire Guest IP address for network \(n.name)", csCode: .insufficientCapacity)
    }

    /// Writes one NIC per network for a new instance (the first is the default), each with a
    /// guest address where the network has addressing. `requested` maps a network to an address.
    static func allocateNics(_ sql: any SQLDatabase, instanceID: Int64, networks: [Network], requested: [Int64: String] = [:],
                             firstDeviceID: Int = 0, defaultIndex: Int? = 0) async throws -> [Nic] {
        var out: [Nic] = []
        for (i, n) in networks.enumerated() {
            out.append(try await allocateNic(sql, instanceID: instanceID, network: n, requested: requested[n.id], deviceID: firstDeviceID + i,
                                             isDefault: defaultIndex == i))
        }
        return out
    }

    /// Writes one NIC of an instance on `network`, with its guest address.
    static func allocateNic(_ sql: any SQLDatabase, instanceID: Int64, network n: Network, requested: String?, deviceID: Int, isDefault: Bool,
                            ownerType: NicOwnerType = .user) async throws -> Nic {
        let ip = try await takeGuestAddress(sql, network: n, requested: requested, nicID: nil, purpose: ownerType == .user ? .nic : .router)
        let netmask = n.cidr.flatMap { IPv4CIDR($0) }?.netmask
        var nic = Nic(ownerType: ownerType, instanceID: instanceID, networkID: n.id, macAddress: newMACAddress(), ipv4Address: ip?.description,
                      netmask: ip == nil ? nil : netmask, gateway: ip == nil ? nil : n.gateway, broadcastURI: n.broadcastURI, isolationURI: n.broadcastURI,
                      deviceID: deviceID, isDefault: isDefault, state: .allocated)
        if let v6 = slaac(network: n, mac: nic.macAddress) {
            nic.ipv6Address = v6.address; nic.ipv6CIDR = v6.cidr; nic.ipv6Gateway = v6.gateway
        }
        nic = try await NicRepository.insert(sql, nic)
        if let ip { try await NicRepository.assign(sql, networkID: n.id, address: ip.description, nicID: nic.id) }
        // A new DHCP entry for the routers.
        if ownerType == .user { try await RouterRepository.bumpGeneration(sql, networkID: n.id) }
        return nic
    }

    /// Raises the router document generation of every network an instance has a NIC on (its
    /// DHCP entry, metadata, keys or password changed).
    static func touchRouters(_ sql: any SQLDatabase, instanceID: Int64) async throws {
        for networkID in Set((try await NicRepository.of(sql, instanceIDs: [instanceID])[instanceID] ?? []).map(\.networkID)) {
            try await RouterRepository.bumpGeneration(sql, networkID: networkID)
        }
    }

    /// Removes every NIC of an instance and gives their addresses back (expunge, a failed deploy).
    static func releaseNics(_ sql: any SQLDatabase, instanceID: Int64, ownerType: NicOwnerType = .user) async throws {
        let now = Date()
        // Rules pointing at an instance's addresses go with its NICs.
        if ownerType == .user { try await PublicIPService.removeRules(sql, instanceID: instanceID) }
        for nic in try await NicRepository.of(sql, ownerType: ownerType, instanceIDs: [instanceID])[instanceID] ?? [] {
            try await NicRepository.remove(sql, nicID: nic.id, at: now)
            if ownerType == .user { try await RouterRepository.bumpGeneration(sql, networkID: nic.networkID) }
        }
    }
}
