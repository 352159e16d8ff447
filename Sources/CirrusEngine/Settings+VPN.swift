import CirrusModel

extension Settings {
    public static let remoteAccessVPNClientIPRange = ConfigDefinition("remote.access.vpn.client.iprange", category: "Network", type: .string,
        default: "10.1.2.1-10.1.2.8",
        description: "The range of addresses given to remote access VPN clients; the first address in the range is used by the VPN server",
        scopes: [.account])
    public static let remoteAccessVPNPSKLength = ConfigDefinition("remote.access.vpn.psk.length", category: "Network", type: .integer, default: "24",
        description: "The length of the IPsec pre-shared key generated for a remote access VPN", range: 8...256)
    public static let remoteAccessVPNUserLimit = ConfigDefinition("remote.access.vpn.user.limit", category: "Network", type: .integer, default: "8",
        description: "The most remote access VPN users an account may have", range: 0...10_000)
    public static let site2SiteVPNConnectionLimit = ConfigDefinition("site2site.vpn.vpngateway.connection.limit", category: "Network", type: .integer,
        default: "4", description: "The most site-to-site VPN connections a VPN gateway may have", range: 1...1_000)
    public static let site2SiteVPNSubnetsLimit = ConfigDefinition("site2site.vpn.customergateway.subnets.limit", category: "Network", type: .integer,
        default: "10", description: "The most subnets a site-to-site VPN customer gateway may list", range: 1...1_000)

    /// The VPN settings.
    static let vpns: [ConfigDefinition] = [remoteAccessVPNClientIPRange, remoteAccessVPNPSKLength, remoteAccessVPNUserLimit, site2SiteVPNConnectionLimit,
                                           site2SiteVPNSubnetsLimit]
}
