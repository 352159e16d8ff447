import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation

/// Capacity and alerts.
enum CapacityCommands {
    static let capacity = ResponseSchema<CapacityView>(objectName: "capacity", fields: [
        .integer("type", "the capacity type: 0 memory, 1 CPU, 2 storage, 3 storage allocated, 4 public IPs, 5 private IPs, 6 secondary storage, 7 VLANs, 9 local storage, 90 CPU cores") { $0.summary.type.rawValue },
        .string("name", "the name of the capacity type") { $0.summary.type.name },
        .string("zoneid", "the ID of the zone") { $0.zone.map { Schemas.id($0.uuid) } },
        .string("zonename", "the name of the zone") { $0.zone?.name },
        .string("podid", "the ID of the pod") { $0.pod.map { Schemas.id($0.uuid) } },
        .string("podname", "the name of the pod") { $0.pod?.name },
        .string("clusterid", "the ID of the cluster") { $0.cluster.map { Schemas.id($0.uuid) } },
        .string("clustername", "the name of the cluster") { $0.cluster?.name },
        .long("capacityallocated", "the capacity allocated (used plus reserved)") { $0.summary.allocated },
        .long("capacityused", "the capacity in use") { $0.summary.used },
        .long("capacitytotal", "the total capacity, including overprovisioning") { $0.summary.total },
        .string("percentused", "the percentage of the total capacity allocated") { String(format: "%.2f", $0.summary.percentUsed) },
        .string("tag", "the storage tag the capacity is for") { $0.summary.tag },
    ])

    static let alert = ResponseSchema<Alert>(objectName: "alert", fields: [
        .string("id", "the ID of the alert") { Schemas.id($0.uuid) },
        .integer("type", "the alert type number (see listAlertTypes)") { $0.type },
        .string("name", "the name of the alert type") { $0.name },
        .string("description", "what happened") { $0.subject },
        .date("sent", "when the alert was last raised") { $0.lastSent },
    ])

    struct AlertTypeRow: Sendable { let type: Int; let name: String }

    static let alertType = ResponseSchema<AlertTypeRow>(objectName: "alerttype", fields: [
        .integer("id", "the alert type number") { $0.type },
        .string("name", "the alert type name") { $0.name },
    ])

    static func alertFilter(_ p: Parameters) throws -> AlertRepository.Filter {
        let type: Int? = try p.string("type").map { raw in
            guard let n = Int(raw) else { throw CloudError.invalidParameter("Invalid alert type \(raw): give the alert type number") }
            return n
        }
        return AlertRepository.Filter(ids: p.uuidList("ids"), type: type, start: p.date("startdate"), end: p.date("enddate"))
    }

    static let all: [CommandSpec] = [
        CommandSpec("listCapacity", description: "Lists capacity per zone, pod or cluster", parameters: [
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "the zone"),
            ParameterSpec("podid", .uuid, related: ["listPods"], description: "the pod"),
            ParameterSpec("clusterid", .uuid, related: ["listClusters"], description: "the cluster"),
            ParameterSpec("type", .integer, description: "the capacity type number"),
            ParameterSpec("fetchlatest", .boolean, since: "4.9.3", description: "measure afresh instead of reading the last capacity check"),
            ParameterSpec("sortby", .string, since: "3.0.0", description: "usage: sort by percentage used, highest first"),
            ParameterSpec("tag", .string, since: "4.20.1", description: "only capacity of storage pools with this tag"),
        ] + ParameterSpec.paging, response: capacity.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            let type: CapacityType? = try p.int("type").map { n in
                guard let t = CapacityType(rawValue: n) else { throw CloudError.invalidParameter("Invalid capacity type \(n)") }
                return t
            }
            if let sort = p.string("sortby"), sort.lowercased() != "usage" {
                throw CloudError.invalidParameter("Only sortby=usage is supported")
            }
            let views = try await ctx.engine.capacity.views(zoneUUID: p.uuid("zoneid"), podUUID: p.uuid("podid"), clusterUUID: p.uuid("clusterid"), type: type,
                                                            tag: p.string("tag"), sortByUsage: p.string("sortby") != nil, fetchLatest: p.bool("fetchlatest", default: false))
            let page = try await ctx.page()
            let items = views.dropFirst(page.offset).prefix(page.limit ?? Int.max)
            return .list(itemName: "capacity", count: views.count, items: items.map(capacity.render))
        }),
        CommandSpec("listAlerts", description: "Lists open alerts, newest first", parameters: [
            ParameterSpec("id", .uuid, related: ["listAlerts"], description: "the alert"),
            ParameterSpec("type", .string, description: "the alert type number"),
            ParameterSpec("name", .string, since: "4.3", description: "the alert type name, such as ALERT.MEMORY"),
        ] + ParameterSpec.paging, response: alert.description, access: .rootAdmin, handler: .sync { ctx in
            let p = ctx.parameters
            var filter = try alertFilter(p)
            filter.ids = p.uuid("id").map { [$0] }
            filter.name = p.string("name")
            filter.keyword = p.string("keyword")
            let listing = try await ctx.engine.alerts.list(filter: filter, page: try await ctx.page())
            return .list(itemName: "alert", count: listing.total, items: listing.items.map(alert.render))
        }),
        CommandSpec("archiveAlerts", description: "Archives alerts by id, type or date range", since: "4.0", parameters: [
            ParameterSpec("ids", .list(.uuid), related: ["listAlerts"], description: "the alerts to archive"),
            ParameterSpec("type", .string, description: "archive alerts of this type number"),
            ParameterSpec("startdate", .date, description: "archive alerts raised on or after this date"),
            ParameterSpec("enddate", .date, description: "archive alerts raised on or before this date"),
        ], response: .success, access: .rootAdmin, handler: .sync { ctx in
            _ = try await ctx.engine.alerts.archive(filter: try alertFilter(ctx.parameters))
            return .success(displayText: nil)
        }),
        CommandSpec("deleteAlerts", description: "Deletes alerts by id, type or date range", since: "4.0", parameters: [
            ParameterSpec("ids", .list(.uuid), related: ["listAlerts"], description: "the alerts to delete"),
            ParameterSpec("type", .string, description: "delete alerts of this type number"),
            ParameterSpec("startdate", .date, description: "delete alerts raised on or after this date"),
            ParameterSpec("enddate", .date, description: "delete alerts raised on or before this date"),
        ], response: .success, access: .rootAdmin, handler: .sync { ctx in
            _ = try await ctx.engine.alerts.delete(filter: try alertFilter(ctx.parameters))
            return .success(displayText: nil)
        }),
        CommandSpec("listAlertTypes", description: "Lists the alert types", since: "4.19.0", parameters: [], response: alertType.description, access: .rootAdmin, handler: .sync { _ in
            let rows = AlertType.all.map { AlertTypeRow(type: $0.0, name: $0.1) }
            return .list(itemName: "alerttype", count: rows.count, items: rows.map(alertType.render))
        }),
    ]
}
