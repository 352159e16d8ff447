extension EventType {
    public static let staticNatEnable = "STATICNAT.ENABLE"
    public static let staticNatDisable = "STATICNAT.DISABLE"
    public static let netRuleAdd = "NET.RULEADD"
    public static let netRuleDelete = "NET.RULEDELETE"
    public static let netRuleModify = "NET.RULEMODIFY"
    public static let firewallOpen = "FIREWALL.OPEN"
    public static let firewallClose = "FIREWALL.CLOSE"
    public static let firewallUpdate = "FIREWALL.UPDATE"
    public static let firewallEgressOpen = "FIREWALL.EGRESS.OPEN"
    public static let firewallEgressClose = "FIREWALL.EGRESS.CLOSE"
    public static let firewallEgressUpdate = "FIREWALL.EGRESS.UPDATE"
    public static let lbCreate = "LB.CREATE"
    public static let lbDelete = "LB.DELETE"
    public static let lbUpdate = "LB.UPDATE"
    public static let lbAssignToRule = "LB.ASSIGN.TO.RULE"
    public static let lbRemoveFromRule = "LB.REMOVE.FROM.RULE"
    public static let lbStickinessPolicyCreate = "LB.STICKINESSPOLICY.CREATE"
    public static let lbStickinessPolicyDelete = "LB.STICKINESSPOLICY.DELETE"
    public static let lbStickinessPolicyUpdate = "LB.STICKINESSPOLICY.UPDATE"
    public static let lbHealthCheckPolicyCreate = "LB.HEALTHCHECKPOLICY.CREATE"
    public static let lbHealthCheckPolicyDelete = "LB.HEALTHCHECKPOLICY.DELETE"
    public static let lbHealthCheckPolicyUpdate = "LB.HEALTHCHECKPOLICY.UPDATE"
    public static let netIPReserve = "NET.IPRESERVE"
    public static let netIPUpdate = "NET.IPUPDATE"

    /// Event types of public addresses and their rules.
    static let rules: [String] = [staticNatEnable, staticNatDisable, netRuleAdd, netRuleDelete, netRuleModify, firewallOpen, firewallClose, firewallUpdate,
                                  firewallEgressOpen, firewallEgressClose, firewallEgressUpdate, lbCreate, lbDelete, lbUpdate, lbAssignToRule, lbRemoveFromRule,
                                  lbStickinessPolicyCreate, lbStickinessPolicyDelete, lbStickinessPolicyUpdate, lbHealthCheckPolicyCreate,
                                  lbHealthCheckPolicyDelete, lbHealthCheckPolicyUpdate, netIPReserve, netIPUpdate]
}
