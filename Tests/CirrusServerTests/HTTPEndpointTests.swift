import CirrusModel
import CirrusServer
import CirrusStore
import CirrusTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// The API over real HTTP (Hummingbird's live test client): routes, form bodies, cookies,
/// status codes and headers.
@Suite("HTTP endpoint", .serialized)
struct HTTPEndpointTests {
    static let logger = Logger(label: "test")

    func withServer(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let db = try await TestDatabase.make()
        let server = try await ManagementServer.start(database: db, adminPassword: "secret-pw", jobWorkers: 2, passwordIterations: 1000, logger: Self.logger)
        do {
            try await server.application(host: "127.0.0.1", port: 0).test(.live) { client in try await body(client) }
        } catch {
            await server.stop()
            await TestDatabase.drop(db)
            throw error
        }
        await server.stop()
        await TestDatabase.drop(db)
    }

    static func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
    }

    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    @Test("login is POST only; the session needs the cookie and the sessionkey parameter")
    func sessionFlow() async throws {
        try await withServer { client in
            let viaGet = try await client.execute(uri: "/client/api?command=login&username=admin&password=secret-pw&response=json", method: .get)
            #expect(viaGet.status.code == 405)

            let bad = try await client.execute(uri: "/client/api", method: .post, headers: Self.form, body: ByteBuffer(string: "command=login&username=admin&password=nope&response=json"))
            #expect(bad.status.code == 531)
            #expect(try Self.json(bad.body)["loginresponse"] != nil)

            let login = try await client.execute(uri: "/client/api?response=json", method: .post, headers: Self.form, body: ByteBuffer(string: "command=login&username=admin&password=secret-pw&domain=%2F"))
            #expect(login.status == .ok)
            let cookies = login.headers[values: .setCookie]
            let sessionID = try #require(cookies.first { $0.hasPrefix("JSESSIONID=") }).split(separator: ";")[0]
            let keyCookie = try #require(cookies.first { $0.hasPrefix("sessionkey=") }).split(separator: ";")[0]
            let response = try #require(Self.json(login.body)["loginresponse"] as? [String: Any])
            let key = try #require(response["sessionkey"] as? String)
            #expect(response["type"] as? String == "1")
            #expect(response["timeout"] as? Int == 1800)

            let cookieHeader: HTTPFields = [.cookie: "\(sessionID); \(keyCookie)"]
            let ok = try await client.execute(uri: "/client/api?command=listUsers&response=json&sessionkey=\(key)", method: .get, headers: cookieHeader)
            #expect(ok.status == .ok)
            let users = try #require(Self.json(ok.body)["listusersresponse"] as? [String: Any])
            #expect(users["count"] as? Int == 1)

            // The same call as a path (/client/api/<command>), a Cirrus extension used by the OpenAPI document.
            let viaPath = try await client.execute(uri: "/client/api/listUsers?response=json&sessionkey=\(key)", method: .get, headers: cookieHeader)
            #expect(viaPath.status == .ok)

            let noKey = try await client.execute(uri: "/client/api?command=listUsers&response=json", method: .get, headers: cookieHeader)
            #expect(noKey.status.code == 401)
            // A mismatched session key ends the session, so even the right key fails afterwards.
            let afterMismatch = try await client.execute(uri: "/client/api?command=listUsers&response=json&sessionkey=\(key)", method: .get, headers: cookieHeader)
            #expect(afterMismatch.status.code == 401)
        }
    }

    @Test("POST bodies merge with the query string; errors carry X-Description and HTTP status = errorcode")
    func formAndErrors() async throws {
        try await withServer { client in
            let login = try await client.execute(uri: "/client/api", method: .post, headers: Self.form, body: ByteBuffer(string: "command=login&username=admin&password=secret-pw&response=json"))
            let cookies = login.headers[values: .setCookie].map { String($0.split(separator: ";")[0]) }.joined(separator: "; ")
            let key = try #require((Self.json(login.body)["loginresponse"] as? [String: Any])?["sessionkey"] as? String)
            var headers = Self.form
            headers[.cookie] = cookies
            let created = try await client.execute(uri: "/client/api?command=createDomain&response=json", method: .post, headers: headers,
                                                   body: ByteBuffer(string: "sessionkey=\(key)&name=eng+team"))
            #expect(created.status == .ok)
            let domain = try #require((Self.json(created.body)["createdomainresponse"] as? [String: Any])?["domain"] as? [String: Any])
            #expect(domain["path"] as? String == "ROOT/eng team")

            let missing = try await client.execute(uri: "/client/api?command=createDomain&response=json", method: .post, headers: headers, body: ByteBuffer(string: "sessionkey=\(key)"))
            #expect(missing.status.code == 431)
            #expect(missing.headers[HTTPField.Name("X-Description")!] == "Unable to execute API command createdomain due to missing parameter name")
            let error = try #require(Self.json(missing.body)["createdomainresponse"] as? [String: Any])
            #expect(error["errorcode"] as? Int == 431)
            #expect(error["cserrorcode"] as? Int == 9999)

            let xml = try await client.execute(uri: "/client/api?command=listDomains&listall=true&sessionkey=\(key)", method: .get, headers: [.cookie: cookies])
            #expect(xml.headers[.contentType] == "text/xml; charset=UTF-8")
            #expect(String(buffer: xml.body).hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?><listdomainsresponse cloud-stack-version="#))
            #expect(String(buffer: xml.body).contains("<count>2</count>"))

            let unsigned = try await client.execute(uri: "/client/api?command=listUsers&response=json", method: .get)
            #expect(unsigned.status.code == 401)
            #expect((try Self.json(unsigned.body)["listusersresponse"] as? [String: Any])?["errortext"] as? String == "unable to verify user credentials and/or request signature")
        }
    }

    @Test("the OpenAPI document is served")
    func openAPI() async throws {
        try await withServer { client in
            let doc = try await client.execute(uri: "/client/api/openapi.json", method: .get)
            #expect(doc.status == .ok)
            let json = try Self.json(doc.body)
            #expect(json["openapi"] as? String == "3.1.0")
            #expect((json["paths"] as? [String: Any])?["/client/api/createAccount"] != nil)
        }
    }

    @Test("a second server on the same SQLite data directory refuses to start")
    func dataDirectoryLock() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cirrus-lock-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try await ManagementServer.start(options: ServerOptions(port: 0, dataDirectory: dir, adminPassword: "x", jobWorkers: 1), logger: Self.logger)
        do {
            _ = try await ManagementServer.start(options: ServerOptions(port: 0, dataDirectory: dir, adminPassword: "x", jobWorkers: 1), logger: Self.logger)
            Issue.record("the second server started")
        } catch {
            #expect("\(error)".contains("is already using the data directory"), "\(error)")
        }
        await first.stop()
        // Once the first has stopped, the directory can be used again.
        let again = try await ManagementServer.start(options: ServerOptions(port: 0, dataDirectory: dir, adminPassword: "x", jobWorkers: 1), logger: Self.logger)
        await again.stop()
    }
}

@Suite("Restart on the embedded database")
struct EmbeddedRestartTests {
    @Test("jobs left running by a crashed server are settled at the next start, even while its lease has not expired")
    func crashedServerJobs() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cirrus-restart-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let logger = Logger(label: "test")
        let options = ServerOptions(port: 0, dataDirectory: dir, adminPassword: "x", jobWorkers: 1)
        let first = try await ManagementServer.start(options: options, logger: logger)
        let crashed = "crashed-server"
        let now = Date()
        let jobID = UUID()
        try await first.engine.db.transaction { sql in
            // The dead process still holds a lease that has not run out yet.
            _ = try await LeaseRepository.acquire(sql, name: "server:\(crashed)", owner: crashed, now: now, expires: now.addingTimeInterval(3600))
            _ = try await JobRepository.insert(sql, AsyncJob(
                id: 0, uuid: jobID, userID: 2, accountID: 2, domainID: 1, command: "deleteDomain", parameters: "{}", syncKey: "domain:x",
                instanceType: nil, instanceUUID: nil, state: .running, resultCode: 0, result: nil, processStatus: 0, attempts: 1,
                ownerServer: crashed, startEventID: nil, created: now, started: now, completed: nil))
        }
        await first.stop()
        let second = try await ManagementServer.start(options: options, logger: logger)
        let job = try await second.engine.db.read { try await JobRepository.find($0, uuid: jobID) }
        await second.stop()
        #expect(job?.state == .failed)
        #expect(job?.resultCode == 530)
        #expect(job?.result?.contains("stopped before it finished") == true)
    }
}
