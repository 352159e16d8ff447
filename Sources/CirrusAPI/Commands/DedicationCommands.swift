import CirrusEngine
import CirrusModel
import Foundation

/// Dedicating zones, pods, clusters and hosts to a domain or an account, releasing and listing
/// them: four commands per kind, declared once from the kind.
enum DedicationCommands {
    /// The API's name for each kind's id parameter and response fields.
    static func key(_ kind: DedicatedResourceKind) -> String { kind.rawValue.lowercased() }

    static func related(_ kind: DedicatedResourceKind) -> String {
        switch kind { case .zone: "listZones"; case .pod: "listPods"; case .cluster: "listClusters"; case .host: "listHosts" }
    }

    static func schema(_ kind: DedicatedResourceKind) -> ResponseSchema<DedicationView> {
        let k = key(kind)
        return ResponseSchema<DedicationView>(objectName: "dedicated\(k)", fields: [
            .string("id", "the ID of the dedication") { Schemas.id($0.dedication.uuid) },
            .string("\(k)id", "the ID of the dedicated \(k)") { Schemas.id($0.resourceUUID) },
            .string("\(k)name", "the name of the dedicated \(k)") { $0.resourceName },
            .string("domainid", "the domain it is dedicated to") { Schemas.id($0.domainUUID) },
            .string("accountid", "the account it is dedicated to, if one") { $0.accountUUID.map(Schemas.id) },
            .string("affinitygroupid", "the explicit-dedication affinity group (not created yet)") { _ in nil },
        ])
    }

    static func plan(_ kind: DedicatedResourceKind, _ uuid: UUID) -> JobPlan {
        JobPlan(syncKey: "dedicate:\(key(kind)):\(uuid.uuidString.lowercased())", instanceType: kind.rawValue, instanceUUID: uuid.uuidString.lowercased())
    }

    static func commands(_ kind: DedicatedResourceKind) -> [CommandSpec] {
        let k = key(kind), name = kind.rawValue, idName = "\(k)id"
        let s = schema(kind)
        return [
            CommandSpec("dedicate\(name)", description: "Dedicates a \(k) to a domain, or to an account of it", parameters: [
                ParameterSpec(idName, .uuid, required: true, related: [related(kind)], description: "the \(k) to dedicate"),
                ParameterSpec("domainid", .uuid, required: true, related: ["listDomains"], description: "the domain to dedicate it to"),
                ParameterSpec("account", .string, description: "an account of that domain to dedicate it to"),
            ], response: s.description, access: .rootAdmin, event: CommandEvent("DEDICATE.RESOURCE", "Dedicating a \(k)"),
            handler: .async(prepare: { ctx in
                let p = ctx.parameters
                let resource = try p.requiredUUID(idName)
                try await ctx.engine.dedications.checkDedicate(caller: ctx.caller, kind: kind, resource: resource, domainID: try p.requiredUUID("domainid"),
                                                               accountName: p.string("account"))
                return plan(kind, resource)
            }, execute: { ctx in
                let p = ctx.parameters
                let view = try await ctx.engine.dedications.dedicate(caller: ctx.caller, kind: kind, resource: try p.requiredUUID(idName),
                                                                     domainID: try p.requiredUUID("domainid"), accountName: p.string("account"))
                return .object(name: s.objectName, s.render(view))
            })),
            CommandSpec("releaseDedicated\(name)", description: "Releases a dedicated \(k) back to every owner", parameters: [
                ParameterSpec(idName, .uuid, required: true, related: [related(kind)], description: "the dedicated \(k)"),
            ], response: .success, access: .rootAdmin, event: CommandEvent("DEDICATE.RESOURCE.RELEASE", "Releasing a dedicated \(k)"),
            handler: .async(prepare: { ctx in
                let resource = try ctx.parameters.requiredUUID(idName)
                try await ctx.engine.dedications.checkRelease(caller: ctx.caller, kind: kind, resource: resource)
                return plan(kind, resource)
            }, execute: { ctx in
                try await ctx.engine.dedications.release(caller: ctx.caller, kind: kind, resource: try ctx.parameters.requiredUUID(idName))
                return .success(displayText: nil)
            })),
            CommandSpec("listDedicated\(name)s", description: "Lists dedicated \(k)s", parameters: [
                ParameterSpec(idName, .uuid, related: [related(kind)], description: "list only this \(k)"),
                ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "list those dedicated to this domain"),
                ParameterSpec("account", .string, description: "list those dedicated to this account (with domainid)"),
                ParameterSpec("affinitygroupid", .uuid, description: "accepted for compatibility; explicit-dedication groups are not created yet"),
            ] + ParameterSpec.paging, response: s.description, access: .rootAdmin, handler: .sync { ctx in
                let p = ctx.parameters
                let all = try await ctx.engine.dedications.list(kind: kind, resource: p.uuid(idName), domainID: p.uuid("domainid"), accountName: p.string("account"))
                let page = try await ctx.page()
                let window = all.dropFirst(page.offset).prefix(page.limit ?? Int.max)
                return .list(itemName: s.objectName, count: all.count, items: window.map(s.render))
            }),
        ]
    }

    static let all: [CommandSpec] = DedicatedResourceKind.allCases.flatMap(commands)
}
