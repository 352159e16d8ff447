import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// templatefilter semantics, permissions, copy, delete and extract through the API.
@Suite("Template listing and management", .serialized)
struct TemplateFilterTests {
    /// Two user accounts, each with a session, a zone with the built-in template, and a file server.
    struct World {
        var cloud: TestCloud
        var server: TemplateFileServer
        var zone: TemplateZone
        var admin: Session
        var alice: Session
        var bob: Session
        var aliceAccount: TestAccount
        var bobAccount: TestAccount
        var builtIn: String
    }

    func withWorld(_ body: (World) async throws -> Void) async throws {
        let server = try TemplateFileServer()
        defer { server.stop() }
        server.route("/t.qcow2", .body(qcow2Image(bytes: 20_000)))
        try await withCloud { cloud in
            let zone = try await cloud.templateZone("filter-zone")
            let builtIn = try #require(try await cloud.engine.templates.ensureBuiltInTemplate(zoneID: zone.zone.id))
            // Idempotent.
            #expect(try await cloud.engine.templates.ensureBuiltInTemplate(zoneID: zone.zone.id)?.id == builtIn.id)
            let admin = try await cloud.admin()
            let a = try await admin.createAccount("alice", domainID: nil)
            let b = try await admin.createAccount("bob", domainID: nil)
            let alice = try await cloud.login(a.username, password: a.password)
            let bob = try await cloud.login(b.username, password: b.password)
            try await body(World(cloud: cloud, server: server, zone: zone, admin: admin, alice: alice, bob: bob, aliceAccount: a, bobAccount: b,
                                 builtIn: builtIn.uuid.uuidString.lowercased()))
            await cloud.engine.templates.downloader.waitUntilIdle()
        }
    }

    /// Registers a template as `session` and waits until it is ready.
    func ready(_ w: World, _ session: Session, _ name: String, extra: [(String, String)] = []) async throws -> String {
        let t = try await session.registerTemplate(name, url: w.server.url("/t.qcow2"), zone: w.zone.id, extra: extra)
        let id = try #require(t["id"] as? String)
        _ = try await session.waitForTemplate(id) { $0["isready"] as? Bool == true }
        return id
    }

    func ids(_ session: Session, _ filter: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Set<String> {
        let reply = await session.call("listTemplates", ["templatefilter": filter])
        try #require(reply.status == 200, "\(filter): \(reply.body)", sourceLocation: sourceLocation)
        return reply.ids("template")
    }

    @Test func builtInTemplateIsReadyFeaturedAndPublic() async throws {
        try await withWorld { w in
            let reply = await w.bob.call("listTemplates", ["templatefilter": "featured", "zoneid": w.zone.id])
            let t = try #require(reply.items("template").first, "\(reply.body)")
            #expect(t["name"] as? String == TemplateService.builtInTemplateName)
            #expect(t["isready"] as? Bool == true)
            #expect(t["status"] as? String == "Download Complete")
            #expect(t["templatetype"] as? String == "BUILTIN")
            #expect(t["hypervisor"] as? String == "Simulator")
            #expect(t["ispublic"] as? Bool == true && t["isfeatured"] as? Bool == true)
            #expect(t["ostypename"] as? String == OSCatalog.builtInTemplateOSType)
            #expect(t["size"] as? Int == Int(TemplateService.builtInTemplateSize))
            #expect(t["zonename"] as? String == "filter-zone")
            #expect(storedFiles(w.zone.store).count == 1)
        }
    }

    @Test func templateFiltersAcrossTwoAccounts() async throws {
        try await withWorld { w in
            let alicePrivate = try await ready(w, w.alice, "alice-private")
            let alicePublic = try await ready(w, w.alice, "alice-public", extra: [("ispublic", "true")])
            let bobPrivate = try await ready(w, w.bob, "bob-private")

            #expect(try await ids(w.alice, "self") == [alicePrivate, alicePublic])
            #expect(try await ids(w.alice, "selfexecutable") == [alicePrivate, alicePublic])
            #expect(try await ids(w.bob, "self") == [bobPrivate])
            #expect(try await ids(w.bob, "featured") == [w.builtIn])
            #expect(try await ids(w.bob, "community") == [alicePublic])
            #expect(try await ids(w.bob, "executable") == [w.builtIn, alicePublic, bobPrivate])
            #expect(try await ids(w.bob, "sharedexecutable").isEmpty)

            // "all" is for admins only.
            let bobAll = await w.bob.call("listTemplates", ["templatefilter": "all"])
            #expect(bobAll.status == 431)
            #expect(try await ids(w.admin, "all") == [w.builtIn, alicePrivate, alicePublic, bobPrivate])
            let bad = await w.bob.call("listTemplates", ["templatefilter": "mine"])
            #expect(bad.status == 431)

            // Bob cannot see Alice's private template by id either.
            let byID = await w.bob.call("listTemplates", ["templatefilter": "executable", "id": alicePrivate])
            #expect(byID.count == 0)

            // Sharing: Alice adds Bob; Bob now has it as sharedexecutable and executable.
            let share = await w.alice.call("updateTemplatePermissions", ["id": alicePrivate, "accounts": "bob", "op": "add"])
            #expect(share.status == 200, "\(share.body)")
            let perms = await w.alice.call("listTemplatePermissions", ["id": alicePrivate])
            let p = try #require(perms.object["templatepermission"] as? [String: Any], "\(perms.body)")
            #expect(p["account"] as? [String] == ["bob"])
            #expect(p["ispublic"] as? Bool == false)
            #expect(try await ids(w.bob, "sharedexecutable") == [alicePrivate])
            #expect(try await ids(w.bob, "executable").contains(alicePrivate))
            // Sharing does not make it Bob's own.
            #expect(try await ids(w.bob, "self") == [bobPrivate])

            let unshare = await w.alice.call("updateTemplatePermissions", ["id": alicePrivate, "accounts": "bob", "op": "remove"])
            #expect(unshare.status == 200)
            #expect(try await ids(w.bob, "sharedexecutable").isEmpty)

            // Making it public puts it in Bob's community list; featuring is for root admins.
            #expect(await w.alice.call("updateTemplatePermissions", ["id": alicePrivate, "ispublic": "true"]).status == 200)
            #expect(try await ids(w.bob, "community") == [alicePrivate, alicePublic])
            #expect(await w.alice.call("updateTemplatePermissions", ["id": alicePrivate, "isfeatured": "true"]).status == 531)
            #expect(await w.admin.call("updateTemplatePermissions", ["id": alicePrivate, "isfeatured": "true"]).status == 200)
            #expect(try await ids(w.bob, "featured") == [w.builtIn, alicePrivate])

            // Unknown account names and bad ops are 431; Bob may not change Alice's template.
            #expect(await w.alice.call("updateTemplatePermissions", ["id": alicePublic, "accounts": "nobody", "op": "add"]).status == 431)
            #expect(await w.alice.call("updateTemplatePermissions", ["id": alicePublic, "accounts": "bob", "op": "grant"]).status == 431)
            #expect(await w.bob.call("updateTemplatePermissions", ["id": alicePublic, "ispublic": "false"]).status == 531)
            #expect(await w.bob.call("updateTemplate", ["id": alicePublic, "name": "mine now"]).status == 531)
        }
    }

    @Test func updateChangesTheAttributes() async throws {
        try await withWorld { w in
            let id = try await ready(w, w.alice, "to-update")
            let os = await w.alice.call("listOsTypes", ["description": "Ubuntu 22.04"])
            let osID = try #require(os.items("ostype").first?["id"] as? String, "\(os.body)")
            let reply = await w.alice.call("updateTemplate", ["id": id, "name": "renamed", "displaytext": "new text", "ostypeid": osID,
                                                              "passwordenabled": "true", "sortkey": "3"])
            #expect(reply.status == 200, "\(reply.body)")
            let t = try #require(reply.object["template"] as? [String: Any])
            #expect(t["name"] as? String == "renamed")
            #expect(t["displaytext"] as? String == "new text")
            #expect(t["ostypename"] as? String == "Ubuntu 22.04 LTS")
            #expect(t["passwordenabled"] as? Bool == true)
            #expect(await w.alice.call("updateTemplate", ["id": id, "ostypeid": UUID().uuidString]).status == 431)
            #expect(await w.alice.call("updateTemplate", ["id": UUID().uuidString, "name": "x"]).status == 431)
        }
    }

    @Test func deleteRemovesTheFileAndRefusesTheBuiltInTemplateToUsers() async throws {
        try await withWorld { w in
            let id = try await ready(w, w.alice, "doomed")
            #expect(storedFiles(w.zone.store).count == 2)
            // Users cannot delete the built-in template (refused before a job is queued).
            let refused = await w.alice.call("deleteTemplate", ["id": w.builtIn])
            #expect(refused.status == 531, "\(refused.body)")
            // Bob cannot delete Alice's.
            #expect(await w.bob.call("deleteTemplate", ["id": id]).status == 531)
            let job = try await w.alice.runJob("deleteTemplate", pairs: [("id", id)])
            #expect(job["jobstatus"] as? Int == 1, "\(job)")
            #expect(storedFiles(w.zone.store).count == 1)
            #expect(try await ids(w.alice, "self").isEmpty)
            let gone = await w.alice.call("listTemplates", ["templatefilter": "self", "id": id])
            #expect(gone.status == 431)
        }
    }

    @Test func copyToAnotherZoneCopiesTheFile() async throws {
        try await withWorld { w in
            let other = try await w.cloud.templateZone("second-zone")
            let id = try await ready(w, w.alice, "travelling")
            let job = try await w.alice.runJob("copyTemplate", pairs: [("id", id), ("sourcezoneid", w.zone.id), ("destzoneid", other.id)])
            #expect(job["jobstatus"] as? Int == 1, "\(job)")
            let result = try #require((job["jobresult"] as? [String: Any])?["template"] as? [String: Any])
            #expect(result["zoneid"] as? String == other.id)
            #expect(result["isready"] as? Bool == true)
            #expect(storedFiles(other.store).count == 1)
            // Listed once per zone, and by zone.
            let both = await w.alice.call("listTemplates", ["templatefilter": "self", "id": id])
            #expect(both.count == 2)
            let unique = await w.alice.call("listTemplates", ["templatefilter": "self", "id": id, "showunique": "true"])
            #expect(unique.count == 1)
            let inOther = await w.alice.call("listTemplates", ["templatefilter": "self", "zoneid": other.id])
            #expect(inOther.ids("template") == [id])
            // Same zone as source and destination is refused before the job.
            #expect(await w.alice.call("copyTemplate", ["id": id, "sourcezoneid": w.zone.id, "destzoneid": w.zone.id]).status == 431)
            // Deleting in one zone keeps the other.
            let del = try await w.alice.runJob("deleteTemplate", pairs: [("id", id), ("zoneid", other.id)])
            #expect(del["jobstatus"] as? Int == 1, "\(del)")
            #expect(storedFiles(other.store).isEmpty)
            #expect(await w.alice.call("listTemplates", ["templatefilter": "self", "id": id]).count == 1)
        }
    }

    @Test func extractGivesAURLForExtractableTemplates() async throws {
        try await withWorld { w in
            let closed = try await ready(w, w.alice, "closed")
            let open = try await ready(w, w.alice, "open", extra: [("isextractable", "true")])
            #expect(await w.alice.call("extractTemplate", ["id": closed, "mode": "HTTP_DOWNLOAD"]).status == 431)
            #expect(await w.alice.call("extractTemplate", ["id": open, "mode": "FTP_UPLOAD"]).status == 431)
            let job = try await w.alice.runJob("extractTemplate", pairs: [("id", open), ("mode", "HTTP_DOWNLOAD")])
            let e = try #require((job["jobresult"] as? [String: Any])?["template"] as? [String: Any], "\(job)")
            #expect(e["id"] as? String == open)
            #expect(e["state"] as? String == "DOWNLOAD_URL_CREATED")
            #expect(e["extractMode"] as? String == "HTTP_DOWNLOAD")
            let url = try #require(e["url"] as? String)
            #expect(url.hasPrefix("/client/extract/\(open)."))
            // The URL's token is signed and expires (extract.url.expiration.interval).
            let token = String(url.dropFirst("/client/extract/".count).prefix { $0 != "/" })
            let templates = w.cloud.engine.templates
            let file = try #require(try await templates.extractedFile(token: token))
            #expect(FileManager.default.fileExists(atPath: file.path))
            #expect(url.hasSuffix("/" + file.lastPathComponent))
            #expect(try await templates.extractedFile(token: token, now: Date().addingTimeInterval(5 * 3600)) == nil)
            let tampered = token.dropLast() + (token.last == "0" ? "1" : "0")
            #expect(try await templates.extractedFile(token: String(tampered)) == nil)
            let otherTemplate = token.replacingOccurrences(of: open, with: closed)
            #expect(try await templates.extractedFile(token: otherTemplate) == nil)
            #expect(try await templates.extractedFile(token: "garbage") == nil)
            // The signing key is not a listed setting.
            let listed = await w.admin.call("listConfigurations", ["name": "template.extract.key"])
            #expect(listed.count == 0)
        }
    }

    @Test func addImageStorePlacesTheBuiltInTemplate() async throws {
        try await withCloud { cloud in
            let zone = try await cloud.db.transaction { sql in
                try await ZoneRepository.insert(sql, Zone(id: 0, uuid: UUID(), name: "store-zone", networkType: .advanced, internalDNS1: "10.0.0.1",
                                                          allocationState: .enabled, securityGroupEnabled: false, localStorageEnabled: false, created: Date()))
            }
            let zoneID = zone.uuid.uuidString.lowercased()
            let admin = try await cloud.admin()
            #expect(await admin.call("listTemplates", ["templatefilter": "featured", "zoneid": zoneID]).count == 0)
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cirrus-store-\(UUID().uuidString.lowercased())")
            let added = await admin.call("addImageStore", ["name": "images", "provider": "NFS", "zoneid": zoneID, "url": "file://\(dir.path)"])
            try #require(added.status == 200, "\(added.body)")
            let storeID = try #require((added.object["imagestore"] as? [String: Any])?["id"] as? String)
            let featured = await admin.call("listTemplates", ["templatefilter": "featured", "zoneid": zoneID])
            let t = try #require(featured.items("template").first, "\(featured.body)")
            #expect(t["name"] as? String == TemplateService.builtInTemplateName)
            #expect(t["isready"] as? Bool == true)
            // libcloud's list_images asks for executable templates.
            let user = try await admin.createAccount("carol", domainID: nil)
            let carol = try await cloud.login(user.username, password: user.password)
            #expect(await carol.call("listTemplates", ["templatefilter": "executable", "zoneid": zoneID]).ids("template") == [t["id"] as! String])
            // The store now holds a template, so it cannot be deleted.
            let refused = await admin.call("deleteImageStore", ["id": storeID])
            #expect(refused.status != 200, "\(refused.body)")
        }
    }

    @Test func osTypesAndCategoriesAreSeeded() async throws {
        try await withCloud { cloud in
            let session = try await cloud.admin()
            let categories = await session.call("listOsCategories")
            #expect(categories.count == OSCatalog.seed.count)
            let ubuntu = try #require(categories.items("oscategory").first { $0["name"] as? String == "Ubuntu" }?["id"] as? String)
            let types = await session.call("listOsTypes", ["oscategoryid": ubuntu])
            #expect(types.items("ostype").allSatisfy { $0["oscategoryname"] as? String == "Ubuntu" && $0["isuserdefined"] as? Bool == false })
            #expect(types.items("ostype").contains { $0["description"] as? String == "Ubuntu 22.04 LTS" })
            let all = await session.call("listOsTypes")
            #expect(all.count == OSCatalog.seed.flatMap(\.types).count)
            #expect(await session.call("listOsTypes", ["id": UUID().uuidString]).status == 431)
            // Seeding again adds nothing.
            try await cloud.engine.templates.prepare()
            #expect(await session.call("listOsTypes").count == all.count)
        }
    }

    @Test func isosRegisterAndListWithIsoFilter() async throws {
        try await withWorld { w in
            w.server.route("/boot.iso", .body(Data(repeating: 7, count: 10_000)))
            let reply = await w.alice.call("registerIso", ["name": "boot", "url": w.server.url("/boot.iso"), "zoneid": w.zone.id, "bootable": "true"])
            #expect(reply.status == 200, "\(reply.body)")
            let iso = try #require(reply.items("iso").first)
            let id = try #require(iso["id"] as? String)
            let done = try await w.alice.waitForTemplate(id, iso: true) { $0["isready"] as? Bool == true }
            #expect(done["format"] as? String == "ISO")
            #expect(done["bootable"] as? Bool == true)
            // ISOs are not templates, and the other way round.
            #expect(try await ids(w.alice, "self").isEmpty)
            #expect(await w.alice.call("listIsos").ids("iso") == [id])
            #expect(await w.bob.call("listIsos", ["isofilter": "executable"]).count == 0)
            #expect(await w.alice.call("updateTemplate", ["id": id, "name": "x"]).status == 431)
            // ISO permissions work like template permissions.
            #expect(await w.alice.call("updateIsoPermissions", ["id": id, "accounts": "bob", "op": "add"]).status == 200)
            #expect(await w.bob.call("listIsos", ["isofilter": "sharedexecutable"]).ids("iso") == [id])
            let perms = await w.alice.call("listIsoPermissions", ["id": id])
            #expect((perms.object["templatepermission"] as? [String: Any])?["account"] as? [String] == ["bob"], "\(perms.body)")
            #expect(await w.alice.call("updateIsoPermissions", ["id": id, "op": "reset"]).status == 200)
            #expect(await w.bob.call("listIsos", ["isofilter": "sharedexecutable"]).count == 0)
            #expect(await w.alice.call("updateIsoPermissions", ["id": id, "ispublic": "true"]).status == 200)
            #expect(await w.bob.call("listIsos", ["isofilter": "community"]).ids("iso") == [id])
            let updated = await w.alice.call("updateIso", ["id": id, "displaytext": "boot disk", "bootable": "false"])
            #expect((updated.object["iso"] as? [String: Any])?["bootable"] as? Bool == false, "\(updated.body)")
            let job = try await w.alice.runJob("deleteIso", pairs: [("id", id)])
            #expect(job["jobstatus"] as? Int == 1, "\(job)")
            #expect(await w.alice.call("listIsos").count == 0)
        }
    }
}
