import CirrusModel

extension Settings {
    static func accountLimit(_ key: String, _ value: String, _ what: String) -> ConfigDefinition {
        ConfigDefinition("max.account.\(key)", category: "Account Defaults", type: .long, default: value,
                         description: "The default maximum number of \(what) an account may own; -1 for no limit", range: -1...Double(Int64.max / 1_073_741_824))
    }

    static func domainLimit(_ key: String, _ value: String, _ what: String) -> ConfigDefinition {
        ConfigDefinition("max.domain.\(key)", category: "Domain Defaults", type: .long, default: value,
                         description: "The default maximum number of \(what) a domain's accounts may own together; -1 for no limit", range: -1...Double(Int64.max / 1_073_741_824))
    }

    /// The defaults of account limits by resource type (CloudStack's values).
    public static let accountLimitDefaults: [ResourceType: ConfigDefinition] = [
        .userVM: accountLimit("user.vms", "20", "user instances"),
        .publicIP: accountLimit("public.ips", "20", "public IP addresses"),
        .volume: accountLimit("volumes", "20", "volumes"),
        .snapshot: accountLimit("snapshots", "20", "snapshots"),
        .template: accountLimit("templates", "20", "templates and ISOs"),
        .project: accountLimit("projects", "10", "projects"),
        .network: accountLimit("networks", "20", "networks"),
        .vpc: accountLimit("vpcs", "20", "VPCs"),
        .cpu: accountLimit("cpus", "40", "CPU cores"),
        .memory: accountLimit("memory", "40960", "MiB of memory"),
        .primaryStorage: accountLimit("primary.storage", "200", "GiB of primary storage"),
        .secondaryStorage: accountLimit("secondary.storage", "400", "GiB of secondary storage"),
    ]

    /// The defaults of domain limits by resource type (CloudStack's values).
    public static let domainLimitDefaults: [ResourceType: ConfigDefinition] = [
        .userVM: domainLimit("user.vms", "40", "user instances"),
        .publicIP: domainLimit("public.ips", "40", "public IP addresses"),
        .volume: domainLimit("volumes", "40", "volumes"),
        .snapshot: domainLimit("snapshots", "40", "snapshots"),
        .template: domainLimit("templates", "40", "templates and ISOs"),
        .project: domainLimit("projects", "50", "projects"),
        .network: domainLimit("networks", "40", "networks"),
        .vpc: domainLimit("vpcs", "40", "VPCs"),
        .cpu: domainLimit("cpus", "80", "CPU cores"),
        .memory: domainLimit("memory", "81920", "MiB of memory"),
        .primaryStorage: domainLimit("primary.storage", "400", "GiB of primary storage"),
        .secondaryStorage: domainLimit("secondary.storage", "800", "GiB of secondary storage"),
    ]

    /// The settings of resource limits.
    static let limits: [ConfigDefinition] = ResourceType.allCases.compactMap { accountLimitDefaults[$0] }
        + ResourceType.allCases.compactMap { domainLimitDefaults[$0] }
}
