@testable import CirrusEngine
import CirrusAgent
import CirrusModel
import CirrusStore
import Foundation
import Testing

/// Passwords, SSH keys, user data and affinity groups of existing instances, and what the host
/// receives in the config drive on the next start.
@Suite("Instances: passwords, SSH keys, user data and affinity groups")
struct InstanceCredentialsTests {
    func stored(_ cloud: TestCloud, _ id: String) async throws -> VirtualMachine {
        try #require(try await cloud.engine.db.read { sql in try await VirtualMachineRepository.find(sql, uuid: UUID(uuidString: id)!) })
    }

    /// What the Simulator host of the instance got in its config drive at the last start.
    func configDrive(_ cloud: TestCloud, _ id: String) async throws -> SimulatorResource.Instance {
        let vm = try await stored(cloud, id)
        let hostID = try #require(vm.hostID)
        let resource = try #require(cloud.engine.agents.inProcessResource(hostID: hostID) as? SimulatorResource)
        return try #require(resource.instanceList.first { $0.name == vm.instanceName })
    }

    func publicKey(_ cloud: TestCloud, _ name: String) async throws -> String {
        try #require(try await cloud.engine.db.read { sql in try await SSHKeyPairRepository.find(sql, accountID: Account.adminID, name: name) }?.publicKey)
    }

    func vmResult(_ job: [String: Any]) -> [String: Any] {
        ((job["jobresult"] as? [String: Any])?["virtualmachine"] as? [String: Any]) ?? [:]
    }

    func errorText(_ job: [String: Any]) -> String {
        ((job["jobresult"] as? [String: Any])?["errortext"] as? String) ?? ""
    }

    @Test("a password-enabled template gives a password once at deploy; reset needs a Stopped instance; the host gets password and keys at the next start only")
    func passwordsAndKeys() async throws {
        try await withDemoZone { cloud, admin, zone in
            let template = try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"])
            let offering = try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"])
            #expect(await admin.call("updateTemplate", ["id": template, "passwordenabled": "true"]).status == 200)
            for name in ["k1", "k2"] { #expect(await admin.call("createSSHKeyPair", ["name": name]).status == 200) }
            let k1 = try await publicKey(cloud, "k1"), k2 = try await publicKey(cloud, "k2")

            let deployed = try await admin.runJob("deployVirtualMachine", pairs: [("zoneid", zone.uuid.uuidString.lowercased()), ("templateid", template),
                                                                                ("serviceofferingid", offering), ("keypairs", "k1")])
            let id = try #require(vmResult(deployed)["id"] as? String, "\(deployed)")
            let first = try #require(vmResult(deployed)["password"] as? String, "\(deployed)")
            #expect(first.count == 6)
            var drive = try await configDrive(cloud, id)
            #expect(drive.password == first)
            #expect(drive.sshPublicKeys == [k1])
            #expect(try await stored(cloud, id).password == nil, "delivered, so no longer kept")
            let listed = await admin.call("listVirtualMachines", ["id": id]).items("virtualmachine").first ?? [:]
            #expect(listed["password"] == nil, "the password is shown once only")
            #expect(listed["keypairs"] as? String == "k1")

            // Running: refused before a job is queued.
            let running = await admin.call("resetPasswordForVirtualMachine", ["id": id])
            #expect(running.status == 431)
            #expect((running.errorText ?? "").contains("should be stopped to do password reset"), "\(running.body)")

            _ = try await admin.runJob("stopVirtualMachine", pairs: [("id", id)])
            let reset = try await admin.runJob("resetPasswordForVirtualMachine", pairs: [("id", id)])
            let second = try #require(vmResult(reset)["password"] as? String, "\(reset)")
            #expect(second.count == 6 && second != first)
            #expect(try await stored(cloud, id).password == second, "pending until the next start")
            let chosen = try await admin.runJob("resetPasswordForVirtualMachine", pairs: [("id", id), ("password", "Chosen-42")])
            #expect(vmResult(chosen)["password"] as? String == "Chosen-42")

            // SSH keys: several, and a new password for a password-enabled template.
            let keys = try await admin.runJob("resetSSHKeyForVirtualMachine", pairs: [("id", id), ("keypairs", "k1,k2")])
            #expect(vmResult(keys)["keypairs"] as? String == "k1,k2", "\(keys)")
            let third = try #require(vmResult(keys)["password"] as? String)
            #expect(third != "Chosen-42")
            let unknown = await admin.call("resetSSHKeyForVirtualMachine", ["id": id, "keypair": "nope"])
            #expect(unknown.status == 431)
            #expect((unknown.errorText ?? "").contains("A key pair with name 'nope' was not found"), "\(unknown.body)")
            #expect(await admin.call("resetSSHKeyForVirtualMachine", ["id": id]).status == 431)

            _ = try await admin.runJob("startVirtualMachine", pairs: [("id", id)])
            drive = try await configDrive(cloud, id)
            #expect(drive.password == third)
            #expect(drive.sshPublicKeys == [k1, k2])
            #expect(try await stored(cloud, id).password == nil)

            // A template that does not take passwords.
            _ = try await admin.runJob("stopVirtualMachine", pairs: [("id", id)])
            #expect(await admin.call("updateTemplate", ["id": template, "passwordenabled": "false"]).status == 200)
            let noPassword = await admin.call("resetPasswordForVirtualMachine", ["id": id])
            #expect(noPassword.status == 431)
            #expect((noPassword.errorText ?? "").contains("the template is not password enabled"), "\(noPassword.body)")
            let events = await admin.call("listEvents", ["type": "VM.RESETPASSWORD"]).items("event").filter { $0["state"] as? String == "Completed" }
            #expect(events.count == 2, "\(events)")
        }
    }

    @Test("user data and affinity groups change only while Stopped; the next start uses them")
    func userDataAndAffinity() async throws {
        try await withDemoZone { cloud, admin, zone in
            let template = try await admin.firstID("listTemplates", "template", ["templatefilter": "featured"])
            let offering = try await admin.firstID("listServiceOfferings", "serviceoffering", ["name": "Small Instance"])
            let group = try await admin.runJob("createAffinityGroup", pairs: [("name", "spread"), ("type", "host anti-affinity")])
            let groupID = try #require(((group["jobresult"] as? [String: Any])?["affinitygroup"] as? [String: Any])?["id"] as? String, "\(group)")
            let deployed = try await admin.runJob("deployVirtualMachine", pairs: [("zoneid", zone.uuid.uuidString.lowercased()), ("templateid", template),
                                                                                ("serviceofferingid", offering), ("startvm", "false")])
            let id = try #require(vmResult(deployed)["id"] as? String, "\(deployed)")

            let both = await admin.call("updateVMAffinityGroup", ["id": id, "affinitygroupids": groupID, "affinitygroupnames": "spread"])
            #expect(both.status == 431)
            let updated = try await admin.runJob("updateVMAffinityGroup", pairs: [("id", id), ("affinitygroupids", groupID)])
            let groups = vmResult(updated)["affinitygroup"] as? [[String: Any]] ?? []
            #expect(groups.compactMap { $0["id"] as? String } == [groupID], "\(updated)")
            let members = await admin.call("listAffinityGroups", ["id": groupID]).items("affinitygroup").first?["virtualmachineIds"] as? [String]
            #expect(members == [id])

            let data = Data("#cloud-config\nhostname: web\n".utf8).base64EncodedString()
            let badData = await admin.call("resetUserDataForVirtualMachine", ["id": id, "userdata": "%%%"])
            #expect(badData.status == 431)
            let withData = await admin.call("resetUserDataForVirtualMachine", ["id": id, "userdata": data])
            #expect(withData.status == 200, "\(withData.body)")
            #expect((withData.object["virtualmachine"] as? [String: Any])?["userdata"] as? String == data)

            _ = try await admin.runJob("startVirtualMachine", pairs: [("id", id)])
            #expect(try await configDrive(cloud, id).userData == data)
            let runningData = await admin.call("resetUserDataForVirtualMachine", ["id": id, "userdata": data])
            #expect(runningData.status == 431)
            #expect((runningData.errorText ?? "").contains("should be stopped to do UserData reset"))
            let runningGroups = await admin.call("updateVMAffinityGroup", ["id": id, "affinitygroupids": groupID])
            #expect(runningGroups.status == 431)

            _ = try await admin.runJob("stopVirtualMachine", pairs: [("id", id)])
            let cleared = try await admin.runJob("updateVMAffinityGroup", pairs: [("id", id), ("affinitygroupids", "")])
            #expect((vmResult(cleared)["affinitygroup"] as? [[String: Any]] ?? []).isEmpty, "\(cleared)")
            let events = await admin.call("listEvents", ["type": "VM.AG.UPDATE"]).items("event").filter { $0["state"] as? String == "Completed" }
            #expect(events.count == 2, "\(events)")
            #expect(await admin.call("listEvents", ["type": "VM.RESETUSERDATA"]).items("event").count == 1)
        }
    }
}
