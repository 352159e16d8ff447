import CirrusModel
import CirrusStore
import Foundation
import Logging
import SQLKit
import Synchronization

/// How a job ended, as the executor reports it.
public enum JobOutcome: Sendable, Equatable {
    /// `result` is the JSON of `jobresult`.
    case succeeded(result: String)
    case failed(code: Int, message: String)
}

/// Runs jobs: given a claimed job, produce its outcome. Supplied by the API layer, which
/// knows the commands.
public protocol JobExecutor: Sendable {
    func execute(_ job: AsyncJob) async -> JobOutcome
    /// True when the command may safely run again after its server died mid-way.
    func isResumable(command: String) -> Bool
}

/// Wakes sleeping workers when work arrives; sleepers also wake on a timeout so that jobs
/// queued by other management servers are found.
actor WakeSignal {
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]

    func wait(timeout: Duration) async {
        let id = UUID()
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            waiters[id] = c
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.resume(id)
            }
        }
    }

    private func resume(_ id: UUID) {
        waiters.removeValue(forKey: id)?.resume()
    }

    func signal() {
        let all = waiters
        waiters.removeAll()
        for c in all.values { c.resume() }
    }
}

/// The job workers of one management server, plus the housekeeping that keeps the queue
/// honest: a liveness lease, recovery of jobs orphaned by a stopped server, and purging.
public final class JobRunner: Sendable {
    let db: any Database
    let serverID: String
    let workers: Int
    let logger: Logger
    let wake = WakeSignal()
    /// Wakes only the housekeeping loop, on stop.
    let stopSignal = WakeSignal()
    let pollInterval: Duration
    let config: ConfigService
    private let tasks = TaskBox()
    /// Set by ``stop()``: workers finish the job in hand and take no new one.
    private let stopping = Atomic<Bool>(false)

    /// Liveness lease of a server: renewed often, expires when the server stops.
    static let leaseTTL: TimeInterval = 60
    static let leasePrefix = "server:"

    public init(db: any Database, config: ConfigService, serverID: String, workers: Int, pollInterval: Duration = .seconds(1), logger: Logger) {
        self.db = db
        self.config = config
        self.serverID = serverID
        self.workers = workers
        self.pollInterval = pollInterval
        self.logger = logger
    }

    /// Wakes idle workers; called after a job is queued.
    public func notify() {
        Task { await wake.signal() }
    }

    /// Takes this server's lease, recovers orphaned jobs, then starts the workers and
    /// housekeeping. Returns once recovery is done.
    ///
    /// - Parameter exclusive: true when no other management server can share the database
    ///   (embedded SQLite under the data-directory lock): every job left running is then an
    ///   orphan at once, without waiting for the previous process's lease to expire.
    public func start(executor: any JobExecutor, exclusive: Bool = false) async throws {
        stopping.store(false, ordering: .relaxed)
        try await renewLease()
        try await recoverOrphans(executor: executor, onlyThisServerIsAlive: exclusive)
        var started: [Task<Void, Never>] = []
        for index in 0..<workers {
            started.append(Task { await self.workerLoop(index: index, executor: executor) })
        }
        started.append(Task { await self.housekeepingLoop(executor: executor) })
        await tasks.set(started)
    }

    /// Stops the workers: each finishes the job in hand (up to `grace`), then any still
    /// running is cancelled — its job is recovered by the next server start. Gives up the lease.
    public func stop(grace: Duration = .seconds(10)) async {
        stopping.store(true, ordering: .relaxed)
        await wake.signal()
        await stopSignal.signal()
        let running = await tasks.take()
        let timer = Task {
            try? await Task.sleep(for: grace)
            if !Task.isCancelled { for task in running { task.cancel() } }
        }
        for task in running { await task.value }
        timer.cancel()
        try? await db.transaction { [serverID] sql in try await LeaseRepository.release(sql, name: Self.leasePrefix + serverID, owner: serverID) }
    }

    func renewLease() async throws {
        let now = Date()
        _ = try await db.transaction { [serverID] sql in
            try await LeaseRepository.acquire(sql, name: Self.leasePrefix + serverID, owner: serverID, now: now, expires: now.addingTimeInterval(Self.leaseTTL))
        }
    }

    /// Running jobs whose server holds no live lease either go back to the queue (resumable
    /// commands) or fail with a reason. None stays pending forever.
    public func recoverOrphans(executor: any JobExecutor, onlyThisServerIsAlive: Bool = false) async throws {
        let now = Date()
        let live = onlyThisServerIsAlive ? [serverID]
            : try await db.read { try await LeaseRepository.liveOwners($0, prefix: Self.leasePrefix, now: now) }
        let orphans = try await db.read { try await JobRepository.orphaned($0, liveServers: live) }
        for job in orphans {
            if executor.isResumable(command: job.command) {
                try await db.transaction { try await JobRepository.requeue($0, id: job.id) }
                logger.notice("Requeued job orphaned by a stopped management server", metadata: ["job": "\(job.uuid)", "command": "\(job.command)"])
            } else {
                let message = "The management server running this job stopped before it finished; the job was not retried"
                let result = ResponseJSON.error(code: 530, message: message)
                _ = try await db.transaction { try await JobRepository.abandon($0, id: job.id, resultCode: 530, result: result, at: now) }
                logger.warning("Failed job orphaned by a stopped management server", metadata: ["job": "\(job.uuid)", "command": "\(job.command)"])
            }
        }
        if !orphans.isEmpty { await wake.signal() }
    }

    func workerLoop(index: Int, executor: any JobExecutor) async {
        while !Task.isCancelled && !stopping.load(ordering: .relaxed) {
            do {
                // An idle server only reads; the claim is a write transaction.
                guard try await db.read({ try await JobRepository.hasQueued($0) }) else {
                    await wake.wait(timeout: pollInterval)
                    continue
                }
                let claimed = try await db.transaction { [serverID, db] sql in
                    try await JobRepository.claimNext(sql, dialect: db.dialect, server: serverID, now: Date())
                }
                guard let job = claimed else {
                    await wake.wait(timeout: pollInterval)
                    continue
                }
                let outcome = await executor.execute(job)
                let (event, code, result): (JobStateMachine.Event, Int, String) = switch outcome {
                case .succeeded(let json): (.succeed, 0, json)
                case .failed(let code, let message): (.fail, code, ResponseJSON.error(code: code, message: message))
                }
                // The transition comes from the job state machine; a claimed job is running.
                guard let state = JobStateMachine.next(job.state, on: event) else {
                    logger.error("Job in state \(job.state.rawValue) cannot take \(event)", metadata: ["job": "\(job.uuid)"])
                    continue
                }
                try await db.transaction { sql in
                    _ = try await JobRepository.complete(sql, id: job.id, state: state, resultCode: code, result: result, at: Date())
                }
                // Finishing a job may unblock the next one in its sync queue.
                await wake.signal()
            } catch {
                if Task.isCancelled || stopping.load(ordering: .relaxed) { return }
                logger.error("Job worker failed", metadata: ["worker": "\(index)", "error": "\(StoreError.describe(error))"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    func housekeepingLoop(executor: any JobExecutor) async {
        var lastPurge = Date.distantPast
        while !Task.isCancelled && !stopping.load(ordering: .relaxed) {
            await stopSignal.wait(timeout: .seconds(15))
            if Task.isCancelled || stopping.load(ordering: .relaxed) { return }
            do {
                try await renewLease()
                try await recoverOrphans(executor: executor)
                if Date().timeIntervalSince(lastPurge) > 300 {
                    lastPurge = Date()
                    try await purge()
                }
            } catch {
                logger.error("Job housekeeping failed", metadata: ["error": "\(StoreError.describe(error))"])
            }
        }
    }

    /// Deletes expired jobs and events and idle sessions, once across all servers.
    func purge() async throws {
        let now = Date()
        let expire = try await config.int(Settings.jobExpireMinutes)
        let eventDays = try await config.int(Settings.eventPurgeDelay)
        let sessionTimeout = try await config.int(Settings.sessionTimeout)
        try await db.transaction { [serverID] sql in
            guard try await LeaseRepository.acquire(sql, name: "purge", owner: serverID, now: now, expires: now.addingTimeInterval(240)) else { return }
            try await JobRepository.purge(sql, completedBefore: now.addingTimeInterval(-Double(expire) * 60))
            if eventDays > 0 { try await EventRepository.purge(sql, before: now.addingTimeInterval(-Double(eventDays) * 86_400)) }
            try await SessionRepository.deleteIdle(sql, before: now.addingTimeInterval(-Double(sessionTimeout)))
        }
    }
}

/// Holds the runner's tasks.
actor TaskBox {
    private var tasks: [Task<Void, Never>] = []
    func set(_ t: [Task<Void, Never>]) { tasks = t }
    func take() -> [Task<Void, Never>] { defer { tasks = [] }; return tasks }
}

/// Small JSON helpers for job results written by the engine itself.
public enum ResponseJSON {
    /// `{"errorcode":N,"errortext":"…"}` with the text escaped.
    public static func error(code: Int, message: String) -> String {
        #"{"errorcode":\#(code),"errortext":"# + JSONString.quoted(message) + "}"
    }
}
