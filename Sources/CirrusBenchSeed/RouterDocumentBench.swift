import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Logging
import SQLKit

/// `cirrus-bench-seed routerdoc --data-dir DIR [--instances 600] [--rounds 50]`: inserts into
/// DIR's database (a server ran there once; it must not run now) an implemented isolated /22
/// network in the demo zone with a router, `--instances` Running instances each with a NIC,
/// three public addresses, 100 port forwarding rules, 100 firewall rules and a load balancer
/// with every instance as a member; then times the router document (built from the database
/// through `RouterService.document`, then encoded canonically) `--rounds` times.
func benchRouterDocument(_ options: Options, logger: Logger) async throws {
    guard let dir = options.string("data-dir") else { fail("--data-dir is required") }
    let count = options.int("instances", 600), rounds = options.int("rounds", 50)
    guard count <= 1000 else { fail("--instances must be at most 1000 (a /22 network)") }
    let db = try await openDatabase(dir, logger: logger)
    let routerID: Int64 = try await db.transaction { sql in
        let zone = try await demoZone(sql)
        guard let owner = try await owners(sql, names: ["admin"]).first else { fail("no admin account") }
        guard let offering = try await sql.raw("SELECT id FROM network_offerings WHERE name = 'DefaultIsolatedNetworkOfferingWithSourceNatService'").first(),
              let physical = try await sql.raw("SELECT id FROM physical_networks WHERE zone_id = \(bind: zone.zoneID) AND removed IS NULL").first(),
              let host = try await sql.raw("SELECT id FROM hosts WHERE zone_id = \(bind: zone.zoneID) AND removed IS NULL ORDER BY id").first() else {
            fail("the demo zone lacks a network offering, physical network or host")
        }
        let network = try await NetworkRepository.insert(sql, Network(
            name: "bench-doc-\(UUID().uuidString.prefix(8))", displayText: "router document benchmark", zoneID: zone.zoneID,
            physicalNetworkID: try physical.i64("id"), networkOfferingID: try offering.i64("id"), guestType: .isolated, state: .implemented,
            aclType: .account, accountID: owner.accountID, domainID: owner.domainID, cidr: "10.8.0.0/22", gateway: "10.8.0.1",
            vlan: "5000", broadcastURI: "vxlan://5000", networkDomain: "bench.internal"))
        let router = try await RouterRepository.insert(sql, Router(
            networkID: network.id, zoneID: zone.zoneID, hostID: try host.i64("id"), accountID: owner.accountID, domainID: owner.domainID, state: .running,
            guestIP: "10.8.0.1", linkLocalIP: "169.254.3.4", templateVersion: "4.19.0", softwareVersion: "4.19.0", documentGeneration: 1))
        _ = try await NicRepository.insert(sql, Nic(ownerType: .domainRouter, instanceID: router.id, networkID: network.id, macAddress: "02:00:0f:00:00:01",
                                                   ipv4Address: "10.8.0.1", netmask: "255.255.252.0", deviceID: 0, isDefault: false, state: .reserved))
        var guests: [(vm: Int64, ip: String)] = []
        for i in 0..<count {
            let vm = try await VirtualMachineRepository.insert(sql, VirtualMachine(
                instanceName: "pending", displayName: "doc-vm-\(i)", hostName: "doc-vm-\(i)", state: .running, powerState: .on,
                accountID: owner.accountID, domainID: owner.domainID, userID: owner.userID, zoneID: zone.zoneID, podID: zone.podID,
                clusterID: zone.clusterID, templateID: zone.templateID, serviceOfferingID: zone.offeringID, cpu: zone.cpu, cpuSpeed: zone.cpuSpeed,
                memory: zone.memory, osTypeID: zone.osTypeID, hypervisorType: .simulator, userData: "I2Nsb3VkLWNvbmZpZwo=", created: Date()), nameSuffix: "VM")
            let n = i + 10
            let ip = "10.8.\(n / 256).\(n % 256)"
            _ = try await NicRepository.insert(sql, Nic(instanceID: vm.id, networkID: network.id, macAddress: String(format: "02:00:0e:00:%02x:%02x", n / 256, n % 256),
                                                       ipv4Address: ip, netmask: "255.255.252.0", gateway: "10.8.0.1", broadcastURI: "vxlan://5000",
                                                       deviceID: 0, isDefault: true, state: .reserved))
            guests.append((vm.id, ip))
        }
        var addresses: [VlanIPRangeRepository.Address] = []
        for k in 0..<3 {
            guard let ip = try await PublicIPRepository.take(sql, .init(zoneID: zone.zoneID, accountID: owner.accountID, domainID: owner.domainID,
                                                                       networkID: network.id, sourceNAT: k == 0), at: Date()) else { fail("no free public address") }
            addresses.append(ip)
        }
        for i in 0..<min(100, count) {
            let port = PortRange(uncheckedStart: 1000 + i, end: 1000 + i)
            let rule = FirewallRule(purpose: .portForwarding, proto: .tcp, ports: port, ipAddressID: addresses[1].id, networkID: network.id,
                                    accountID: owner.accountID, domainID: owner.domainID, state: .active, sourceCIDRs: ["0.0.0.0/0"])
            _ = try await FirewallRuleRepository.insert(sql, PortForwardingRule(rule: rule, instanceID: guests[i].vm, guestIP: guests[i].ip,
                                                                              privatePorts: PortRange(uncheckedStart: 22, end: 22)))
            _ = try await FirewallRuleRepository.insert(sql, FirewallRule(purpose: .firewall, proto: .tcp, ports: port, ipAddressID: addresses[1].id,
                                                                          networkID: network.id, accountID: owner.accountID, domainID: owner.domainID,
                                                                          state: .active, sourceCIDRs: ["203.0.113.0/24"]))
        }
        let lb = try await LoadBalancerRepository.insert(sql, LoadBalancerRule(
            rule: FirewallRule(purpose: .loadBalancing, proto: .tcp, ports: PortRange(uncheckedStart: 80, end: 80), ipAddressID: addresses[2].id,
                               networkID: network.id, accountID: owner.accountID, domainID: owner.domainID, state: .active, sourceCIDRs: ["0.0.0.0/0"]),
            name: "web", description: nil, algorithm: .roundrobin, privatePort: 8080, lbProtocol: .tcp))
        for g in guests { try await LoadBalancerRepository.addMember(sql, LoadBalancerMember(ruleID: lb.rule.id, instanceID: g.vm, guestIP: g.ip)) }
        return router.id
    }
    let engine = Engine(db: db, logger: logger)
    var build: [Double] = [], total: [Double] = []
    var bytes = 0, entries = 0
    for _ in 0..<(rounds + 1) {
        let t0 = ContinuousClock.now
        guard let doc = try await engine.routers.document(routerID: routerID) else { fail("no document") }
        let t1 = ContinuousClock.now
        let data = try doc.canonicalJSON()
        let t2 = ContinuousClock.now
        func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
        build.append(ms(t1 - t0))
        total.append(ms(t2 - t0))
        bytes = data.count
        entries = doc.dhcp.count
    }
    await db.shutdown()
    let b = Array(build.dropFirst()), t = Array(total.dropFirst())
    emit(["instances": count, "dhcp_entries": entries, "document_bytes": bytes, "rounds": rounds, "first_ms": total[0],
          "build_median_ms": percentile(b, 50), "total_median_ms": percentile(t, 50), "total_p95_ms": percentile(t, 95), "total_max_ms": t.max() ?? 0])
}
