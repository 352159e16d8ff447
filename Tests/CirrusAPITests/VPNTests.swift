import CirrusAgent
@testable import CirrusEngine
import CirrusModel
import CirrusProtocol
import CirrusStore
import Foundation
import Testing

/// Site-to-site VPN (VPN gateways, customer gateways, connections) and remote access VPN with
/// VPN users: the commands, their refusals, what the routers' hosts received, and tenant
/// isolation.
@Suite("VPN", .serialized)
struct VPNTests {
    struct Fixture {
        let t: RuleTenant
        let vpc: String
        let tier: String
        let sourceNAT: String
        let sourceNATID: String
    }

    /// A tenant (with an instance on its own isolated network) and a VPC 10.20.0.0/16 with
    /// one tier 10.20.1.0/24.
    func fixture(_ cloud: TestCloud, _ admin: Session, _ zone: Zone, prefix: String) async throws -> Fixture {
        let t = try await cloud.ruleTenant(admin, zone: zone, prefix: prefix)
        let made = try await cloud.makeVPC(admin, for: t)
        let (vpc, tierOffering) = (made.id, made.tierOffering)
        let tier = await t.session.call("createNetwork", ["name": "web", "zoneid": t.zone, "networkofferingid": tierOffering, "vpcid": vpc,
                                                         "gateway": "10.20.1.1", "netmask": "255.255.255.0"])
        let tierID = try #require((tier.object["network"] as? [String: Any])?["id"] as? String, "\(tier.body)")
        let snat = try #require(await t.session.call("listPublicIpAddresses", ["vpcid": vpc, "issourcenat": "true"]).items("publicipaddress").first)
        return Fixture(t: t, vpc: vpc, tier: tierID, sourceNAT: try #require(snat["ipaddress"] as? String), sourceNATID: try #require(snat["id"] as? String))
    }

    /// The document the Simulator host of the VPC's (or network's) router last applied.
    func document(_ cloud: TestCloud, vpc: String? = nil, network: String? = nil) async throws -> RouterDocument {
        try await cloud.routerDocument(vpc: vpc, network: network)
    }

    func customerGateway(_ s: Session, name: String, cidrs: String, extra: [(String, String)] = []) async throws -> JobOutcome {
        try await s.job("createVpnCustomerGateway", [("name", name), ("gateway", "198.51.100.\(name.unicodeScalars.reduce(0) { $0 + Int($1.value) } % 200 + 1)"), ("cidrlist", cidrs),
                                                     ("ipsecpsk", "psk-\(name)"), ("ikepolicy", "aes128-sha1;modp1536"), ("esppolicy", "aes128-sha1")] + extra)
    }

    @Test("site-to-site: gateway on the VPC's source NAT address, customer gateways checked, connections checked and applied, the VPC router's document, update, reset, deletion order")
    func siteToSite() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(cloud, admin, zone, prefix: "s2s")
            let s = f.t.session

            let made = try await s.job("createVpnGateway", [("vpcid", f.vpc)])
            #expect(made.succeeded, "\(made.job)")
            let gw = made.object("vpngateway")
            let gatewayID = try #require(gw["id"] as? String)
            #expect(gw["publicip"] as? String == f.sourceNAT && gw["vpcid"] as? String == f.vpc && gw["vpcname"] as? String == "v1")
            #expect(try await s.job("createVpnGateway", [("vpcid", f.vpc)]).errorText.contains("already existed"))
            #expect(await s.call("listVpnGateways", ["vpcid": f.vpc]).count == 1)

            // Customer gateways: every parameter checked.
            let hq = try await customerGateway(s, name: "hq", cidrs: "172.16.0.0/16", extra: [("dpd", "true"), ("ikeversion", "ikev2"), ("ikelifetime", "28800")])
            #expect(hq.succeeded, "\(hq.job)")
            let hqGateway = hq.object("vpncustomergateway")
            let hqID = try #require(hqGateway["id"] as? String)
            #expect(hqGateway["cidrlist"] as? String == "172.16.0.0/16" && hqGateway["ikeversion"] as? String == "ikev2" && hqGateway["dpd"] as? Bool == true)
            #expect(hqGateway["ikelifetime"] as? Int == 28800 && hqGateway["esplifetime"] as? Int == 3600 && hqGateway["ipsecpsk"] as? String == "psk-hq")
            let bad: [([(String, String)], String)] = [
                ([("ikepolicy", "aes128-md6")], "IKE policy"), ([("esppolicy", "des-sha1")], "ESP policy"), ([("esplifetime", "90000")], "ESP lifetime"),
                ([("ikelifetime", "soon")], "ikelifetime"), ([("ikelifetime", "0")], "IKE lifetime"), ([("ipsecpsk", "a,b")], "pre-shared key"), ([("gateway", "300.1.1.1")], "ip/Domain"),
                ([("cidrlist", "172.20.0.0/16,172.20.1.0/24")], "overlapped with another subnet"), ([("cidrlist", "172.20.0.1/16")], "invalid cidr"),
                ([("ikeversion", "ikev3")], "ikeversion"), ([("name", "hq")], "already existed"),
            ]
            for (change, text) in bad {
                var pairs: [String: String] = ["name": "x\(text.count)", "gateway": "198.51.100.99", "cidrlist": "172.20.0.0/16", "ipsecpsk": "k",
                                               "ikepolicy": "aes128-sha1", "esppolicy": "aes128-sha1"]
                for (k, v) in change { pairs[k] = v }
                let out = try await s.job("createVpnCustomerGateway", pairs.sorted { $0.key < $1.key })
                #expect(out.errorCode == 431 && out.errorText.contains(text), "\(change): \(out.job)")
            }
            #expect(await s.call("listVpnCustomerGateways").count == 1, "refusals leave nothing behind")

            // Connections.
            func connect(_ customer: String, passive: Bool = false) async throws -> JobOutcome {
                try await s.job("createVpnConnection", [("s2svpngatewayid", gatewayID), ("s2scustomergatewayid", customer), ("passive", passive ? "true" : "false")])
            }
            let first = try await connect(hqID)
            #expect(first.succeeded, "\(first.job)")
            let hqConnection = first.object("vpnconnection")
            let hqConnectionID = try #require(hqConnection["id"] as? String)
            #expect(hqConnection["state"] as? String == "Connected" && hqConnection["publicip"] as? String == f.sourceNAT)
            #expect(hqConnection["cidrlist"] as? String == "172.16.0.0/16" && hqConnection["s2scustomergatewayid"] as? String == hqID)
            #expect(try await connect(hqID).errorText.contains("already existed"))

            let branch = try #require(try await customerGateway(s, name: "branch", cidrs: "172.17.0.0/16").object("vpncustomergateway")["id"] as? String)
            let passive = try await connect(branch, passive: true)
            #expect(passive.succeeded && passive.object("vpnconnection")["state"] as? String == "Disconnected", "\(passive.job)")

            let inside = try #require(try await customerGateway(s, name: "inside", cidrs: "10.20.5.0/24").object("vpncustomergateway")["id"] as? String)
            let overlapVPC = try await connect(inside)
            #expect(overlapVPC.errorCode == 431 && overlapVPC.errorText.contains("overlapped with VPC cidr 10.20.0.0/16"), "\(overlapVPC.job)")
            let clash = try #require(try await customerGateway(s, name: "clash", cidrs: "172.16.8.0/24").object("vpncustomergateway")["id"] as? String)
            let overlapOther = try await connect(clash)
            #expect(overlapOther.errorCode == 431 && overlapOther.errorText.contains("customer gateway hq's subnet 172.16.0.0/16"), "\(overlapOther.job)")

            // The connection limit.
            #expect(await admin.call("updateConfiguration", ["name": "site2site.vpn.vpngateway.connection.limit", "value": "2"]).status == 200)
            let third = try #require(try await customerGateway(s, name: "third", cidrs: "172.18.0.0/16").object("vpncustomergateway")["id"] as? String)
            let over = try await connect(third)
            #expect(over.errorCode == 431 && over.errorText.contains("The limit is 2"), "\(over.job)")
            #expect(await s.call("listVpnConnections", ["vpcid": f.vpc]).count == 2)

            // What the VPC router's host received.
            var doc = try await document(cloud, vpc: f.vpc)
            try doc.validate()
            #expect(doc.siteToSiteVpn.count == 2)
            let entry = try #require(doc.siteToSiteVpn.first { $0.connectionUUID == hqConnectionID })
            #expect(entry.localPublicIP == f.sourceNAT && entry.localCIDRs == ["10.20.1.0/24"] && entry.peerCIDRs == ["172.16.0.0/16"])
            #expect(entry.peerGateway == hqGateway["gateway"] as? String && entry.presharedKey == "psk-hq")
            #expect(entry.ikePolicy == "aes128-sha1;modp1536" && entry.espPolicy == "aes128-sha1" && entry.ikeLifetime == 28800 && entry.espLifetime == 3600)
            #expect(entry.dpd && !entry.forceEncap && entry.ikeVersion == "ikev2" && !entry.passive)
            #expect(doc.siteToSiteVpn.first { $0.peerCIDRs == ["172.17.0.0/16"] }?.passive == true)

            // Updating a customer gateway in use re-applies its connection; its subnets stay checked.
            let update: [(String, String)] = [("id", hqID), ("gateway", "203.0.113.5"), ("cidrlist", "172.16.0.0/16,192.168.77.0/24"), ("ipsecpsk", "new-psk"),
                                              ("ikepolicy", "aes256-sha256;modp2048"), ("esppolicy", "aes256-sha256")]
            let updated = try await s.job("updateVpnCustomerGateway", update)
            #expect(updated.succeeded, "\(updated.job)")
            #expect(updated.object("vpncustomergateway")["name"] as? String == "VPN-203.0.113.5", "the name defaults when not given again")
            doc = try await document(cloud, vpc: f.vpc)
            let changed = try #require(doc.siteToSiteVpn.first { $0.connectionUUID == hqConnectionID })
            #expect(changed.peerGateway == "203.0.113.5" && changed.peerCIDRs == ["172.16.0.0/16", "192.168.77.0/24"] && changed.presharedKey == "new-psk")
            #expect(changed.ikePolicy == "aes256-sha256;modp2048" && changed.ikeLifetime == 86400)
            #expect(await s.call("listVpnConnections", ["id": hqConnectionID]).items("vpnconnection").first?["state"] as? String == "Connected")
            let crossing = try await s.job("updateVpnCustomerGateway", update.map { $0.0 == "cidrlist" ? ("cidrlist", "172.17.5.0/24") : $0 })
            #expect(crossing.errorCode == 431 && crossing.errorText.contains("overlapped"), "\(crossing.job)")

            let reset = try await s.job("resetVpnConnection", [("id", hqConnectionID)])
            #expect(reset.succeeded && reset.object("vpnconnection")["state"] as? String == "Connected", "\(reset.job)")

            // Deletion order: connections first.
            let busyGateway = try await s.job("deleteVpnGateway", [("id", gatewayID)])
            #expect(busyGateway.errorCode == 431 && busyGateway.errorText.contains("still related VPN connections"), "\(busyGateway.job)")
            let busyCustomer = try await s.job("deleteVpnCustomerGateway", [("id", hqID)])
            #expect(busyCustomer.errorCode == 431 && busyCustomer.errorText.contains("still related VPN connections"), "\(busyCustomer.job)")
            #expect(try await s.job("deleteVpnConnection", [("id", hqConnectionID)]).succeeded)
            #expect(try await document(cloud, vpc: f.vpc).siteToSiteVpn.map(\.peerCIDRs) == [["172.17.0.0/16"]])
            #expect(try await s.job("deleteVpnCustomerGateway", [("id", hqID)]).succeeded)
            let passiveID = try #require(passive.object("vpnconnection")["id"] as? String)
            #expect(try await s.job("deleteVpnConnection", [("id", passiveID)]).succeeded)
            #expect(try await s.job("deleteVpnGateway", [("id", gatewayID)]).succeeded)
            #expect(try await document(cloud, vpc: f.vpc).siteToSiteVpn.isEmpty)
            #expect(await s.call("listVpnGateways").count == 0)
            #expect(await s.call("listVpnConnections").count == 0)
            let events = await s.call("listEvents", ["pagesize": "200", "page": "1"]).items("event").compactMap { $0["type"] as? String }
            for type in ["VPN.S2S.VPN.GATEWAY.CREATE", "VPN.S2S.CUSTOMER.GATEWAY.CREATE", "VPN.S2S.CONNECTION.CREATE", "VPN.S2S.CONNECTION.RESET",
                         "VPN.S2S.CUSTOMER.GATEWAY.UPDATE", "VPN.S2S.CONNECTION.DELETE", "VPN.S2S.VPN.GATEWAY.DELETE"] {
                #expect(events.contains(type), "\(type)")
            }
        }
    }

    @Test("remote access on an isolated network's address: ports reserved and opened, client range and key, users in the router's document, user limit and duplicates, removal")
    func remoteAccessOnNetwork() async throws {
        try await withDemoZone { cloud, admin, zone in
            let t = try await cloud.ruleTenant(admin, zone: zone, prefix: "ravpn")
            let s = t.session
            let ip = try await s.associate(network: t.network)
            let ipID = try #require(ip["id"] as? String)
            let address = try #require(ip["ipaddress"] as? String)

            // Users exist per account, before any VPN.
            let bob = try await s.job("addVpnUser", [("username", "bob"), ("password", "pw1")])
            #expect(bob.succeeded && bob.object("vpnuser")["state"] as? String == "Add", "\(bob.job)")
            #expect(try await s.job("addVpnUser", [("username", "ab"), ("password", "pw1")]).errorText.contains("Username [ab] is invalid"))
            #expect(try await s.job("addVpnUser", [("username", "carl"), ("password", "p w")]).errorText.contains("Password has to be"))
            #expect(try await s.job("addVpnUser", [("username", "bob"), ("password", "pw2")]).errorText.contains("already added"))

            let guestCIDR = try #require(await s.call("listNetworks", ["id": t.network]).items("network").first?["cidr"] as? String)
            let guestPrefix = guestCIDR.split(separator: ".").prefix(3).joined(separator: ".")
            let inGuest = try await s.job("createRemoteAccessVpn", [("publicipid", ipID), ("iprange", "\(guestPrefix).200-\(guestPrefix).210")])
            #expect(inGuest.errorCode == 431 && inGuest.errorText.contains("overlaps with guest ip range"), "\(inGuest.job)")
            #expect(try await s.job("createRemoteAccessVpn", [("publicipid", ipID), ("iprange", "10.1.2.5")]).errorText.contains("invalid IP range"))

            let made = try await s.job("createRemoteAccessVpn", [("publicipid", ipID)])
            #expect(made.succeeded, "\(made.job)")
            let vpn = made.object("remoteaccessvpn")
            #expect(vpn["state"] as? String == "Running" && vpn["publicip"] as? String == address && vpn["iprange"] as? String == "10.1.2.2-10.1.2.8")
            let psk = try #require(vpn["presharedkey"] as? String)
            #expect(psk.count == 24)
            #expect(try await s.job("createRemoteAccessVpn", [("publicipid", ipID)]).errorText.contains("already exists"))
            let other = try await s.associate(network: t.network)
            let second = try await s.job("createRemoteAccessVpn", [("publicipid", try #require(other["id"] as? String))])
            #expect(second.errorCode == 431 && second.errorText.contains("already exists for the account"), "\(second.job)")

            // The ports are opened in the firewall and reserved against other rules.
            let opened = await s.call("listFirewallRules", ["ipaddressid": ipID]).items("firewallrule")
            #expect(Set(opened.compactMap { $0["startport"] as? Int }) == [500, 1701, 4500] && opened.allSatisfy { $0["protocol"] as? String == "udp" })
            let forward = try await s.job("createPortForwardingRule", [("ipaddressid", ipID), ("protocol", "udp"), ("publicport", "4500"), ("privateport", "4500"),
                                                                       ("virtualmachineid", t.vm)])
            #expect(forward.errorCode == 537, "\(forward.job)")

            var doc = try await document(cloud, network: t.network)
            try doc.validate()
            let remote = try #require(doc.remoteAccessVpn)
            #expect(remote.publicIP == address && remote.localIP == "10.1.2.1" && remote.clientRange == "10.1.2.2-10.1.2.8" && remote.presharedKey == psk)
            #expect(remote.localCIDR == guestCIDR && remote.users == [.init(username: "bob", password: "pw1")])
            #expect(doc.firewall.filter { $0.publicIP == address && $0.proto == "udp" }.compactMap(\.ports).sorted() == ["1701", "4500", "500"])
            #expect(await s.call("listVpnUsers", ["username": "bob"]).items("vpnuser").first?["state"] as? String == "Active")
            #expect(await s.call("listRemoteAccessVpns", ["networkid": t.network]).count == 1)

            // Users follow into the document; the limit holds.
            #expect(try await s.job("addVpnUser", [("username", "alice@example.com"), ("password", "Secret+1")]).succeeded)
            #expect(try await document(cloud, network: t.network).remoteAccessVpn?.users.map(\.username) == ["alice@example.com", "bob"])
            #expect(try await s.job("removeVpnUser", [("username", "bob")]).succeeded)
            #expect(try await s.job("removeVpnUser", [("username", "bob")]).errorText.contains("Could not find VPN user"))
            #expect(try await document(cloud, network: t.network).remoteAccessVpn?.users.map(\.username) == ["alice@example.com"])
            #expect(await admin.call("updateConfiguration", ["name": "remote.access.vpn.user.limit", "value": "2"]).status == 200)
            #expect(try await s.job("addVpnUser", [("username", "carol"), ("password", "pw3")]).succeeded)
            let tooMany = try await s.job("addVpnUser", [("username", "dave"), ("password", "pw4")])
            #expect(tooMany.errorCode == 532 && tooMany.errorText.contains("Cannot add more than [2]"), "\(tooMany.job)")
            #expect(await s.call("listVpnUsers").count == 2)

            // Removal takes the reserved ports and the firewall rules with it.
            #expect(try await s.job("deleteRemoteAccessVpn", [("publicipid", ipID)]).succeeded)
            #expect(await s.call("listFirewallRules", ["ipaddressid": ipID]).count == 0)
            doc = try await document(cloud, network: t.network)
            #expect(doc.remoteAccessVpn == nil && !doc.firewall.contains { $0.publicIP == address })
            #expect(try await s.job("deleteRemoteAccessVpn", [("publicipid", ipID)]).errorText.contains("no remote access VPN"))
            #expect(try await s.job("createPortForwardingRule", [("ipaddressid", ipID), ("protocol", "udp"), ("publicport", "4500"), ("privateport", "4500"),
                                                                 ("virtualmachineid", t.vm)]).succeeded, "the ports are free again")
            // A VPN with its own range and without opening the firewall.
            let closed = try await s.job("createRemoteAccessVpn", [("publicipid", try #require(other["id"] as? String)), ("iprange", "10.99.0.1-10.99.0.20"),
                                                                   ("openfirewall", "false")])
            #expect(closed.succeeded && closed.object("remoteaccessvpn")["iprange"] as? String == "10.99.0.2-10.99.0.20", "\(closed.job)")
            #expect(await s.call("listFirewallRules", ["ipaddressid": try #require(other["id"] as? String)]).count == 0)
            #expect(try await document(cloud, network: t.network).remoteAccessVpn?.localIP == "10.99.0.1")
        }
    }

    @Test("remote access on a VPC: only its source NAT address, the client range outside the VPC CIDR, no firewall rules; in the VPC router's document")
    func remoteAccessOnVPC() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(cloud, admin, zone, prefix: "vpcra")
            let s = f.t.session
            let extra = try await s.job("associateIpAddress", [("vpcid", f.vpc)])
            let extraID = try #require(extra.object("ipaddress")["id"] as? String, "\(extra.job)")
            let notSNAT = try await s.job("createRemoteAccessVpn", [("publicipid", extraID)])
            #expect(notSNAT.errorCode == 431 && notSNAT.errorText.contains("source NAT"), "\(notSNAT.job)")
            let inside = try await s.job("createRemoteAccessVpn", [("publicipid", f.sourceNATID), ("iprange", "10.20.9.1-10.20.9.9")])
            #expect(inside.errorCode == 431 && inside.errorText.contains("overlaps with guest ip range 10.20.0.0-10.20.255.255"), "\(inside.job)")
            #expect(try await s.job("addVpnUser", [("username", "eve"), ("password", "pw1")]).succeeded)

            let made = try await s.job("createRemoteAccessVpn", [("publicipid", f.sourceNATID)])
            #expect(made.succeeded && made.object("remoteaccessvpn")["state"] as? String == "Running", "\(made.job)")
            #expect(await s.call("listFirewallRules", ["ipaddressid": f.sourceNATID]).count == 0)
            let doc = try await document(cloud, vpc: f.vpc)
            let remote = try #require(doc.remoteAccessVpn)
            #expect(remote.publicIP == f.sourceNAT && remote.localCIDR == "10.20.0.0/16" && remote.users.map(\.username) == ["eve"])
            #expect(try await s.job("deleteRemoteAccessVpn", [("publicipid", f.sourceNATID)]).succeeded)
            #expect(try await document(cloud, vpc: f.vpc).remoteAccessVpn == nil)
        }
    }

    @Test("tenant isolation: another account neither sees nor changes VPN gateways, customer gateways, connections, remote access VPNs and VPN users")
    func isolation() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(cloud, admin, zone, prefix: "vpnown")
            let s = f.t.session
            let gatewayID = try #require(try await s.job("createVpnGateway", [("vpcid", f.vpc)]).object("vpngateway")["id"] as? String)
            let customerID = try #require(try await customerGateway(s, name: "hq", cidrs: "172.16.0.0/16").object("vpncustomergateway")["id"] as? String)
            let connectionID = try #require(try await s.job("createVpnConnection", [("s2svpngatewayid", gatewayID), ("s2scustomergatewayid", customerID)])
                .object("vpnconnection")["id"] as? String)
            let vpnID = try #require(try await s.job("createRemoteAccessVpn", [("publicipid", f.sourceNATID)]).object("remoteaccessvpn")["id"] as? String)
            #expect(try await s.job("addVpnUser", [("username", "bob"), ("password", "pw1")]).succeeded)

            let other = try await cloud.ruleTenant(admin, zone: zone, prefix: "vpnother")
            let o = other.session
            let theirs = try #require(try await customerGateway(o, name: "mine", cidrs: "172.30.0.0/16").object("vpncustomergateway")["id"] as? String)
            for command in ["listVpnGateways", "listVpnConnections", "listRemoteAccessVpns", "listVpnUsers"] {
                #expect(await o.call(command).count == 0, "\(command)")
                #expect(await o.call(command, ["listall": "true"]).count == 0, "\(command) listall")
            }
            #expect(await o.call("listVpnCustomerGateways").count == 1)
            #expect(await o.call("listVpnGateways", ["id": gatewayID]).count == 0)
            #expect(await o.call("listVpnConnections", ["vpcid": f.vpc]).count == 0)
            #expect(await o.call("listVpnCustomerGateways", ["id": customerID]).count == 0)
            #expect(await o.call("listRemoteAccessVpns", ["publicipid": f.sourceNATID]).count == 0)

            let update: [(String, String)] = [("id", customerID), ("gateway", "203.0.113.9"), ("cidrlist", "172.16.0.0/16"), ("ipsecpsk", "x"),
                                              ("ikepolicy", "aes128-sha1"), ("esppolicy", "aes128-sha1")]
            let attempts: [(String, [(String, String)])] = [
                ("createVpnGateway", [("vpcid", f.vpc)]), ("deleteVpnGateway", [("id", gatewayID)]), ("updateVpnGateway", [("id", gatewayID)]),
                ("updateVpnCustomerGateway", update), ("deleteVpnCustomerGateway", [("id", customerID)]),
                ("createVpnConnection", [("s2svpngatewayid", gatewayID), ("s2scustomergatewayid", theirs)]),
                ("createVpnConnection", [("s2svpngatewayid", gatewayID), ("s2scustomergatewayid", customerID)]),
                ("deleteVpnConnection", [("id", connectionID)]), ("resetVpnConnection", [("id", connectionID)]), ("updateVpnConnection", [("id", connectionID)]),
                ("createRemoteAccessVpn", [("publicipid", f.sourceNATID)]), ("deleteRemoteAccessVpn", [("publicipid", f.sourceNATID)]),
                ("updateRemoteAccessVpn", [("id", vpnID)]),
                ("addVpnUser", [("username", "mallory"), ("password", "pw1"), ("account", f.t.account.name), ("domainid", f.t.account.domainID)]),
                ("removeVpnUser", [("username", "bob"), ("account", f.t.account.name), ("domainid", f.t.account.domainID)]),
            ]
            for (command, pairs) in attempts {
                let out = try await o.job(command, pairs)
                #expect(out.errorCode == 531, "\(command): \(out.job)")
            }
            // Its own names are its own: removing "bob" without naming the account finds no user.
            #expect(try await o.job("removeVpnUser", [("username", "bob")]).errorCode == 431)
            // Users may not hide or show objects (fordisplay is for admins).
            #expect(try await s.job("updateVpnConnection", [("id", connectionID), ("fordisplay", "false")]).errorCode == 531)

            // Nothing changed for the owner.
            #expect(await s.call("listVpnConnections", ["id": connectionID]).items("vpnconnection").first?["state"] as? String == "Connected")
            #expect(await s.call("listVpnUsers").count == 1)
            #expect(await s.call("listRemoteAccessVpns").count == 1)
            #expect(await s.call("listVpnCustomerGateways", ["id": customerID]).items("vpncustomergateway").first?["gateway"] as? String != "203.0.113.9")
            // An admin sees everything with listall and may act for the owner.
            #expect(await admin.call("listVpnConnections", ["listall": "true"]).count == 1)
            #expect(try await admin.job("addVpnUser", [("username", "helpdesk"), ("password", "pw9"), ("account", f.t.account.name),
                                                       ("domainid", f.t.account.domainID)]).succeeded)
            #expect(await s.call("listVpnUsers").count == 2)
        }
    }

    @Test("VPNService.removeAll drops a VPC's VPN gateway, connections and remote access VPN")
    func removeAll() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(cloud, admin, zone, prefix: "vpnrm")
            let s = f.t.session
            let gatewayID = try #require(try await s.job("createVpnGateway", [("vpcid", f.vpc)]).object("vpngateway")["id"] as? String)
            let customerID = try #require(try await customerGateway(s, name: "hq", cidrs: "172.16.0.0/16").object("vpncustomergateway")["id"] as? String)
            #expect(try await s.job("createVpnConnection", [("s2svpngatewayid", gatewayID), ("s2scustomergatewayid", customerID)]).succeeded)
            #expect(try await s.job("createRemoteAccessVpn", [("publicipid", f.sourceNATID)]).succeeded)
            try await cloud.engine.db.transaction { sql in
                guard let uuid = UUID(uuidString: f.vpc), let vpc = try await VPCRepository.find(sql, uuid: uuid) else { throw CloudError.internalError() }
                try await VPNService.removeAll(sql, vpcID: vpc.id)
            }
            #expect(await s.call("listVpnGateways").count == 0)
            #expect(await s.call("listVpnConnections").count == 0)
            #expect(await s.call("listRemoteAccessVpns").count == 0)
            #expect(try await s.job("deleteVpnCustomerGateway", [("id", customerID)]).succeeded, "no connection uses it any more")
        }
    }

    @Test("deleteVPC with a VPN gateway and connection cleans them up")
    func deleteVPC() async throws {
        try await withDemoZone { cloud, admin, zone in
            let f = try await fixture(cloud, admin, zone, prefix: "vpndel")
            let s = f.t.session
            let gatewayID = try #require(try await s.job("createVpnGateway", [("vpcid", f.vpc)]).object("vpngateway")["id"] as? String)
            let customerID = try #require(try await customerGateway(s, name: "hq", cidrs: "172.16.0.0/16").object("vpncustomergateway")["id"] as? String)
            #expect(try await s.job("createVpnConnection", [("s2svpngatewayid", gatewayID), ("s2scustomergatewayid", customerID)]).succeeded)
            #expect(try await s.job("deleteNetwork", [("id", f.tier)]).succeeded)
            let deleted = try await s.job("deleteVPC", [("id", f.vpc)])
            #expect(deleted.succeeded, "\(deleted.job)")
            #expect(await s.call("listVpnGateways").count == 0)
            #expect(await s.call("listVpnConnections").count == 0)
            #expect(try await s.job("deleteVpnCustomerGateway", [("id", customerID)]).succeeded)
        }
    }

    @Test("router documents without the VPN sections still decode; the VPN sections are compared section by section")
    func documentSections() throws {
        let base = RouterDocument(generation: 1, router: .init(uuid: "r", name: "r-1-VM", kind: .vpc, networkUUID: nil, vpcUUID: "v"))
        var json = try #require(try JSONSerialization.jsonObject(with: try base.canonicalJSON()) as? [String: Any])
        json.removeValue(forKey: "siteToSiteVpn")
        json.removeValue(forKey: "remoteAccessVpn")
        let old = try JSONDecoder().decode(RouterDocument.self, from: try JSONSerialization.data(withJSONObject: json))
        #expect(old == base && old.siteToSiteVpn.isEmpty && old.remoteAccessVpn == nil)

        var next = base
        next.siteToSiteVpn = [.init(connectionUUID: "c", localPublicIP: "192.0.2.1", localCIDRs: ["10.0.1.0/24"], peerGateway: "198.51.100.1",
                                    peerCIDRs: ["172.16.0.0/16"], presharedKey: "k", ikePolicy: "aes128-sha1", espPolicy: "aes128-sha1", ikeLifetime: 86400,
                                    espLifetime: 3600, dpd: false, forceEncap: false, ikeVersion: "ike", splitConnections: false, passive: false)]
        #expect(next.changedSections(from: base) == [.siteToSiteVpn])
        next.remoteAccessVpn = .init(publicIP: "192.0.2.1", localIP: "10.1.2.1", clientRange: "10.1.2.2-10.1.2.8", localCIDR: "10.0.0.0/16", presharedKey: "p",
                                     users: [.init(username: "b", password: "1"), .init(username: "a", password: "2")])
        #expect(next.changedSections(from: base) == [.siteToSiteVpn, .remoteAccessVpn])
        #expect(next.canonicalized().remoteAccessVpn?.users.map(\.username) == ["a", "b"])
        let decoded = try JSONDecoder().decode(RouterDocument.self, from: try next.canonicalJSON())
        #expect(decoded == next.canonicalized())
        next.remoteAccessVpn?.users.append(.init(username: "a", password: "3"))
        #expect(throws: RouterDocument.InvalidDocument.self) { try next.validate() }
    }
}
