import Foundation

/// A site-to-site VPN connection's state (CloudStack's `Site2SiteVpnConnection.State`):
/// Pending until the VPC router applied it, then Connected (or Disconnected for a passive
/// connection, which waits for its peer), Error when applying failed.
public enum VPNConnectionState: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case pending = "Pending"
    case connected = "Connected"
    case disconnected = "Disconnected"
    case error = "Error"
}

/// A remote access VPN's state: Added when created, Running once its router applied it,
/// Removed while it is torn down.
public enum RemoteAccessVPNState: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case added = "Added"
    case running = "Running"
    case removed = "Removed"
}

/// A VPN user's state: Add when created, Active once applied, Revoke while removed.
public enum VPNUserState: String, Sendable, Codable, CaseIterable, CaseInsensitiveEnum {
    case add = "Add"
    case active = "Active"
    case revoke = "Revoke"
}

/// The local end of a VPC's site-to-site VPN: one per VPC, on its source NAT address.
public struct VPNGateway: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var vpcID: Int64
    public var ipAddressID: Int64
    public var accountID: Int64
    public var domainID: Int64
    public var display: Bool
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), vpcID: Int64, ipAddressID: Int64, accountID: Int64, domainID: Int64, display: Bool = true,
                created: Date = Date()) {
        self.id = id; self.uuid = uuid; self.vpcID = vpcID; self.ipAddressID = ipAddressID; self.accountID = accountID; self.domainID = domainID
        self.display = display; self.created = created
    }
}

/// The remote end of site-to-site VPN connections: the peer's gateway, the subnets behind it,
/// and the IPsec parameters both ends must agree on.
public struct VPNCustomerGateway: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var name: String
    /// The peer's public address or DNS name.
    public var gateway: String
    /// The peer's subnets, in the order given.
    public var cidrs: [String]
    public var ipsecPSK: String
    public var ikePolicy: String
    public var espPolicy: String
    /// Seconds.
    public var ikeLifetime: Int
    public var espLifetime: Int
    public var dpd: Bool
    public var forceEncap: Bool
    /// `ike`, `ikev1` or `ikev2`.
    public var ikeVersion: String
    public var splitConnections: Bool
    public var accountID: Int64
    public var domainID: Int64
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), name: String, gateway: String, cidrs: [String], ipsecPSK: String, ikePolicy: String, espPolicy: String,
                ikeLifetime: Int = VPNRules.defaultIKELifetime, espLifetime: Int = VPNRules.defaultESPLifetime, dpd: Bool = false, forceEncap: Bool = false,
                ikeVersion: String = "ike", splitConnections: Bool = false, accountID: Int64, domainID: Int64, created: Date = Date()) {
        self.id = id; self.uuid = uuid; self.name = name; self.gateway = gateway; self.cidrs = cidrs; self.ipsecPSK = ipsecPSK
        self.ikePolicy = ikePolicy; self.espPolicy = espPolicy; self.ikeLifetime = ikeLifetime; self.espLifetime = espLifetime; self.dpd = dpd
        self.forceEncap = forceEncap; self.ikeVersion = ikeVersion; self.splitConnections = splitConnections; self.accountID = accountID
        self.domainID = domainID; self.created = created
    }
}

/// A site-to-site VPN connection between a VPC's VPN gateway and a customer gateway of the
/// same account.
public struct VPNConnection: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var vpnGatewayID: Int64
    public var customerGatewayID: Int64
    public var state: VPNConnectionState
    /// A passive end waits for the peer to start the negotiation.
    public var passive: Bool
    public var display: Bool
    public var accountID: Int64
    public var domainID: Int64
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), vpnGatewayID: Int64, customerGatewayID: Int64, state: VPNConnectionState = .pending, passive: Bool = false,
                display: Bool = true, accountID: Int64, domainID: Int64, created: Date = Date()) {
        self.id = id; self.uuid = uuid; self.vpnGatewayID = vpnGatewayID; self.customerGatewayID = customerGatewayID; self.state = state
        self.passive = passive; self.display = display; self.accountID = accountID; self.domainID = domainID; self.created = created
    }

    /// The state a successful apply leaves: Connected, or Disconnected for a passive end.
    public var appliedState: VPNConnectionState { passive ? .disconnected : .connected }
}

/// L2TP/IPsec remote access to an isolated network (on one of its public addresses) or to a
/// VPC (on its source NAT address). The router takes `localIP`; clients get addresses from
/// `ipRange`.
public struct RemoteAccessVPN: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var ipAddressID: Int64
    public var networkID: Int64?
    public var vpcID: Int64?
    public var accountID: Int64
    public var domainID: Int64
    /// The first address of the range the caller gave.
    public var localIP: String
    /// The rest of that range (`a.b.c.d-a.b.c.e`), handed to clients.
    public var ipRange: String
    public var presharedKey: String
    public var state: RemoteAccessVPNState
    public var display: Bool
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), ipAddressID: Int64, networkID: Int64?, vpcID: Int64?, accountID: Int64, domainID: Int64,
                localIP: String, ipRange: String, presharedKey: String, state: RemoteAccessVPNState = .added, display: Bool = true, created: Date = Date()) {
        self.id = id; self.uuid = uuid; self.ipAddressID = ipAddressID; self.networkID = networkID; self.vpcID = vpcID; self.accountID = accountID
        self.domainID = domainID; self.localIP = localIP; self.ipRange = ipRange; self.presharedKey = presharedKey; self.state = state
        self.display = display; self.created = created
    }
}

/// A user of an account's remote access VPNs.
public struct VPNUser: Sendable, Equatable {
    public var id: Int64
    public var uuid: UUID
    public var accountID: Int64
    public var domainID: Int64
    public var username: String
    public var password: String
    public var state: VPNUserState
    public var created: Date

    public init(id: Int64 = 0, uuid: UUID = UUID(), accountID: Int64, domainID: Int64, username: String, password: String, state: VPNUserState = .add,
                created: Date = Date()) {
        self.id = id; self.uuid = uuid; self.accountID = accountID; self.domainID = domainID; self.username = username; self.password = password
        self.state = state; self.created = created
    }
}

/// CloudStack's checks on VPN parameters, as pure functions.
public enum VPNRules {
    public static let defaultIKELifetime = 86_400
    public static let defaultESPLifetime = 3_600
    public static let maxLifetime = 86_400
    public static let ciphers: Set<String> = ["3des", "aes128", "aes192", "aes256"]
    public static let hashes: Set<String> = ["md5", "sha1", "sha256", "sha384", "sha512"]
    public static let dhGroups: Set<String> = ["modp1024", "modp1536", "modp2048", "modp3072", "modp4096", "modp6144", "modp8192"]
    public static let ikeVersions = ["ike", "ikev1", "ikev2"]
    /// The UDP ports a remote access VPN listens on: IKE, L2TP and NAT traversal.
    public static let remoteAccessPorts = [500, 1701, 4500]

    /// An IKE or ESP policy: one or more comma-separated `cipher-hash[;dhgroup]` proposals
    /// (`aes128-sha1;modp1536`), as strongSwan reads them.
    public static func policy(_ text: String, kind: PolicyKind) throws(CloudError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.split(separator: ",", omittingEmptySubsequences: false).allSatisfy(isValidProposal) else {
            switch kind {
            case .ike:
                throw .invalidParameter("The customer gateway IKE policy \(text) is invalid! Use cipher-hash[;dhgroup] with a cipher of \(sorted(ciphers)), "
                    + "a hash of \(sorted(hashes)) and a Diffie-Hellman group of \(sorted(dhGroups))")
            case .esp:
                throw .invalidParameter("The customer gateway ESP policy \(text) is invalid! Use cipher-hash[;dhgroup] with a cipher of \(sorted(ciphers)), "
                    + "a hash of \(sorted(hashes)) and an optional PFS group of \(sorted(dhGroups))")
            }
        }
        return trimmed.lowercased()
    }

    public enum PolicyKind: String, Sendable { case ike = "IKE", esp = "ESP" }

    static func sorted(_ set: Set<String>) -> String { set.sorted().joined(separator: "/") }

    static func isValidProposal(_ proposal: Substring) -> Bool {
        let parts = proposal.lowercased().split(separator: ";", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return false }
        let cipherHash = parts[0].split(separator: "-", omittingEmptySubsequences: false)
        guard cipherHash.count == 2, ciphers.contains(String(cipherHash[0])), hashes.contains(String(cipherHash[1])) else { return false }
        if parts.count == 2 { return dhGroups.contains(String(parts[1])) }
        return true
    }

    /// An IKE or ESP lifetime in seconds: the default when absent, 1 to 86400 otherwise.
    public static func lifetime(_ value: Int?, kind: PolicyKind) throws(CloudError) -> Int {
        guard let value else { return kind == .ike ? defaultIKELifetime : defaultESPLifetime }
        guard value > 0, value <= maxLifetime else {
            throw .invalidParameter("The \(kind.rawValue) lifetime \(value) of vpn connection is invalid! It must be between 1 and \(maxLifetime) seconds")
        }
        return value
    }

    /// `ike` (the default: what the peer proposes), `ikev1` or `ikev2`.
    public static func ikeVersion(_ text: String?) throws(CloudError) -> String {
        guard let text else { return "ike" }
        let lowered = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard ikeVersions.contains(lowered) else {
            throw .invalidParameter("Invalid ikeversion \(text): use \(ikeVersions.joined(separator: ", "))")
        }
        return lowered
    }

    /// An IPsec pre-shared key: not empty, no commas or quotes (they would break the
    /// router's secrets file), no line breaks.
    public static func presharedKey(_ text: String) throws(CloudError) -> String {
        guard !text.isEmpty else { throw .invalidParameter("The IPsec pre-shared key (ipsecpsk) must not be empty") }
        guard !text.contains(where: { $0 == "," || $0 == "\"" || $0 == "'" || $0.isNewline }) else {
            throw .invalidParameter("The IPsec pre-shared key (ipsecpsk) must not contain commas, quotes or line breaks")
        }
        return text
    }

    /// The customer gateway's address: an IPv4 address or a DNS name.
    public static func gatewayAddress(_ text: String) throws(CloudError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if IPv4Address(trimmed) != nil { return trimmed }
        guard isDomainName(trimmed) else { throw .invalidParameter("The customer gateway ip/Domain \(text) is invalid!") }
        return trimmed.lowercased()
    }

    /// A DNS name: dot-separated labels of letters, digits and hyphens (not at either end),
    /// 1 to 63 characters each, not all digits, 253 characters at most.
    static func isDomainName(_ text: String) -> Bool {
        guard !text.isEmpty, text.count <= 253 else { return false }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.allSatisfy({ label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }) else { return false }
        // A string of digits and dots is a (bad) address, not a name.
        return !text.allSatisfy { $0.isNumber || $0 == "." }
    }

    /// The subnets behind a customer gateway: a comma-separated list of valid IPv4 networks,
    /// at most `limit` of them, none overlapping another.
    public static func customerCIDRs(_ text: String, limit: Int) throws(CloudError) -> [IPv4CIDR] {
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw .invalidParameter("The customer gateway peer cidr list \(text) contains an invalid cidr!") }
        var out: [IPv4CIDR] = []
        for item in items {
            guard let cidr = IPv4CIDR(item, strict: true) else {
                throw .invalidParameter("The customer gateway peer cidr list \(text) contains an invalid cidr: \(item)")
            }
            out.append(cidr)
        }
        guard out.count <= limit else { throw .invalidParameter("Too many subnets of customer gateway! The limit is \(limit)") }
        for i in out.indices {
            for j in out.indices where j > i && out[i].overlaps(out[j]) {
                throw .invalidParameter("The subnet of customer gateway \(out[i]) is overlapped with another subnet \(out[j]) of customer gateway!")
            }
        }
        return out
    }

    /// A new connection's peer subnets against the VPC's CIDR and the peer subnets of the
    /// gateway's other connections (named by their customer gateway).
    public static func checkConnection(peer: [IPv4CIDR], gatewayName: String, vpcCIDR: IPv4CIDR, others: [(name: String, cidrs: [IPv4CIDR])]) throws(CloudError) {
        for cidr in peer where cidr.overlaps(vpcCIDR) {
            throw .invalidParameter("The subnets of customer gateway \(gatewayName)'s subnet \(cidr) is overlapped with VPC cidr \(vpcCIDR)!")
        }
        for other in others {
            for old in other.cidrs {
                for cidr in peer where cidr.overlaps(old) {
                    throw .invalidParameter("The new connection's remote subnet \(cidr) is overlapped with existed VPN connection to customer gateway \(other.name)'s subnet \(old)")
                }
            }
        }
    }

    /// A VPN user name: a letter or digit, then 2 to 63 letters, digits or `@._-`.
    public static func username(_ text: String) throws(CloudError) -> String {
        guard (3...64).contains(text.count), let first = text.first, isAlnum(first), text.dropFirst().allSatisfy({ isAlnum($0) || "@._-".contains($0) }) else {
            throw .invalidParameter("Username [\(text)] is invalid. Username has to begin with an alphabet have 3-64 characters including alphabets, numbers and the set '@.-_'.")
        }
        return text
    }

    /// A VPN user's password: a letter or digit, then 2 to 31 letters, digits or `@+=._-`.
    public static func password(_ text: String) throws(CloudError) -> String {
        guard (3...32).contains(text.count), let first = text.first, isAlnum(first), text.dropFirst().allSatisfy({ isAlnum($0) || "@+=._-".contains($0) }) else {
            throw .invalidParameter("Password has to be 3-32 characters including alphabets, numbers and the set '@+=.-_'")
        }
        return text
    }

    static func isAlnum(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }

    /// A remote access client range `a.b.c.d-a.b.c.e` (two addresses, ascending, at least two
    /// of them) outside the guest CIDR: the first address becomes the router's local address,
    /// the rest the clients' range.
    public static func clientRange(_ text: String, guestCIDR: IPv4CIDR) throws(CloudError) -> (localIP: IPv4Address, clients: IPv4Range) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { throw .invalidParameter("IP range [\(text)] is an invalid IP range.") }
        guard let first = IPv4Address(parts[0]), let last = IPv4Address(parts[1]) else {
            throw .invalidParameter("One or both IPs sets in the range [\(text)] are invalid IPs.")
        }
        guard first < last, let clientsFirst = first.advanced(by: 1), let clients = IPv4Range(first: clientsFirst, last: last) else {
            throw .invalidParameter("Range of IPs [\(text)] is invalid: it needs at least two addresses, the first for the VPN server")
        }
        if let range = IPv4Range(first: first, last: last), range.overlaps(guestCIDR.range) {
            throw .invalidParameter("Invalid ip range: \(text) overlaps with guest ip range \(guestCIDR.first)-\(guestCIDR.last)")
        }
        return (first, clients)
    }

    /// A random pre-shared key of `length` letters and digits.
    public static func generatePresharedKey<G: RandomNumberGenerator>(length: Int, using generator: inout G) -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
        return String((0..<max(length, 8)).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
