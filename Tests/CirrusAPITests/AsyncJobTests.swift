import CirrusAPI
import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing

@Suite("Async jobs")
struct AsyncJobTests {
    @Test("disableAccount and deleteAccount run as jobs and report their results")
    func successfulJobs() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let account = try await admin.createAccount("jobby", domainID: nil)

            // The submit answer carries only the jobid.
            let submit = await admin.call("disableAccount", ["id": account.id, "lock": "false"])
            #expect(submit.status == 200)
            #expect(submit.key == "disableaccountresponse")
            let jobID = try #require(submit.object["jobid"] as? String)
            #expect(UUID(uuidString: jobID) != nil)

            let disabled = try await cloud.waitForJob(jobID, session: admin)
            #expect(disabled["jobstatus"] as? Int == 1)
            #expect(disabled["jobresultcode"] as? Int == 0)
            #expect(disabled["jobresulttype"] as? String == "object")
            #expect(disabled["jobid"] as? String == jobID)
            #expect(disabled["cmd"] as? String == "disableAccount")
            #expect(disabled["jobinstancetype"] as? String == "Account")
            #expect(disabled["jobinstanceid"] as? String == account.id)
            #expect(disabled["completed"] as? String != nil)
            let result = try #require(disabled["jobresult"] as? [String: Any])
            let disabledAccount = try #require(result["account"] as? [String: Any])
            #expect(disabledAccount["id"] as? String == account.id)
            #expect(disabledAccount["state"] as? String == "disabled")
            #expect(disabledAccount["name"] as? String == account.name)

            // The account really is disabled: its keys stop working.
            let refused = await cloud.signed("listUsers", keys: account.keys)
            #expect(refused.status == 401)

            // lock on a disabled account fails inside the job with 431.
            let lock = try await admin.runJob("disableAccount", pairs: [("id", account.id), ("lock", "true")])
            #expect(lock["jobstatus"] as? Int == 2)
            #expect(lock["jobresultcode"] as? Int == 431)
            #expect((lock["jobresult"] as? [String: Any])?["errorcode"] as? Int == 431)

            let deleted = try await admin.runJob("deleteAccount", pairs: [("id", account.id)])
            #expect(deleted["jobstatus"] as? Int == 1)
            #expect(deleted["jobresulttype"] as? String == "object")
            let success = try #require(deleted["jobresult"] as? [String: Any])
            #expect(success["success"] as? Bool == true)
            #expect(deleted["jobinstanceid"] as? String == account.id)

            // Gone: an empty list today, a 431 in CloudStack (see CloudStackCompatibilityTests).
            let gone = await admin.call("listAccounts", ["id": account.id, "listall": "true"])
            #expect(gone.status == 200 || gone.status == 431, "\(gone.body)")
            #expect(gone.ids("account").isEmpty, "\(gone.body)")
            let everyone = await admin.call("listAccounts", ["listall": "true"])
            #expect(!everyone.ids("account").contains(account.id))

            // listAsyncJobs shows both finished jobs with the same fields.
            let jobs = await admin.call("listAsyncJobs")
            #expect(jobs.status == 200)
            let byID = Dictionary(uniqueKeysWithValues: jobs.items("asyncjobs").compactMap { j in (j["jobid"] as? String).map { ($0, j) } })
            #expect(byID[jobID]?["jobstatus"] as? Int == 1)
            #expect(byID[jobID]?["cmd"] as? String == "disableAccount")
            #expect(byID.count == 3)

            // An unknown job id is a 431.
            let unknown = await admin.call("queryAsyncJobResult", ["jobid": UUID().uuidString.lowercased()])
            #expect(unknown.status == 431)
        }
    }

    @Test("a failing job ends with status 2, its error, and linked Scheduled/Started/Completed events")
    func failingJobAndEvents() async throws {
        try await withCloud { cloud in
            let admin = try await cloud.admin()
            let domain = try await admin.createDomain("occupied")
            _ = try await admin.createAccount("tenant", domainID: domain)

            let submit = await admin.call("deleteDomain", ["id": domain])
            #expect(submit.status == 200, "\(submit.body)")
            let jobID = try #require(submit.object["jobid"] as? String)
            let job = try await cloud.waitForJob(jobID, session: admin)
            #expect(job["jobstatus"] as? Int == 2)
            #expect(job["jobresultcode"] as? Int == 536)
            #expect(job["jobresulttype"] as? String == "object")
            let result = try #require(job["jobresult"] as? [String: Any])
            #expect(result["errorcode"] as? Int == 536)
            let text = try #require(result["errortext"] as? String)
            #expect(text.contains("account"))
            #expect(result["cserrorcode"] == nil)
            #expect(result["uuidList"] == nil)

            // The domain is still there.
            let still = await admin.call("listDomains", ["id": domain])
            #expect(still.ids("domain") == [domain])

            // Scheduled, then Started and Completed pointing back at it.
            let events = await admin.call("listEvents", ["type": EventType.domainDelete])
            #expect(events.status == 200)
            let scheduled = events.items("event").filter { $0["state"] as? String == "Scheduled" }
            #expect(scheduled.count == 1)
            let scheduledID = try #require(scheduled.first?["id"] as? String)
            #expect(scheduled.first?["resourceid"] as? String == domain)
            #expect(scheduled.first?["parentid"] == nil)

            let chain = await admin.call("listEvents", ["startid": scheduledID])
            #expect(chain.status == 200)
            let children = chain.items("event").filter { $0["id"] as? String != scheduledID }
            let states = children.compactMap { $0["state"] as? String }.sorted()
            #expect(states == ["Completed", "Started"])
            #expect(children.allSatisfy { $0["parentid"] as? String == scheduledID })
            #expect(children.allSatisfy { $0["type"] as? String == EventType.domainDelete })
            #expect(children.allSatisfy { $0["resourceid"] as? String == domain })
            let completed = try #require(children.first { $0["state"] as? String == "Completed" })
            #expect(completed["level"] as? String == "ERROR")
            #expect((completed["description"] as? String)?.contains("failed") == true)
            // The same three events in the full list, all with the same parent linkage.
            let all = events.items("event")
            #expect(all.count == 3)
            #expect(all.filter { $0["parentid"] as? String == scheduledID }.count == 2)
        }
    }

    @Test("jobs with the same sync key run one at a time, in order; jobs on other keys run in parallel")
    func sameSyncKeyRunsSerially() async throws {
        // Every job is queued before any worker starts, so four idle workers would take
        // four of them at once if the sync key were ignored.
        try await withCloud(workers: 4, startRunner: false) { cloud in
            let admin = try await cloud.admin()
            let account = try await admin.createAccount("serial", domainID: nil)
            var others: [TestAccount] = []
            for i in 0..<4 { others.append(try await admin.createAccount("parallel\(i)", domainID: nil)) }

            var serialIDs: [String] = []
            var parallelIDs: [String] = []
            // Interleaved: nil is the serial account, a number one of the others.
            let plan: [Int?] = [nil, nil, 0, nil, 1, nil, 2, nil, 3, nil]
            for slot in plan {
                let target = slot.map { others[$0] } ?? account
                let reply = await admin.call("disableAccount", ["id": target.id, "lock": "false"])
                #expect(reply.status == 200, "\(reply.body)")
                let jobID = try #require(reply.object["jobid"] as? String)
                if target.id == account.id { serialIDs.append(jobID) } else { parallelIDs.append(jobID) }
            }
            #expect(serialIDs.count == 6)
            #expect(parallelIDs.count == 4)
            let queued = await admin.call("listAsyncJobs")
            #expect(queued.count == 10)
            #expect(queued.items("asyncjobs").allSatisfy { $0["jobstatus"] as? Int == 0 })

            try await cloud.startRunner()
            for id in serialIDs + parallelIDs {
                let done = try await cloud.waitForJob(id, session: admin)
                #expect(done["jobstatus"] as? Int == 1)
            }

            // Start and end times come from the job table (listAsyncJobs has no start time).
            func rows(_ ids: [String]) async throws -> [AsyncJob] {
                try await cloud.db.read { sql in
                    var out: [AsyncJob] = []
                    for id in ids { if let j = try await JobRepository.find(sql, uuid: UUID(uuidString: id)!) { out.append(j) } }
                    return out
                }.sorted { $0.id < $1.id }
            }
            let serial = try await rows(serialIDs)
            #expect(serial.count == serialIDs.count)
            #expect(serial.allSatisfy { $0.syncKey == "account:\(account.id)" })
            for (previous, next) in zip(serial, serial.dropFirst()) {
                let end = try #require(previous.completed)
                let start = try #require(next.started)
                #expect(start >= end, "job \(next.id) started at \(start) before job \(previous.id) finished at \(end)")
            }

            // Control: the same workers do overlap jobs whose keys differ, so the check above
            // would notice if the sync key were ignored.
            let parallel = try await rows(parallelIDs)
            let overlapping = zip(parallel, parallel.dropFirst()).filter { previous, next in
                guard let end = previous.completed, let start = next.started else { return false }
                return start < end
            }
            #expect(!overlapping.isEmpty, "jobs on different sync keys never ran at the same time")

            // listAsyncJobs agrees: all completed.
            let listed = await admin.call("listAsyncJobs", ["pagesize": "-1"])
            #expect(listed.count == 10)
            #expect(listed.items("asyncjobs").allSatisfy { $0["jobstatus"] as? Int == 1 })
        }
    }
}
