import CirrusAPI
import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

@Suite("Restart recovery")
struct RestartRecoveryTests {
    @Test("a running job of a server without a lease fails with 530 and a reason")
    func orphanedRunningJobFails() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let victim = try await admin.createAccount("victim", domainID: nil)
            #expect(cloud.dispatcher.isResumable(command: "deleteAccount") == false)
            let orphan = try await cloud.insertJob(userID: User.adminID, accountID: Account.adminID, domainID: Domain.rootID, command: "deleteAccount",
                                                   state: .running, ownerServer: "crashed-server",
                                                   parameters: #"{"maps":{},"scalars":{"id":"\#(victim.id)"}}"#, syncKey: "account:\(victim.id)",
                                                   instanceType: "Account", instanceUUID: victim.id)
            // A job of this (live) server is left alone.
            let mine = try await cloud.insertJob(userID: User.adminID, accountID: Account.adminID, domainID: Domain.rootID, command: "deleteAccount",
                                                 state: .running, ownerServer: cloud.engine.serverID,
                                                 parameters: #"{"maps":{},"scalars":{"id":"\#(victim.id)"}}"#, syncKey: "account:other")

            // Until recovery the job shows as pending — unless the runner's own housekeeping (every
            // 15 s) already recovered it on a slow machine; the outcome is checked below either way.
            let pending = await admin.call("queryAsyncJobResult", ["jobid": orphan.uuid.uuidString.lowercased()])
            if pending.object["jobstatus"] as? Int == 0 {
                #expect(pending.object["jobresult"] == nil)
                #expect(pending.object["jobresulttype"] == nil)
            } else {
                #expect(pending.object["jobstatus"] as? Int == 2, "\(pending.body)")
            }

            try await cloud.engine.runner.recoverOrphans(executor: cloud.dispatcher)

            let failed = try await cloud.waitForJob(orphan.uuid.uuidString.lowercased(), session: admin)
            #expect(failed["jobstatus"] as? Int == 2)
            #expect(failed["jobresultcode"] as? Int == 530)
            #expect(failed["jobresulttype"] as? String == "object")
            let result = try #require(failed["jobresult"] as? [String: Any])
            #expect(result["errorcode"] as? Int == 530)
            let reason = try #require(result["errortext"] as? String)
            #expect(reason.contains("stopped"))

            // It was not run: the account still exists.
            let stillThere = await admin.call("listAccounts", ["id": victim.id])
            #expect(stillThere.ids("account") == [victim.id])
            // The live server's job is untouched.
            let untouched = await admin.call("queryAsyncJobResult", ["jobid": mine.uuid.uuidString.lowercased()])
            #expect(untouched.object["jobstatus"] as? Int == 0)
            // Stored state matches.
            let row = try await cloud.db.read { try await JobRepository.find($0, id: orphan.id) }
            #expect(row?.state == .failed)
            #expect(row?.completed != nil)
        }
    }

    @Test("a queued job is run by the next runner that starts, and orphans are recovered on start")
    func queuedJobRunsAfterRestart() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let target = try await admin.createAccount("later", domainID: nil)
            let victim = try await admin.createAccount("victim2", domainID: nil)

            // The first server stops (stop returns once its workers have ended).
            await cloud.engine.runner.stop()

            let queued = try await cloud.insertJob(userID: User.adminID, accountID: Account.adminID, domainID: Domain.rootID, command: "disableAccount",
                                                   state: .queued, ownerServer: nil,
                                                   parameters: #"{"maps":{},"scalars":{"id":"\#(target.id)","lock":"false"}}"#,
                                                   syncKey: "account:\(target.id)", instanceType: "Account", instanceUUID: target.id)
            let orphan = try await cloud.insertJob(userID: User.adminID, accountID: Account.adminID, domainID: Domain.rootID, command: "deleteAccount",
                                                   state: .running, ownerServer: "crashed-server",
                                                   parameters: #"{"maps":{},"scalars":{"id":"\#(victim.id)"}}"#, syncKey: "account:\(victim.id)")
            try await Task.sleep(for: .milliseconds(300))
            let waiting = await admin.call("queryAsyncJobResult", ["jobid": queued.uuid.uuidString.lowercased()])
            #expect(waiting.object["jobstatus"] as? Int == 0, "nothing should run while no runner is started: \(waiting.body)")

            // A second management server on the same database.
            let second = Engine(db: cloud.db, serverID: "second-\(UUID().uuidString.lowercased())", jobWorkers: 2, passwordIterations: 1000, logger: cloud.logger)
            let secondDispatcher = APIDispatcher(engine: second, registry: CommandCatalog.registry(), logger: cloud.logger)
            try await second.prepare(adminPassword: TestCloud.adminPassword)
            try await second.runner.start(executor: secondDispatcher)
            do {
                let done = try await cloud.waitForJob(queued.uuid.uuidString.lowercased(), session: admin)
                #expect(done["jobstatus"] as? Int == 1, "\(done)")
                let account = (done["jobresult"] as? [String: Any])?["account"] as? [String: Any]
                #expect(account?["state"] as? String == "disabled")
                #expect(account?["id"] as? String == target.id)
                let row = try await cloud.db.read { try await JobRepository.find($0, id: queued.id) }
                #expect(row?.ownerServer == second.serverID)

                let failed = try await cloud.waitForJob(orphan.uuid.uuidString.lowercased(), session: admin)
                #expect(failed["jobstatus"] as? Int == 2)
                #expect(failed["jobresultcode"] as? Int == 530)
            } catch {
                await second.runner.stop()
                throw error
            }
            await second.runner.stop()
        }
    }

    @Test("the same runner can be stopped and started again")
    func runnerRestartsInProcess() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let target = try await admin.createAccount("again", domainID: nil)
            await cloud.engine.runner.stop()
            try await cloud.startRunner()
            let submit = await admin.call("disableAccount", ["id": target.id, "lock": "false"])
            let jobID = try #require(submit.object["jobid"] as? String)
            do {
                let done = try await cloud.waitForJob(jobID, session: admin, timeout: .seconds(15))
                #expect(done["jobstatus"] as? Int == 1)
            }
        }
    }
}
