import CirrusEngine
import CirrusModel
import Foundation

/// Site-to-site VPN (VPN gateways, customer gateways, connections) and remote access VPN
/// (VPNs on public addresses and VPN users).
enum VPNCommands {
    static func text(_ id: UUID) -> String { id.uuidString.lowercased() }

    /// Work on a VPC's VPN gateway and connections is serialised with the VPC's other jobs.
    static func vpcPlan(_ vpc: VPC, type: String, uuid: UUID, created: Bool = false) -> JobPlan {
        JobPlan(syncKey: "vpc:\(text(vpc.uuid))", instanceType: type, instanceUUID: text(uuid), createdID: created ? text(uuid) : nil, resourceName: vpc.name)
    }

    static func customerPlan(_ gw: VPNCustomerGateway) -> JobPlan {
        JobPlan(syncKey: "vpncustomergateway:\(text(gw.uuid))", instanceType: "VpnCustomerGateway", instanceUUID: text(gw.uuid), resourceName: gw.name)
    }

    /// Remote access VPN work is serialised with the rule jobs of its address.
    static func addressPlan(ipUUID: UUID, vpnUUID: UUID?, created: Bool = false, name: String?) -> JobPlan {
        JobPlan(syncKey: "publicip:\(text(ipUUID))", instanceType: "RemoteAccessVpn", instanceUUID: vpnUUID.map(text),
                createdID: created ? vpnUUID.map(text) : nil, resourceName: name)
    }

    static func userPlan(_ owner: Account) -> JobPlan {
        JobPlan(syncKey: "vpnusers:\(text(owner.uuid))", instanceType: "VpnUser", resourceName: owner.name)
    }

    /// The id of the object an async create made (set by its plan).
    static func createdID(_ ctx: CommandContext) throws -> UUID {
        guard let text = ctx.job?.instanceUUID, let id = UUID(uuidString: text) else { throw CloudError.internalError("The job names nothing to apply") }
        return id
    }

    static let customerGatewayParameters: [ParameterSpec] = [
        ParameterSpec("name", .string, description: "the name of the customer gateway (default VPN-<gateway>)"),
        ParameterSpec("gateway", .string, required: true, description: "the public address or DNS name of the peer's gateway"),
        ParameterSpec("cidrlist", .string, required: true, description: "the peer's subnets, comma separated"),
        ParameterSpec("ipsecpsk", .string, required: true, description: "the IPsec pre-shared key (no commas or quotes)"),
        ParameterSpec("ikepolicy", .string, required: true, description: "the IKE policy: cipher-hash[;dhgroup], e.g. aes128-sha1;modp1536"),
        ParameterSpec("esppolicy", .string, required: true, description: "the ESP policy: cipher-hash[;dhgroup], e.g. aes128-sha1"),
        ParameterSpec("ikelifetime", .long, description: "the lifetime of the IKE SA in seconds (default 86400, at most 86400)"),
        ParameterSpec("esplifetime", .long, description: "the lifetime of the ESP SA in seconds (default 3600, at most 86400)"),
        ParameterSpec("dpd", .boolean, description: "whether dead peer detection is on (default false)"),
        ParameterSpec("forceencap", .boolean, description: "whether UDP encapsulation is forced (default false)"),
        ParameterSpec("splitconnections", .boolean, since: "4.15", description: "one IPsec SA per peer subnet (default false)"),
        ParameterSpec("ikeversion", .string, since: "4.15", description: "ike (default), ikev1 or ikev2"),
        ParameterSpec("account", .string, description: "the owning account (admins), with domainid"),
        ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of the owning account"),
    ]

    static func customerGatewayRequest(_ p: Parameters) throws -> VPNCustomerGatewayRequest {
        var r = VPNCustomerGatewayRequest(gateway: try p.requiredString("gateway"), cidrList: try p.requiredString("cidrlist"),
                                          ipsecPSK: try p.requiredString("ipsecpsk"), ikePolicy: try p.requiredString("ikepolicy"),
                                          espPolicy: try p.requiredString("esppolicy"))
        r.name = p.string("name"); r.dpd = p.bool("dpd"); r.forceEncap = p.bool("forceencap"); r.splitConnections = p.bool("splitconnections")
        r.ikeVersion = p.string("ikeversion"); r.accountName = p.string("account"); r.domainID = p.uuid("domainid")
        // The dispatcher has refused lifetimes that are no numbers; VPNRules checks the range.
        r.ikeLifetime = p.long("ikelifetime").map { Int(clamping: $0) }; r.espLifetime = p.long("esplifetime").map { Int(clamping: $0) }
        return r
    }

    static let all: [CommandSpec] = gateways + customerGateways + connections + remoteAccess + users

    // MARK: VPN gateways

    static let gateways: [CommandSpec] = [
        CommandSpec("createVpnGateway", description: "Creates the site-to-site VPN gateway of a VPC, on its source NAT address", parameters: [
            ParameterSpec("vpcid", .uuid, required: true, related: ["listVPCs"], description: "the VPC"),
            ParameterSpec("fordisplay", .boolean, since: "4.4", description: "whether the owner sees it (admins; default true)"),
        ], response: Schemas.vpnGateway.description, access: .all, event: CommandEvent(EventType.s2sVPNGatewayCreate, "Creating site-to-site VPN gateway"),
        handler: .async(prepare: { ctx in
            let vpc = try await ctx.engine.vpcs.administered(caller: ctx.caller, id: try ctx.parameters.requiredUUID("vpcid"))
            return JobPlan(syncKey: "vpc:\(text(vpc.uuid))", instanceType: "VpnGateway", resourceName: vpc.name)
        }, execute: { ctx in
            let view = try await ctx.engine.vpns.createGateway(caller: ctx.caller, vpcID: try ctx.parameters.requiredUUID("vpcid"), display: ctx.parameters.bool("fordisplay"))
            return .object(name: "vpngateway", Schemas.vpnGateway.render(view))
        })),
        CommandSpec("deleteVpnGateway", description: "Deletes a VPC's VPN gateway without connections", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listVpnGateways"], description: "the VPN gateway"),
        ], response: .success, access: .all, event: CommandEvent(EventType.s2sVPNGatewayDelete, "Deleting site-to-site VPN gateway"),
        handler: .async(prepare: { ctx in
            let (gw, vpc) = try await ctx.engine.vpns.gateway(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return vpcPlan(vpc, type: "VpnGateway", uuid: gw.uuid)
        }, execute: { ctx in
            try await ctx.engine.vpns.deleteGateway(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        })),
        CommandSpec("updateVpnGateway", description: "Updates whether a VPN gateway is shown to its owner", since: "4.4", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listVpnGateways"], description: "the VPN gateway"),
            ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it (admins)"),
            ParameterSpec("customid", .string, description: "accepted for compatibility"),
        ], response: Schemas.vpnGateway.description, access: .all, event: CommandEvent(EventType.s2sVPNGatewayUpdate, "Updating site-to-site VPN gateway"),
        handler: .async(prepare: { ctx in
            let (gw, vpc) = try await ctx.engine.vpns.gateway(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return vpcPlan(vpc, type: "VpnGateway", uuid: gw.uuid)
        }, execute: { ctx in
            let view = try await ctx.engine.vpns.updateGateway(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), display: ctx.parameters.bool("fordisplay"))
            return .object(name: "vpngateway", Schemas.vpnGateway.render(view))
        })),
        CommandSpec("listVpnGateways", description: "Lists the site-to-site VPN gateways of VPCs", parameters: [
            ParameterSpec("id", .uuid, related: ["listVpnGateways"], description: "list only this gateway"),
            ParameterSpec("vpcid", .uuid, related: ["listVPCs"], description: "list the gateway of this VPC"),
            ParameterSpec("fordisplay", .boolean, since: "4.4", description: "list gateways shown to their owner, or hidden ones (admins)"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.vpnGateway.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.vpns.gateways(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), id: p.uuid("id"),
                                                             vpcID: p.uuid("vpcid"), display: p.bool("fordisplay"), page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.vpnGateway)
        }),
    ]

    // MARK: Customer gateways

    static let customerGateways: [CommandSpec] = [
        CommandSpec("createVpnCustomerGateway", description: "Creates a site-to-site VPN customer gateway: the peer's gateway, subnets and IPsec parameters",
                    parameters: customerGatewayParameters + [
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ], response: Schemas.vpnCustomerGateway.description, access: .all,
        event: CommandEvent(EventType.s2sCustomerGatewayCreate, "Creating site-to-site VPN customer gateway"),
        handler: .async(prepare: { ctx in
            JobPlan(syncKey: "vpncustomergateway-create:\(text(ctx.caller.account.uuid))", instanceType: "VpnCustomerGateway")
        }, execute: { ctx in
            let view = try await ctx.engine.vpns.createCustomerGateway(caller: ctx.caller, try customerGatewayRequest(ctx.parameters))
            return .object(name: "vpncustomergateway", Schemas.vpnCustomerGateway.render(view))
        })),
        CommandSpec("updateVpnCustomerGateway", description: "Replaces the parameters of a customer gateway; its connections are applied again",
                    parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listVpnCustomerGateways"], description: "the customer gateway"),
        ] + customerGatewayParameters, response: Schemas.vpnCustomerGateway.description, access: .all,
        event: CommandEvent(EventType.s2sCustomerGatewayUpdate, "Updating site-to-site VPN customer gateway"),
        handler: .async(prepare: { ctx in
            customerPlan(try await ctx.engine.vpns.customerGateway(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id")))
        }, execute: { ctx in
            let view = try await ctx.engine.vpns.updateCustomerGateway(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"),
                                                                       try customerGatewayRequest(ctx.parameters))
            return .object(name: "vpncustomergateway", Schemas.vpnCustomerGateway.render(view))
        })),
        CommandSpec("deleteVpnCustomerGateway", description: "Deletes a customer gateway without connections", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listVpnCustomerGateways"], description: "the customer gateway"),
        ], response: .success, access: .all, event: CommandEvent(EventType.s2sCustomerGatewayDelete, "Deleting site-to-site VPN customer gateway"),
        handler: .async(prepare: { ctx in
            customerPlan(try await ctx.engine.vpns.customerGateway(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id")))
        }, execute: { ctx in
            try await ctx.engine.vpns.deleteCustomerGateway(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        })),
        CommandSpec("listVpnCustomerGateways", description: "Lists site-to-site VPN customer gateways", parameters: [
            ParameterSpec("id", .uuid, related: ["listVpnCustomerGateways"], description: "list only this customer gateway"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.vpnCustomerGateway.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.vpns.customerGateways(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), id: p.uuid("id"),
                                                                     keyword: p.string("keyword"), page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.vpnCustomerGateway)
        }),
    ]

    // MARK: Connections

    static let connections: [CommandSpec] = [
        CommandSpec("createVpnConnection", description: "Connects a VPC's VPN gateway with a customer gateway of the same account", parameters: [
            ParameterSpec("s2svpngatewayid", .uuid, required: true, related: ["listVpnGateways"], description: "the VPN gateway"),
            ParameterSpec("s2scustomergatewayid", .uuid, required: true, related: ["listVpnCustomerGateways"], description: "the customer gateway"),
            ParameterSpec("passive", .boolean, description: "wait for the peer to start the negotiation (default false)"),
            ParameterSpec("fordisplay", .boolean, since: "4.4", description: "whether the owner sees it (admins; default true)"),
        ], response: Schemas.vpnConnection.description, access: .all, event: CommandEvent(EventType.s2sConnectionCreate, "Creating site-to-site VPN connection"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.vpns.createConnection(caller: ctx.caller, vpnGatewayID: try p.requiredUUID("s2svpngatewayid"),
                                                                  customerGatewayID: try p.requiredUUID("s2scustomergatewayid"),
                                                                  passive: p.bool("passive", default: false), display: p.bool("fordisplay"))
            let (_, _, vpc) = try await ctx.engine.vpns.connection(caller: ctx.caller, id: view.connection.uuid)
            return vpcPlan(vpc, type: "VpnConnection", uuid: view.connection.uuid, created: true)
        }, execute: { ctx in
            let view = try await ctx.engine.vpns.startConnection(caller: ctx.caller, id: try createdID(ctx))
            return .object(name: "vpnconnection", Schemas.vpnConnection.render(view))
        })),
        CommandSpec("deleteVpnConnection", description: "Deletes a site-to-site VPN connection", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listVpnConnections"], description: "the connection"),
        ], response: .success, access: .all, event: CommandEvent(EventType.s2sConnectionDelete, "Deleting site-to-site VPN connection"),
        handler: .async(prepare: { ctx in
            let (c, _, vpc) = try await ctx.engine.vpns.connection(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return vpcPlan(vpc, type: "VpnConnection", uuid: c.uuid)
        }, execute: { ctx in
            try await ctx.engine.vpns.deleteConnection(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        })),
        CommandSpec("resetVpnConnection", description: "Applies a site-to-site VPN connection again", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listVpnConnections"], description: "the connection"),
            ParameterSpec("account", .string, description: "accepted for compatibility"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "accepted for compatibility"),
        ], response: Schemas.vpnConnection.description, access: .all, event: CommandEvent(EventType.s2sConnectionReset, "Resetting site-to-site VPN connection"),
        handler: .async(prepare: { ctx in
            let (c, _, vpc) = try await ctx.engine.vpns.connection(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return vpcPlan(vpc, type: "VpnConnection", uuid: c.uuid)
        }, execute: { ctx in
            let view = try await ctx.engine.vpns.resetConnection(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return .object(name: "vpnconnection", Schemas.vpnConnection.render(view))
        })),
        CommandSpec("updateVpnConnection", description: "Updates whether a site-to-site VPN connection is shown to its owner", since: "4.4", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listVpnConnections"], description: "the connection"),
            ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it (admins)"),
            ParameterSpec("customid", .string, description: "accepted for compatibility"),
        ], response: Schemas.vpnConnection.description, access: .all, event: CommandEvent(EventType.s2sConnectionUpdate, "Updating site-to-site VPN connection"),
        handler: .async(prepare: { ctx in
            let (c, _, vpc) = try await ctx.engine.vpns.connection(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return vpcPlan(vpc, type: "VpnConnection", uuid: c.uuid)
        }, execute: { ctx in
            let view = try await ctx.engine.vpns.updateConnection(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), display: ctx.parameters.bool("fordisplay"))
            return .object(name: "vpnconnection", Schemas.vpnConnection.render(view))
        })),
        CommandSpec("listVpnConnections", description: "Lists site-to-site VPN connections", parameters: [
            ParameterSpec("id", .uuid, related: ["listVpnConnections"], description: "list only this connection"),
            ParameterSpec("vpcid", .uuid, related: ["listVPCs"], description: "list the connections of this VPC"),
            ParameterSpec("fordisplay", .boolean, since: "4.4", description: "list connections shown to their owner, or hidden ones (admins)"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.vpnConnection.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.vpns.connections(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), id: p.uuid("id"),
                                                                vpcID: p.uuid("vpcid"), display: p.bool("fordisplay"), page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.vpnConnection)
        }),
    ]

    // MARK: Remote access

    static let remoteAccess: [CommandSpec] = [
        CommandSpec("createRemoteAccessVpn", description: "Creates an L2TP/IPsec remote access VPN on a public address of an isolated network or on a VPC's source NAT address",
                    parameters: [
            ParameterSpec("publicipid", .uuid, required: true, related: ["listPublicIpAddresses"], description: "the public address"),
            ParameterSpec("iprange", .string, description: "the client range a.b.c.d-a.b.c.e (the first address is the server's; default remote.access.vpn.client.iprange)"),
            ParameterSpec("openfirewall", .boolean, description: "open UDP 500, 1701 and 4500 in the address's firewall (default true; not for VPCs)"),
            ParameterSpec("fordisplay", .boolean, since: "4.4", description: "whether the owner sees it (admins; default true)"),
            ParameterSpec("account", .string, description: "accepted for compatibility: the VPN belongs to the address's owner"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "accepted for compatibility"),
        ], response: Schemas.remoteAccessVPN.description, access: .all, event: CommandEvent(EventType.remoteAccessVPNCreate, "Creating remote access VPN"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let ipID = try p.requiredUUID("publicipid")
            let view = try await ctx.engine.vpns.createRemoteAccess(caller: ctx.caller, publicIPID: ipID, ipRange: p.string("iprange"),
                                                                    openFirewall: p.bool("openfirewall", default: true), display: p.bool("fordisplay"))
            return addressPlan(ipUUID: ipID, vpnUUID: view.vpn.uuid, created: true, name: view.publicIP?.address)
        }, execute: { ctx in
            let view = try await ctx.engine.vpns.startRemoteAccess(caller: ctx.caller, id: try createdID(ctx))
            return .object(name: "remoteaccessvpn", Schemas.remoteAccessVPN.render(view))
        })),
        CommandSpec("deleteRemoteAccessVpn", description: "Removes the remote access VPN of a public address", parameters: [
            ParameterSpec("publicipid", .uuid, required: true, related: ["listPublicIpAddresses"], description: "the public address"),
            ParameterSpec("accountid", .uuid, description: "accepted for compatibility"),
        ], response: .success, access: .all, event: CommandEvent(EventType.remoteAccessVPNDestroy, "Removing remote access VPN"),
        handler: .async(prepare: { ctx in
            let ipID = try ctx.parameters.requiredUUID("publicipid")
            let ip = try await ctx.engine.vpns.remoteAccessAddress(caller: ctx.caller, publicIPID: ipID)
            return addressPlan(ipUUID: ipID, vpnUUID: nil, name: ip.address)
        }, execute: { ctx in
            try await ctx.engine.vpns.deleteRemoteAccess(caller: ctx.caller, publicIPID: try ctx.parameters.requiredUUID("publicipid"))
            return .success(displayText: nil)
        })),
        CommandSpec("updateRemoteAccessVpn", description: "Updates whether a remote access VPN is shown to its owner", since: "4.4", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listRemoteAccessVpns"], description: "the remote access VPN"),
            ParameterSpec("fordisplay", .boolean, description: "whether the owner sees it (admins)"),
            ParameterSpec("customid", .string, description: "accepted for compatibility"),
            ParameterSpec("accountid", .uuid, description: "accepted for compatibility"),
        ], response: Schemas.remoteAccessVPN.description, access: .all, event: CommandEvent(EventType.remoteAccessVPNUpdate, "Updating remote access VPN"),
        handler: .async(prepare: { ctx in
            let vpn = try await ctx.engine.vpns.remoteAccess(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"))
            return JobPlan(syncKey: "remoteaccessvpn:\(text(vpn.uuid))", instanceType: "RemoteAccessVpn", instanceUUID: text(vpn.uuid))
        }, execute: { ctx in
            let view = try await ctx.engine.vpns.updateRemoteAccess(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), display: ctx.parameters.bool("fordisplay"))
            return .object(name: "remoteaccessvpn", Schemas.remoteAccessVPN.render(view))
        })),
        CommandSpec("listRemoteAccessVpns", description: "Lists remote access VPNs", parameters: [
            ParameterSpec("id", .uuid, related: ["listRemoteAccessVpns"], description: "list only this VPN"),
            ParameterSpec("publicipid", .uuid, related: ["listPublicIpAddresses"], description: "list the VPN of this address"),
            ParameterSpec("networkid", .uuid, related: ["listNetworks"], description: "list the VPNs of this network"),
            ParameterSpec("fordisplay", .boolean, since: "4.4", description: "list VPNs shown to their owner, or hidden ones (admins)"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.remoteAccessVPN.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.vpns.remoteAccessVPNs(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), id: p.uuid("id"),
                                                                     publicIPID: p.uuid("publicipid"), networkID: p.uuid("networkid"), display: p.bool("fordisplay"),
                                                                     page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.remoteAccessVPN)
        }),
    ]

    // MARK: VPN users

    static let users: [CommandSpec] = [
        CommandSpec("addVpnUser", description: "Adds a user to an account's remote access VPNs", parameters: [
            ParameterSpec("username", .string, required: true, description: "the user name: a letter or digit, then 2 to 63 letters, digits or @._-"),
            ParameterSpec("password", .string, required: true, description: "the password: a letter or digit, then 2 to 31 letters, digits or @+=._-"),
            ParameterSpec("account", .string, description: "the owning account (admins), with domainid"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of the owning account"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ], response: Schemas.vpnUser.description, access: .all, event: CommandEvent(EventType.vpnUserAdd, "Adding VPN user"),
        handler: .async(prepare: { ctx in
            userPlan(try await ctx.engine.vpns.userOwner(caller: ctx.caller, accountName: ctx.parameters.string("account"), domainID: ctx.parameters.uuid("domainid")))
        }, execute: { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.vpns.addUser(caller: ctx.caller, username: try p.requiredString("username"), password: try p.requiredString("password"),
                                                         accountName: p.string("account"), domainID: p.uuid("domainid"))
            return .object(name: "vpnuser", Schemas.vpnUser.render(view))
        })),
        CommandSpec("removeVpnUser", description: "Removes a user from an account's remote access VPNs", parameters: [
            ParameterSpec("username", .string, required: true, description: "the user name"),
            ParameterSpec("account", .string, description: "the owning account (admins), with domainid"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of the owning account"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ], response: .success, access: .all, event: CommandEvent(EventType.vpnUserRemove, "Removing VPN user"),
        handler: .async(prepare: { ctx in
            userPlan(try await ctx.engine.vpns.userOwner(caller: ctx.caller, accountName: ctx.parameters.string("account"), domainID: ctx.parameters.uuid("domainid")))
        }, execute: { ctx in
            let p = ctx.parameters
            try await ctx.engine.vpns.removeUser(caller: ctx.caller, username: try p.requiredString("username"), accountName: p.string("account"),
                                                 domainID: p.uuid("domainid"))
            return .success(displayText: nil)
        })),
        CommandSpec("listVpnUsers", description: "Lists the users of remote access VPNs", parameters: [
            ParameterSpec("id", .uuid, related: ["listVpnUsers"], description: "list only this user"),
            ParameterSpec("username", .string, description: "list the user of this name"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.vpnUser.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.vpns.users(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), id: p.uuid("id"),
                                                          username: p.string("username"), keyword: p.string("keyword"), page: try await ctx.page())
            return IdentityCommands.list(listing, Schemas.vpnUser)
        }),
    ]
}
