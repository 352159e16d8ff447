import CirrusModel
import CirrusStore
import Foundation
import SQLKit

/// A job to queue.
public struct JobSubmission: Sendable {
    public var command: String
    public var parameters: String
    /// Jobs with the same key run one after another; e.g. `account:42`.
    public var syncKey: String
    public var instanceType: String?
    public var instanceUUID: String?

    public init(command: String, parameters: String, syncKey: String, instanceType: String?, instanceUUID: String?) {
        self.command = command
        self.parameters = parameters
        self.syncKey = syncKey
        self.instanceType = instanceType
        self.instanceUUID = instanceUUID
    }
}

/// Queues async jobs and answers queries about them.
public struct JobService: Sendable {
    let db: any Database
    let runner: JobRunner
    let events: EventService

    public init(db: any Database, runner: JobRunner, events: EventService) {
        self.db = db
        self.runner = runner
        self.events = events
    }

    /// Queues a job for `caller`, recording its Scheduled event, in one transaction; then
    /// wakes the workers.
    public func submit(_ submission: JobSubmission, caller: Caller, eventType: String?, eventDescription: String, resource: EventResource?) async throws -> AsyncJob {
        let job = try await db.transaction { sql in
            var startEventID: Int64?
            if let eventType {
                let e = try await events.record(sql, type: eventType, state: .scheduled, description: eventDescription, userID: caller.user.id,
                                                accountID: caller.account.id, domainID: caller.account.domainID, resource: resource)
                startEventID = e.id
            }
            return try await JobRepository.insert(sql, AsyncJob(
                id: 0, uuid: UUID(), userID: caller.user.id, accountID: caller.account.id, domainID: caller.account.domainID,
                command: submission.command, parameters: submission.parameters, syncKey: submission.syncKey,
                instanceType: submission.instanceType, instanceUUID: submission.instanceUUID, state: .queued, resultCode: 0,
                result: nil, processStatus: 0, attempts: 0, ownerServer: nil, startEventID: startEventID, created: Date(),
                started: nil, completed: nil))
        }
        runner.notify()
        return job
    }

    /// A job the caller may see: their own, or any in a domain they administer.
    public func find(caller: Caller, uuid: UUID) async throws -> AsyncJob? {
        try await db.read { sql in
            guard let job = try await JobRepository.find(sql, uuid: uuid) else { return nil }
            if job.accountID == caller.account.id || caller.isRootAdmin { return job }
            if caller.isAdmin, let domain = try await DomainRepository.find(sql, id: job.domainID), caller.administers(domainPath: domain.path) { return job }
            return nil
        }
    }

    public func list(scope: ListScope, since: Date?, keyword: String?, page: (offset: Int, limit: Int?)) async throws -> Listing<AsyncJob> {
        try await db.read { try await JobRepository.list($0, filter: .init(scope: scope, since: since, keyword: keyword), offset: page.offset, limit: page.limit) }
    }

    /// Owner names for rendering jobs: accounts and domains by id.
    public func owners(of jobs: [AsyncJob]) async throws -> (accounts: [Int64: Account], domains: [Int64: Domain], users: [Int64: User]) {
        try await db.read { sql in
            let accounts = try await AccountRepository.find(sql, ids: Set(jobs.map(\.accountID)))
            let domains = try await DomainRepository.find(sql, ids: Set(jobs.map(\.domainID)))
            let users = try await UserRepository.find(sql, ids: Set(jobs.map(\.userID)))
            return (accounts, domains, users)
        }
    }
}
