/// Every command Cirrus serves. Adding a command means adding its declaration to one of
/// these lists; nothing else needs to know about it.
public enum CommandCatalog {
    public static func registry() -> CommandRegistry {
        CommandRegistry(IdentityCommands.all + RoleCommands.all + JobCommands.all + EventCommands.all + ConfigCommands.all + DiscoveryCommands.all
                        + InfrastructureCommands.all + HostCommands.all + OfferingCommands.all + TemplateCommands.all
                        + SimulatorCommands.all + CapacityCommands.all
                        + InstanceCommands.all + VolumeCommands.all + SnapshotCommands.all + SSHKeyCommands.all + UserDataCommands.all
                        + AffinityGroupCommands.all + TagCommands.all + PublicIPCommands.all + FirewallCommands.all + LoadBalancerCommands.all + IPv6Commands.all + VPCCommands.all + NetworkACLCommands.all + NetworkCommands.all + NicCommands.all + RouterCommands.all + ResourceLimitCommands.all + InstanceManageCommands.all
                        + DedicationCommands.all + SecurityGroupCommands.all + VPNCommands.all)
    }
}
