import CirrusEngine
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

/// The extract download route over HTTP.
@Suite("Template extract route", .serialized)
struct TemplateExtractTests {
    @Test("an extract URL serves the file; a wrong or tampered token is 404")
    func extractRoute() async throws {
        let db = try await TestDatabase.make()
        let server = try await ManagementServer.start(database: db, adminPassword: "secret-pw", jobWorkers: 2, passwordIterations: 1000,
                                                      logger: Logger(label: "test"))
        do {
            let engine = server.engine
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cirrus-extract-\(UUID().uuidString.lowercased())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let zoneID = try await db.transaction { sql -> Int64 in
                let zone = try await ZoneRepository.insert(sql, Zone(id: 0, uuid: UUID(), name: "extract-zone", networkType: .advanced, internalDNS1: "10.0.0.1",
                                                                     allocationState: .enabled, securityGroupEnabled: false, localStorageEnabled: false, created: Date()))
                _ = try await ImageStoreRepository.insert(sql, ImageStore(id: 0, uuid: UUID(), name: "images", zoneID: zone.id, provider: "NFS", protocolName: "file",
                                                                          url: "file://\(dir.path)", path: dir.path, totalBytes: 0, usedBytes: 0, created: Date()))
                return zone.id
            }
            let template = try #require(try await engine.templates.ensureBuiltInTemplate(zoneID: zoneID))
            let caller = try await db.read { sql -> Caller in
                let user = try #require(try await UserRepository.find(sql, username: "admin", domainID: Domain.rootID))
                let account = try #require(try await AccountRepository.find(sql, id: user.accountID))
                let domain = try #require(try await DomainRepository.find(sql, id: account.domainID))
                let role = try #require(try await RoleRepository.find(sql, id: account.roleID))
                return Caller(user: user, account: account, domain: domain, role: role)
            }
            let e = try await engine.templates.extract(caller: caller, id: template.uuid, isISO: false, zoneID: nil, mode: "HTTP_DOWNLOAD")
            let expected = try Data(contentsOf: try #require(try await engine.templates.extractedFile(templateID: template.uuid)))

            try await server.application(host: "127.0.0.1", port: 0).test(.live) { client in
                try await client.execute(uri: e.url, method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(Data(response.body.readableBytesView) == expected)
                    #expect(response.headers[.contentDisposition]?.contains("attachment") == true)
                }
                let tampered = e.url.replacingOccurrences(of: template.uuid.uuidString.lowercased(), with: UUID().uuidString.lowercased())
                try await client.execute(uri: tampered, method: .get) { response in #expect(response.status == .notFound) }
                try await client.execute(uri: e.url + "x", method: .get) { response in #expect(response.status == .notFound) }
            }
        } catch {
            await server.stop()
            await TestDatabase.drop(db)
            throw error
        }
        await server.stop()
        await TestDatabase.drop(db)
    }
}
