extension EventType {
    public static let securityGroupCreate = "SG.CREATE"
    public static let securityGroupDelete = "SG.DELETE"
    public static let securityGroupAuthorizeIngress = "SG.AUTH.INGRESS"
    public static let securityGroupAuthorizeEgress = "SG.AUTH.EGRESS"
    public static let securityGroupRevokeIngress = "SG.REVOKE.INGRESS"
    public static let securityGroupRevokeEgress = "SG.REVOKE.EGRESS"

    /// Event types of security groups and their rules.
    static let securityGroups: [String] = [securityGroupCreate, securityGroupDelete, securityGroupAuthorizeIngress, securityGroupAuthorizeEgress,
                                           securityGroupRevokeIngress, securityGroupRevokeEgress]
}
