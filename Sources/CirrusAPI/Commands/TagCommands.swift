import CirrusEngine
import CirrusModel
import CirrusStore

/// createTags, deleteTags and listTags.
enum TagCommands {
    /// Tag jobs on the same resources run one at a time.
    static func plan(_ type: TaggableResourceType, _ p: Parameters) -> JobPlan {
        let ids = (p.list("resourceids") ?? []).map { $0.lowercased() }.sorted()
        return JobPlan(syncKey: "tags:\(type.rawValue):\(ids.first ?? "")")
    }

    static let all: [CommandSpec] = [
        CommandSpec("createTags", description: "Creates resource tags", since: "4.0.0", parameters: [
            ParameterSpec("resourcetype", .string, required: true, description: "the type of the resources, such as UserVm, Volume, Template or ISO"),
            ParameterSpec("resourceids", .list(.string), required: true, description: "the IDs of the resources to tag"),
            ParameterSpec("tags", .map, required: true, description: "the tags: tags[0].key=k&tags[0].value=v"),
            ParameterSpec("customer", .string, description: "a client-specific marker stored with the tags"),
        ], response: .success, access: .all, event: CommandEvent(EventType.tagsCreate, "Creating resource tag(s)"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let type = try await ctx.engine.tags.checkCreate(caller: ctx.caller, resourceType: try p.requiredString("resourcetype"),
                                                             resourceIDs: p.list("resourceids") ?? [], tags: p.tagEntries(), customer: p.string("customer"))
            return plan(type, p)
        }, execute: { ctx in
            let p = ctx.parameters
            try await ctx.engine.tags.create(caller: ctx.caller, resourceType: try p.requiredString("resourcetype"), resourceIDs: p.list("resourceids") ?? [],
                                             tags: p.tagEntries(), customer: p.string("customer"))
            return .success(displayText: nil)
        })),
        CommandSpec("deleteTags", description: "Deletes resource tags", since: "4.0.0", parameters: [
            ParameterSpec("resourcetype", .string, required: true, description: "the type of the resources"),
            ParameterSpec("resourceids", .list(.string), required: true, description: "the IDs of the resources whose tags are deleted"),
            ParameterSpec("tags", .map, description: "only these tags: tags[0].key=k (and tags[0].value=v to delete only that value); all tags when omitted"),
        ], response: .success, access: .all, event: CommandEvent(EventType.tagsDelete, "Deleting tags"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let type = try await ctx.engine.tags.checkDelete(caller: ctx.caller, resourceType: try p.requiredString("resourcetype"),
                                                             resourceIDs: p.list("resourceids") ?? [], tags: p.tagEntries())
            return plan(type, p)
        }, execute: { ctx in
            let p = ctx.parameters
            try await ctx.engine.tags.delete(caller: ctx.caller, resourceType: try p.requiredString("resourcetype"), resourceIDs: p.list("resourceids") ?? [],
                                             tags: p.tagEntries())
            return .success(displayText: nil)
        })),
        CommandSpec("listTags", description: "Lists resource tags", since: "4.0.0", parameters: [
            ParameterSpec("resourcetype", .string, description: "list tags of resources of this type"),
            ParameterSpec("resourceid", .string, description: "list tags of this resource"),
            ParameterSpec("key", .string, description: "list tags with this key"),
            ParameterSpec("value", .string, description: "list tags with this value"),
            ParameterSpec("customer", .string, description: "list tags with this customer marker"),
        ] + ParameterSpec.ownership + ParameterSpec.paging, response: Schemas.resourceTag.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let filter = TagRepository.Filter(resourceType: p.string("resourcetype"), resourceID: p.string("resourceid"), key: p.string("key"),
                                              value: p.string("value"), customer: p.string("customer"), keyword: p.string("keyword"))
            let listing = try await ctx.engine.tags.list(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), filter, page: try await ctx.page())
            return .list(itemName: "tag", count: listing.total, items: listing.items.map(Schemas.resourceTag.render))
        }),
    ]
}
