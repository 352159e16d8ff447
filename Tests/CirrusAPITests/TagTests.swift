import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// createTags, deleteTags, listTags, the `tags[N]` filter and the `tags` field of templates and ISOs.
@Suite("Resource tags")
struct TagTests {
    /// Two user accounts with sessions, and the admin.
    struct World {
        var cloud: TestCloud
        var admin: Session
        var alice: Session
        var bob: Session
        var aliceAccount: TestAccount
        var bobAccount: TestAccount
    }

    func withWorld(_ body: (World) async throws -> Void) async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let a = try await admin.createAccount(unique("alice"), domainID: nil)
            let b = try await admin.createAccount(unique("bob"), domainID: nil)
            let alice = try await cloud.login(a.username, password: a.password)
            let bob = try await cloud.login(b.username, password: b.password)
            try await body(World(cloud: cloud, admin: admin, alice: alice, bob: bob, aliceAccount: a, bobAccount: b))
        }
    }

    /// Inserts a template (or ISO) owned by `owner` straight into the store, without files.
    func template(_ w: World, _ name: String, owner: TestAccount, iso: Bool = false) async throws -> String {
        try await w.cloud.db.transaction { sql in
            let account = try #require(try await AccountRepository.find(sql, uuid: UUID(uuidString: owner.id)!))
            let os = try #require(try await OSTypeRepository.find(sql, description: "Other (64-bit)"))
            let t = try await TemplateRepository.insert(sql, Template(
                id: 0, uuid: UUID(), name: name, displayText: name, format: iso ? .iso : .qcow2, type: .user, hypervisor: iso ? nil : "KVM",
                osTypeID: os.id, accountID: account.id, domainID: account.domainID, url: "http://127.0.0.1/\(name)", checksum: nil, isPublic: false,
                isFeatured: false, isExtractable: false, passwordEnabled: false, requiresHVM: true, bootable: true, crossZones: false, created: Date()))
            return t.uuid.uuidString.lowercased()
        }
    }

    func tagPairs(_ tags: [(String, String)], name: String = "tags") -> [(String, String)] {
        tags.enumerated().flatMap { i, kv in [("\(name)[\(i)].key", kv.0), ("\(name)[\(i)].value", kv.1)] }
    }

    /// Runs createTags as `session` and requires the job to succeed.
    func tag(_ session: Session, type: String, ids: [String], _ tags: [(String, String)], customer: String? = nil,
             sourceLocation: SourceLocation = #_sourceLocation) async throws {
        var pairs = [("resourcetype", type), ("resourceids", ids.joined(separator: ","))] + tagPairs(tags)
        if let customer { pairs.append(("customer", customer)) }
        let job = try await session.runJob("createTags", pairs: pairs, sourceLocation: sourceLocation)
        try #require(job["jobstatus"] as? Int == 1, "createTags failed: \(job)", sourceLocation: sourceLocation)
        #expect((job["jobresult"] as? [String: Any])?["success"] as? Bool == true, sourceLocation: sourceLocation)
    }

    func listTags(_ session: Session, _ params: [(String, String)] = [], sourceLocation: SourceLocation = #_sourceLocation) async throws -> [[String: Any]] {
        let reply = await session.call("listTags", pairs: params)
        try #require(reply.status == 200, "listTags: \(reply.body)", sourceLocation: sourceLocation)
        #expect(reply.count == reply.items("tag").count || params.contains { $0.0 == "pagesize" }, sourceLocation: sourceLocation)
        return reply.items("tag")
    }

    func templateTags(_ session: Session, _ id: String, iso: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: String] {
        let reply = iso ? await session.call("listIsos", ["id": id, "isofilter": "self"]) : await session.call("listTemplates", ["id": id, "templatefilter": "self"])
        try #require(reply.status == 200, "\(reply.body)", sourceLocation: sourceLocation)
        let entry = try #require(reply.items(iso ? "iso" : "template").first, "\(reply.body)", sourceLocation: sourceLocation)
        let tags = try #require(entry["tags"] as? [[String: Any]], "no tags field: \(entry)", sourceLocation: sourceLocation)
        var out: [String: String] = [:]
        for t in tags {
            #expect(t["resourceid"] as? String == id, sourceLocation: sourceLocation)
            #expect(t["resourcetype"] as? String == (iso ? "ISO" : "Template"), sourceLocation: sourceLocation)
            out[try #require(t["key"] as? String, sourceLocation: sourceLocation)] = t["value"] as? String
        }
        return out
    }

    // MARK: - create, list, delete

    @Test func createListAndDeleteTagsOnATemplate() async throws {
        try await withWorld { w in
            let t = try await template(w, "tagged", owner: w.aliceAccount)
            #expect(try await templateTags(w.alice, t).isEmpty)

            // resourcetype in any letter case; stored and shown with CloudStack's name.
            try await tag(w.alice, type: "template", ids: [t], [("env", "prod"), ("tier", "web")], customer: "acme")
            #expect(try await templateTags(w.alice, t) == ["env": "prod", "tier": "web"])

            let tags = try await listTags(w.alice, [("resourceid", t)])
            #expect(tags.count == 2)
            let env = try #require(tags.first { $0["key"] as? String == "env" })
            #expect(env["value"] as? String == "prod")
            #expect(env["resourcetype"] as? String == "Template")
            #expect(env["resourceid"] as? String == t)
            #expect(env["account"] as? String == w.aliceAccount.name)
            #expect(env["domainid"] as? String == w.aliceAccount.domainID)
            #expect(env["domain"] as? String == "ROOT")
            #expect(env["customer"] as? String == "acme")

            // listTags filters.
            #expect(try await listTags(w.alice, [("key", "tier")]).map { $0["value"] as? String } == ["web"])
            #expect(try await listTags(w.alice, [("value", "prod")]).count == 1)
            #expect(try await listTags(w.alice, [("resourcetype", "TEMPLATE")]).count == 2)
            #expect(try await listTags(w.alice, [("resourcetype", "UserVm")]).isEmpty)
            #expect(try await listTags(w.alice, [("customer", "acme")]).count == 2)
            #expect(try await listTags(w.alice, [("customer", "other")]).isEmpty)
            #expect(try await listTags(w.alice, [("keyword", "ti")]).map { $0["key"] as? String } == ["tier"])
            let page = await w.alice.call("listTags", ["page": "1", "pagesize": "1"])
            #expect(page.count == 2 && page.items("tag").count == 1, "\(page.body)")

            // deleteTags by key (the value compares without letter case, as in CloudStack).
            _ = try await w.alice.runJob("deleteTags", pairs: [("resourcetype", "Template"), ("resourceids", t)] + tagPairs([("env", "PROD")]))
            #expect(try await templateTags(w.alice, t) == ["tier": "web"])
            // A key given without a value deletes that key whatever its value.
            try await tag(w.alice, type: "Template", ids: [t], [("env", "dev")])
            _ = try await w.alice.runJob("deleteTags", pairs: [("resourcetype", "Template"), ("resourceids", t), ("tags[0].key", "env")])
            #expect(try await templateTags(w.alice, t) == ["tier": "web"])
            // Without tags: every tag of the resource.
            let job = try await w.alice.runJob("deleteTags", pairs: [("resourcetype", "Template"), ("resourceids", t)])
            #expect(job["jobstatus"] as? Int == 1, "\(job)")
            #expect(try await templateTags(w.alice, t).isEmpty)
            #expect(try await listTags(w.alice).isEmpty)

            // Nothing left to delete: a 431, as CloudStack fails the request.
            let none = await w.alice.call("deleteTags", pairs: [("resourcetype", "Template"), ("resourceids", t)])
            #expect(none.status == 431, "\(none.body)")

            // The job's events carry CloudStack's event types.
            let events = await w.admin.call("listEvents", ["type": "CREATE_TAGS", "listall": "true"])
            #expect(events.items("event").contains { $0["state"] as? String == "Completed" }, "\(events.body)")
            let deletes = await w.admin.call("listEvents", ["type": "DELETE_TAGS", "listall": "true"])
            #expect(!deletes.items("event").isEmpty, "\(deletes.body)")
        }
    }

    @Test func tagsOnSeveralResourcesAndOtherTypes() async throws {
        try await withWorld { w in
            let a = try await template(w, "a", owner: w.aliceAccount)
            let b = try await template(w, "b", owner: w.aliceAccount)
            try await tag(w.alice, type: "Template", ids: [a, b], [("team", "blue")])
            #expect(try await templateTags(w.alice, a) == ["team": "blue"])
            #expect(try await templateTags(w.alice, b) == ["team": "blue"])

            // A user tags their own account and their own user.
            try await tag(w.alice, type: "Account", ids: [w.aliceAccount.id], [("cost-centre", "42")])
            try await tag(w.alice, type: "user", ids: [w.aliceAccount.userID], [("role", "dev")])
            let account = try await listTags(w.alice, [("resourcetype", "Account")])
            #expect(account.count == 1 && account.first?["resourceid"] as? String == w.aliceAccount.id)
            let user = try await listTags(w.alice, [("resourcetype", "User")])
            #expect(user.count == 1 && user.first?["account"] as? String == w.aliceAccount.name)

            // deleteTags over two resources at once.
            _ = try await w.alice.runJob("deleteTags", pairs: [("resourcetype", "Template"), ("resourceids", "\(a),\(b)")])
            #expect(try await listTags(w.alice, [("resourcetype", "Template")]).isEmpty)
        }
    }

    // MARK: - bad input

    @Test func badRequestsAreRefusedBeforeAnythingIsWritten() async throws {
        try await withWorld { w in
            let t = try await template(w, "t", owner: w.aliceAccount)
            func create(_ type: String, _ ids: String, _ tags: [(String, String)]) async -> Reply {
                await w.alice.call("createTags", pairs: [("resourcetype", type), ("resourceids", ids)] + tagPairs(tags))
            }
            var r = await create("Gadget", t, [("k", "v")])
            #expect(r.status == 431 && r.errorText == "Invalid resource type Gadget", "\(r.body)")
            // Types CloudStack does not tag.
            r = await create("Zone", UUID().uuidString, [("k", "v")])
            #expect(r.status == 431 && r.errorText == "The resource type Zone doesn't support resource tags", "\(r.body)")
            // Types Cirrus has no resources of yet.
            r = await create("LoadBalancer", UUID().uuidString, [("k", "v")])
            #expect(r.status == 431 && r.errorText?.contains("LoadBalancer") == true && r.errorText?.contains("not supported") == true, "\(r.body)")
            // An unknown resource, alone or beside a good one: nothing is tagged.
            let missing = UUID().uuidString.lowercased()
            r = await create("Template", "\(t),\(missing)", [("k", "v")])
            #expect(r.status == 431 && r.errorText == "Unable to find resource by uuid \(missing) and type Template", "\(r.body)")
            // An ISO is not a Template.
            r = await create("ISO", t, [("k", "v")])
            #expect(r.status == 431 && r.errorText == "Unable to find resource by uuid \(t) and type ISO", "\(r.body)")
            r = await create("Template", t, [("k", "")])
            #expect(r.status == 431, "\(r.body)")
            r = await w.alice.call("createTags", pairs: [("resourcetype", "Template"), ("resourceids", t), ("tags[0].key", "k")])
            #expect(r.status == 431 && r.errorText == "Value for the key k is either null or empty", "\(r.body)")
            r = await create("Template", t, [("k", "1"), ("k", "2")])
            #expect(r.status == 431 && r.errorText == "Duplicate key k in tags", "\(r.body)")
            r = await w.alice.call("createTags", pairs: [("resourcetype", "Template"), ("resourceids", t)])
            #expect(r.status == 431, "\(r.body)")
            r = await w.alice.call("createTags", pairs: [("resourcetype", "Template"), ("resourceids", t), ("tags[x].key", "k")])
            #expect(r.status == 430, "\(r.body)")
            #expect(try await listTags(w.admin, [("listall", "true")]).isEmpty)

            // A key already on the resource: CloudStack's text, and the other new key is not written either.
            try await tag(w.alice, type: "Template", ids: [t], [("env", "prod")])
            r = await create("Template", t, [("new", "x"), ("env", "dev")])
            #expect(r.status == 431 && r.errorText == "tag env already on Template with id \(t)", "\(r.body)")
            #expect(try await templateTags(w.alice, t) == ["env": "prod"])

            // deleteTags needs a known type too.
            r = await w.alice.call("deleteTags", pairs: [("resourcetype", "Gadget"), ("resourceids", t)])
            #expect(r.status == 431 && r.errorText == "Invalid resource type Gadget", "\(r.body)")
        }
    }

    // MARK: - ownership and scope

    @Test func onlyTheOwnerOrAnAdminAboveItTagsAndSeesTags() async throws {
        try await withWorld { w in
            let t = try await template(w, "alices", owner: w.aliceAccount)
            // Bob may neither tag alice's template nor her account.
            var r = await w.bob.call("createTags", pairs: [("resourcetype", "Template"), ("resourceids", t)] + tagPairs([("k", "v")]))
            #expect(r.status == 531, "\(r.body)")
            r = await w.bob.call("createTags", pairs: [("resourcetype", "Account"), ("resourceids", w.aliceAccount.id)] + tagPairs([("k", "v")]))
            #expect(r.status == 531, "\(r.body)")

            // The admin may; the tag belongs to the resource's owner, alice.
            try await tag(w.admin, type: "Template", ids: [t], [("set-by", "admin")])
            let mine = try await listTags(w.alice)
            #expect(mine.count == 1 && mine.first?["account"] as? String == w.aliceAccount.name)

            // Bob sees none of it and cannot delete it.
            #expect(try await listTags(w.bob).isEmpty)
            #expect(try await listTags(w.bob, [("listall", "true")]).isEmpty)
            #expect(try await listTags(w.bob, [("resourceid", t)]).isEmpty)
            r = await w.bob.call("deleteTags", pairs: [("resourcetype", "Template"), ("resourceids", t)])
            #expect(r.status == 531, "\(r.body)")
            r = await w.bob.call("listTags", ["account": w.aliceAccount.name])
            #expect(r.status == 531, "\(r.body)")
            #expect(try await templateTags(w.alice, t) == ["set-by": "admin"])

            // The admin's own scope is its account; listall and account= reach alice's tags.
            #expect(try await listTags(w.admin).isEmpty)
            #expect(try await listTags(w.admin, [("listall", "true")]).count == 1)
            #expect(try await listTags(w.admin, [("account", w.aliceAccount.name), ("domainid", w.aliceAccount.domainID)]).count == 1)

            // Only the root admin may tag resources with no owner (CloudStack's system account).
            let admins = await w.admin.call("listAccounts", ["name": "admin"])
            let adminAccountID = try #require(admins.items("account").first?["id"] as? String)
            r = await w.alice.call("createTags", pairs: [("resourcetype", "Account"), ("resourceids", adminAccountID)] + tagPairs([("k", "v")]))
            #expect(r.status == 531, "\(r.body)")
        }
    }

    @Test func aDomainAdminTagsWithinItsDomainOnly() async throws {
        try await withWorld { w in
            let subName = unique("sub")
            let sub = try await w.admin.createDomain(subName)
            let carol = try await w.admin.createAccount(unique("carol"), domainID: sub)
            let dadmin = try await w.admin.createAccount(unique("dadmin"), domainID: sub, type: 2)
            let da = try await w.cloud.login(dadmin.username, password: dadmin.password, domain: "/\(subName)")
            let carols = try await template(w, "carols", owner: carol)
            let alices = try await template(w, "alices", owner: w.aliceAccount)
            try await tag(da, type: "Template", ids: [carols], [("k", "v")])
            let r = await da.call("createTags", pairs: [("resourcetype", "Template"), ("resourceids", alices)] + tagPairs([("k", "v")]))
            #expect(r.status == 531, "\(r.body)")
            let visible = try await listTags(da, [("listall", "true")])
            #expect(visible.count == 1 && visible.first?["resourceid"] as? String == carols)
            #expect(visible.first?["domainid"] as? String == sub)
        }
    }

    // MARK: - the tags filter and field of list commands

    @Test func listTemplatesAndIsosFilterOnTags() async throws {
        try await withWorld { w in
            let prod = try await template(w, "prod", owner: w.aliceAccount)
            let web = try await template(w, "web", owner: w.aliceAccount)
            let plain = try await template(w, "plain", owner: w.aliceAccount)
            let iso = try await template(w, "iso", owner: w.aliceAccount, iso: true)
            try await tag(w.alice, type: "Template", ids: [prod], [("env", "prod")])
            try await tag(w.alice, type: "Template", ids: [web], [("env", "dev"), ("tier", "web")])
            try await tag(w.alice, type: "ISO", ids: [iso], [("env", "prod")])

            func templates(_ tags: [(String, String)]) async throws -> Set<String> {
                let r = await w.alice.call("listTemplates", pairs: [("templatefilter", "self")] + tagPairs(tags))
                try #require(r.status == 200, "\(r.body)")
                #expect(r.count == r.items("template").count)
                return r.ids("template")
            }
            #expect(try await templates([]) == [prod, web, plain])
            #expect(try await templates([("env", "prod")]) == [prod])
            #expect(try await templates([("env", "dev")]) == [web])
            // Values and keys match exactly.
            #expect(try await templates([("env", "PROD")]).isEmpty)
            #expect(try await templates([("ENV", "prod")]).isEmpty)
            // Several pairs: a template carrying any of them, as CloudStack's list queries do.
            #expect(try await templates([("env", "prod"), ("tier", "web")]) == [prod, web])
            #expect(try await templates([("nothing", "here")]).isEmpty)

            // The ISO's tag does not leak into templates, and the other way round.
            let isos = await w.alice.call("listIsos", pairs: [("isofilter", "self")] + tagPairs([("env", "prod")]))
            #expect(isos.status == 200 && isos.ids("iso") == [iso], "\(isos.body)")
            let noIsos = await w.alice.call("listIsos", pairs: [("isofilter", "self")] + tagPairs([("tier", "web")]))
            #expect(noIsos.ids("iso").isEmpty, "\(noIsos.body)")
            #expect(try await templateTags(w.alice, iso, iso: true) == ["env": "prod"])

            // A filter entry without a value is refused, as in CloudStack.
            let r = await w.alice.call("listTemplates", pairs: [("templatefilter", "self"), ("tags[0].key", "env")])
            #expect(r.status == 431 && r.errorText == "No value is passed in for key env", "\(r.body)")

            // The tags field of a listing page carries each template's own tags.
            let page = await w.alice.call("listTemplates", ["templatefilter": "self"])
            for entry in page.items("template") {
                let tags = try #require(entry["tags"] as? [[String: Any]])
                let keys = Set(tags.compactMap { $0["key"] as? String })
                switch entry["id"] as? String {
                case prod: #expect(keys == ["env"])
                case web: #expect(keys == ["env", "tier"])
                default: #expect(keys.isEmpty)
                }
            }
        }
    }

    // MARK: - tags go with their resource

    @Test func removingAResourceRemovesItsTags() async throws {
        try await withWorld { w in
            let t = try await template(w, "doomed", owner: w.aliceAccount)
            try await tag(w.alice, type: "Template", ids: [t], [("k", "v")])
            let job = try await w.alice.runJob("deleteTemplate", pairs: [("id", t)])
            #expect(job["jobstatus"] as? Int == 1, "\(job)")
            #expect(try await listTags(w.admin, [("listall", "true"), ("resourceid", t)]).isEmpty)

            try await tag(w.bob, type: "Account", ids: [w.bobAccount.id], [("k", "v")])
            try await tag(w.bob, type: "User", ids: [w.bobAccount.userID], [("k", "v")])
            #expect(try await listTags(w.admin, [("listall", "true")]).count == 2)
            let deleted = try await w.admin.runJob("deleteAccount", pairs: [("id", w.bobAccount.id)])
            #expect(deleted["jobstatus"] as? Int == 1, "\(deleted)")
            #expect(try await listTags(w.admin, [("listall", "true")]).isEmpty)
        }
    }

    // MARK: - the store helpers other repositories use

    @Test func storeHelpersMatchAndLoadPerPage() async throws {
        try await withWorld { w in
            let a = try await template(w, "a", owner: w.aliceAccount)
            let b = try await template(w, "b", owner: w.aliceAccount)
            try await tag(w.alice, type: "Template", ids: [a], [("x", "1"), ("y", "2")])
            try await tag(w.alice, type: "Template", ids: [b], [("y", "2")])
            try await w.cloud.db.read { sql in
                let ta = try #require(try await TemplateRepository.find(sql, uuid: UUID(uuidString: a)!))
                let tb = try #require(try await TemplateRepository.find(sql, uuid: UUID(uuidString: b)!))
                let loaded = try await TagRepository.tags(sql, type: .template, resourceIDs: [ta.id, tb.id, ta.id])
                #expect(loaded[ta.id]?.map(\.key) == ["x", "y"])
                #expect(loaded[tb.id]?.map(\.key) == ["y"])
                #expect(loaded[ta.id]?.first?.owner?.accountName == w.aliceAccount.name)
                // The same ids under another type are other resources.
                #expect(try await TagRepository.tags(sql, type: .userVm, resourceIDs: [ta.id]).isEmpty)

                func matching(_ pairs: [TagPair]) async throws -> Set<Int64> {
                    let rows = try await sql.select().column("id").from("templates")
                        .where(TagRepository.matching(type: .template, tags: pairs)).all()
                    return Set(try rows.map { try $0.decode(column: "id", as: Int64.self) })
                }
                #expect(try await matching([TagPair(key: "x", value: "1")]) == [ta.id])
                #expect(try await matching([TagPair(key: "y", value: "2")]) == [ta.id, tb.id])
                #expect(try await matching([TagPair(key: "x", value: "2")]).isEmpty)
                #expect(try await matching([TagPair(key: "x", value: "1"), TagPair(key: "y", value: "2")]) == [ta.id, tb.id])
            }
        }
    }
}
