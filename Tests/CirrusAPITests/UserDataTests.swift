@testable import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

@Suite("User data")
struct UserDataTests {
    static func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
    static func text(_ b: String?) -> String? { b.flatMap { Data(base64Encoded: $0) }.map { String(decoding: $0, as: UTF8.self) } }
    static let config = b64("## template: jinja\n#cloud-config\nruncmd:\n - echo {{ ds.meta_data.role }}\n")

    func names(_ reply: Reply) -> Set<String> { Set(reply.items("userdata").compactMap { $0["name"] as? String }) }

    /// Inserts a template row owned by `owner` (no image store copies).
    func insertTemplate(_ cloud: TestCloud, owner: Account, name: String) async throws -> Template {
        try await cloud.db.transaction { sql in
            let os = try #require(try await OSTypeRepository.find(sql, description: "Other (64-bit)"))
            return try await TemplateRepository.insert(sql, Template(
                id: 0, uuid: UUID(), name: name, displayText: name, format: .qcow2, type: .user, hypervisor: "Simulator", osTypeID: os.id, accountID: owner.id,
                domainID: owner.domainID, url: "http://example.com/t.qcow2", checksum: nil, isPublic: false, isFeatured: false, isExtractable: false,
                passwordEnabled: false, requiresHVM: false, bootable: true, crossZones: true, created: Date()))
        }
    }

    @Test("register, list, delete; duplicate names and contents, bad base64 and the length setting are refused")
    func lifecycle() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let user = try await admin.createAccount("udlife", domainID: nil)
            let other = try await admin.createAccount("udother", domainID: nil)
            let reg = await cloud.signed("registerUserData", [("name", "web"), ("userdata", Self.config), ("params", "role, tier")], keys: user.keys)
            try #require(reg.status == 200, "\(reg.body)")
            let ud = try #require(reg.object["userdata"] as? [String: Any])
            #expect(ud["name"] as? String == "web" && ud["userdata"] as? String == Self.config && ud["params"] as? String == "role,tier")
            #expect(ud["account"] as? String == "udlife" && ud["accountid"] as? String == user.id && ud["domainid"] as? String == user.domainID)
            let id = try #require(ud["id"] as? String)

            // Unpadded base64 is stored padded.
            let unpadded = Self.b64("#!/bin/sh\necho 1\n").replacingOccurrences(of: "=", with: "")
            let second = await cloud.signed("registerUserData", [("name", "script"), ("userdata", unpadded)], keys: user.keys)
            #expect((second.object["userdata"] as? [String: Any])?["userdata"] as? String == Self.b64("#!/bin/sh\necho 1\n"))

            let dupName = await cloud.signed("registerUserData", [("name", "web"), ("userdata", Self.b64("#cloud-config\n"))], keys: user.keys)
            #expect(dupName.status == 431 && dupName.errorText == "A userdata with name web already exists for this account.")
            let dupContent = await cloud.signed("registerUserData", [("name", "web2"), ("userdata", Self.config)], keys: user.keys)
            #expect(dupContent.status == 431 && dupContent.errorText == "Userdata web with same content already exists for this account.")
            let notBase64 = await cloud.signed("registerUserData", [("name", "bad"), ("userdata", "this is not base64!")], keys: user.keys)
            #expect(notBase64.status == 431 && notBase64.errorText == "User data is not base64 encoded")
            #expect(await admin.call("updateConfiguration", ["name": "vm.userdata.max.length", "value": "16"]).status == 200)
            let tooLong = await cloud.signed("registerUserData", [("name", "long"), ("userdata", Self.b64(String(repeating: "x", count: 30)))], keys: user.keys)
            #expect(tooLong.status == 431 && tooLong.errorText == "User data has exceeded configurable max length : 16")
            #expect(await admin.call("updateConfiguration", ["name": "vm.userdata.max.length", "value": "32768"]).status == 200)
            #expect(names(await cloud.signed("listUserData", [], keys: user.keys)) == ["web", "script"])

            // Filters and tenancy.
            #expect(names(await cloud.signed("listUserData", [("name", "web")], keys: user.keys)) == ["web"])
            #expect(names(await cloud.signed("listUserData", [("keyword", "SCR")], keys: user.keys)) == ["script"])
            #expect(names(await cloud.signed("listUserData", [("id", id)], keys: user.keys)) == ["web"])
            #expect(await cloud.signed("listUserData", [("id", id)], keys: other.keys).count == 0)
            #expect(await cloud.signed("listUserData", [("listall", "true")], keys: other.keys).count == 0)
            #expect(await admin.call("listUserData", ["listall": "true"]).count == 2)
            // Another account may register the same name and content.
            #expect(await cloud.signed("registerUserData", [("name", "web"), ("userdata", Self.config)], keys: other.keys).status == 200)

            // Delete: not another account's; unknown id; then for real.
            #expect(await cloud.signed("deleteUserData", [("id", id)], keys: other.keys).status == 531)
            let unknown = await cloud.signed("deleteUserData", [("id", UUID().uuidString)], keys: user.keys)
            #expect(unknown.status == 431 && unknown.errorText?.hasPrefix("A UserData with id '") == true)
            let del = await cloud.signed("deleteUserData", [("id", id)], keys: user.keys)
            #expect(del.status == 200 && del.object["success"] as? Bool == true)
            #expect(names(await cloud.signed("listUserData", [], keys: user.keys)) == ["script"])
            let events = await admin.call("listEvents", ["listall": "true", "type": EventType.registerUserData])
            #expect(events.count == 3)
        }
    }

    @Test("linkUserDataToTemplate and the deploy resolution under each policy; linked or used user data cannot be deleted")
    func templatePolicies() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let user = try await admin.createAccount("udlink", domainID: nil)
            let other = try await admin.createAccount("udlink2", domainID: nil)
            let owner = try await cloud.storedAccount(user)
            let template = try await insertTemplate(cloud, owner: owner, name: "tpl")
            let base = Self.b64("#cloud-config\npackages: [nginx]\n")
            let reg = await cloud.signed("registerUserData", [("name", "base"), ("userdata", base), ("params", "role")], keys: user.keys)
            let baseID = try #require((reg.object["userdata"] as? [String: Any])?["id"] as? String)
            let mine = await cloud.signed("registerUserData", [("name", "mine"), ("userdata", Self.b64("#cloud-config\nruncmd: [date]\n"))], keys: user.keys)
            let mineID = try #require((mine.object["userdata"] as? [String: Any])?["id"] as? String)
            let theirs = await cloud.signed("registerUserData", [("name", "theirs"), ("userdata", base)], keys: other.keys)
            let theirsID = try #require((theirs.object["userdata"] as? [String: Any])?["id"] as? String)

            // Link with APPEND: the response is the template with the link fields.
            let link = await cloud.signed("linkUserDataToTemplate", [("templateid", template.uuid.uuidString), ("userdataid", baseID), ("userdatapolicy", "append")],
                                          keys: user.keys)
            try #require(link.status == 200, "\(link.body)")
            let t = try #require(link.object["template"] as? [String: Any])
            #expect(t["id"] as? String == template.uuid.uuidString.lowercased())
            #expect(t["userdataid"] as? String == baseID && t["userdataname"] as? String == "base")
            #expect(t["userdatapolicy"] as? String == "APPEND" && t["userdataparams"] as? String == "role")

            // Bad links.
            let both = await cloud.signed("linkUserDataToTemplate", [("templateid", template.uuid.uuidString), ("isoid", template.uuid.uuidString)], keys: user.keys)
            #expect(both.status == 431 && both.errorText == "Both template ID and ISO ID are passed, API is applicable only for one")
            #expect(await cloud.signed("linkUserDataToTemplate", [("userdataid", baseID)], keys: user.keys).errorText == "Atleast one of template ID or ISO ID needs to be passed")
            #expect(await cloud.signed("linkUserDataToTemplate", [("templateid", template.uuid.uuidString), ("userdataid", baseID)], keys: other.keys).status == 531)
            #expect(await cloud.signed("linkUserDataToTemplate", [("templateid", template.uuid.uuidString), ("userdataid", theirsID)], keys: user.keys).status == 531)
            let badPolicy = await cloud.signed("linkUserDataToTemplate", [("templateid", template.uuid.uuidString), ("userdataid", baseID), ("userdatapolicy", "merge")],
                                               keys: user.keys)
            #expect(badPolicy.status == 431)

            func resolve(inline: String? = nil, id: String? = nil, details: [String: String] = [:]) async throws -> (base64: String?, userDataID: Int64?) {
                try await cloud.db.read { sql in
                    try await UserDataService.resolveForDeploy(sql, owner: owner.id, inline: inline, userDataID: id.flatMap(UUID.init(uuidString:)), details: details,
                                                               template: template)
                }
            }
            // APPEND: the deploy's user data goes after the template's.
            let appended = try await resolve(inline: Self.b64("#cloud-config\nruncmd: [uptime]\n"))
            #expect(Self.text(appended.base64) == "#cloud-config\npackages: [nginx]\n\n\nruncmd: [uptime]\n")
            let nothing = try await resolve()
            #expect(nothing.base64 == base && nothing.userDataID != nil)
            let withID = try await resolve(id: mineID, details: ["role": "web"])
            #expect(Self.text(withID.base64) == "#cloud-config\npackages: [nginx]\n\n\nruncmd: [date]\n")
            // Inline and id together, a foreign id, an unknown id, empty detail keys.
            let twice = await #expect(throws: CloudError.self) { _ = try await resolve(inline: base, id: mineID) }
            #expect(twice?.message == "Both userdata and userdata ID inputs are not allowed, please provide only one")
            let foreign = await #expect(throws: CloudError.self) { _ = try await resolve(id: theirsID) }
            #expect(foreign?.code == .accountError)
            let unknown = await #expect(throws: CloudError.self) { _ = try await resolve(id: UUID().uuidString) }
            #expect(unknown?.code == .parameterError)
            await #expect(throws: CloudError.self) { _ = try await resolve(inline: base, details: [" ": "x"]) }

            // DENYOVERRIDE refuses the deploy's own user data; ALLOWOVERRIDE (the default) replaces.
            #expect(await cloud.signed("linkUserDataToTemplate", [("templateid", template.uuid.uuidString), ("userdataid", baseID), ("userdatapolicy", "DENYOVERRIDE")],
                                       keys: user.keys).status == 200)
            await #expect(throws: CloudError.self) { _ = try await resolve(inline: Self.b64("#!/bin/sh\n")) }
            #expect(try await resolve().base64 == base)
            let allow = await cloud.signed("linkUserDataToTemplate", [("templateid", template.uuid.uuidString), ("userdataid", baseID)], keys: user.keys)
            #expect((allow.object["template"] as? [String: Any])?["userdatapolicy"] as? String == "ALLOWOVERRIDE")
            let replaced = try await resolve(id: mineID)
            #expect(Self.text(replaced.base64) == "#cloud-config\nruncmd: [date]\n")

            // Linked user data cannot be deleted; unlinking (no userdataid) frees it.
            let linked = await cloud.signed("deleteUserData", [("id", baseID)], keys: user.keys)
            #expect(linked.status == 536 && linked.errorText == "Userdata base cannot be removed as it is linked to active template/templates")
            let unlinked = await cloud.signed("linkUserDataToTemplate", [("templateid", template.uuid.uuidString)], keys: user.keys)
            #expect(unlinked.status == 200 && (unlinked.object["template"] as? [String: Any])?["userdataid"] == nil)
            #expect(try await resolve().base64 == nil)
            #expect(await cloud.signed("deleteUserData", [("id", baseID)], keys: user.keys).status == 200)

            // User data an instance uses cannot be deleted.
            let mineInternal = try #require(try await cloud.db.read { sql in try await UserDataRepository.find(sql, uuid: UUID(uuidString: mineID)!) })
            _ = try await cloud.insertTestInstance(owner: owner, state: .running, hostID: 1, userDataID: mineInternal.id)
            let used = await cloud.signed("deleteUserData", [("id", mineID)], keys: user.keys)
            #expect(used.status == 536 && used.errorText == "Userdata mine cannot be removed as it is being used by some instances")
        }
    }
}
