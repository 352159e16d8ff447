import CirrusEngine
import CirrusModel

/// SSH key pair commands: createSSHKeyPair, registerSSHKeyPair, deleteSSHKeyPair, listSSHKeyPairs.
enum SSHKeyCommands {
    static let owner: [ParameterSpec] = [
        ParameterSpec("account", .string, description: "the owning account (admins); with domainid unless in the caller's domain"),
        ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of the owning account"),
        ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
    ]

    static let all: [CommandSpec] = [
        CommandSpec("createSSHKeyPair", description: "Creates an RSA key pair and returns its private key, which is not kept", parameters: [
            ParameterSpec("name", .string, required: true, description: "the name of the key pair, unique in the account"),
        ] + owner, response: Schemas.sshKeyPair.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.keyPairs.create(caller: ctx.caller, name: try p.requiredString("name"), accountName: p.string("account"),
                                                            domainID: p.uuid("domainid"))
            return .object(name: "keypair", Schemas.sshKeyPair.render(view))
        }),
        CommandSpec("registerSSHKeyPair", description: "Registers the public key of a key pair made elsewhere", parameters: [
            ParameterSpec("name", .string, required: true, description: "the name of the key pair, unique in the account"),
            ParameterSpec("publickey", .string, required: true, length: 65_535,
                          description: "the public key: an OpenSSH line (ssh-rsa, ssh-dss, ecdsa-sha2-nistp256/384/521 or ssh-ed25519), or that line base64-encoded"),
        ] + owner, response: Schemas.sshKeyPair.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let view = try await ctx.engine.keyPairs.register(caller: ctx.caller, name: try p.requiredString("name"), publicKey: try p.requiredString("publickey"),
                                                              accountName: p.string("account"), domainID: p.uuid("domainid"))
            return .object(name: "keypair", Schemas.sshKeyPair.render(view))
        }),
        CommandSpec("deleteSSHKeyPair", description: "Deletes a key pair by name", parameters: [
            ParameterSpec("name", .string, required: true, description: "the name of the key pair"),
        ] + owner, response: .success, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            try await ctx.engine.keyPairs.delete(caller: ctx.caller, name: try p.requiredString("name"), accountName: p.string("account"), domainID: p.uuid("domainid"))
            return .success(displayText: nil)
        }),
        CommandSpec("listSSHKeyPairs", description: "Lists the key pairs the caller may see", parameters: [
            ParameterSpec("name", .string, description: "list the key pair with this name"),
            ParameterSpec("fingerprint", .string, description: "list the key pair with this fingerprint"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.sshKeyPair.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.keyPairs.list(scope: try await ctx.scope(fallback: .ownAccount), name: p.string("name"), fingerprint: p.string("fingerprint"),
                                                             keyword: p.string("keyword"), page: try await ctx.page())
            return .list(itemName: "sshkeypair", count: listing.total, items: listing.items.map(Schemas.sshKeyPair.render))
        }),
    ]
}
