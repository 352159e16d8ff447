extension EventType {
    public static let s2sVPNGatewayCreate = "VPN.S2S.VPN.GATEWAY.CREATE"
    public static let s2sVPNGatewayDelete = "VPN.S2S.VPN.GATEWAY.DELETE"
    public static let s2sVPNGatewayUpdate = "VPN.S2S.VPN.GATEWAY.UPDATE"
    public static let s2sCustomerGatewayCreate = "VPN.S2S.CUSTOMER.GATEWAY.CREATE"
    public static let s2sCustomerGatewayUpdate = "VPN.S2S.CUSTOMER.GATEWAY.UPDATE"
    public static let s2sCustomerGatewayDelete = "VPN.S2S.CUSTOMER.GATEWAY.DELETE"
    public static let s2sConnectionCreate = "VPN.S2S.CONNECTION.CREATE"
    public static let s2sConnectionDelete = "VPN.S2S.CONNECTION.DELETE"
    public static let s2sConnectionReset = "VPN.S2S.CONNECTION.RESET"
    public static let s2sConnectionUpdate = "VPN.S2S.CONNECTION.UPDATE"
    public static let remoteAccessVPNCreate = "VPN.REMOTE.ACCESS.CREATE"
    public static let remoteAccessVPNDestroy = "VPN.REMOTE.ACCESS.DESTROY"
    public static let remoteAccessVPNUpdate = "VPN.REMOTE.ACCESS.UPDATE"
    public static let vpnUserAdd = "VPN.USER.ADD"
    public static let vpnUserRemove = "VPN.USER.REMOVE"

    /// The VPN event types, for `listEventTypes`.
    static let vpns = [s2sVPNGatewayCreate, s2sVPNGatewayDelete, s2sVPNGatewayUpdate, s2sCustomerGatewayCreate, s2sCustomerGatewayUpdate,
                       s2sCustomerGatewayDelete, s2sConnectionCreate, s2sConnectionDelete, s2sConnectionReset, s2sConnectionUpdate,
                       remoteAccessVPNCreate, remoteAccessVPNDestroy, remoteAccessVPNUpdate, vpnUserAdd, vpnUserRemove]
}
