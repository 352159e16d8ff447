extension EventType {
    public static let vpcCreate = "VPC.CREATE"
    public static let vpcUpdate = "VPC.UPDATE"
    public static let vpcDelete = "VPC.DELETE"
    public static let vpcRestart = "VPC.RESTART"
    public static let networkACLCreate = "NETWORK.ACL.CREATE"
    public static let networkACLUpdate = "NETWORK.ACL.UPDATE"
    public static let networkACLDelete = "NETWORK.ACL.DELETE"
    public static let networkACLReplace = "NETWORK.ACL.REPLACE"
    public static let networkACLItemCreate = "NETWORK.ACL.ITEM.CREATE"
    public static let networkACLItemUpdate = "NETWORK.ACL.ITEM.UPDATE"
    public static let networkACLItemDelete = "NETWORK.ACL.ITEM.DELETE"
    public static let privateGatewayCreate = "PRIVATE.GATEWAY.CREATE"
    public static let privateGatewayDelete = "PRIVATE.GATEWAY.DELETE"
    public static let staticRouteCreate = "STATIC.ROUTE.CREATE"
    public static let staticRouteDelete = "STATIC.ROUTE.DELETE"

    /// The VPC event types, for `listEventTypes`.
    static let vpcs = [vpcCreate, vpcUpdate, vpcDelete, vpcRestart, networkACLCreate, networkACLUpdate, networkACLDelete, networkACLReplace,
                       networkACLItemCreate, networkACLItemUpdate, networkACLItemDelete, privateGatewayCreate, privateGatewayDelete,
                       staticRouteCreate, staticRouteDelete]
}
