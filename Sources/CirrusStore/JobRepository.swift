import CirrusModel
import Foundation
import SQLKit

/// The persistent job queue. Work with the same sync key runs one job at a time in
/// submission order; on PostgreSQL several servers claim with `FOR UPDATE SKIP LOCKED`.
public enum JobRepository {
    static let table = "async_jobs"

    static func map(_ row: any SQLRow) throws -> AsyncJob {
        AsyncJob(id: try row.int64("id"), uuid: try row.uuid("uuid"), userID: try row.int64("user_id"), accountID: try row.int64("account_id"),
                 domainID: try row.int64("domain_id"), command: try row.string("command"), parameters: try row.string("parameters"),
                 syncKey: try row.string("sync_key"), instanceType: try row.optionalString("instance_type"),
                 instanceUUID: try row.optionalString("instance_uuid"), state: try row.enumValue("state", as: JobState.self),
                 resultCode: try row.int("result_code"), result: try row.optionalString("result"), processStatus: try row.int("process_status"),
                 attempts: try row.int("attempts"), ownerServer: try row.optionalString("owner_server"),
                 startEventID: try row.optionalInt64("start_event_id"), created: try row.date("created"),
                 started: try row.optionalDate("started"), completed: try row.optionalDate("completed"))
    }

    /// Queues a new job and returns it with its id.
    public static func insert(_ sql: any SQLDatabase, _ job: AsyncJob) async throws -> AsyncJob {
        let row = try await sql.insert(into: table)
            .columns("uuid", "user_id", "account_id", "domain_id", "command", "parameters", "sync_key", "instance_type", "instance_uuid",
                     "state", "result_code", "result", "process_status", "attempts", "owner_server", "start_event_id", "created", "started", "completed")
            .values(SQLBind(job.uuid.stored), SQLBind(job.userID), SQLBind(job.accountID), SQLBind(job.domainID), SQLBind(job.command),
                    SQLBind(job.parameters), SQLBind(job.syncKey), SQLBind(job.instanceType), SQLBind(job.instanceUUID),
                    SQLBind(job.state.rawValue), SQLBind(job.resultCode), SQLBind(job.result), SQLBind(job.processStatus), SQLBind(job.attempts),
                    SQLBind(job.ownerServer), SQLBind(job.startEventID), SQLBind(job.created.storedMillis),
                    SQLBind(job.started?.storedMillis), SQLBind(job.completed?.storedMillis))
            .returning("id").first()
        guard let id = try row?.int64("id") else { throw StoreError("Queueing job \(job.command) returned no id") }
        var out = job
        out.id = id
        return out
    }

    public static func find(_ sql: any SQLDatabase, uuid: UUID) async throws -> AsyncJob? {
        try await sql.select().column("*").from(table).where("uuid", .equal, uuid.stored).first().map(map)
    }

    public static func find(_ sql: any SQLDatabase, id: Int64) async throws -> AsyncJob? {
        try await sql.select().column("*").from(table).where("id", .equal, id).first().map(map)
    }

    /// Whether any job is queued: a cheap read that lets idle workers skip the write
    /// transaction of ``claimNext(_:dialect:server:now:)``.
    public static func hasQueued(_ sql: any SQLDatabase) async throws -> Bool {
        try await sql.select().column("id").from(table).where("state", .equal, JobState.queued.rawValue).limit(1).first() != nil
    }

    /// Claims the oldest runnable job for `server`: queued, at the head of its sync queue,
    /// and with nothing running under the same key. Returns `nil` when there is none.
    public static func claimNext(_ sql: any SQLDatabase, dialect: DatabaseDialect, server: String, now: Date) async throws -> AsyncJob? {
        let lock: SQLQueryString = dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let query: SQLQueryString = """
            UPDATE async_jobs SET state = \(bind: JobState.running.rawValue), owner_server = \(bind: server),
              started = \(bind: now.storedMillis), attempts = attempts + 1
            WHERE state = \(bind: JobState.queued.rawValue) AND id = (
              SELECT j.id FROM async_jobs j
              WHERE j.state = \(bind: JobState.queued.rawValue)
                AND NOT EXISTS (SELECT 1 FROM async_jobs r WHERE r.sync_key = j.sync_key AND r.state = \(bind: JobState.running.rawValue))
                AND NOT EXISTS (SELECT 1 FROM async_jobs o WHERE o.sync_key = j.sync_key AND o.state = \(bind: JobState.queued.rawValue) AND o.id < j.id)
              ORDER BY j.id LIMIT 1\(lock))
            RETURNING *
            """
        return try await sql.raw(query).first().map(map)
    }

    /// Records the outcome of a running job. Returns false when the job was not running
    /// (already completed or taken away), in which case nothing changes.
    @discardableResult
    public static func complete(_ sql: any SQLDatabase, id: Int64, state: JobState, resultCode: Int, result: String, at date: Date) async throws -> Bool {
        let rows = try await sql.update(table).set("state", to: state.rawValue).set("result_code", to: resultCode)
            .set("result", to: result).set("completed", to: date.storedMillis)
            .where("id", .equal, id).where("state", .equal, JobState.running.rawValue)
            .returning("id").all()
        return !rows.isEmpty
    }

    /// Fails a job that has not finished (queued or running), e.g. when it can no longer run.
    @discardableResult
    public static func abandon(_ sql: any SQLDatabase, id: Int64, resultCode: Int, result: String, at date: Date) async throws -> Bool {
        let rows = try await sql.update(table).set("state", to: JobState.failed.rawValue).set("result_code", to: resultCode)
            .set("result", to: result).set("completed", to: date.storedMillis)
            .where("id", .equal, id).where("state", .in, [JobState.queued.rawValue, JobState.running.rawValue])
            .returning("id").all()
        return !rows.isEmpty
    }

    /// Puts a running job back in the queue (its server stopped; the command is safe to repeat).
    public static func requeue(_ sql: any SQLDatabase, id: Int64) async throws {
        try await sql.update(table).set("state", to: JobState.queued.rawValue).set("owner_server", to: SQLLiteral.null)
            .where("id", .equal, id).where("state", .equal, JobState.running.rawValue).run()
    }

    /// The `instance_uuid`s of `instanceType` that a queued or running job works on.
    public static func activeInstances(_ sql: any SQLDatabase, instanceType: String) async throws -> Set<String> {
        let rows = try await sql.select().column("instance_uuid").from(table).where("instance_type", .equal, SQLBind(instanceType))
            .where("state", .in, SQLBind.group([JobState.queued.rawValue, JobState.running.rawValue])).all()
        return Set(try rows.compactMap { try $0.decode(column: "instance_uuid", as: String?.self)?.lowercased() })
    }

    /// Running jobs whose owning server is not in `liveServers`.
    public static func orphaned(_ sql: any SQLDatabase, liveServers: Set<String>) async throws -> [AsyncJob] {
        var b = sql.select().column("*").from(table).where("state", .equal, JobState.running.rawValue)
        if !liveServers.isEmpty { b = b.where(SQLGroupExpression(SQLBinaryExpression(SQLBinaryExpression(SQLIdentifier("owner_server"), .notIn, SQLBind.group(Array(liveServers))), .or, SQLBinaryExpression(SQLIdentifier("owner_server"), .is, SQLLiteral.null)))) }
        return try await b.orderBy("id").all().map(map)
    }

    public static func setStartEvent(_ sql: any SQLDatabase, id: Int64, eventID: Int64) async throws {
        try await sql.update(table).set("start_event_id", to: eventID).where("id", .equal, id).run()
    }

    public struct Filter: Sendable {
        public var scope: ListScope
        public var since: Date?
        public var keyword: String?
        public var id: UUID?

        public init(scope: ListScope, since: Date? = nil, keyword: String? = nil, id: UUID? = nil) {
            self.scope = scope
            self.since = since
            self.keyword = keyword
            self.id = id
        }
    }

    public static func list(_ sql: any SQLDatabase, filter: Filter, offset: Int, limit: Int?) async throws -> Listing<AsyncJob> {
        func build(_ b: SQLSelectBuilder) -> SQLSelectBuilder {
            var b = b.from(table)
            b = ScopeFilter.apply(filter.scope, to: b, accountColumn: SQLIdentifier("account_id"), domainColumn: SQLIdentifier("domain_id"))
            if let since = filter.since { b = b.where("created", .greaterThanOrEqual, since.storedMillis) }
            if let id = filter.id { b = b.where("uuid", .equal, id.stored) }
            if let keyword = filter.keyword { b = b.where(SQLFunction("lower", args: SQLIdentifier("command")), .like, SQLBind("%\(keyword.lowercased())%")) }
            return b
        }
        return try await fetchListing(sql, filtered: build, order: { $0.orderBy("id", .descending) }, offset: offset, limit: limit, map: map)
    }

    /// Deletes finished jobs completed before `cutoff` (`job.expire.minutes`).
    public static func purge(_ sql: any SQLDatabase, completedBefore cutoff: Date) async throws {
        try await sql.delete(from: table).where("completed", .lessThan, cutoff.storedMillis)
            .where("state", .in, [JobState.succeeded.rawValue, JobState.failed.rawValue, JobState.cancelled.rawValue]).run()
    }
}

/// Time-limited named leases: periodic singletons and the liveness of management servers.
public enum LeaseRepository {
    /// Takes or renews `name` for `owner` until `expires`. Succeeds when the lease is free,
    /// expired, or already held by `owner`.
    public static func acquire(_ sql: any SQLDatabase, name: String, owner: String, now: Date, expires: Date) async throws -> Bool {
        let updated = try await sql.update("leases").set("owner", to: owner).set("expires", to: expires.storedMillis)
            .where("name", .equal, name)
            .where(SQLGroupExpression(SQLBinaryExpression(SQLBinaryExpression(SQLIdentifier("owner"), .equal, SQLBind(owner)), .or,
                                                          SQLBinaryExpression(SQLIdentifier("expires"), .lessThan, SQLBind(now.storedMillis)))))
            .returning("name").all()
        if !updated.isEmpty { return true }
        let inserted = try await sql.insert(into: "leases").columns("name", "owner", "expires")
            .values(SQLBind(name), SQLBind(owner), SQLBind(expires.storedMillis)).ignoringConflicts(with: "name")
            .returning("name").all()
        return !inserted.isEmpty
    }

    /// Owners of live leases whose names start with `prefix`.
    public static func liveOwners(_ sql: any SQLDatabase, prefix: String, now: Date) async throws -> Set<String> {
        let rows = try await sql.select().column("name").column("owner").from("leases").where("expires", .greaterThanOrEqual, now.storedMillis).all()
        return Set(try rows.filter { try $0.string("name").hasPrefix(prefix) }.map { try $0.string("owner") })
    }

    public static func release(_ sql: any SQLDatabase, name: String, owner: String) async throws {
        try await sql.delete(from: "leases").where("name", .equal, name).where("owner", .equal, owner).run()
    }
}
