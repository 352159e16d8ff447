import CirrusEngine
import CirrusModel
import Foundation

/// API commands for templates, ISOs and OS types.
enum TemplateCommands {
    /// `zoneid` of the register commands: a zone's UUID, or -1 for every zone.
    static func zoneList(_ p: Parameters) -> [UUID]? {
        if let ids = p.uuidList("zoneids"), !ids.isEmpty { return ids }
        guard let raw = p.string("zoneid"), raw.trimmingCharacters(in: .whitespaces) != "-1" else { return nil }
        return UUID(uuidString: raw.trimmingCharacters(in: .whitespaces)).map { [$0] }
    }

    static let zoneOrAll: @Sendable (String) throws -> Void = { raw in
        let v = raw.trimmingCharacters(in: .whitespaces)
        guard v == "-1" || UUID(uuidString: v) != nil else {
            throw CloudError.invalidParameter("Invalid zoneid \(raw): give a zone ID, or -1 for every zone")
        }
    }

    static func filter(_ raw: String?, parameter: String, default fallback: TemplateFilter) throws(CloudError) -> TemplateFilter {
        guard let raw else { return fallback }
        guard let f = TemplateFilter(caseInsensitive: raw) else {
            throw .invalidParameter("Invalid \(parameter) \(raw): use featured, self, selfexecutable, sharedexecutable, executable, community or all")
        }
        return f
    }

    static func plan(_ t: Template) -> JobPlan {
        JobPlan(syncKey: "template:\(t.uuid.uuidString.lowercased())", instanceType: t.isISO ? "Iso" : "Template",
                instanceUUID: t.uuid.uuidString.lowercased(), resourceName: t.name)
    }

    static func schema(iso: Bool) -> ResponseSchema<TemplateView> { iso ? Schemas.iso : Schemas.template }

    // MARK: - shared declarations

    static func register(iso: Bool) -> CommandSpec {
        let kind = iso ? "ISO" : "template"
        var parameters: [ParameterSpec] = [
            ParameterSpec("name", .string, required: true, description: "the name of the \(kind)"),
            ParameterSpec("displaytext", .string, length: 4096, description: "the description of the \(kind); the name when omitted"),
            ParameterSpec("url", .string, required: true, length: 2048, description: "the http or https URL to download the \(kind) from"),
            ParameterSpec("zoneid", .string, required: iso, related: ["listZones"], description: "the zone to register in, or -1 for every zone", validate: zoneOrAll),
            ParameterSpec("ostypeid", .uuid, related: ["listOsTypes"], description: "the OS type; Other (64-bit) when omitted"),
            ParameterSpec("checksum", .string, description: "the checksum of the file: {MD5}, {SHA-1}, {SHA-256}, {SHA-384} or {SHA-512} followed by the hex digest, or a bare MD5"),
            ParameterSpec("ispublic", .boolean, description: "whether every account may use the \(kind)"),
            ParameterSpec("isfeatured", .boolean, description: "whether the \(kind) is featured (root admins only)"),
            ParameterSpec("isextractable", .boolean, description: "whether the \(kind) may be extracted"),
            ParameterSpec("passwordenabled", .boolean, description: "whether the \(kind) supports password reset"),
            ParameterSpec("isdynamicallyscalable", .boolean, description: "whether instances can be scaled while running"),
            ParameterSpec("directdownload", .boolean, description: "must be false: Cirrus always downloads to the image stores"),
            ParameterSpec("account", .string, description: "the owning account (admins); needs domainid"),
            ParameterSpec("domainid", .uuid, related: ["listDomains"], description: "the domain of the owning account"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
        ]
        if iso {
            parameters += [
                ParameterSpec("bootable", .boolean, description: "whether the ISO is bootable (default true)"),
                ParameterSpec("imagestoreuuid", .string, description: "accepted for compatibility; every image store of the zone receives the ISO"),
            ]
        } else {
            parameters += [
                ParameterSpec("format", .string, required: true, description: "the image format: QCOW2, RAW, VHD or OVA"),
                ParameterSpec("hypervisor", .string, required: true, description: "the hypervisor: KVM or Simulator"),
                ParameterSpec("zoneids", .list(.uuid), since: "4.14.0", related: ["listZones"], description: "the zones to register in"),
                ParameterSpec("requireshvm", .boolean, description: "whether the template needs hardware virtualisation"),
                ParameterSpec("sshkeyenabled", .boolean, description: "whether the template supports SSH key reset"),
                ParameterSpec("bits", .integer, description: "32 or 64 (default 64)"),
                ParameterSpec("templatetag", .string, description: "a tag for the template"),
                ParameterSpec("templatetype", .string, since: "4.19.0", description: "USER (default), or for root admins BUILTIN, SYSTEM or ROUTING"),
            ]
        }
        return CommandSpec(iso ? "registerIso" : "registerTemplate", description: "Registers a \(kind) from a URL and downloads it to the image stores",
                           parameters: parameters, response: schema(iso: iso).description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let r = TemplateRegistration(
                name: try p.requiredString("name"), displayText: p.string("displaytext"), url: try p.requiredString("url"), format: p.string("format"),
                hypervisor: p.string("hypervisor"), zoneIDs: zoneList(p), osTypeID: p.uuid("ostypeid"), checksum: p.string("checksum"),
                isPublic: p.bool("ispublic", default: false), isFeatured: p.bool("isfeatured", default: false), isExtractable: p.bool("isextractable", default: false),
                passwordEnabled: p.bool("passwordenabled", default: false), sshKeyEnabled: p.bool("sshkeyenabled", default: false),
                requiresHVM: p.bool("requireshvm", default: true), bootable: p.bool("bootable", default: true),
                isDynamicallyScalable: p.bool("isdynamicallyscalable", default: false), bits: p.int("bits") ?? 64, templateTag: p.string("templatetag"),
                templateType: p.string("templatetype"), directDownload: p.bool("directdownload", default: false), accountName: p.string("account"),
                domainID: p.uuid("domainid"), isISO: iso)
            let views = try await ctx.engine.templates.register(caller: ctx.caller, r)
            return .list(itemName: iso ? "iso" : "template", count: views.count, items: views.map(schema(iso: iso).render))
        })
    }

    static func list(iso: Bool) -> CommandSpec {
        let kind = iso ? "ISOs" : "templates"
        var parameters: [ParameterSpec] = [
            ParameterSpec("id", .uuid, related: [iso ? "listIsos" : "listTemplates"], description: "list only this one"),
            ParameterSpec("name", .string, description: "list \(kind) with this name"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "list \(kind) in this zone"),
            ParameterSpec("hypervisor", .string, description: "list \(kind) for this hypervisor"),
            ParameterSpec("showunique", .boolean, since: "4.13.2", description: "one entry per \(iso ? "ISO" : "template") instead of one per zone"),
            ParameterSpec("showremoved", .boolean, description: "accepted for compatibility; removed ones are not listed"),
            ParameterSpec("projectid", .uuid, description: "not supported yet; ignored"),
            ParameterSpec.tagFilter,
        ]
        if iso {
            parameters += [
                ParameterSpec("isofilter", .string, description: "featured, self, selfexecutable (default), sharedexecutable, executable, community or all (admins)"),
                ParameterSpec("bootable", .boolean, description: "list only bootable (or non-bootable) ISOs"),
                ParameterSpec("ispublic", .boolean, description: "list only public (or private) ISOs"),
                ParameterSpec("isready", .boolean, description: "list only ready (or not ready) ISOs"),
            ]
        } else {
            parameters += [
                ParameterSpec("templatefilter", .string, required: true,
                              description: "featured, self, selfexecutable, sharedexecutable, executable, community or all (admins)"),
                ParameterSpec("ids", .list(.uuid), since: "4.9", description: "list only these templates"),
                ParameterSpec("templatetype", .string, since: "4.19.0", description: "list templates of this type"),
            ]
        }
        return CommandSpec(iso ? "listIsos" : "listTemplates", description: "Lists \(kind) the caller may see, by template filter",
                           parameters: parameters + ParameterSpec.ownership + ParameterSpec.paging, response: schema(iso: iso).description, access: .all,
                           handler: .sync { ctx in
            let p = ctx.parameters
            let f = iso ? try filter(p.string("isofilter"), parameter: "isofilter", default: .selfExecutable)
                        : try filter(p.string("templatefilter"), parameter: "templatefilter", default: .executable)
            var type: TemplateType?
            if let raw = p.string("templatetype") {
                guard let t = TemplateType(caseInsensitive: raw) else { throw CloudError.invalidParameter("Invalid templatetype \(raw)") }
                type = t
            }
            let q = TemplateQuery(isISO: iso, filter: f, id: p.uuid("id"), ids: p.uuidList("ids"), name: p.string("name"), keyword: p.string("keyword"),
                                  zoneID: p.uuid("zoneid"), hypervisor: p.string("hypervisor"), templateType: type, bootable: p.bool("bootable"),
                                  isPublic: p.bool("ispublic"), isReady: p.bool("isready"), showUnique: p.bool("showunique", default: false),
                                  tags: try p.tagFilter())
            let listing = try await ctx.engine.templates.list(caller: ctx.caller, scope: try await ctx.scope(fallback: .ownAccount), q, page: try await ctx.page())
            return .list(itemName: iso ? "iso" : "template", count: listing.total, items: listing.items.map(schema(iso: iso).render))
        })
    }

    static func update(iso: Bool) -> CommandSpec {
        let kind = iso ? "ISO" : "template"
        var parameters: [ParameterSpec] = [
            ParameterSpec("id", .uuid, required: true, related: [iso ? "listIsos" : "listTemplates"], description: "the \(kind) to update"),
            ParameterSpec("name", .string, description: "the new name"),
            ParameterSpec("displaytext", .string, length: 4096, description: "the new description"),
            ParameterSpec("ostypeid", .uuid, related: ["listOsTypes"], description: "the new OS type"),
            ParameterSpec("format", .string, description: "the new format"),
            ParameterSpec("passwordenabled", .boolean, description: "whether the \(kind) supports password reset"),
            ParameterSpec("sshkeyenabled", .boolean, description: "whether the \(kind) supports SSH key reset"),
            ParameterSpec("bootable", .boolean, description: "whether the \(kind) is bootable"),
            ParameterSpec("requireshvm", .boolean, description: "whether the \(kind) needs hardware virtualisation"),
            ParameterSpec("sortkey", .integer, description: "the position in listings (lower first)"),
            ParameterSpec("isdynamicallyscalable", .boolean, description: "whether instances can be scaled while running"),
        ]
        if !iso {
            parameters += [
                ParameterSpec("templatetag", .string, description: "the template tag (root admins)"),
                ParameterSpec("templatetype", .string, description: "the template type (root admins)"),
            ]
        }
        return CommandSpec(iso ? "updateIso" : "updateTemplate", description: "Updates the attributes of a \(kind)", parameters: parameters,
                           response: schema(iso: iso).description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let u = TemplateUpdate(name: p.string("name"), displayText: p.string("displaytext"), osTypeID: p.uuid("ostypeid"), format: p.string("format"),
                                   passwordEnabled: p.bool("passwordenabled"), sshKeyEnabled: p.bool("sshkeyenabled"), bootable: p.bool("bootable"),
                                   requiresHVM: p.bool("requireshvm"), sortKey: p.int("sortkey"), isDynamicallyScalable: p.bool("isdynamicallyscalable"),
                                   templateTag: p.string("templatetag"), templateType: p.string("templatetype"))
            let views = try await ctx.engine.templates.update(caller: ctx.caller, id: try p.requiredUUID("id"), isISO: iso, u)
            return .object(name: iso ? "iso" : "template", schema(iso: iso).render(views[0]))
        })
    }

    static func updatePermissions(iso: Bool) -> CommandSpec {
        let kind = iso ? "ISO" : "template"
        return CommandSpec(iso ? "updateIsoPermissions" : "updateTemplatePermissions", description: "Changes who may use a \(kind)", parameters: [
            ParameterSpec("id", .uuid, required: true, related: [iso ? "listIsos" : "listTemplates"], description: "the \(kind)"),
            ParameterSpec("ispublic", .boolean, description: "whether every account may use it"),
            ParameterSpec("isfeatured", .boolean, description: "whether it is featured (root admins)"),
            ParameterSpec("isextractable", .boolean, description: "whether it may be extracted"),
            ParameterSpec("accounts", .list(.string), description: "account names in the owner's domain to add, remove"),
            ParameterSpec("op", .string, description: "add, remove or reset"),
            ParameterSpec("projectids", .list(.uuid), description: "not supported yet; ignored"),
        ], response: .success, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            try await ctx.engine.templates.updatePermissions(caller: ctx.caller, id: try p.requiredUUID("id"), isISO: iso, isPublic: p.bool("ispublic"),
                                                             isFeatured: p.bool("isfeatured"), isExtractable: p.bool("isextractable"),
                                                             accounts: p.list("accounts"), operation: p.string("op"))
            return .success(displayText: nil)
        })
    }

    static func listPermissions(iso: Bool) -> CommandSpec {
        CommandSpec(iso ? "listIsoPermissions" : "listTemplatePermissions", description: "Lists the accounts a \(iso ? "ISO" : "template") is shared with", parameters: [
            ParameterSpec("id", .uuid, required: true, related: [iso ? "listIsos" : "listTemplates"], description: "the \(iso ? "ISO" : "template")"),
        ], response: Schemas.templatePermissions.description, access: .all, handler: .sync { ctx in
            let view = try await ctx.engine.templates.permissions(caller: ctx.caller, id: try ctx.parameters.requiredUUID("id"), isISO: iso)
            return .object(name: "templatepermission", Schemas.templatePermissions.render(view))
        })
    }

    static func copy(iso: Bool) -> CommandSpec {
        let kind = iso ? "ISO" : "template"
        @Sendable func destinations(_ p: Parameters) -> [UUID] {
            var out = p.uuidList("destzoneids") ?? []
            if let one = p.uuid("destzoneid"), !out.contains(one) { out.insert(one, at: 0) }
            return out
        }
        return CommandSpec(iso ? "copyIso" : "copyTemplate", description: "Copies a \(kind) to the image stores of other zones", parameters: [
            ParameterSpec("id", .uuid, required: true, related: [iso ? "listIsos" : "listTemplates"], description: "the \(kind) to copy"),
            ParameterSpec("sourcezoneid", .uuid, related: ["listZones"], description: "the zone to copy from; any zone where it is ready when omitted"),
            ParameterSpec("destzoneid", .uuid, related: ["listZones"], description: "the zone to copy to"),
            ParameterSpec("destzoneids", .list(.uuid), related: ["listZones"], description: "the zones to copy to"),
        ], response: schema(iso: iso).description, access: .all, event: CommandEvent(iso ? EventType.isoCopy : EventType.templateCopy, "Copying \(kind)"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let (t, _, _) = try await ctx.engine.templates.checkCopy(caller: ctx.caller, id: try p.requiredUUID("id"), isISO: iso,
                                                                     sourceZoneID: p.uuid("sourcezoneid"), destinationZoneIDs: destinations(p))
            return plan(t)
        }, execute: { ctx in
            let p = ctx.parameters
            let views = try await ctx.engine.templates.copy(caller: ctx.caller, id: try p.requiredUUID("id"), isISO: iso, sourceZoneID: p.uuid("sourcezoneid"),
                                                            destinationZoneIDs: destinations(p))
            guard let first = views.first else { throw CloudError.internalError("The copy of the \(kind) produced nothing") }
            return .object(name: iso ? "iso" : "template", schema(iso: iso).render(first))
        }))
    }

    static func delete(iso: Bool) -> CommandSpec {
        let kind = iso ? "ISO" : "template"
        var parameters: [ParameterSpec] = [
            ParameterSpec("id", .uuid, required: true, related: [iso ? "listIsos" : "listTemplates"], description: "the \(kind) to delete"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "delete only the copies in this zone"),
        ]
        if !iso { parameters.append(ParameterSpec("forced", .boolean, description: "delete even if instances use it (none can yet)")) }
        return CommandSpec(iso ? "deleteIso" : "deleteTemplate", description: "Deletes a \(kind) and its files, in one zone or everywhere", parameters: parameters,
                           response: .success, access: .all, event: CommandEvent(iso ? EventType.isoDelete : EventType.templateDelete, "Deleting \(kind)"),
                           handler: .async(prepare: { ctx in
            let p = ctx.parameters
            return plan(try await ctx.engine.templates.checkDelete(caller: ctx.caller, id: try p.requiredUUID("id"), isISO: iso, zoneID: p.uuid("zoneid")))
        }, execute: { ctx in
            let p = ctx.parameters
            try await ctx.engine.templates.delete(caller: ctx.caller, id: try p.requiredUUID("id"), isISO: iso, zoneID: p.uuid("zoneid"))
            return .success(displayText: nil)
        }))
    }

    static func extract(iso: Bool) -> CommandSpec {
        let kind = iso ? "ISO" : "template"
        let schema = Schemas.extraction(objectName: iso ? "iso" : "template")
        return CommandSpec(iso ? "extractIso" : "extractTemplate", description: "Makes a URL to download a \(kind) from", parameters: [
            ParameterSpec("id", .uuid, required: true, related: [iso ? "listIsos" : "listTemplates"], description: "the \(kind) to extract"),
            ParameterSpec("mode", .string, required: true, description: "HTTP_DOWNLOAD"),
            ParameterSpec("zoneid", .uuid, related: ["listZones"], description: "the zone of the copy to extract"),
            ParameterSpec("url", .string, length: 2048, description: "only for FTP_UPLOAD, which Cirrus does not support"),
        ], response: schema.description, access: .all, event: CommandEvent(iso ? EventType.isoExtract : EventType.templateExtract, "Extracting \(kind)"),
        handler: .async(prepare: { ctx in
            let p = ctx.parameters
            let (t, _, _) = try await ctx.engine.templates.checkExtract(caller: ctx.caller, id: try p.requiredUUID("id"), isISO: iso, zoneID: p.uuid("zoneid"),
                                                                        mode: try p.requiredString("mode"))
            return plan(t)
        }, execute: { ctx in
            let p = ctx.parameters
            let e = try await ctx.engine.templates.extract(caller: ctx.caller, id: try p.requiredUUID("id"), isISO: iso, zoneID: p.uuid("zoneid"),
                                                           mode: try p.requiredString("mode"))
            return .object(name: iso ? "iso" : "template", schema.render(e))
        }))
    }

    /// The request of `createTemplate`.
    static func privateRequest(_ p: Parameters) throws -> PrivateTemplateRequest {
        var r = PrivateTemplateRequest(name: try p.requiredString("name"), displayText: p.string("displaytext"), osTypeID: try p.requiredUUID("ostypeid"),
                                       snapshotID: p.uuid("snapshotid"), volumeID: p.uuid("volumeid"))
        r.zoneID = p.uuid("zoneid")
        r.isPublic = p.bool("ispublic", default: false); r.isFeatured = p.bool("isfeatured", default: false)
        r.passwordEnabled = p.bool("passwordenabled", default: false); r.sshKeyEnabled = p.bool("sshkeyenabled", default: false)
        r.requiresHVM = p.bool("requireshvm", default: true); r.isDynamicallyScalable = p.bool("isdynamicallyscalable", default: false)
        if p.has("bits") {
            guard let bits = p.int("bits") else { throw CloudError.invalidParameter("Unable to parse bits: 32 or 64") }
            r.bits = bits
        }
        r.templateTag = p.string("templatetag")
        return r
    }

    static let createPrivate = CommandSpec("createTemplate", description: "Creates a private template from a volume snapshot or from a volume whose instance is Stopped", parameters: [
        ParameterSpec("name", .string, required: true, description: "the name of the template"),
        ParameterSpec("displaytext", .string, length: 4096, description: "the description of the template; the name when omitted"),
        ParameterSpec("ostypeid", .uuid, required: true, related: ["listOsTypes"], description: "the OS type of the template"),
        ParameterSpec("snapshotid", .uuid, related: ["listSnapshots"], description: "the BackedUp snapshot to make the template from (or volumeid)"),
        ParameterSpec("volumeid", .uuid, related: ["listVolumes"], description: "the ROOT or DATADISK volume to make the template from; its instance must be Stopped"),
        ParameterSpec("zoneid", .uuid, since: "4.19.0", related: ["listZones"], description: "for a snapshot with copies in several zones: the zone to create the template in"),
        ParameterSpec("ispublic", .boolean, description: "whether every account may use the template"),
        ParameterSpec("isfeatured", .boolean, description: "whether the template is featured (admins only)"),
        ParameterSpec("passwordenabled", .boolean, description: "whether the template supports password reset"),
        ParameterSpec("sshkeyenabled", .boolean, description: "whether the template supports SSH key reset"),
        ParameterSpec("requireshvm", .boolean, description: "whether the template needs hardware virtualisation (default true)"),
        ParameterSpec("isdynamicallyscalable", .boolean, description: "whether instances can be scaled while running"),
        ParameterSpec("bits", .integer, description: "32 or 64 (default 64)"),
        ParameterSpec("templatetag", .string, description: "a tag for the template"),
        ParameterSpec("details", .map, description: "accepted for compatibility; template details are not kept yet"),
    ], response: Schemas.template.description, access: .all, event: CommandEvent(EventType.templateCreate, "Creating template"),
    handler: .async(prepare: { ctx in
        let t = try await ctx.engine.templates.allocatePrivate(caller: ctx.caller, try privateRequest(ctx.parameters))
        let uuid = t.uuid.uuidString.lowercased()
        // A template made from an instance's volume queues behind (and holds back) the
        // instance's other work, such as a start, while its disk is copied.
        var key = "template:\(uuid)"
        if let volumeID = ctx.parameters.uuid("volumeid"),
           let instance = try await ctx.engine.volumes.view(try await ctx.engine.volumes.volume(caller: ctx.caller, uuid: volumeID)).instanceUUID {
            key = "vm:\(instance.uuidString.lowercased())"
        }
        return JobPlan(syncKey: key, instanceType: "Template", instanceUUID: uuid, createdID: uuid, resourceName: t.name)
    }, execute: { ctx in
        let p = ctx.parameters
        guard let raw = ctx.job?.instanceUUID, let uuid = UUID(uuidString: raw),
              let t = try await ctx.engine.templates.liveTemplate(uuid: uuid) else {
            throw CloudError.internalError("The template of this job is gone")
        }
        let views = try await ctx.engine.templates.createPrivate(t, caller: ctx.caller, snapshotID: p.uuid("snapshotid"), volumeID: p.uuid("volumeid"),
                                                                 zoneID: p.uuid("zoneid"), snapshots: ctx.engine.snapshots)
        guard let first = views.first else { throw CloudError.internalError("The template \(t.name) has no copy") }
        return .object(name: "template", Schemas.template.render(first))
    }))

    static let all: [CommandSpec] = [
        createPrivate,
        CommandSpec("listOsTypes", description: "Lists guest OS types", parameters: [
            ParameterSpec("id", .uuid, related: ["listOsTypes"], description: "list only this OS type"),
            ParameterSpec("oscategoryid", .uuid, related: ["listOsCategories"], description: "list OS types of this category"),
            ParameterSpec("description", .string, description: "list OS types whose name contains this"),
            ParameterSpec("fordisplay", .boolean, since: "4.18.1", description: "list OS types shown (or hidden) to users"),
        ] + ParameterSpec.paging, response: Schemas.osType.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.templates.listOSTypes(id: p.uuid("id"), categoryID: p.uuid("oscategoryid"), description: p.string("description"),
                                                                     forDisplay: p.bool("fordisplay"), keyword: p.string("keyword"), page: try await ctx.page())
            return .list(itemName: "ostype", count: listing.total, items: listing.items.map(Schemas.osType.render))
        }),
        CommandSpec("listOsCategories", description: "Lists guest OS categories", parameters: [
            ParameterSpec("id", .uuid, related: ["listOsCategories"], description: "list only this category"),
            ParameterSpec("name", .string, since: "4.18.0", description: "list the category with this name"),
        ] + ParameterSpec.paging, response: Schemas.osCategory.description, access: .all, handler: .sync { ctx in
            let p = ctx.parameters
            let listing = try await ctx.engine.templates.listOSCategories(id: p.uuid("id"), name: p.string("name"), keyword: p.string("keyword"), page: try await ctx.page())
            return .list(itemName: "oscategory", count: listing.total, items: listing.items.map(Schemas.osCategory.render))
        }),
        register(iso: false), register(iso: true),
        list(iso: false), list(iso: true),
        update(iso: false), update(iso: true),
        updatePermissions(iso: false), updatePermissions(iso: true),
        listPermissions(iso: false), listPermissions(iso: true),
        copy(iso: false), copy(iso: true),
        delete(iso: false), delete(iso: true),
        extract(iso: false), extract(iso: true),
    ]
}
