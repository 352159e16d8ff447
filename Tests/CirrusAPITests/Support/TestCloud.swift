import CirrusAPI
import CirrusEngine
import CirrusModel
import CirrusStore
import CirrusTestSupport
import Foundation
import Logging
import Testing

/// A management server without HTTP: an Engine on a fresh test database, the dispatcher,
/// and running job workers. Build one with ``withCloud(workers:_:)``.
final class TestCloud: Sendable {
    let db: any Database
    let engine: Engine
    let dispatcher: APIDispatcher
    let logger: Logger

    static let adminPassword = "pw"

    init(db: any Database, engine: Engine, dispatcher: APIDispatcher, logger: Logger) {
        self.db = db
        self.engine = engine
        self.dispatcher = dispatcher
        self.logger = logger
    }

    static var logger: Logger {
        var logger = Logger(label: "cirrus.apitests")
        logger.logLevel = ProcessInfo.processInfo.environment["CIRRUS_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .error
        return logger
    }

    /// Sends one request through the dispatcher.
    func send(_ method: APIRequest.Method = .get, _ pairs: [(String, String)], cookies: [String: String] = [:]) async -> Reply {
        let response = await dispatcher.handle(APIRequest(method: method, parameters: RawParameters(pairs: pairs.map { (name: $0.0, value: $0.1) }), cookies: cookies))
        return Reply(response)
    }

    func startRunner() async throws {
        try await engine.runner.start(executor: dispatcher)
    }

    // MARK: sessions

    /// Logs in with `command=login` over POST and returns the session.
    func login(_ username: String, password: String, domain: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Session {
        var pairs = [("command", "login"), ("username", username), ("password", password), ("response", "json")]
        if let domain { pairs.append(("domain", domain)) }
        let reply = await send(.post, pairs)
        try #require(reply.status == 200, "login of \(username) failed: \(reply.body)", sourceLocation: sourceLocation)
        var cookies: [String: String] = [:]
        for (name, value) in reply.headers where name.lowercased() == "set-cookie" {
            let first = value.split(separator: ";", maxSplits: 1)[0]
            guard let eq = first.firstIndex(of: "=") else { continue }
            cookies[String(first[..<eq])] = String(first[first.index(after: eq)...])
        }
        let body = reply.object
        let key = try #require(body["sessionkey"] as? String, sourceLocation: sourceLocation)
        #expect(cookies[APIDispatcher.sessionKeyCookie] == key, sourceLocation: sourceLocation)
        let id = try #require(cookies[APIDispatcher.sessionCookie], sourceLocation: sourceLocation)
        return Session(cloud: self, sessionID: id, sessionKey: key, userID: try #require(body["userid"] as? String, sourceLocation: sourceLocation))
    }

    func admin() async throws -> Session {
        try await login("admin", password: Self.adminPassword)
    }

    // MARK: API keys

    /// Signs a request as `cs` does (signatureVersion 3, expires 10 minutes ahead) and sends it.
    func signed(_ command: String, _ params: [(String, String)] = [], keys: APIKeys, expires: Date = Date().addingTimeInterval(600),
                format: ResponseFormat = .json, tamper: Bool = false) async -> Reply {
        var pairs = [("command", command)] + params
        if format == .json { pairs.append(("response", "json")) }
        pairs += [("apiKey", keys.apiKey), ("signatureVersion", "3"), ("expires", CloudDate.format(expires))]
        var signature = RequestSignature.signature(for: pairs.map { (name: $0.0, value: $0.1) }, secret: keys.secretKey)
        if tamper { signature = RequestSignature.signature(for: pairs.map { (name: $0.0, value: $0.1) }, secret: keys.secretKey + "x") }
        pairs.append(("signature", signature))
        return await send(.get, pairs)
    }

    // MARK: jobs

    /// Polls queryAsyncJobResult until the job leaves status 0 (at most `timeout`).
    func waitForJob(_ jobID: String, session: Session, timeout: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let reply = await session.call("queryAsyncJobResult", ["jobid": jobID])
            try #require(reply.status == 200, "queryAsyncJobResult failed: \(reply.body)", sourceLocation: sourceLocation)
            let body = reply.object
            if let status = body["jobstatus"] as? Int, status != 0 { return body }
            try #require(clock.now < deadline, "job \(jobID) still pending after \(timeout): \(reply.body)", sourceLocation: sourceLocation)
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// Runs `body` against a fresh management server, and always stops the workers and
/// drops the database afterwards. With `startRunner: false` no job runs until the test
/// calls `cloud.startRunner()`.
func withCloud(workers: Int = 4, startRunner: Bool = true, _ body: (TestCloud) async throws -> Void) async throws {
    let logger = TestCloud.logger
    let db = try await TestDatabase.make()
    let engine = Engine(db: db, serverID: "test-\(UUID().uuidString.lowercased())", jobWorkers: workers, passwordIterations: 1000, logger: logger)
    var started = false
    do {
        try await engine.prepare(adminPassword: TestCloud.adminPassword)
        let dispatcher = APIDispatcher(engine: engine, registry: CommandCatalog.registry(), logger: logger)
        if startRunner { try await engine.runner.start(executor: dispatcher) }
        started = true
        try await body(TestCloud(db: db, engine: engine, dispatcher: dispatcher, logger: logger))
    } catch {
        if started { await engine.runner.stop() }
        await TestDatabase.drop(db)
        throw error
    }
    await engine.runner.stop()
    await TestDatabase.drop(db)
}

/// An API key pair.
struct APIKeys: Sendable {
    var apiKey: String
    var secretKey: String
}

/// A logged-in session: the JSESSIONID cookie, the sessionkey cookie and parameter.
struct Session: Sendable {
    let cloud: TestCloud
    let sessionID: String
    let sessionKey: String
    let userID: String

    var cookies: [String: String] {
        [APIDispatcher.sessionCookie: sessionID, APIDispatcher.sessionKeyCookie: sessionKey]
    }

    func call(_ command: String, _ params: KeyValuePairs<String, String> = [:], format: ResponseFormat = .json) async -> Reply {
        await call(command, pairs: params.map { ($0.key, $0.value) }, format: format)
    }

    func call(_ command: String, pairs: [(String, String)], format: ResponseFormat = .json) async -> Reply {
        var all = [("command", command)] + pairs
        if format == .json { all.append(("response", "json")) }
        all.append(("sessionkey", sessionKey))
        return await cloud.send(.get, all, cookies: cookies)
    }
}

/// A response with its JSON body parsed.
struct Reply {
    let status: Int
    let contentType: String
    let body: String
    let headers: [(name: String, value: String)]

    init(_ response: APIResponse) {
        status = response.status
        contentType = response.contentType
        body = response.body
        headers = response.headers
    }

    /// The whole JSON document (empty when the body is not a JSON object).
    var document: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }

    /// The single top-level key, e.g. `listusersresponse`.
    var key: String? { document.count == 1 ? document.keys.first : nil }

    /// The object under the response key.
    var object: [String: Any] { document.values.first as? [String: Any] ?? [:] }

    var errorCode: Int? { object["errorcode"] as? Int }
    var errorText: String? { object["errortext"] as? String }

    /// The items of a list response.
    func items(_ name: String) -> [[String: Any]] { object[name] as? [[String: Any]] ?? [] }

    /// The `count` of a list response (absent when empty: 0).
    var count: Int { object["count"] as? Int ?? 0 }

    /// The `id`s of a list response.
    func ids(_ name: String) -> Set<String> { Set(items(name).compactMap { $0["id"] as? String }) }
}

// MARK: - Fixtures

/// An account created for a test, with its first user and that user's API keys.
struct TestAccount: Sendable {
    var id: String
    var name: String
    var userID: String
    var username: String
    var password: String
    var domainID: String
    var keys: APIKeys
}

extension Session {
    /// Creates a domain and returns its id.
    func createDomain(_ name: String, parent: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        var pairs = [("name", name)]
        if let parent { pairs.append(("parentdomainid", parent)) }
        let reply = await call("createDomain", pairs: pairs)
        try #require(reply.status == 200, "createDomain \(name): \(reply.body)", sourceLocation: sourceLocation)
        return try #require((reply.object["domain"] as? [String: Any])?["id"] as? String, sourceLocation: sourceLocation)
    }

    /// Creates an account (type 0 unless `type` or `roleID` says otherwise) with one user,
    /// and registers API keys for that user.
    func createAccount(_ name: String, domainID: String?, type: Int? = 0, roleID: String? = nil, username: String? = nil,
                       sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestAccount {
        let username = username ?? "\(name)-user"
        let password = "secret-\(name)"
        var pairs = [("account", name), ("username", username), ("password", password), ("firstname", "First"), ("lastname", "Last"),
                     ("email", "\(name)@example.com")]
        if let type { pairs.append(("accounttype", String(type))) }
        if let roleID { pairs.append(("roleid", roleID)) }
        if let domainID { pairs.append(("domainid", domainID)) }
        let reply = await call("createAccount", pairs: pairs)
        try #require(reply.status == 200, "createAccount \(name): \(reply.body)", sourceLocation: sourceLocation)
        let account = try #require(reply.object["account"] as? [String: Any], sourceLocation: sourceLocation)
        let user = try #require((account["user"] as? [[String: Any]])?.first, sourceLocation: sourceLocation)
        let userID = try #require(user["id"] as? String, sourceLocation: sourceLocation)
        let keysReply = await call("registerUserKeys", ["id": userID])
        try #require(keysReply.status == 200, "registerUserKeys: \(keysReply.body)", sourceLocation: sourceLocation)
        let keys = try #require(keysReply.object["userkeys"] as? [String: Any], sourceLocation: sourceLocation)
        return TestAccount(id: try #require(account["id"] as? String, sourceLocation: sourceLocation), name: name, userID: userID, username: username,
                           password: password, domainID: try #require(account["domainid"] as? String, sourceLocation: sourceLocation),
                           keys: APIKeys(apiKey: try #require(keys["apikey"] as? String, sourceLocation: sourceLocation),
                                         secretKey: try #require(keys["secretkey"] as? String, sourceLocation: sourceLocation)))
    }

    /// Submits an async command, checks the immediate answer has a jobid, and waits for the job.
    func runJob(_ command: String, pairs: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let reply = await call(command, pairs: pairs)
        try #require(reply.status == 200, "\(command): \(reply.body)", sourceLocation: sourceLocation)
        let jobID = try #require(reply.object["jobid"] as? String, "\(command) returned no jobid: \(reply.body)", sourceLocation: sourceLocation)
        return try await cloud.waitForJob(jobID, session: self, sourceLocation: sourceLocation)
    }
}

extension TestCloud {
    /// Inserts a finished job owned by `account` straight into the job table.
    func insertJob(ownedBy account: TestAccount, command: String = "disableAccount", state: JobState = .succeeded, ownerServer: String? = nil,
                   parameters: String = #"{"maps":{},"scalars":{}}"#, syncKey: String? = nil) async throws -> AsyncJob {
        let ids = try await db.read { sql -> (Int64, Int64, Int64) in
            let user = try #require(try await UserRepository.find(sql, uuid: UUID(uuidString: account.userID)!))
            let acct = try #require(try await AccountRepository.find(sql, id: user.accountID))
            return (user.id, acct.id, acct.domainID)
        }
        return try await insertJob(userID: ids.0, accountID: ids.1, domainID: ids.2, command: command, state: state, ownerServer: ownerServer,
                                   parameters: parameters, syncKey: syncKey ?? "account:\(account.id)")
    }

    func insertJob(userID: Int64, accountID: Int64, domainID: Int64, command: String, state: JobState, ownerServer: String?, parameters: String,
                   syncKey: String, instanceType: String? = nil, instanceUUID: String? = nil) async throws -> AsyncJob {
        let now = Date()
        let terminal = state.isTerminal
        let job = AsyncJob(id: 0, uuid: UUID(), userID: userID, accountID: accountID, domainID: domainID, command: command, parameters: parameters,
                           syncKey: syncKey, instanceType: instanceType, instanceUUID: instanceUUID, state: state, resultCode: 0,
                           result: terminal ? #"{"success":true}"# : nil, processStatus: 0, attempts: state == .queued ? 0 : 1, ownerServer: ownerServer,
                           startEventID: nil, created: now, started: state == .queued ? nil : now, completed: terminal ? now : nil)
        return try await db.transaction { sql in try await JobRepository.insert(sql, job) }
    }
}

/// A fresh name for objects that must be unique.
func unique(_ prefix: String) -> String {
    "\(prefix)\(UInt32.random(in: 0 ... .max))"
}
