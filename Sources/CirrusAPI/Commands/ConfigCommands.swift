import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation

/// Global and scoped settings.
enum ConfigCommands {
    static let scopeParameters: [ParameterSpec] = [
        ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "the zone whose value to use"),
        ParameterSpec("clusterid", .uuid, related: ["listClusters"], description: "the cluster whose value to use"),
        ParameterSpec("storageid", .uuid, related: ["listStoragePools"], description: "the storage pool whose value to use"),
        ParameterSpec("accountid", .uuid, related: ["listAccounts"], description: "the account whose value to use"),
        ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain whose value to use"),
    ]

    /// The one scope named by the parameters, resolved to an internal id; nil for global.
    static func scope(_ ctx: CommandContext) async throws -> (ConfigScope, Int64)? {
        let p = ctx.parameters
        let named: [(ConfigScope, UUID)] = [
            ("zoneid", ConfigScope.zone), ("clusterid", .cluster), ("storageid", .storagePool), ("accountid", .account), ("domainid", .domain),
        ].compactMap { name, scope in p.uuid(name).map { (scope, $0) } }
        guard let (scope, uuid) = named.first else { return nil }
        guard named.count == 1 else { throw CloudError.invalidParameter("Specify only one of zoneid, clusterid, storageid, accountid and domainid") }
        switch scope {
        case .account:
            return (scope, try await ctx.engine.identity.account(uuid: uuid).id)
        case .domain:
            return (scope, try await ctx.engine.identity.domain(uuid: uuid).id)
        case .zone, .cluster, .storagePool, .global:
            return (scope, try await ctx.engine.config.infrastructureScopeID(scope, uuid: uuid))
        }
    }

    static let all: [CommandSpec] = [
        CommandSpec("listConfigurations", description: "Lists settings and their values", parameters: [
            ParameterSpec("category", .string, description: "list settings of this category"),
            ParameterSpec("name", .string, description: "list the setting with this name"),
        ] + scopeParameters + ParameterSpec.paging, response: Schemas.configuration.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            let entries = try await ctx.engine.config.list(name: p.string("name"), category: p.string("category"), keyword: p.string("keyword"), scope: try await scope(ctx))
            let page = try await ctx.page()
            let slice = entries.dropFirst(page.offset).prefix(page.limit ?? entries.count)
            return .list(itemName: "configuration", count: entries.count, items: slice.map(Schemas.configuration.render))
        }),
        CommandSpec("updateConfiguration", description: "Sets a setting globally or for one scope", parameters: [
            ParameterSpec("name", .string, required: true, description: "the setting"),
            ParameterSpec("value", .string, length: 4096, description: "the new value"),
        ] + scopeParameters, response: Schemas.configuration.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            let name = try p.requiredString("name")
            guard let value = p.string("value") else { throw CloudError.invalidParameter("Please specify a value for configuration \(name)") }
            let (scope, scopeID) = try await scope(ctx) ?? (.global, 0)
            let entry = try await ctx.engine.db.transaction { sql in
                let entry = try await ctx.engine.config.update(name: name, value: value, scope: scope, scopeID: scopeID, in: sql)
                try await ctx.engine.events.record(sql, type: EventType.configurationEdit, state: .completed,
                                                   description: "Configuration \(name) set to \(entry.value) at \(scope.rawValue) scope",
                                                   userID: ctx.caller.user.id, accountID: ctx.caller.account.id, domainID: ctx.caller.account.domainID, resource: nil)
                return entry
            }
            return .object(name: "configuration", Schemas.configuration.render(entry))
        }),
        CommandSpec("resetConfiguration", description: "Removes a setting's value so that it falls back to the default", since: "4.16.0", parameters: [
            ParameterSpec("name", .string, required: true, description: "the setting"),
        ] + scopeParameters + [
            ParameterSpec("imagestoreid", .uuid, related: ["listImageStores"], description: "the image store whose value to reset"),
        ], response: Schemas.configuration.description, access: .rootAdmin, handler: .sync { ctx in
            let name = try ctx.parameters.requiredString("name")
            let (scope, scopeID) = try await scope(ctx) ?? (.global, 0)
            let entry = try await ctx.engine.db.transaction { sql in
                let entry = try await ctx.engine.config.reset(name: name, scope: scope, scopeID: scopeID, in: sql)
                try await ctx.engine.events.record(sql, type: EventType.configurationEdit, state: .completed,
                                                   description: "Configuration \(name) reset at \(scope.rawValue) scope",
                                                   userID: ctx.caller.user.id, accountID: ctx.caller.account.id, domainID: ctx.caller.account.domainID, resource: nil)
                return entry
            }
            return .object(name: "configuration", Schemas.configuration.render(entry))
        }),
    ]
}
