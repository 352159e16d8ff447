@testable import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import SQLKit
import Testing

extension TestCloud {
    /// The stored account of a test account.
    func storedAccount(_ a: TestAccount) async throws -> Account {
        let found = try await db.read { sql in try await AccountRepository.find(sql, uuid: UUID(uuidString: a.id)!) }
        return try #require(found)
    }

    func storedAccountID(_ a: TestAccount) async throws -> Int64 { try await storedAccount(a).id }

    /// Inserts a bare instance row for `owner` (no placement, no volumes): enough for
    /// memberships, placement rules and "in use" checks.
    func insertTestInstance(owner: Account, state: VirtualMachineState, hostID: Int64? = nil, userDataID: Int64? = nil) async throws -> (id: Int64, uuid: UUID) {
        let uuid = UUID()
        let id = try await db.transaction { sql -> Int64 in
            let row = try await sql.insert(into: "vm_instances")
                .columns("uuid", "name", "display_name", "host_name", "vm_type", "state", "power_state", "account_id", "domain_id", "user_id", "zone_id",
                         "host_id", "service_offering_id", "cpu", "cpu_speed", "memory", "ha_enabled", "display_vm", "limit_cpu_use", "dynamically_scalable",
                         "os_type_id", "hypervisor_type", "keypairs", "user_data_id", "user_data_details", "details", "update_count", "created")
                .values(SQLBind(uuid.uuidString.lowercased()), SQLBind("i-test"), SQLBind("test"), SQLBind("test"), SQLBind("User"), SQLBind(state.rawValue),
                        SQLBind("PowerUnknown"), SQLBind(owner.id), SQLBind(owner.domainID), SQLBind(Int64(1)), SQLBind(Int64(1)), SQLBind(hostID), SQLBind(Int64(1)),
                        SQLBind(1), SQLBind(Int64(1000)), SQLBind(Int64(512)), SQLBind(false), SQLBind(true), SQLBind(false), SQLBind(false), SQLBind(Int64(1)),
                        SQLBind("Simulator"), SQLBind("[]"), SQLBind(userDataID), SQLBind("{}"), SQLBind("{}"), SQLBind(Int64(0)),
                        SQLBind(Int64(Date().timeIntervalSince1970 * 1000)))
                .returning("id").first()
            return try #require(try row?.decode(column: "id", as: Int64.self))
        }
        return (id, uuid)
    }
}

@Suite("Affinity groups")
struct AffinityGroupTests {
    func names(_ reply: Reply) -> Set<String> { Set(reply.items("affinitygroup").compactMap { $0["name"] as? String }) }

    @Test("listAffinityGroupTypes shows CloudStack 4.19's four user types")
    func types() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let user = try await admin.createAccount("agtypes", domainID: nil)
            let reply = await cloud.signed("listAffinityGroupTypes", [], keys: user.keys)
            #expect(reply.status == 200 && reply.count == 4)
            #expect(reply.items("affinityGroupType").compactMap { $0["type"] as? String }
                == ["host anti-affinity", "host affinity", "non-strict host anti-affinity", "non-strict host affinity"])
            #expect(await admin.call("listAffinityGroupTypes", ["keyword": "non-strict"]).count == 2)
        }
    }

    @Test("create (async), list with filters, delete by id and by name; bad input is refused before the job")
    func lifecycle() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let user = try await admin.createAccount("aglife", domainID: nil)
            let other = try await admin.createAccount("agother", domainID: nil)
            let submit = await cloud.signed("createAffinityGroup", [("name", "web"), ("type", "host anti-affinity"), ("description", "spread")], keys: user.keys)
            try #require(submit.status == 200, "\(submit.body)")
            let jobID = try #require(submit.object["jobid"] as? String)
            let session = try await cloud.login(user.username, password: user.password)
            let job = try await cloud.waitForJob(jobID, session: session)
            #expect(job["jobstatus"] as? Int == 1, "\(job)")
            let group = try #require((job["jobresult"] as? [String: Any])?["affinitygroup"] as? [String: Any])
            #expect(group["name"] as? String == "web" && group["type"] as? String == "host anti-affinity" && group["description"] as? String == "spread")
            #expect(group["account"] as? String == "aglife")
            #expect((group["virtualmachineIds"] as? [Any])?.isEmpty == true)
            let webID = try #require(group["id"] as? String)
            _ = try await session.runJob("createAffinityGroup", pairs: [("name", "db"), ("type", "non-strict host affinity")])

            // Bad input: synchronous 431/531, nothing created.
            let badType = await cloud.signed("createAffinityGroup", [("name", "x"), ("type", "Host Anti-Affinity")], keys: user.keys)
            #expect(badType.status == 431)
            #expect(badType.errorText == "Unable to create affinity group, invalid affinity group type: Host Anti-Affinity. Valid values are host anti-affinity,host affinity,non-strict host anti-affinity,non-strict host affinity")
            let dup = await cloud.signed("createAffinityGroup", [("name", "web"), ("type", "host affinity")], keys: user.keys)
            #expect(dup.status == 431 && dup.errorText == "Unable to create affinity group, a group with name web already exists.")
            let foreign = await cloud.signed("createAffinityGroup", [("name", "x"), ("type", "host affinity"), ("account", "agother"), ("domainid", other.domainID)], keys: user.keys)
            #expect(foreign.status == 531)
            #expect(names(await cloud.signed("listAffinityGroups", [], keys: user.keys)) == ["web", "db"])

            // Filters and tenancy.
            #expect(names(await cloud.signed("listAffinityGroups", [("type", "non-strict host affinity")], keys: user.keys)) == ["db"])
            #expect(names(await cloud.signed("listAffinityGroups", [("name", "web")], keys: user.keys)) == ["web"])
            #expect(names(await cloud.signed("listAffinityGroups", [("keyword", "D")], keys: user.keys)) == ["db"])
            #expect(names(await cloud.signed("listAffinityGroups", [("id", webID)], keys: user.keys)) == ["web"])
            #expect(await cloud.signed("listAffinityGroups", [("listall", "true")], keys: other.keys).count == 0)
            #expect(await cloud.signed("listAffinityGroups", [("id", webID)], keys: other.keys).count == 0)
            #expect(await admin.call("listAffinityGroups", ["listall": "true"]).count == 2)
            #expect(await cloud.signed("listAffinityGroups", [("type", "nope")], keys: user.keys).status == 431)

            // Delete: another account may not; by id, then by name.
            let theirs = await cloud.signed("deleteAffinityGroup", [("id", webID)], keys: other.keys)
            #expect(theirs.status == 531)
            let neither = await cloud.signed("deleteAffinityGroup", [], keys: user.keys)
            #expect(neither.status == 431 && neither.errorText == "Either the affinity group Id or group name must be specified to delete the group")
            let unknown = await cloud.signed("deleteAffinityGroup", [("name", "nope")], keys: user.keys)
            #expect(unknown.status == 431 && unknown.errorText == "Unable to find affinity group nope")
            let deleted = try await session.runJob("deleteAffinityGroup", pairs: [("id", webID)])
            #expect((deleted["jobresult"] as? [String: Any])?["success"] as? Bool == true)
            // An admin deletes by name for the account.
            let byName = try await admin.runJob("deleteAffinityGroup", pairs: [("name", "db"), ("account", "aglife"), ("domainid", user.domainID)])
            #expect(byName["jobstatus"] as? Int == 1, "\(byName)")
            #expect(await cloud.signed("listAffinityGroups", [], keys: user.keys).count == 0)
            let events = await admin.call("listEvents", ["listall": "true", "type": EventType.affinityGroupCreate])
            #expect(events.count >= 2)
        }
    }

    @Test("memberships, virtualmachineIds, the virtualmachineid filter, and placement rules from where members run")
    func membersAndRules() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let user = try await admin.createAccount("agmem", domainID: nil)
            let other = try await admin.createAccount("agmem2", domainID: nil)
            let session = try await cloud.login(user.username, password: user.password)
            let otherSession = try await cloud.login(other.username, password: other.password)
            for (name, type) in [("anti", "host anti-affinity"), ("aff", "host affinity"), ("soft", "non-strict host anti-affinity")] {
                _ = try await session.runJob("createAffinityGroup", pairs: [("name", name), ("type", type)])
            }
            _ = try await otherSession.runJob("createAffinityGroup", pairs: [("name", "foreign"), ("type", "host affinity")])
            let owner = try await cloud.storedAccount(user)
            let groups = await cloud.signed("listAffinityGroups", [], keys: user.keys).items("affinitygroup")
            let antiID = try #require(groups.first { $0["name"] as? String == "anti" }?["id"] as? String)

            // Resolve by ids and names; names and ids together, unknown and foreign ones are refused.
            let resolved = try await cloud.db.read { sql in
                try await AffinityGroupService.resolve(sql, ids: [UUID(uuidString: antiID)!], names: [], owner: owner.id)
            }
            #expect(resolved.map(\.name) == ["anti"])
            let byName = try await cloud.db.read { sql in try await AffinityGroupService.resolve(sql, ids: [], names: ["soft", "anti"], owner: owner.id) }
            #expect(byName.map(\.name) == ["soft", "anti"])
            let foreignID = try #require(await cloud.signed("listAffinityGroups", [], keys: other.keys).items("affinitygroup").first?["id"] as? String)
            let denied = await #expect(throws: CloudError.self) {
                try await cloud.db.read { sql in _ = try await AffinityGroupService.resolve(sql, ids: [UUID(uuidString: foreignID)!], names: [], owner: owner.id) }
            }
            #expect(denied?.code == .accountError)
            let both = await #expect(throws: CloudError.self) {
                try await cloud.db.read { sql in _ = try await AffinityGroupService.resolve(sql, ids: [UUID(uuidString: antiID)!], names: ["soft"], owner: owner.id) }
            }
            #expect(both?.message == "affinitygroupids parameter is mutually exclusive with affinitygroupnames parameter")
            let missing = await #expect(throws: CloudError.self) {
                try await cloud.db.read { sql in _ = try await AffinityGroupService.resolve(sql, ids: [], names: ["foreign"], owner: owner.id) }
            }
            #expect(missing?.message == "Unable to find affinity group by name foreign")

            // Three members of "anti" and "soft": running on 11, starting on 12, stopped; the new one joins all three groups.
            let running = try await cloud.insertTestInstance(owner: owner, state: .running, hostID: 11)
            let starting = try await cloud.insertTestInstance(owner: owner, state: .starting, hostID: 12)
            let stopped = try await cloud.insertTestInstance(owner: owner, state: .stopped)
            let fresh = try await cloud.insertTestInstance(owner: owner, state: .stopped)
            let anti = try #require(byName.last), soft = try #require(byName.first)
            try await cloud.db.transaction { sql in
                for m in [running, starting, stopped] { try await AffinityGroupService.addMembers(sql, instanceID: m.id, groups: [anti, soft]) }
                try await AffinityGroupService.addMembers(sql, instanceID: fresh.id, groups: [anti, soft, anti])
            }
            let rules = try await cloud.db.read { sql in try await AffinityGroupService.placementRules(sql, instanceID: fresh.id) }
            #expect(rules.avoidHosts == [11, 12])
            #expect(rules.hostPriority == [11: -1, 12: -1])
            #expect(rules.requiredHost == nil && !rules.conflict)

            // Host affinity: the running member's host becomes required.
            let aff = try await cloud.db.read { sql in try await AffinityGroupService.resolve(sql, ids: [], names: ["aff"], owner: owner.id) }
            let pinned = try await cloud.insertTestInstance(owner: owner, state: .running, hostID: 30)
            let follower = try await cloud.insertTestInstance(owner: owner, state: .stopped)
            try await cloud.db.transaction { sql in
                try await AffinityGroupService.addMembers(sql, instanceID: pinned.id, groups: aff)
                try await AffinityGroupService.addMembers(sql, instanceID: follower.id, groups: aff)
            }
            let affRules = try await cloud.db.read { sql in try await AffinityGroupService.placementRules(sql, instanceID: follower.id) }
            #expect(affRules.requiredHost == 30 && affRules.order([29, 30, 31]) == [30])
            #expect(try await cloud.db.read { sql in try await AffinityGroupService.placementRules(sql, instanceID: pinned.id) }.isEmpty)

            // Listing shows members; virtualmachineid lists that instance's groups.
            let listed = await cloud.signed("listAffinityGroups", [("name", "anti")], keys: user.keys).items("affinitygroup").first
            #expect(Set((listed?["virtualmachineIds"] as? [String]) ?? []) == Set([running, starting, stopped, fresh].map { $0.uuid.uuidString.lowercased() }))
            let ofFresh = await cloud.signed("listAffinityGroups", [("virtualmachineid", fresh.uuid.uuidString)], keys: user.keys)
            #expect(names(ofFresh) == ["anti", "soft"])
            #expect(await cloud.signed("listAffinityGroups", [("virtualmachineid", fresh.uuid.uuidString)], keys: other.keys).status == 531)
            #expect(await cloud.signed("listAffinityGroups", [("virtualmachineid", UUID().uuidString)], keys: user.keys).status == 431)
            #expect(names(await admin.call("listAffinityGroups", ["virtualmachineid": follower.uuid.uuidString])) == ["aff"])

            // replace and removeAll.
            try await cloud.db.transaction { sql in try await AffinityGroupService.replace(sql, instanceID: fresh.id, groups: aff) }
            #expect(try await cloud.db.read { sql in try await AffinityGroupService.groups(sql, instanceID: fresh.id) }.map(\.name) == ["aff"])
            let many = try await cloud.db.read { sql in try await AffinityGroupService.groups(sql, instanceIDs: [fresh.id, running.id]) }
            #expect(many[fresh.id]?.map(\.name) == ["aff"] && Set(many[running.id]?.map(\.name) ?? []) == ["anti", "soft"])
            try await cloud.db.transaction { sql in try await AffinityGroupService.removeAll(sql, instanceID: fresh.id) }
            #expect(try await cloud.db.read { sql in try await AffinityGroupService.groups(sql, instanceID: fresh.id) }.isEmpty)

            // Deleting a group with members removes the memberships.
            _ = try await session.runJob("deleteAffinityGroup", pairs: [("name", "anti")])
            #expect(names(await cloud.signed("listAffinityGroups", [("virtualmachineid", running.uuid.uuidString)], keys: user.keys)) == ["soft"])
            let after = try await cloud.db.read { sql in try await AffinityGroupService.placementRules(sql, instanceID: running.id) }
            #expect(after.avoidHosts.isEmpty && after.hostPriority == [12: -1])
        }
    }
}
