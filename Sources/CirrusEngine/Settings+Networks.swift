import CirrusModel

extension Settings {
    public static let guestDomainSuffix = ConfigDefinition("guest.domain.suffix", category: "Network", type: .string, default: "cloud.internal",
        description: "The DNS suffix of a guest network that names no network domain (cs<account id in hex>.<suffix>)")
    public static let routerTemplateVersion = ConfigDefinition("router.template.version", category: "Network", type: .string, default: "4.19.0",
        description: "The system template version new virtual routers run (listRouters `version`)")
    public static let routerSoftwareVersion = ConfigDefinition("router.software.version", category: "Network", type: .string, default: "4.19.0",
        description: "The router scripts' version live patching brings routers to (listRouters `softwareversion`)")

    public static let networkGCInterval = ConfigDefinition("network.gc.interval", category: "Advanced", type: .integer, default: "600",
        description: "Seconds between passes of the network garbage collector", range: 1...86_400)
    public static let networkGCWait = ConfigDefinition("network.gc.wait", category: "Advanced", type: .integer, default: "600",
        description: "Seconds an implemented network must stay without active instances before the garbage collector shuts it down", range: 0...86_400)

    public static let routerPushInterval = ConfigDefinition("router.document.push.interval", category: "Network", type: .integer, default: "2",
        description: "Seconds between sweeps that send changed router documents to the routers' hosts", range: 1...3_600)

    public static let vpcMaxNetworks = ConfigDefinition("vpc.max.networks", category: "Network", type: .integer, default: "3",
        description: "The most tiers a VPC may have", range: 1...256)

    /// The guest networking settings.
    static let networks: [ConfigDefinition] = [guestDomainSuffix, routerTemplateVersion, routerSoftwareVersion, networkGCInterval, networkGCWait,
                                               routerPushInterval, vpcMaxNetworks]
}
