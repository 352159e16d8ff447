extension EventType {
    public static let networkCreate = "NETWORK.CREATE"
    public static let networkDelete = "NETWORK.DELETE"
    public static let networkUpdate = "NETWORK.UPDATE"
    public static let networkRestart = "NETWORK.RESTART"
    public static let networkPermissionsCreate = "NETWORK.PERMISSIONS.CREATE"
    public static let networkPermissionsRemove = "NETWORK.PERMISSIONS.REMOVE"
    public static let networkPermissionsReset = "NETWORK.PERMISSIONS.RESET"
    public static let nicCreate = "NIC.CREATE"
    public static let nicDelete = "NIC.DELETE"
    public static let nicUpdate = "NIC.UPDATE"
    public static let nicSecondaryIPAssign = "NIC.SECONDARY.IP.ASSIGN"
    public static let nicSecondaryIPUnassign = "NIC.SECONDARY.IP.UNASSIGN"
    public static let netIPAssign = "NET.IPASSIGN"
    public static let netIPRelease = "NET.IPRELEASE"
    public static let routerCreate = "ROUTER.CREATE"
    public static let routerStart = "ROUTER.START"
    public static let routerStop = "ROUTER.STOP"
    public static let routerReboot = "ROUTER.REBOOT"
    public static let routerDestroy = "ROUTER.DESTROY"
    public static let routerPatch = "SYSTEM.VM.LIVEPATCH"
    public static let guestIPv6PrefixCreate = "GUEST.IP6.PREFIX.CREATE"
    public static let guestIPv6PrefixDelete = "GUEST.IP6.PREFIX.DELETE"
    public static let ipv6FirewallOpen = "NET.IP6FIREWALLRULE.OPEN"
    public static let ipv6FirewallClose = "NET.IP6FIREWALLRULE.CLOSE"
    public static let ipv6FirewallUpdate = "NET.IP6FIREWALLRULE.UPDATE"

    /// The guest networking event types.
    static let networks: [String] = [networkCreate, networkDelete, networkUpdate, networkRestart, networkPermissionsCreate, networkPermissionsRemove,
                                     networkPermissionsReset, nicCreate, nicDelete, nicUpdate, nicSecondaryIPAssign, nicSecondaryIPUnassign,
                                     netIPAssign, netIPRelease, routerCreate, routerStart, routerStop, routerReboot, routerDestroy, routerPatch,
                                     guestIPv6PrefixCreate, guestIPv6PrefixDelete, ipv6FirewallOpen, ipv6FirewallClose, ipv6FirewallUpdate]
}
