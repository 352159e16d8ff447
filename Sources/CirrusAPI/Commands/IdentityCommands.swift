import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation

/// Domains, accounts, users and API keys.
enum IdentityCommands {
    static var all: [CommandSpec] { domains + accounts + users }

    static func domainResult(_ v: DomainView) -> CommandResult { .object(name: "domain", Schemas.domain.render(v)) }
    static func accountResult(_ v: AccountView) -> CommandResult { .object(name: "account", Schemas.account.render(v)) }
    static func userResult(_ v: UserView) -> CommandResult { .object(name: "user", Schemas.user.render(v)) }

    static func list<T>(_ listing: Listing<T>, _ schema: ResponseSchema<T>) -> CommandResult {
        .list(itemName: schema.objectName, count: listing.total, items: listing.items.map(schema.render))
    }

    // MARK: domains

    static let domains: [CommandSpec] = [
        CommandSpec("createDomain", description: "Creates a domain below an existing one", parameters: [
            ParameterSpec("name", .string, required: true, description: "the name of the new domain"),
            ParameterSpec("parentdomainid", .uuid, related: ["listDomains"], description: "the parent domain; the caller's domain when omitted"),
            ParameterSpec("networkdomain", .string, description: "the network domain for networks of this domain"),
            ParameterSpec("domainid", .string, description: "the UUID to give the new domain"),
        ], response: Schemas.domain.description, access: .admins, handler: .sync { ctx in
            let p = ctx.parameters
            return domainResult(try await ctx.engine.identity.createDomain(
                caller: ctx.caller, name: try p.requiredString("name"), parentUUID: p.uuid("parentdomainid"),
                networkDomain: p.string("networkdomain"), uuid: try optionalUUID(p, "domainid")))
        }),
        CommandSpec("updateDomain", description: "Renames a domain or changes its network domain", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listDomains"], description: "the domain to update"),
            ParameterSpec("name", .string, description: "the new name"),
            ParameterSpec("networkdomain", .string, description: "the new network domain"),
        ], response: Schemas.domain.description, access: .admins, handler: .sync { ctx in
            let p = ctx.parameters
            return domainResult(try await ctx.engine.identity.updateDomain(caller: ctx.caller, uuid: try p.requiredUUID("id"), name: p.string("name"), networkDomain: p.string("networkdomain")))
        }),
        CommandSpec("deleteDomain", description: "Deletes a domain; with cleanup, its sub-domains and accounts too", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listDomains"], description: "the domain to delete"),
            ParameterSpec("cleanup", .boolean, description: "also delete every sub-domain and account below it"),
        ], response: .success, access: .admins, event: CommandEvent(EventType.domainDelete, "Deleting domain"),
        handler: .async(prepare: { ctx in
            let domain = try await ctx.engine.identity.checkDeleteDomain(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"))
            return JobPlan(syncKey: "domain:\(domain.uuid.uuidString.lowercased())", instanceType: "Domain", instanceUUID: domain.uuid.uuidString.lowercased(), resourceName: domain.name)
        }, execute: { ctx in
            try await ctx.engine.identity.deleteDomain(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"), cleanup: ctx.parameters.bool("cleanup", default: false))
            return .success(displayText: nil)
        })),
        CommandSpec("listDomains", description: "Lists domains the caller may see", parameters: [
            ParameterSpec("id", .uuid, related: ["listDomains"], description: "list only this domain"),
            ParameterSpec("name", .string, description: "list domains with this name"),
            ParameterSpec("level", .integer, description: "list domains at this depth"),
            ParameterSpec("listall", .boolean, description: "list the caller's whole subtree rather than only the caller's domain"),
            ParameterSpec("details", .list(.string), description: "accepted for compatibility; all details are always returned"),
        ] + ParameterSpec.paging, response: Schemas.domain.description, access: [.admin, .domainAdmin, .resourceAdmin], handler: .sync { ctx in
            let p = ctx.parameters
            return list(try await ctx.engine.identity.listDomains(caller: ctx.caller, id: p.uuid("id"), name: p.string("name"), level: p.int("level"),
                                                                  keyword: p.string("keyword"), listAll: p.bool("listall", default: false), page: try await ctx.page()), Schemas.domain)
        }),
        CommandSpec("listDomainChildren", description: "Lists the sub-domains of a domain", parameters: [
            ParameterSpec("id", .uuid, related: ["listDomains"], description: "the parent; the caller's domain when omitted"),
            ParameterSpec("name", .string, description: "list children with this name"),
            ParameterSpec("isrecursive", .boolean, description: "list all descendants, not only direct children"),
            ParameterSpec("listall", .boolean, description: "same as isrecursive"),
        ] + ParameterSpec.paging, response: Schemas.domain.description, access: [.admin, .domainAdmin, .resourceAdmin], handler: .sync { ctx in
            let p = ctx.parameters
            return list(try await ctx.engine.identity.listDomainChildren(caller: ctx.caller, id: p.uuid("id"), name: p.string("name"), keyword: p.string("keyword"),
                                                                         isRecursive: p.bool("isrecursive", default: false), listAll: p.bool("listall", default: false),
                                                                         page: try await ctx.page()), Schemas.domain)
        }),
    ]

    // MARK: accounts

    static let accountSelector: [ParameterSpec] = [
        ParameterSpec("id", .uuid, related: ["listAccounts"], description: "the account"),
        ParameterSpec("account", .string, description: "the account name, with domainid"),
        ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of the named account"),
    ]

    static let accounts: [CommandSpec] = [
        CommandSpec("createAccount", description: "Creates an account with its first user", parameters: [
            ParameterSpec("account", .string, description: "the account name; the user name when omitted"),
            ParameterSpec("accounttype", .integer, description: "0 user, 1 root admin, 2 domain admin; use roleid instead where possible") { raw in
                guard let v = Int(raw), AccountType(rawValue: v) != nil, v != AccountType.project.rawValue else {
                    throw CloudError.invalidParameter("Invalid account type \(raw): use 0 (user), 1 (root admin), 2 (domain admin), 3 (resource admin) or 4 (read-only admin)")
                }
            },
            ParameterSpec("roleid", .uuid, since: "4.9.0", related: ["listRoles"], description: "the role of the account"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain; the caller's when omitted"),
            ParameterSpec("email", .string, required: true, description: "the e-mail address of the first user"),
            ParameterSpec("firstname", .string, required: true, description: "the first name of the first user"),
            ParameterSpec("lastname", .string, required: true, description: "the last name of the first user"),
            ParameterSpec("password", .string, required: true, description: "the password of the first user, in clear text"),
            ParameterSpec("timezone", .string, description: "the time zone of the first user"),
            ParameterSpec("username", .string, required: true, description: "the login name of the first user"),
            ParameterSpec("networkdomain", .string, description: "the network domain of the account"),
            ParameterSpec("accountdetails", .map, description: "accepted for compatibility; account details are not stored yet"),
            ParameterSpec("accountid", .string, description: "the UUID to give the account"),
            ParameterSpec("userid", .string, description: "the UUID to give the user"),
        ], response: Schemas.account.description, access: .admins, handler: .sync { ctx in
            let p = ctx.parameters
            let user = NewUser(username: try p.requiredString("username"), password: try p.requiredString("password"), firstName: try p.requiredString("firstname"),
                               lastName: try p.requiredString("lastname"), email: p.string("email"), timezone: p.string("timezone"), uuid: try optionalUUID(p, "userid"))
            return accountResult(try await ctx.engine.identity.createAccount(
                caller: ctx.caller, name: p.string("account"), accountType: p.int("accounttype").flatMap(AccountType.init(rawValue:)),
                roleUUID: p.uuid("roleid"), domainUUID: p.uuid("domainid"), networkDomain: p.string("networkdomain"),
                accountUUID: try optionalUUID(p, "accountid"), user: user))
        }),
        CommandSpec("updateAccount", description: "Renames an account or changes its role or network domain", parameters: accountSelector + [
            ParameterSpec("roleid", .uuid, since: "4.9.0", related: ["listRoles"], description: "the new role, of the same type"),
            ParameterSpec("newname", .string, description: "the new name"),
            ParameterSpec("networkdomain", .string, description: "the new network domain"),
            ParameterSpec("accountdetails", .map, description: "accepted for compatibility; account details are not stored yet"),
        ], response: Schemas.account.description, access: .admins, handler: .sync { ctx in
            let p = ctx.parameters
            return accountResult(try await ctx.engine.identity.updateAccount(caller: ctx.caller, uuid: p.uuid("id"), name: p.string("account"), domainUUID: p.uuid("domainid"),
                                                                             newName: p.string("newname"), roleUUID: p.uuid("roleid"), networkDomain: p.string("networkdomain")))
        }),
        CommandSpec("deleteAccount", description: "Deletes an account and its users", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listAccounts"], description: "the account to delete"),
        ], response: .success, access: .admins, event: CommandEvent(EventType.accountDelete, "Deleting account"),
        handler: .async(prepare: { ctx in
            let account = try await ctx.engine.identity.checkAccountChange(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"), name: nil, domainUUID: nil)
            return accountPlan(account)
        }, execute: { ctx in
            try await ctx.engine.identity.deleteAccount(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        })),
        CommandSpec("disableAccount", description: "Disables or locks an account; its users can no longer log in", parameters: accountSelector + [
            ParameterSpec("lock", .boolean, required: true, description: "true to lock the account, false to disable it"),
        ], response: Schemas.account.description, access: .admins, event: CommandEvent(EventType.accountDisable, "Disabling account"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            return accountPlan(try await ctx.engine.identity.checkAccountChange(caller: ctx.caller, uuid: p.uuid("id"), name: p.string("account"), domainUUID: p.uuid("domainid")))
        }, execute: { ctx in
            let p = ctx.parameters
            return accountResult(try await ctx.engine.identity.setAccountState(caller: ctx.caller, uuid: p.uuid("id"), name: p.string("account"), domainUUID: p.uuid("domainid"),
                                                                               action: p.bool("lock", default: false) ? .lock : .disable))
        })),
        CommandSpec("enableAccount", description: "Enables a disabled or locked account", parameters: accountSelector,
                    response: Schemas.account.description, access: .admins, handler: .sync { ctx in
            let p = ctx.parameters
            return accountResult(try await ctx.engine.identity.setAccountState(caller: ctx.caller, uuid: p.uuid("id"), name: p.string("account"), domainUUID: p.uuid("domainid"), action: .enable))
        }),
        CommandSpec("lockAccount", description: "Locks an account", parameters: [
            ParameterSpec("account", .string, required: true, description: "the account name"),
            ParameterSpec("domainid", .uuid, required: true, related: ["listDomains"], description: "the domain of the account"),
        ], response: Schemas.account.description, access: .admins, handler: .sync { ctx in
            let p = ctx.parameters
            return accountResult(try await ctx.engine.identity.setAccountState(caller: ctx.caller, uuid: nil, name: p.string("account"), domainUUID: p.uuid("domainid"), action: .lock))
        }),
        CommandSpec("listAccounts", description: "Lists accounts the caller may see", parameters: [
            ParameterSpec("accounttype", .integer, description: "list accounts of this type"),
            ParameterSpec("id", .uuid, related: ["listAccounts"], description: "list only this account"),
            ParameterSpec("iscleanuprequired", .boolean, description: "accepted for compatibility; no account needs cleanup in Cirrus"),
            ParameterSpec("name", .string, description: "list accounts with this name"),
            ParameterSpec("state", .string, description: "list accounts in this state"),
            ParameterSpec("details", .list(.string), description: "accepted for compatibility; all details are always returned"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "list accounts of this domain"),
            ParameterSpec("isrecursive", .boolean, description: "include sub-domains of domainid"),
            ParameterSpec("listall", .boolean, description: "list every account the caller may see"),
        ] + ParameterSpec.paging, response: Schemas.account.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let scope = try await ctx.engine.identity.scope(for: ctx.caller, domainUUID: p.uuid("domainid"), accountName: nil, listAll: p.bool("listall", default: false) || p.has("id"),
                                                            isRecursive: p.bool("isrecursive", default: false), fallback: .ownAccount)
            let state = try p.string("state").map { raw throws(CloudError) -> AccountState in
                guard let s = AccountState(rawValue: raw.lowercased()) else { throw .invalidParameter("Invalid account state \(raw): use enabled, disabled or locked") }
                return s
            }
            return list(try await ctx.engine.identity.listAccounts(caller: ctx.caller, scope: scope, id: p.uuid("id"), name: p.string("name"),
                                                                   type: p.int("accounttype").flatMap(AccountType.init(rawValue:)), state: state,
                                                                   keyword: p.string("keyword"), page: try await ctx.page()), Schemas.account)
        }),
    ]

    static func accountPlan(_ account: Account) -> JobPlan {
        JobPlan(syncKey: "account:\(account.uuid.uuidString.lowercased())", instanceType: "Account", instanceUUID: account.uuid.uuidString.lowercased(), resourceName: account.name)
    }

    // MARK: users

    static let users: [CommandSpec] = [
        CommandSpec("createUser", description: "Adds a user to an existing account", parameters: [
            ParameterSpec("account", .string, required: true, description: "the account the user joins"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of the account; the caller's when omitted"),
            ParameterSpec("email", .string, required: true, description: "the e-mail address"),
            ParameterSpec("firstname", .string, required: true, description: "the first name"),
            ParameterSpec("lastname", .string, required: true, description: "the last name"),
            ParameterSpec("password", .string, required: true, description: "the password, in clear text"),
            ParameterSpec("timezone", .string, description: "the time zone"),
            ParameterSpec("username", .string, required: true, description: "the login name, unique in the domain"),
            ParameterSpec("userid", .string, description: "the UUID to give the user"),
        ], response: Schemas.user.description, access: .admins, handler: .sync { ctx in
            let p = ctx.parameters
            let new = NewUser(username: try p.requiredString("username"), password: try p.requiredString("password"), firstName: try p.requiredString("firstname"),
                              lastName: try p.requiredString("lastname"), email: p.string("email"), timezone: p.string("timezone"), uuid: try optionalUUID(p, "userid"))
            return userResult(try await ctx.engine.identity.createUser(caller: ctx.caller, accountName: try p.requiredString("account"), domainUUID: p.uuid("domainid"), user: new))
        }),
        CommandSpec("updateUser", description: "Updates a user's details, password or API keys", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listUsers"], description: "the user to update"),
            ParameterSpec("userapikey", .string, description: "a new API key (with usersecretkey)"),
            ParameterSpec("usersecretkey", .string, description: "a new secret key (with userapikey)"),
            ParameterSpec("email", .string, description: "the new e-mail address"),
            ParameterSpec("firstname", .string, description: "the new first name"),
            ParameterSpec("lastname", .string, description: "the new last name"),
            ParameterSpec("password", .string, description: "the new password, in clear text"),
            ParameterSpec("currentpassword", .string, description: "the current password, required when users change their own"),
            ParameterSpec("timezone", .string, description: "the new time zone"),
            ParameterSpec("username", .string, description: "the new login name"),
            ParameterSpec("mandate2fa", .boolean, description: "accepted for compatibility; two-factor login is not available yet"),
        ], response: Schemas.user.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let changes = UserChanges(username: p.string("username"), password: p.string("password"), currentPassword: p.string("currentpassword"),
                                      firstName: p.string("firstname"), lastName: p.string("lastname"), email: p.string("email"), timezone: p.string("timezone"),
                                      apiKey: p.string("userapikey"), secretKey: p.string("usersecretkey"))
            return userResult(try await ctx.engine.identity.updateUser(caller: ctx.caller, uuid: try p.requiredUUID("id"), changes: changes))
        }),
        CommandSpec("deleteUser", description: "Deletes a user", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listUsers"], description: "the user to delete"),
        ], response: .success, access: .admins, handler: .sync { ctx in
            try await ctx.engine.identity.deleteUser(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"))
            return .success(displayText: nil)
        }),
        CommandSpec("disableUser", description: "Disables a user", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listUsers"], description: "the user to disable"),
        ], response: Schemas.user.description, access: .admins, event: CommandEvent(EventType.userDisable, "Disabling user"),
        handler: .async(prepare: { ctx in
            let user = try await ctx.engine.identity.checkUserChange(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"))
            return JobPlan(syncKey: "user:\(user.uuid.uuidString.lowercased())", instanceType: "User", instanceUUID: user.uuid.uuidString.lowercased(), resourceName: user.username)
        }, execute: { ctx in
            userResult(try await ctx.engine.identity.setUserState(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"), action: .disable))
        })),
        CommandSpec("enableUser", description: "Enables a disabled or locked user", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listUsers"], description: "the user to enable"),
        ], response: Schemas.user.description, access: .admins, handler: .sync { ctx in
            userResult(try await ctx.engine.identity.setUserState(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"), action: .enable))
        }),
        CommandSpec("lockUser", description: "Locks a user", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listUsers"], description: "the user to lock"),
        ], response: Schemas.user.description, access: .admins, handler: .sync { ctx in
            userResult(try await ctx.engine.identity.setUserState(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"), action: .lock))
        }),
        CommandSpec("listUsers", description: "Lists users the caller may see", parameters: [
            ParameterSpec("accounttype", .integer, description: "list users of accounts of this type"),
            ParameterSpec("id", .uuid, related: ["listUsers"], description: "list only this user"),
            ParameterSpec("state", .string, description: "list users in this state"),
            ParameterSpec("username", .string, description: "list users with this login name"),
            ParameterSpec("showicon", .boolean, description: "accepted for compatibility; icons are not stored"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.user.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let scope = try await ctx.scope(fallback: .ownDomain)
            let state = try p.string("state").map { raw throws(CloudError) -> UserState in
                guard let s = UserState(rawValue: raw.lowercased()) else { throw .invalidParameter("Invalid user state \(raw): use enabled, disabled or locked") }
                return s
            }
            return list(try await ctx.engine.identity.listUsers(caller: ctx.caller, scope: scope, id: p.uuid("id"), username: p.string("username"),
                                                                accountType: p.int("accounttype").flatMap(AccountType.init(rawValue:)), state: state,
                                                                keyword: p.string("keyword"), page: try await ctx.page()), Schemas.user)
        }),
        CommandSpec("registerUserKeys", description: "Generates a new API key and secret key for a user", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listUsers"], description: "the user"),
        ], response: keysResponse, access: .all, handler: .sync { ctx in
            let keys = try await ctx.engine.identity.registerKeys(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"))
            return .object(name: "userkeys", .fields([("apikey", .string(keys.apiKey)), ("secretkey", .string(keys.secretKey))]))
        }),
        CommandSpec("getUserKeys", description: "Shows the API key and secret key of a user", since: "4.10.0", parameters: [
            ParameterSpec("id", .uuid, required: true, related: ["listUsers"], description: "the user"),
        ], response: keysResponse, access: .all, handler: .sync { ctx in
            let keys = try await ctx.engine.identity.keys(caller: ctx.caller, uuid: try ctx.parameters.requiredUUID("id"))
            return .object(name: "userkeys", .fields([("apikey", keys.apiKey.map(ResponseNode.string)), ("secretkey", keys.secretKey.map(ResponseNode.string))]))
        }),
    ]

    static let keysResponse = ResponseDescription(objectName: "userkeys", fields: [
        FieldInfo(name: "apikey", description: "the API key", type: .string),
        FieldInfo(name: "secretkey", description: "the secret key", type: .string),
    ])

    /// A string parameter that must be a UUID when present (CloudStack declares these as strings).
    static func optionalUUID(_ p: Parameters, _ name: String) throws(CloudError) -> UUID? {
        guard let raw = p.string(name) else { return nil }
        guard let id = UUID(uuidString: raw) else { throw .invalidParameter("Parameter \(name) must be a UUID, not \(raw)") }
        return id
    }
}
