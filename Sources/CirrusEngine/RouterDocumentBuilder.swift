import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import SQLKit

/// Computes a router's ``RouterDocument`` from the database, in one place and a fixed number
/// of queries whatever the size of the network (the network and its offering, zone and
/// ranges; its NICs; their instances, offerings, key pairs and secondary addresses in batches;
/// its public addresses; its rules, see ``ruleSections(_:network:addresses:into:)``), then O(n)
/// work over the rows.
enum RouterDocumentBuilder {
    /// The document of the router with `routerID`, or nil when it has no network or VPC (gone).
    static func build(_ sql: any SQLDatabase, routerID: Int64) async throws -> RouterDocument? {
        guard let r = try await RouterRepository.find(sql, id: routerID) else { return nil }
        if let vpcID = r.vpcID { return try await buildVPC(sql, router: r, vpcID: vpcID) }
        guard let networkID = r.networkID, let n = try await NetworkRepository.find(sql, id: networkID) else { return nil }
        let offering = try await NetworkOfferingRepository.find(sql, id: n.networkOfferingID)
        let zone = try await ZoneRepository.find(sql, id: n.zoneID)
        let addresses = try await PublicIPRepository.of(sql, networkID: n.id).filter { $0.state == .allocated || $0.state == .allocating }

        var doc = RouterDocument(
            generation: r.documentGeneration,
            router: .init(uuid: r.uuid.uuidString.lowercased(), name: r.name, kind: n.guestType == .shared ? .sharedDhcp : .isolated,
                          networkUUID: n.uuid.uuidString.lowercased(),
                          role: r.isRedundant ? (r.redundantState == .backup ? .backup : .primary) : .none, vrrpPriority: r.priority),
            egress: .init(defaultAllow: offering?.egressDefaultPolicy ?? true))
        try await guestSections(sql, router: r, network: n, zone: zone, addresses: addresses, into: &doc)
        try await publicInterface(sql, router: r, addresses: addresses, mtu: n.publicMTU, into: &doc)
        try await publicIPv6(sql, network: n, into: &doc)
        if let linkLocal = r.linkLocalIP {
            doc.interfaces.append(.init(role: .control, mac: Self.mac(prefix: 0x0e, id: r.id), addresses: ["\(linkLocal)/16"]))
        }
        doc.dns.domain = n.networkDomain
        doc.dns.upstream = [n.dns1 ?? zone?.dns1, n.dns2 ?? zone?.dns2].compactMap { $0 }

        // Source NAT here; static NAT and the rule sections in RouterDocumentBuilder+Rules.swift.
        if let cidr = n.cidr {
            doc.sourceNat = addresses.filter(\.sourceNAT).map { .init(publicIP: $0.address, guestCIDR: cidr) }
        }
        try await ruleSections(sql, network: n, addresses: addresses, into: &doc)
        try await vpnSections(sql, router: r, vpc: nil, network: n, into: &doc)
        return doc.canonicalized()
    }

    /// A guest network's part of a router's document: the router's interface on it, and one
    /// DHCP lease, DNS names, metadata and one-shot password per instance NIC on it — in a
    /// fixed number of queries whatever the number of NICs (NICs; their instances, offerings,
    /// key pairs and secondary addresses in batches). `addresses` are the public addresses
    /// whose static NAT shows in the instances' metadata.
    static func guestSections(_ sql: any SQLDatabase, router r: Router, network n: Network, zone: Zone?, addresses: [VlanIPRangeRepository.Address],
                              into doc: inout RouterDocument) async throws {
        let nics = try await NicRepository.on(sql, networkID: n.id)
        let userNics = nics.filter { $0.ownerType == .user && $0.ipv4Address != nil && $0.state != .deallocating }
        let vms = try await VirtualMachineRepository.find(sql, ids: userNics.map(\.instanceID))
        let offerings = try await ServiceOfferingRepository.names(sql, ids: Set(vms.values.map(\.serviceOfferingID)))
        let secondary = try await NicRepository.secondaryIPs(sql, nicIDs: userNics.map(\.id))
        var keys: [Int64: [String: String]] = [:]
        for (account, group) in Dictionary(grouping: vms.values, by: \.accountID) {
            let names = Set(group.flatMap(\.keyPairs))
            guard !names.isEmpty else { continue }
            keys[account] = Dictionary(try await SSHKeyPairRepository.find(sql, accountID: account, names: Array(names)).map { ($0.name, $0.publicKey) },
                                       uniquingKeysWith: { a, _ in a })
        }
        let natByGuest = Dictionary(addresses.filter(\.staticNAT).compactMap { ip in ip.vmIP.map { ($0, ip.address) } }, uniquingKeysWith: { a, _ in a })
        let guestPrefix = n.cidr.flatMap { IPv4CIDR($0) }?.prefixLength ?? 24

        if let nic = nics.first(where: { $0.ownerType == .domainRouter && $0.instanceID == r.id }), let ip = nic.ipv4Address {
            var guestAddresses = ["\(ip)/\(guestPrefix)"]
            if r.isRedundant, let gw = n.gateway, gw != ip { guestAddresses.append("\(gw)/\(guestPrefix)") }
            // Dual-stack: the /64's gateway (::1), which the router advertises for SLAAC.
            if let v6 = n.ip6Gateway, let cidr = n.ip6CIDR.flatMap({ IPv6CIDR($0) }) { guestAddresses.append("\(v6)/\(cidr.prefixLength)") }
            doc.interfaces.append(.init(role: .guest, mac: nic.macAddress, addresses: guestAddresses, broadcastURI: n.broadcastURI, mtu: n.privateMTU))
        }
        let cloudIdentifier = "CloudStack-{\(zone?.uuid.uuidString.lowercased() ?? "")}"
        for nic in userNics {
            guard let ip = nic.ipv4Address, let vm = vms[nic.instanceID] else { continue }
            doc.dhcp.append(.init(mac: nic.macAddress, ipv4: ip, ipv6: nic.ipv6Address, hostname: vm.hostName, defaultRoute: nic.isDefault))
            for extra in secondary[nic.id] ?? [] { doc.dns.hosts.append(.init(address: extra.address, names: [vm.hostName])) }
            let accountKeys = keys[vm.accountID] ?? [:]
            doc.metadata.append(.init(guestIP: ip, instanceUUID: vm.uuid.uuidString.lowercased(), instanceID: vm.instanceName, hostname: vm.hostName,
                                      serviceOffering: offerings[vm.serviceOfferingID] ?? "", availabilityZone: zone?.name ?? "",
                                      publicIPv4: natByGuest[ip], publicKeys: vm.keyPairs.compactMap { accountKeys[$0] }, userData: vm.userData,
                                      cloudIdentifier: cloudIdentifier))
            if nic.isDefault, let password = vm.password { doc.passwords.append(.init(guestIP: ip, password: password)) }
        }
    }

    /// The router's public interface: its addresses, on the VLAN of the first (source NAT) one's range.
    static func publicInterface(_ sql: any SQLDatabase, router r: Router, addresses: [VlanIPRangeRepository.Address], mtu: Int,
                                into doc: inout RouterDocument) async throws {
        guard !addresses.isEmpty else { return }
        let ranges = try await VlanIPRangeRepository.find(sql, ids: Set(addresses.map(\.vlanID)))
        let first = addresses.first { $0.sourceNAT } ?? addresses[0]
        let range = ranges[first.vlanID]
        let prefix = range?.netmask.flatMap { IPv4CIDR.prefixLength(netmask: $0) } ?? 24
        let uri = range.flatMap { $0.vlanTag.lowercased().hasSuffix("untagged") ? nil : ($0.vlanTag.contains("://") ? $0.vlanTag : "vlan://\($0.vlanTag)") }
        doc.interfaces.append(.init(role: .public, mac: Self.mac(prefix: 0x1e, id: r.id), addresses: addresses.map { "\($0.address)/\(prefix)" },
                                    gateway: range?.gateway, broadcastURI: uri, mtu: mtu))
    }

    /// A dual-stack network's public IPv6 address (4.17) on the router's public interface,
    /// with the range's IPv6 gateway; the network's /64 is routed to it.
    static func publicIPv6(_ sql: any SQLDatabase, network n: Network, into doc: inout RouterDocument) async throws {
        guard let v6 = try await GuestNetworkService.routerPublicIPv6(sql, network: n),
              let i = doc.interfaces.firstIndex(where: { $0.role == .public }) else { return }
        let prefix = v6.range.ip6CIDR.flatMap { IPv6CIDR($0) }.map { max($0.prefixLength, 64) } ?? 64
        doc.interfaces[i].addresses.append("\(v6.address)/\(prefix)")
        doc.interfaces[i].gateway6 = v6.range.ip6Gateway
    }

    /// A stable, locally administered MAC for a router interface without a NIC row.
    static func mac(prefix: UInt8, id: Int64) -> String {
        let v = UInt32(truncatingIfNeeded: id)
        return String(format: "%02x:00:%02x:%02x:%02x:%02x", prefix, (v >> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff)
    }
}
