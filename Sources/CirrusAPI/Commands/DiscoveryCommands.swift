import CirrusEngine
import CirrusModel
import Foundation

/// listApis, listCapabilities, and the declarations of login and logout.
enum DiscoveryCommands {
    static let all: [CommandSpec] = [
        CommandSpec("listApis", description: "Lists the APIs the caller may use, with their parameters and responses", since: "4.1.0", parameters: [
            ParameterSpec("name", .string, description: "describe only this API"),
        ], response: ResponseDescription(objectName: "api", fields: [
            FieldInfo(name: "name", description: "the name of the API", type: .string),
            FieldInfo(name: "description", description: "what the API does", type: .string),
            FieldInfo(name: "since", description: "the version that introduced it", type: .string),
            FieldInfo(name: "isasync", description: "whether it runs as an async job", type: .boolean),
            FieldInfo(name: "related", description: "APIs returning the same kind of object", type: .string),
            FieldInfo(name: "params", description: "its parameters", type: .set),
            FieldInfo(name: "response", description: "its response fields", type: .set),
        ]), access: .all, handler: .sync { ctx in
            let allowed = try await APIDocumentation.allowedCommands(ctx)
            let selected: [CommandSpec]
            if let name = ctx.parameters.string("name") {
                guard let spec = allowed.first(where: { $0.name == name }) else {
                    throw CloudError.invalidParameter("Unable to find API \(name), or it is not available to the caller")
                }
                selected = [spec]
            } else {
                selected = allowed
            }
            return .list(itemName: "api", count: selected.count, items: selected.map { APIDocumentation.describe($0, among: allowed) })
        }),
        CommandSpec("listCapabilities", description: "Lists the capabilities of this cloud", parameters: [],
                    response: ResponseDescription(objectName: "capability", fields: [
                        FieldInfo(name: "cloudstackversion", description: "the CloudStack API version this server speaks", type: .string),
                        FieldInfo(name: "dynamicrolesenabled", description: "whether roles have rules", type: .boolean),
                        FieldInfo(name: "securitygroupsenabled", description: "whether any zone uses security groups", type: .boolean),
                        FieldInfo(name: "allowusercreateprojects", description: "whether users may create projects", type: .boolean),
                        FieldInfo(name: "apilimitinterval", description: "API throttling interval in seconds", type: .integer),
                        FieldInfo(name: "apilimitmax", description: "API calls allowed per interval", type: .integer),
                        FieldInfo(name: "defaultuipagesize", description: "the default page size", type: .long),
                        FieldInfo(name: "eventdeleteenabled", description: "whether users may delete events", type: .boolean),
                    ]), access: .all, handler: .sync { ctx in
            let pageSize = try await ctx.engine.config.int(Settings.defaultPageSize)
            let securityGroups = try await ctx.engine.infrastructure.anyZoneUsesSecurityGroups()
            let pairs: [(String, ResponseNode?)] = [
                ("cloudstackversion", .string(ResponseFormat.reportedVersion)),
                ("dynamicrolesenabled", .bool(true)),
                ("securitygroupsenabled", .bool(securityGroups)),
                ("userpublictemplateenabled", .bool(true)),
                ("allowusercreateprojects", .bool(false)),
                ("apilimitinterval", .int(1)),
                ("apilimitmax", .int(0)),
                ("allowuserviewdestroyedvm", .bool(false)),
                ("allowuserexpungerecovervm", .bool(false)),
                ("defaultuipagesize", .int(Int64(pageSize))),
                ("eventdeleteenabled", .bool(true)),
                ("customhypervisordisplayname", .string("Simulator")),
            ]
            return .object(name: "capability", .fields(pairs))
        }),
        CommandSpec("login", description: "Logs a user in with a user name and password (HTTP POST only) and opens a session", parameters: [
            ParameterSpec("username", .string, required: true, description: "the login name"),
            ParameterSpec("password", .string, required: true, description: "the password, in clear text"),
            ParameterSpec("domain", .string, description: "the domain path, such as / or /sub/child; ROOT when omitted"),
            ParameterSpec("domainId", .long, description: "the domain ID; takes precedence over domain"),
        ], response: ResponseDescription(objectName: nil, fields: [
            FieldInfo(name: "username", description: "the login name", type: .string),
            FieldInfo(name: "userid", description: "the ID of the user", type: .string),
            FieldInfo(name: "domainid", description: "the ID of the user's domain", type: .string),
            FieldInfo(name: "timeout", description: "session timeout in seconds", type: .integer),
            FieldInfo(name: "account", description: "the account name", type: .string),
            FieldInfo(name: "type", description: "the account type", type: .string),
            FieldInfo(name: "sessionkey", description: "the key to send with every request of the session", type: .string),
        ]), access: .all, handler: .sync { _ in
            throw CloudError(.methodNotAllowed, "Please use HTTP POST to authenticate using this API", csCode: nil)
        }),
        CommandSpec("logout", description: "Ends the caller's session", parameters: [],
                    response: ResponseDescription(objectName: nil, fields: [FieldInfo(name: "description", description: "success", type: .string)]),
                    access: .all, handler: .sync { _ in
            throw CloudError(.methodNotAllowed, "logout is handled by the API endpoint itself", csCode: nil)
        }),
    ]
}

/// Builds the `listApis` entries and the OpenAPI document from the declarations.
public enum APIDocumentation {
    /// The commands the caller's role lets them call.
    static func allowedCommands(_ ctx: CommandContext) async throws -> [CommandSpec] {
        let rules = try await ctx.engine.roles.rules(for: ctx.caller)
        return ctx.registry.commands.filter {
            RoleAccess.check(role: ctx.caller.role, rules: rules, api: $0.name, defaultRoles: $0.access).isAllowed
        }
    }

    /// One `api` entry as `listApis` reports it.
    static func describe(_ spec: CommandSpec, among all: [CommandSpec]) -> ResponseNode {
        let related = all.filter { $0.name != spec.name && $0.response.objectName != nil && $0.response.objectName == spec.response.objectName }.map(\.name)
        let params: [ResponseNode] = spec.parameters.map(parameter)
        let pairs: [(String, ResponseNode?)] = [
            ("name", .string(spec.name)),
            ("description", .string(spec.description)),
            ("since", spec.since.map(ResponseNode.string)),
            ("isasync", .bool(spec.isAsync)),
            ("related", related.isEmpty ? nil : .string(related.joined(separator: ","))),
            ("params", .array(params)),
            ("response", .array(fields(spec.response.fields))),
        ]
        return .fields(pairs)
    }

    static func parameter(_ p: ParameterSpec) -> ResponseNode {
        let pairs: [(String, ResponseNode?)] = [
            ("name", .string(p.name)),
            ("description", .string(p.description)),
            ("type", .string(p.type.apiName)),
            ("length", .int(Int64(p.length))),
            ("required", .bool(p.required)),
            ("since", p.since.map(ResponseNode.string)),
            ("related", p.related.isEmpty ? nil : .string(p.related.joined(separator: ","))),
        ]
        return .fields(pairs)
    }

    static func fields(_ infos: [FieldInfo]) -> [ResponseNode] {
        infos.map { f in
            let pairs: [(String, ResponseNode?)] = [
                ("name", .string(f.name)),
                ("description", .string(f.description)),
                ("type", .string(f.type.rawValue)),
                ("response", f.children.isEmpty ? nil : .array(fields(f.children))),
            ]
            return .fields(pairs)
        }
    }
}
