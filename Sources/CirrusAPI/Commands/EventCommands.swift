import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation

/// Events.
enum EventCommands {
    static func level(_ p: Parameters) throws(CloudError) -> EventLevel? {
        guard let raw = p.string("level") else { return nil }
        guard let l = EventLevel(rawValue: raw.uppercased()) else { throw .invalidParameter("Invalid event level \(raw): use INFO, WARN or ERROR") }
        return l
    }

    /// The filter of archiveEvents and deleteEvents: at least one criterion, and the caller's
    /// own events unless they administer more.
    static func bulkFilter(_ ctx: CommandContext) async throws -> EventRepository.Filter {
        let p = ctx.parameters
        let ids = p.uuidList("ids")
        guard ids != nil || p.has("type") || p.has("startdate") || p.has("enddate") else {
            throw CloudError.invalidParameter("Specify at least one of ids, type, startdate or enddate")
        }
        if let start = p.date("startdate"), let end = p.date("enddate"), end < start {
            throw CloudError.invalidParameter("Unable to execute API command due to invalid value: startdate is after enddate")
        }
        let scope: ListScope = ctx.caller.isRootAdmin ? .everything : (ctx.caller.isAdmin ? .domainTree(path: ctx.caller.domain.path) : .account(id: ctx.caller.account.id))
        return EventRepository.Filter(scope: scope, ids: ids, type: p.string("type"), startDate: p.date("startdate"), endDate: p.date("enddate").map { $0.addingTimeInterval(86_399) }, archived: nil)
    }

    static let all: [CommandSpec] = [
        CommandSpec("listEvents", description: "Lists events", parameters: [
            ParameterSpec("id", .uuid, related: ["listEvents"], description: "list only this event"),
            ParameterSpec("duration", .integer, description: "accepted for compatibility"),
            ParameterSpec("enddate", .date, description: "list events up to the end of this date"),
            ParameterSpec("entrytime", .integer, description: "accepted for compatibility"),
            ParameterSpec("level", .string, description: "INFO, WARN or ERROR"),
            ParameterSpec("startdate", .date, description: "list events from this date"),
            ParameterSpec("type", .string, description: "list events of this type, such as USER.LOGIN"),
            ParameterSpec("startid", .uuid, description: "list the events that continue this Scheduled event"),
            ParameterSpec("resourceid", .string, since: "4.17.0", description: "list events about this resource"),
            ParameterSpec("resourcetype", .string, since: "4.17.0", description: "list events about resources of this type"),
            ParameterSpec("archived", .boolean, since: "4.19.0", description: "list archived events instead of current ones"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.event.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            if p.has("resourceid") && !p.has("resourcetype") { throw CloudError.invalidParameter("resourcetype is required when resourceid is given") }
            var startID: Int64?
            if let sid = p.uuid("startid") {
                startID = try await ctx.engine.events.find(uuid: sid)?.id ?? -1
            }
            let filter = EventRepository.Filter(scope: try await ctx.scope(fallback: .ownAccount), id: p.uuid("id"), type: p.string("type"), level: try level(p),
                                                startDate: p.date("startdate"), endDate: p.date("enddate").map { $0.addingTimeInterval(86_399) },
                                                resourceType: p.string("resourcetype"), resourceUUID: p.string("resourceid"), keyword: p.string("keyword"),
                                                startID: startID, archived: p.bool("archived", default: false))
            let listing = try await ctx.engine.events.list(filter: filter, page: try await ctx.page())
            let names = try await ctx.engine.events.names(for: listing.items)
            let views = listing.items.map { e in
                EventView(event: e, username: names.users[e.userID]?.username, accountName: names.accounts[e.accountID]?.name,
                          domain: names.domains[e.domainID], parentUUID: e.startID.flatMap { names.parents[$0] }.map { $0.uuidString.lowercased() })
            }
            return .list(itemName: "event", count: listing.total, items: views.map(Schemas.event.render))
        }),
        CommandSpec("listEventTypes", description: "Lists the event types Cirrus records", parameters: [],
                    response: ResponseDescription(objectName: "eventtype", fields: [FieldInfo(name: "name", description: "the event type", type: .string)]),
                    access: .all, handler: .sync { _ in
            .list(itemName: "eventtype", count: EventType.all.count, items: EventType.all.map { .fields([("name", .string($0))]) })
        }),
        CommandSpec("archiveEvents", description: "Archives events", parameters: [
            ParameterSpec("ids", .list(.uuid), related: ["listEvents"], description: "the events to archive"),
            ParameterSpec("enddate", .date, description: "archive events up to this date"),
            ParameterSpec("startdate", .date, description: "archive events from this date"),
            ParameterSpec("type", .string, description: "archive events of this type"),
        ], response: .success, access: .all, handler: .sync { ctx in
            let n = try await ctx.engine.events.archive(filter: try await bulkFilter(ctx))
            guard n > 0 else { throw CloudError.invalidParameter("Unable to archive events: no event matched") }
            return .success(displayText: nil)
        }),
        CommandSpec("deleteEvents", description: "Deletes events", parameters: [
            ParameterSpec("ids", .list(.uuid), related: ["listEvents"], description: "the events to delete"),
            ParameterSpec("enddate", .date, description: "delete events up to this date"),
            ParameterSpec("startdate", .date, description: "delete events from this date"),
            ParameterSpec("type", .string, description: "delete events of this type"),
        ], response: .success, access: .all, handler: .sync { ctx in
            let n = try await ctx.engine.events.delete(filter: try await bulkFilter(ctx))
            guard n > 0 else { throw CloudError.invalidParameter("Unable to delete events: no event matched") }
            return .success(displayText: nil)
        }),
    ]
}
