import CirrusModel

extension Settings {
    public static let securityGroupDefaultAdding = ConfigDefinition("network.securitygroups.defaultadding", category: "Network", type: .boolean, default: "true",
        description: "Whether an instance deployed on a security-group network without securitygroupids or securitygroupnames joins its account's default group")
    public static let securityGroupSyncInterval = ConfigDefinition("network.securitygroups.sync.interval", category: "Network", type: .integer, default: "10",
        description: "Seconds between sweeps that compare every security group member's rule set with what its host applied and resend changed ones",
        range: 1...3_600)

    /// The security group settings.
    static let securityGroups: [ConfigDefinition] = [securityGroupDefaultAdding, securityGroupSyncInterval]
}
