import Foundation

/// The whole desired state of one virtual router, computed by the management server from its
/// database and applied by the router's host agent: interfaces, DHCP and DNS, instance
/// metadata and one-shot passwords, NAT, port forwarding, firewall, egress, load balancing,
/// ACLs, IPv6 firewall, static routes, site-to-site VPN and remote access VPN.
///
/// Versioning: `schemaVersion` changes when the shape changes (an agent refuses a version it
/// does not know); `generation` grows whenever any input changes, and an agent reports the
/// generation it applied. The document is self-contained: applying the same document twice is
/// a no-op, and a newer document replaces an older one whole. See `docs/router-document.md`.
public struct RouterDocument: Codable, Sendable, Equatable {
    /// The shape this code writes and reads.
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var generation: Int64
    public var router: Identity
    public var interfaces: [Interface]
    public var dhcp: [DHCPEntry]
    public var dns: DNS
    public var metadata: [InstanceMetadata]
    public var passwords: [Password]
    public var sourceNat: [SourceNat]
    public var staticNat: [StaticNat]
    public var portForwarding: [PortForward]
    public var firewall: [FirewallEntry]
    public var egress: Egress
    public var loadBalancers: [LoadBalancer]
    public var networkAcls: [ACLItem]
    public var staticRoutes: [StaticRoute]
    /// IPv6 firewall rules of a dual-stack network (4.17): ingress towards the /64, egress from it.
    public var ipv6Firewall: [IPv6FirewallEntry]
    /// Site-to-site IPsec connections of a VPC router (empty elsewhere). Documents written
    /// before this section existed decode with it empty.
    public var siteToSiteVpn: [SiteToSiteVpn]
    /// The L2TP/IPsec remote access VPN on one of the router's public addresses, if any.
    public var remoteAccessVpn: RemoteAccessVpn?

    public init(generation: Int64, router: Identity, interfaces: [Interface] = [], dhcp: [DHCPEntry] = [], dns: DNS = DNS(),
                metadata: [InstanceMetadata] = [], passwords: [Password] = [], sourceNat: [SourceNat] = [], staticNat: [StaticNat] = [],
                portForwarding: [PortForward] = [], firewall: [FirewallEntry] = [], egress: Egress = Egress(defaultAllow: true),
                loadBalancers: [LoadBalancer] = [], networkAcls: [ACLItem] = [], staticRoutes: [StaticRoute] = [], ipv6Firewall: [IPv6FirewallEntry] = [],
                siteToSiteVpn: [SiteToSiteVpn] = [], remoteAccessVpn: RemoteAccessVpn? = nil) {
        self.schemaVersion = Self.currentSchemaVersion
        self.generation = generation
        self.router = router
        self.interfaces = interfaces
        self.dhcp = dhcp
        self.dns = dns
        self.metadata = metadata
        self.passwords = passwords
        self.sourceNat = sourceNat
        self.staticNat = staticNat
        self.portForwarding = portForwarding
        self.firewall = firewall
        self.egress = egress
        self.loadBalancers = loadBalancers
        self.networkAcls = networkAcls
        self.staticRoutes = staticRoutes
        self.ipv6Firewall = ipv6Firewall
        self.siteToSiteVpn = siteToSiteVpn
        self.remoteAccessVpn = remoteAccessVpn
    }

    // MARK: - Sections

    /// Who the router is.
    public struct Identity: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable { case isolated, vpc, sharedDhcp = "shared-dhcp" }
        public enum Role: String, Codable, Sendable { case none, primary, backup }
        public var uuid: String
        public var name: String
        public var kind: Kind
        public var networkUUID: String?
        /// The VPC a VPC router routes (kind `vpc`).
        public var vpcUUID: String?
        /// Redundant routers: primary or backup, and the VRRP priority.
        public var role: Role
        public var vrrpPriority: Int

        public init(uuid: String, name: String, kind: Kind, networkUUID: String?, vpcUUID: String? = nil, role: Role = .none, vrrpPriority: Int = 0) {
            self.uuid = uuid; self.name = name; self.kind = kind; self.networkUUID = networkUUID; self.vpcUUID = vpcUUID; self.role = role
            self.vrrpPriority = vrrpPriority
        }
    }

    public struct Interface: Codable, Sendable, Equatable {
        /// `private`: a VPC's private gateway interface.
        public enum Role: String, Codable, Sendable { case guest, `public`, control, `private` }
        public var role: Role
        public var mac: String
        /// Addresses with their prefix length ("10.1.1.1/24", "2001:db8::1/64").
        public var addresses: [String]
        public var gateway: String?
        /// The IPv6 gateway of a public interface with an IPv6 address (dual-stack networks).
        public var gateway6: String?
        /// `vxlan://N`, `vlan://N` or nil (untagged).
        public var broadcastURI: String?
        public var mtu: Int

        public init(role: Role, mac: String, addresses: [String], gateway: String? = nil, broadcastURI: String? = nil, mtu: Int = 1500) {
            self.role = role; self.mac = mac; self.addresses = addresses; self.gateway = gateway; self.broadcastURI = broadcastURI; self.mtu = mtu
        }
    }

    /// A static DHCP lease: one per instance NIC on the network.
    public struct DHCPEntry: Codable, Sendable, Equatable {
        public var mac: String
        public var ipv4: String
        public var ipv6: String?
        public var hostname: String
        /// Whether the lease hands out the default route (the instance's default NIC).
        public var defaultRoute: Bool

        public init(mac: String, ipv4: String, ipv6: String? = nil, hostname: String, defaultRoute: Bool) {
            self.mac = mac; self.ipv4 = ipv4; self.ipv6 = ipv6; self.hostname = hostname; self.defaultRoute = defaultRoute
        }
    }

    public struct DNS: Codable, Sendable, Equatable {
        public struct Host: Codable, Sendable, Equatable {
            public var address: String
            public var names: [String]
            public init(address: String, names: [String]) { self.address = address; self.names = names }
        }
        public var domain: String?
        public var upstream: [String]
        public var hosts: [Host]

        public init(domain: String? = nil, upstream: [String] = [], hosts: [Host] = []) {
            self.domain = domain; self.upstream = upstream; self.hosts = hosts
        }
    }

    /// What the metadata service answers an instance (by its guest address).
    public struct InstanceMetadata: Codable, Sendable, Equatable {
        public var guestIP: String
        public var instanceUUID: String
        public var instanceID: String
        public var hostname: String
        public var serviceOffering: String
        public var availabilityZone: String
        public var publicIPv4: String?
        public var publicKeys: [String]
        /// Base64, as given at deploy.
        public var userData: String?
        public var cloudIdentifier: String

        public init(guestIP: String, instanceUUID: String, instanceID: String, hostname: String, serviceOffering: String, availabilityZone: String,
                    publicIPv4: String?, publicKeys: [String], userData: String?, cloudIdentifier: String) {
            self.guestIP = guestIP; self.instanceUUID = instanceUUID; self.instanceID = instanceID; self.hostname = hostname
            self.serviceOffering = serviceOffering; self.availabilityZone = availabilityZone; self.publicIPv4 = publicIPv4
            self.publicKeys = publicKeys; self.userData = userData; self.cloudIdentifier = cloudIdentifier
        }
    }

    /// A password the password server hands out once to the instance at `guestIP`.
    public struct Password: Codable, Sendable, Equatable {
        public var guestIP: String
        public var password: String
        public init(guestIP: String, password: String) { self.guestIP = guestIP; self.password = password }
    }

    public struct SourceNat: Codable, Sendable, Equatable {
        public var publicIP: String
        public var guestCIDR: String
        public init(publicIP: String, guestCIDR: String) { self.publicIP = publicIP; self.guestCIDR = guestCIDR }
    }

    public struct StaticNat: Codable, Sendable, Equatable {
        public var publicIP: String
        public var guestIP: String
        public init(publicIP: String, guestIP: String) { self.publicIP = publicIP; self.guestIP = guestIP }
    }

    /// A port range as text: "80" or "8000-8080".
    public struct PortForward: Codable, Sendable, Equatable {
        public var publicIP: String
        public var proto: String
        public var publicPorts: String
        public var guestIP: String
        public var privatePorts: String
        public var sourceCIDRs: [String]

        public init(publicIP: String, proto: String, publicPorts: String, guestIP: String, privatePorts: String, sourceCIDRs: [String]) {
            self.publicIP = publicIP; self.proto = proto; self.publicPorts = publicPorts; self.guestIP = guestIP
            self.privatePorts = privatePorts; self.sourceCIDRs = sourceCIDRs
        }
        enum CodingKeys: String, CodingKey { case publicIP, proto = "protocol", publicPorts, guestIP, privatePorts, sourceCIDRs }
    }

    /// An ingress rule on a public address (default deny: only these pass).
    public struct FirewallEntry: Codable, Sendable, Equatable {
        public var publicIP: String
        public var proto: String
        public var ports: String?
        public var icmpType: Int?
        public var icmpCode: Int?
        public var sourceCIDRs: [String]

        public init(publicIP: String, proto: String, ports: String? = nil, icmpType: Int? = nil, icmpCode: Int? = nil, sourceCIDRs: [String]) {
            self.publicIP = publicIP; self.proto = proto; self.ports = ports; self.icmpType = icmpType; self.icmpCode = icmpCode; self.sourceCIDRs = sourceCIDRs
        }
        enum CodingKeys: String, CodingKey { case publicIP, proto = "protocol", ports, icmpType, icmpCode, sourceCIDRs }
    }

    /// Egress: the offering's default policy and the rules that make exceptions to it.
    public struct Egress: Codable, Sendable, Equatable {
        public struct Rule: Codable, Sendable, Equatable {
            public var proto: String
            public var ports: String?
            public var icmpType: Int?
            public var icmpCode: Int?
            public var sourceCIDRs: [String]
            public var destinationCIDRs: [String]

            public init(proto: String, ports: String? = nil, icmpType: Int? = nil, icmpCode: Int? = nil, sourceCIDRs: [String], destinationCIDRs: [String]) {
                self.proto = proto; self.ports = ports; self.icmpType = icmpType; self.icmpCode = icmpCode
                self.sourceCIDRs = sourceCIDRs; self.destinationCIDRs = destinationCIDRs
            }
            enum CodingKeys: String, CodingKey { case proto = "protocol", ports, icmpType, icmpCode, sourceCIDRs, destinationCIDRs }
        }
        /// true: everything leaves except what the rules deny; false: only what the rules allow.
        public var defaultAllow: Bool
        public var rules: [Rule]

        public init(defaultAllow: Bool, rules: [Rule] = []) { self.defaultAllow = defaultAllow; self.rules = rules }
    }

    public struct LoadBalancer: Codable, Sendable, Equatable {
        public struct Stickiness: Codable, Sendable, Equatable {
            public var method: String
            public var params: [String: String]
            public init(method: String, params: [String: String]) { self.method = method; self.params = params }
        }
        public struct HealthCheck: Codable, Sendable, Equatable {
            public var path: String
            public var timeout: Int
            public var interval: Int
            public var healthyThreshold: Int
            public var unhealthyThreshold: Int
            public init(path: String, timeout: Int, interval: Int, healthyThreshold: Int, unhealthyThreshold: Int) {
                self.path = path; self.timeout = timeout; self.interval = interval
                self.healthyThreshold = healthyThreshold; self.unhealthyThreshold = unhealthyThreshold
            }
        }
        public var name: String
        public var publicIP: String
        public var publicPort: Int
        public var proto: String
        public var algorithm: String
        public var privatePort: Int
        /// Member guest addresses.
        public var members: [String]
        public var sourceCIDRs: [String]
        public var stickiness: Stickiness?
        public var healthCheck: HealthCheck?

        public init(name: String, publicIP: String, publicPort: Int, proto: String, algorithm: String, privatePort: Int, members: [String],
                    sourceCIDRs: [String], stickiness: Stickiness? = nil, healthCheck: HealthCheck? = nil) {
            self.name = name; self.publicIP = publicIP; self.publicPort = publicPort; self.proto = proto; self.algorithm = algorithm
            self.privatePort = privatePort; self.members = members; self.sourceCIDRs = sourceCIDRs; self.stickiness = stickiness; self.healthCheck = healthCheck
        }
        enum CodingKeys: String, CodingKey { case name, publicIP, publicPort, proto = "protocol", algorithm, privatePort, members, sourceCIDRs, stickiness, healthCheck }
    }

    /// An item of the ACL list a VPC tier (or private gateway) uses; empty for isolated
    /// networks. `appliesTo` names the tier's network UUID or the gateway's UUID, `subnet` its
    /// CIDR; a router evaluates a tier's items by ascending number, the first match deciding.
    public struct ACLItem: Codable, Sendable, Equatable {
        public var appliesTo: String?
        public var subnet: String?
        public var number: Int
        /// `allow` or `deny`.
        public var action: String
        /// `ingress` (towards the tier) or `egress` (from it).
        public var traffic: String
        /// `tcp`, `udp`, `icmp`, `all` or an IP protocol number.
        public var proto: String
        public var ports: String?
        public var icmpType: Int?
        public var icmpCode: Int?
        public var cidrs: [String]
        public init(appliesTo: String? = nil, subnet: String? = nil, number: Int, action: String, traffic: String, proto: String, ports: String? = nil,
                    icmpType: Int? = nil, icmpCode: Int? = nil, cidrs: [String]) {
            self.appliesTo = appliesTo; self.subnet = subnet; self.number = number; self.action = action; self.traffic = traffic; self.proto = proto
            self.ports = ports; self.icmpType = icmpType; self.icmpCode = icmpCode; self.cidrs = cidrs
        }
        enum CodingKeys: String, CodingKey { case appliesTo, subnet, number, action, traffic, proto = "protocol", ports, icmpType, icmpCode, cidrs }
    }

    public struct IPv6FirewallEntry: Codable, Sendable, Equatable {
        /// `ingress` or `egress`.
        public var traffic: String
        public var proto: String
        public var ports: String?
        public var icmpType: Int?
        public var icmpCode: Int?
        public var sourceCIDRs: [String]
        public var destinationCIDRs: [String]

        public init(traffic: String, proto: String, ports: String? = nil, icmpType: Int? = nil, icmpCode: Int? = nil, sourceCIDRs: [String], destinationCIDRs: [String]) {
            self.traffic = traffic; self.proto = proto; self.ports = ports; self.icmpType = icmpType; self.icmpCode = icmpCode
            self.sourceCIDRs = sourceCIDRs; self.destinationCIDRs = destinationCIDRs
        }
        enum CodingKeys: String, CodingKey { case traffic, proto = "protocol", ports, icmpType, icmpCode, sourceCIDRs, destinationCIDRs }
    }

    public struct StaticRoute: Codable, Sendable, Equatable {
        public var cidr: String
        public var nextHop: String
        public init(cidr: String, nextHop: String) { self.cidr = cidr; self.nextHop = nextHop }
    }

    /// One site-to-site IPsec connection: the VPC's source NAT address to the customer
    /// gateway, between the VPC's tiers (`localCIDRs`) and the peer's subnets, with the
    /// customer gateway's IKE/ESP parameters. Lifetimes are in seconds; policies are
    /// strongSwan proposals (`aes128-sha1;modp1536`, comma separated).
    public struct SiteToSiteVpn: Codable, Sendable, Equatable {
        public var connectionUUID: String
        public var localPublicIP: String
        public var localCIDRs: [String]
        public var peerGateway: String
        public var peerCIDRs: [String]
        public var presharedKey: String
        public var ikePolicy: String
        public var espPolicy: String
        public var ikeLifetime: Int
        public var espLifetime: Int
        public var dpd: Bool
        public var forceEncap: Bool
        /// `ike`, `ikev1` or `ikev2`.
        public var ikeVersion: String
        /// One IPsec SA per peer subnet instead of one for all.
        public var splitConnections: Bool
        /// Wait for the peer to start the negotiation.
        public var passive: Bool

        public init(connectionUUID: String, localPublicIP: String, localCIDRs: [String], peerGateway: String, peerCIDRs: [String], presharedKey: String,
                    ikePolicy: String, espPolicy: String, ikeLifetime: Int, espLifetime: Int, dpd: Bool, forceEncap: Bool, ikeVersion: String,
                    splitConnections: Bool, passive: Bool) {
            self.connectionUUID = connectionUUID; self.localPublicIP = localPublicIP; self.localCIDRs = localCIDRs; self.peerGateway = peerGateway
            self.peerCIDRs = peerCIDRs; self.presharedKey = presharedKey; self.ikePolicy = ikePolicy; self.espPolicy = espPolicy
            self.ikeLifetime = ikeLifetime; self.espLifetime = espLifetime; self.dpd = dpd; self.forceEncap = forceEncap; self.ikeVersion = ikeVersion
            self.splitConnections = splitConnections; self.passive = passive
        }
    }

    /// L2TP/IPsec remote access: the server listens on `publicIP` (UDP 500, 1701, 4500),
    /// takes `localIP` inside the tunnel and hands clients addresses from `clientRange`
    /// (`a.b.c.d-a.b.c.e`); `localCIDR` is what clients reach (the guest CIDR or the VPC's).
    /// `users` are the owner account's VPN users with their passwords.
    public struct RemoteAccessVpn: Codable, Sendable, Equatable {
        public struct User: Codable, Sendable, Equatable {
            public var username: String
            public var password: String
            public init(username: String, password: String) { self.username = username; self.password = password }
        }
        public var publicIP: String
        public var localIP: String
        public var clientRange: String
        public var localCIDR: String
        public var presharedKey: String
        public var users: [User]

        public init(publicIP: String, localIP: String, clientRange: String, localCIDR: String, presharedKey: String, users: [User]) {
            self.publicIP = publicIP; self.localIP = localIP; self.clientRange = clientRange; self.localCIDR = localCIDR
            self.presharedKey = presharedKey; self.users = users
        }
    }
}

extension RouterDocument {
    /// Decodes every section; the VPN sections may be absent (documents of schema 1 written
    /// before they existed), and then are empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schemaVersion = try c.decode(Int.self, forKey: .schemaVersion)
        generation = try c.decode(Int64.self, forKey: .generation)
        router = try c.decode(Identity.self, forKey: .router)
        interfaces = try c.decode([Interface].self, forKey: .interfaces)
        dhcp = try c.decode([DHCPEntry].self, forKey: .dhcp)
        dns = try c.decode(DNS.self, forKey: .dns)
        metadata = try c.decode([InstanceMetadata].self, forKey: .metadata)
        passwords = try c.decode([Password].self, forKey: .passwords)
        sourceNat = try c.decode([SourceNat].self, forKey: .sourceNat)
        staticNat = try c.decode([StaticNat].self, forKey: .staticNat)
        portForwarding = try c.decode([PortForward].self, forKey: .portForwarding)
        firewall = try c.decode([FirewallEntry].self, forKey: .firewall)
        egress = try c.decode(Egress.self, forKey: .egress)
        loadBalancers = try c.decode([LoadBalancer].self, forKey: .loadBalancers)
        networkAcls = try c.decode([ACLItem].self, forKey: .networkAcls)
        staticRoutes = try c.decode([StaticRoute].self, forKey: .staticRoutes)
        ipv6Firewall = try c.decode([IPv6FirewallEntry].self, forKey: .ipv6Firewall)
        siteToSiteVpn = try c.decodeIfPresent([SiteToSiteVpn].self, forKey: .siteToSiteVpn) ?? []
        remoteAccessVpn = try c.decodeIfPresent(RemoteAccessVpn.self, forKey: .remoteAccessVpn)
    }
}

// MARK: - Canonical form

extension RouterDocument {
    /// The parts of a document, for incremental application.
    public enum Section: String, Sendable, CaseIterable, Codable {
        case router, interfaces, dhcp, dns, metadata, passwords, sourceNat, staticNat, portForwarding, firewall, egress, loadBalancers, networkAcls, staticRoutes,
             ipv6Firewall, siteToSiteVpn, remoteAccessVpn
    }

    /// The same document with every list in a stable order, so that the same inputs always
    /// give the same bytes.
    public func canonicalized() -> RouterDocument {
        var d = self
        d.interfaces.sort { ($0.role.rawValue, $0.mac) < ($1.role.rawValue, $1.mac) }
        d.dhcp.sort { ($0.ipv4, $0.mac) < ($1.ipv4, $1.mac) }
        d.dns.upstream = dns.upstream
        d.dns.hosts = dns.hosts.map { DNS.Host(address: $0.address, names: $0.names.sorted()) }.sorted { $0.address < $1.address }
        d.metadata.sort { $0.guestIP < $1.guestIP }
        for i in d.metadata.indices { d.metadata[i].publicKeys.sort() }
        d.passwords.sort { $0.guestIP < $1.guestIP }
        d.sourceNat.sort { ($0.publicIP, $0.guestCIDR) < ($1.publicIP, $1.guestCIDR) }
        d.staticNat.sort { ($0.publicIP, $0.guestIP) < ($1.publicIP, $1.guestIP) }
        d.portForwarding.sort { ($0.publicIP, $0.proto, $0.publicPorts, $0.guestIP) < ($1.publicIP, $1.proto, $1.publicPorts, $1.guestIP) }
        for i in d.portForwarding.indices { d.portForwarding[i].sourceCIDRs.sort() }
        d.firewall = firewall.map { var f = $0; f.sourceCIDRs.sort(); return f }.sorted { Self.key($0) < Self.key($1) }
        d.egress.rules = egress.rules.map { var r = $0; r.sourceCIDRs.sort(); r.destinationCIDRs.sort(); return r }.sorted { Self.key($0) < Self.key($1) }
        d.loadBalancers = loadBalancers.map { var l = $0; l.members.sort(); l.sourceCIDRs.sort(); return l }
            .sorted { ($0.publicIP, $0.publicPort, $0.proto) < ($1.publicIP, $1.publicPort, $1.proto) }
        d.networkAcls.sort { ($0.appliesTo ?? "", $0.number) < ($1.appliesTo ?? "", $1.number) }
        d.staticRoutes.sort { ($0.cidr, $0.nextHop) < ($1.cidr, $1.nextHop) }
        d.ipv6Firewall = ipv6Firewall.map { var r = $0; r.sourceCIDRs.sort(); r.destinationCIDRs.sort(); return r }.sorted { Self.key($0) < Self.key($1) }
        d.siteToSiteVpn = siteToSiteVpn.map { var v = $0; v.localCIDRs.sort(); v.peerCIDRs.sort(); return v }
            .sorted { ($0.peerGateway, $0.connectionUUID) < ($1.peerGateway, $1.connectionUUID) }
        d.remoteAccessVpn?.users.sort { $0.username < $1.username }
        return d
    }

    static func key(_ f: FirewallEntry) -> String {
        "\(f.publicIP)|\(f.proto)|\(f.ports ?? "")|\(f.icmpType ?? -2)|\(f.icmpCode ?? -2)|\(f.sourceCIDRs.joined(separator: ","))"
    }

    static func key(_ r: IPv6FirewallEntry) -> String {
        "\(r.traffic)|\(r.proto)|\(r.ports ?? "")|\(r.icmpType ?? -2)|\(r.icmpCode ?? -2)|\(r.sourceCIDRs.joined(separator: ","))|\(r.destinationCIDRs.joined(separator: ","))"
    }

    static func key(_ r: Egress.Rule) -> String {
        "\(r.proto)|\(r.ports ?? "")|\(r.icmpType ?? -2)|\(r.icmpCode ?? -2)|\(r.sourceCIDRs.joined(separator: ","))|\(r.destinationCIDRs.joined(separator: ","))"
    }

    /// The canonical JSON: sorted keys, stable list order, no extra whitespace (or indented,
    /// for people and golden files, with `pretty`).
    public func canonicalJSON(pretty: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(canonicalized())
    }

    /// The sections whose content differs from `old` (the generation aside).
    public func changedSections(from old: RouterDocument) -> Set<Section> {
        let a = canonicalized(), b = old.canonicalized()
        var out = Set<Section>()
        if a.router != b.router { out.insert(.router) }
        if a.interfaces != b.interfaces { out.insert(.interfaces) }
        if a.dhcp != b.dhcp { out.insert(.dhcp) }
        if a.dns != b.dns { out.insert(.dns) }
        if a.metadata != b.metadata { out.insert(.metadata) }
        if a.passwords != b.passwords { out.insert(.passwords) }
        if a.sourceNat != b.sourceNat { out.insert(.sourceNat) }
        if a.staticNat != b.staticNat { out.insert(.staticNat) }
        if a.portForwarding != b.portForwarding { out.insert(.portForwarding) }
        if a.firewall != b.firewall { out.insert(.firewall) }
        if a.egress != b.egress { out.insert(.egress) }
        if a.loadBalancers != b.loadBalancers { out.insert(.loadBalancers) }
        if a.networkAcls != b.networkAcls { out.insert(.networkAcls) }
        if a.staticRoutes != b.staticRoutes { out.insert(.staticRoutes) }
        if a.ipv6Firewall != b.ipv6Firewall { out.insert(.ipv6Firewall) }
        if a.siteToSiteVpn != b.siteToSiteVpn { out.insert(.siteToSiteVpn) }
        if a.remoteAccessVpn != b.remoteAccessVpn { out.insert(.remoteAccessVpn) }
        return out
    }

    /// An inconsistency inside a document; a correct builder never produces one.
    public struct InvalidDocument: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// Checks what the sections say about each other: one lease per address and MAC, port
    /// forwarding and static NAT to leased addresses only, load-balancer members leased, one
    /// static NAT per public address, one VPN entry per connection and VPN user name, a known
    /// schema version.
    public func validate() throws(InvalidDocument) {
        guard schemaVersion == Self.currentSchemaVersion else { throw InvalidDocument("Unknown schema version \(schemaVersion)") }
        var leased = Set<String>(), macs = Set<String>()
        for entry in dhcp {
            guard leased.insert(entry.ipv4).inserted else { throw InvalidDocument("Two DHCP entries for \(entry.ipv4)") }
            guard macs.insert(entry.mac.lowercased()).inserted else { throw InvalidDocument("Two DHCP entries for MAC \(entry.mac)") }
        }
        // Secondary addresses are guest addresses too.
        let guests = leased.union(metadata.map(\.guestIP)).union(extraGuestAddresses)
        var natted = Set<String>()
        for nat in staticNat {
            guard natted.insert(nat.publicIP).inserted else { throw InvalidDocument("Two static NATs on \(nat.publicIP)") }
            guard guests.contains(nat.guestIP) else { throw InvalidDocument("Static NAT from \(nat.publicIP) to \(nat.guestIP), which is no guest address") }
        }
        for pf in portForwarding where !guests.contains(pf.guestIP) {
            throw InvalidDocument("Port forwarding \(pf.publicIP):\(pf.publicPorts) to \(pf.guestIP), which is no guest address")
        }
        for lb in loadBalancers {
            for m in lb.members where !guests.contains(m) {
                throw InvalidDocument("Load balancer \(lb.name) member \(m) is no guest address")
            }
        }
        var connections = Set<String>()
        for vpn in siteToSiteVpn where !connections.insert(vpn.connectionUUID).inserted {
            throw InvalidDocument("Two site-to-site VPN entries for connection \(vpn.connectionUUID)")
        }
        if let remote = remoteAccessVpn {
            var names = Set<String>()
            for user in remote.users where !names.insert(user.username).inserted {
                throw InvalidDocument("Two remote access VPN users named \(user.username)")
            }
        }
    }

    /// Guest addresses that are not DHCP leases (NIC secondary addresses), carried in DNS host
    /// entries named after their instance.
    var extraGuestAddresses: Set<String> { Set(dns.hosts.map(\.address)) }
}
