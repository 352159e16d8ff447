import CirrusEngine
import CirrusModel
import CirrusStore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 for download tests: each path answers with a fixed
/// body, a status, a slow trickle, or stalls half-way. Blocking sockets on plain threads, so
/// it needs nothing from the code under test.
final class TemplateFileServer: @unchecked Sendable {
    // @unchecked Sendable: `routes` and `stopped` are guarded by `lock`; the socket is only
    // closed once, by stop().
    enum Route {
        case body(Data)
        case status(Int)
        /// Sends the body in `chunks` pieces with `delay` between them.
        case slow(Data, chunks: Int, delay: TimeInterval)
        /// Announces the full length, sends `sentBytes`, then goes silent.
        case stall(Data, sentBytes: Int)
        /// Announces `length` bytes and sends a few.
        case claims(length: Int)
    }

    private let lock = NSLock()
    private var routes: [String: Route] = [:]
    private var stopped = false
    private let listener: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var out = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &out) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        listener = fd
        port = Int(UInt16(bigEndian: out.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    func route(_ path: String, _ r: Route) { lock.withLock { routes[path] = r } }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    func stop() {
        let first = lock.withLock { () -> Bool in defer { stopped = true }; return !stopped }
        if first { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }
    }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func acceptLoop() {
        while !isStopped {
            let fd = accept(listener, nil, nil)
            if fd < 0 { if isStopped { return } else { continue } }
            let t = Thread { [self] in serve(fd) }
            t.start()
        }
    }

    private func send(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var request = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.contains("\r\n\r\n".data(using: .utf8)!) {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return }
            request.append(contentsOf: buffer[0..<n])
        }
        let line = String(decoding: request.prefix(while: { $0 != 13 }), as: UTF8.self)
        let path = line.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
        func header(_ status: Int, _ length: Int) -> Data {
            Data("HTTP/1.1 \(status) \(status == 200 ? "OK" : "Not Found")\r\nContent-Length: \(length)\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n".utf8)
        }
        switch lock.withLock({ routes[path] }) ?? .status(404) {
        case .body(let data):
            _ = send(fd, header(200, data.count) + data)
        case .status(let code):
            let body = Data("no such file\n".utf8)
            _ = send(fd, header(code, body.count) + body)
        case .slow(let data, let chunks, let delay):
            guard send(fd, header(200, data.count)) else { return }
            let size = max(1, data.count / chunks)
            var offset = 0
            while offset < data.count {
                let end = min(data.count, offset + size)
                guard send(fd, data[offset..<end]) else { return }
                offset = end
                Thread.sleep(forTimeInterval: delay)
            }
        case .claims(let length):
            _ = send(fd, header(200, length) + Data(repeating: 1, count: 1000))
        case .stall(let data, let sentBytes):
            guard send(fd, header(200, data.count) + data.prefix(sentBytes)) else { return }
            let deadline = Date().addingTimeInterval(30)
            while !isStopped && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        }
    }
}

/// A zone with one image store in a temporary directory.
struct TemplateZone {
    var zone: Zone
    var store: ImageStore
    var id: String { zone.uuid.uuidString.lowercased() }
}

extension TestCloud {
    /// Creates a zone and an image store whose files live in a fresh temporary directory.
    func templateZone(_ name: String) async throws -> TemplateZone {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cirrus-store-\(UUID().uuidString.lowercased())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return try await db.transaction { sql in
            let zone = try await ZoneRepository.insert(sql, Zone(id: 0, uuid: UUID(), name: name, networkType: .advanced, internalDNS1: "10.0.0.1",
                                                                 allocationState: .enabled, securityGroupEnabled: false, localStorageEnabled: false, created: Date()))
            let store = try await ImageStoreRepository.insert(sql, ImageStore(id: 0, uuid: UUID(), name: "\(name)-images", zoneID: zone.id, provider: "NFS",
                                                                              protocolName: "file", url: "file://\(dir.path)", path: dir.path,
                                                                              totalBytes: 1 << 40, usedBytes: 0, created: Date()))
            return TemplateZone(zone: zone, store: store)
        }
    }
}

extension Session {
    /// Polls listTemplates (or listIsos) for one template until `done` holds for its entry.
    func waitForTemplate(_ id: String, iso: Bool = false, timeout: TimeInterval = 15, sourceLocation: SourceLocation = #_sourceLocation,
                         until done: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let reply = iso ? await call("listIsos", ["id": id, "isofilter": "self"]) : await call("listTemplates", ["id": id, "templatefilter": "self"])
            try #require(reply.status == 200, "list: \(reply.body)", sourceLocation: sourceLocation)
            if let entry = reply.items(iso ? "iso" : "template").first, done(entry) { return entry }
            try #require(Date() < deadline, "template \(id) did not get there: \(reply.body)", sourceLocation: sourceLocation)
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Registers a QCOW2 template from `url` and returns the registration answer's entry.
    func registerTemplate(_ name: String, url: String, zone: String, checksum: String? = nil, extra: [(String, String)] = [],
                          sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        var pairs = [("name", name), ("displaytext", "\(name) text"), ("url", url), ("zoneid", zone), ("format", "QCOW2"), ("hypervisor", "KVM")]
        if let checksum { pairs.append(("checksum", checksum)) }
        let reply = await call("registerTemplate", pairs: pairs + extra)
        try #require(reply.status == 200, "registerTemplate: \(reply.body)", sourceLocation: sourceLocation)
        #expect(reply.count == 1, sourceLocation: sourceLocation)
        return try #require(reply.items("template").first, sourceLocation: sourceLocation)
    }
}

/// A small QCOW2-looking file: the magic, version 3 and a 1 GiB virtual size, then filler.
func qcow2Image(bytes: Int = 300_000) -> Data {
    var data = Data([0x51, 0x46, 0x49, 0xFB, 0, 0, 0, 3])
    data.append(Data(repeating: 0, count: 16))
    data.append(contentsOf: [0, 0, 0, 0, 0x40, 0, 0, 0]) // 1 GiB, big-endian
    var x: UInt32 = 12345
    while data.count < bytes {
        x = x &* 1_103_515_245 &+ 12345
        data.append(UInt8(truncatingIfNeeded: x >> 16))
    }
    return data
}

func sha256Hex(_ data: Data) -> String { TemplateDownloader.digest(data, algorithm: .sha256) }

/// The files under a store's template directory.
func storedFiles(_ store: ImageStore) -> [String] {
    let root = URL(fileURLWithPath: store.path).appendingPathComponent("template")
    guard let e = FileManager.default.enumerator(atPath: root.path) else { return [] }
    return e.compactMap { $0 as? String }.filter { !$0.isEmpty && !FileManager.default.isDirectory(root.appendingPathComponent($0)) }
}

extension FileManager {
    func isDirectory(_ url: URL) -> Bool {
        var isDir: ObjCBool = false
        return fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue
    }
}

@Suite("Template downloads", .serialized)
struct TemplateDownloadTests {
    @Test func downloadShowsProgressVerifiesTheChecksumAndStoresTheFile() async throws {
        let server = try TemplateFileServer()
        defer { server.stop() }
        let image = qcow2Image()
        server.route("/good.qcow2", .slow(image, chunks: 10, delay: 0.15))
        try await withCloud { cloud in
            let z = try await cloud.templateZone("dl-zone")
            let admin = try await cloud.admin()
            let registered = try await admin.registerTemplate("good", url: server.url("/good.qcow2"), zone: z.id, checksum: "{SHA-256}\(sha256Hex(image))")
            #expect(registered["isready"] as? Bool == false)
            #expect(registered["zoneid"] as? String == z.id)
            let id = try #require(registered["id"] as? String)
            // Progress is reported as CloudStack words it.
            let progressing = try await admin.waitForTemplate(id) { ($0["status"] as? String)?.hasSuffix("% Downloaded") == true }
            #expect(progressing["isready"] as? Bool == false)
            let done = try await admin.waitForTemplate(id) { $0["isready"] as? Bool == true }
            #expect(done["status"] as? String == "Download Complete")
            #expect(done["physicalsize"] as? Int == image.count)
            #expect(done["size"] as? Int == 1 << 30)
            #expect(done["checksum"] as? String == "{SHA-256}\(sha256Hex(image))")
            #expect(done["format"] as? String == "QCOW2")
            #expect(done["ostypename"] as? String == "Other (64-bit)")
            let details = try #require(done["downloaddetails"] as? [[String: Any]])
            #expect(details.first?["downloadState"] as? String == "DOWNLOADED")
            // The file is where CloudStack's layout puts it, with the right bytes.
            let t = try #require(try await cloud.db.read { try await TemplateRepository.find($0, uuid: UUID(uuidString: id)!) })
            let file = URL(fileURLWithPath: z.store.path).appendingPathComponent("template/tmpl/\(t.accountID)/\(t.id)/\(id).qcow2")
            #expect(try Data(contentsOf: file) == image)
            #expect(storedFiles(z.store).count == 1)
            await cloud.engine.templates.downloader.waitUntilIdle()
        }
    }

    @Test func aChecksumMismatchFailsAndRemovesTheFile() async throws {
        let server = try TemplateFileServer()
        defer { server.stop() }
        server.route("/bad.qcow2", .body(qcow2Image()))
        try await withCloud { cloud in
            let z = try await cloud.templateZone("sum-zone")
            let admin = try await cloud.admin()
            let wrong = String(repeating: "0", count: 32)
            let t = try await admin.registerTemplate("bad", url: server.url("/bad.qcow2"), zone: z.id, checksum: wrong)
            let failed = try await admin.waitForTemplate(t["id"] as! String) { ($0["status"] as? String)?.contains("Checksum mismatch") == true }
            #expect(failed["isready"] as? Bool == false)
            #expect((failed["status"] as? String)?.contains(wrong) == true)
            #expect((failed["downloaddetails"] as? [[String: Any]])?.first?["downloadState"] as? String == "DOWNLOAD_ERROR")
            await cloud.engine.templates.downloader.waitUntilIdle()
            #expect(storedFiles(z.store).isEmpty)
        }
    }

    @Test func notFoundAndConnectionRefusedReportTheReason() async throws {
        let server = try TemplateFileServer()
        defer { server.stop() }
        server.route("/gone.qcow2", .status(404))
        // A port nobody listens on.
        let closed = try TemplateFileServer()
        let deadPort = closed.port
        closed.stop()
        try await withCloud { cloud in
            let z = try await cloud.templateZone("err-zone")
            let admin = try await cloud.admin()
            let missing = try await admin.registerTemplate("missing", url: server.url("/gone.qcow2"), zone: z.id)
            let notFound = try await admin.waitForTemplate(missing["id"] as! String) { ($0["status"] as? String)?.contains("HTTP 404") == true }
            #expect(notFound["isready"] as? Bool == false)
            let refused = try await admin.registerTemplate("refused", url: "http://127.0.0.1:\(deadPort)/x.qcow2", zone: z.id)
            let entry = try await admin.waitForTemplate(refused["id"] as! String) { ($0["status"] as? String)?.hasPrefix("Unable to download") == true }
            #expect(entry["isready"] as? Bool == false)
            await cloud.engine.templates.downloader.waitUntilIdle()
            #expect(storedFiles(z.store).isEmpty)
        }
    }

    @Test func aStalledServerHitsTheIdleTimeout() async throws {
        let server = try TemplateFileServer()
        defer { server.stop() }
        server.route("/stall.qcow2", .stall(qcow2Image(), sentBytes: 50_000))
        try await withCloud { cloud in
            let z = try await cloud.templateZone("stall-zone")
            let admin = try await cloud.admin()
            let set = await admin.call("updateConfiguration", ["name": "template.download.idle.timeout", "value": "1"])
            try #require(set.status == 200, "\(set.body)")
            let t = try await admin.registerTemplate("stall", url: server.url("/stall.qcow2"), zone: z.id)
            let failed = try await admin.waitForTemplate(t["id"] as! String, timeout: 10) { ($0["status"] as? String)?.contains("stalled") == true }
            #expect(failed["isready"] as? Bool == false)
            #expect((failed["status"] as? String)?.contains("template.download.idle.timeout") == true)
            await cloud.engine.templates.downloader.waitUntilIdle()
            #expect(storedFiles(z.store).isEmpty)
        }
    }

    @Test func aFileOverTheSizeLimitIsRefused() async throws {
        let server = try TemplateFileServer()
        defer { server.stop() }
        server.route("/huge.qcow2", .claims(length: 3 << 30))
        try await withCloud { cloud in
            let z = try await cloud.templateZone("size-zone")
            let admin = try await cloud.admin()
            let set = await admin.call("updateConfiguration", ["name": "max.template.iso.size", "value": "2"])
            try #require(set.status == 200, "\(set.body)")
            let t = try await admin.registerTemplate("huge", url: server.url("/huge.qcow2"), zone: z.id)
            let failed = try await admin.waitForTemplate(t["id"] as! String) { ($0["status"] as? String)?.contains("max.template.iso.size") == true }
            #expect(failed["isready"] as? Bool == false)
            await cloud.engine.templates.downloader.waitUntilIdle()
            #expect(storedFiles(z.store).isEmpty)
        }
    }

    @Test func unsupportedSchemesAreRefusedAndNothingIsCreated() async throws {
        try await withCloud { cloud in
            let z = try await cloud.templateZone("scheme-zone")
            let admin = try await cloud.admin()
            for url in ["ftp://127.0.0.1/x.qcow2", "file:///etc/passwd", "nonsense"] {
                let reply = await admin.call("registerTemplate", ["name": "x", "url": url, "zoneid": z.id, "format": "QCOW2", "hypervisor": "KVM"])
                #expect(reply.status == 431, "\(url): \(reply.body)")
                #expect(reply.errorCode == 431)
            }
            let iso = await admin.call("registerIso", ["name": "x", "url": "ftp://127.0.0.1/x.iso", "zoneid": z.id])
            #expect(iso.status == 431)
            #expect(iso.errorText?.contains("Unsupported scheme") == true)
            // Other bad input: unknown zone, bad format, bad checksum, KVM with VHD.
            let bad: [[String: String]] = [
                ["zoneid": UUID().uuidString, "format": "QCOW2", "hypervisor": "KVM"],
                ["zoneid": z.id, "format": "VMDKX", "hypervisor": "KVM"],
                ["zoneid": z.id, "format": "VHD", "hypervisor": "KVM"],
                ["zoneid": z.id, "format": "QCOW2", "hypervisor": "Xen"],
                ["zoneid": z.id, "format": "QCOW2", "hypervisor": "KVM", "checksum": "{SHA-256}abc"],
                ["zoneid": "not-a-zone", "format": "QCOW2", "hypervisor": "KVM"],
            ]
            for params in bad {
                let pairs = [("name", "x"), ("url", "http://127.0.0.1:1/x.qcow2")] + params.map { ($0.key, $0.value) }
                let reply = await admin.call("registerTemplate", pairs: pairs)
                #expect(reply.status == 431, "\(params): \(reply.body)")
            }
            let all = await admin.call("listTemplates", ["templatefilter": "all"])
            #expect(all.count == 0, "\(all.body)")
            let rows = try await cloud.db.read { try await TemplateRepository.candidates($0, .init(isISO: false)).count + TemplateRepository.candidates($0, .init(isISO: true)).count }
            #expect(rows == 0)
            #expect(storedFiles(z.store).isEmpty)
        }
    }

    @Test func aZoneWithoutImageStoreIsRefused() async throws {
        try await withCloud { cloud in
            let zone = try await cloud.db.transaction { sql in
                try await ZoneRepository.insert(sql, Zone(id: 0, uuid: UUID(), name: "bare", networkType: .advanced, internalDNS1: "10.0.0.1",
                                                          allocationState: .enabled, securityGroupEnabled: false, localStorageEnabled: false, created: Date()))
            }
            let admin = try await cloud.admin()
            let reply = await admin.call("registerTemplate", ["name": "x", "url": "http://127.0.0.1:1/x.qcow2", "zoneid": zone.uuid.uuidString,
                                                               "format": "QCOW2", "hypervisor": "KVM"])
            #expect(reply.status == 431)
            #expect(reply.errorText?.contains("image store") == true)
        }
    }

    @Test func pendingDownloadsOfAStoppedServerAreTakenOver() async throws {
        let server = try TemplateFileServer()
        defer { server.stop() }
        let image = qcow2Image()
        server.route("/again.qcow2", .body(image))
        try await withCloud { cloud in
            let z = try await cloud.templateZone("resume-zone")
            let admin = try await cloud.admin()
            let t = try await admin.registerTemplate("again", url: server.url("/again.qcow2"), zone: z.id)
            let id = t["id"] as! String
            _ = try await admin.waitForTemplate(id) { $0["isready"] as? Bool == true }
            await cloud.engine.templates.downloader.waitUntilIdle()
            // Pretend a server died mid-download long ago: the copy is pending, its file gone.
            for f in storedFiles(z.store) { try FileManager.default.removeItem(at: URL(fileURLWithPath: z.store.path).appendingPathComponent("template/\(f)")) }
            let refID = try await cloud.db.transaction { sql -> Int64 in
                let tmpl = try #require(try await TemplateRepository.find(sql, uuid: UUID(uuidString: id)!))
                let ref = try #require(try await TemplateRepository.refs(sql, templateIDs: [tmpl.id])[tmpl.id]?.first)
                try await TemplateRepository.setState(sql, id: ref.id, state: .downloadInProgress, percent: 40, size: nil, physicalSize: nil, installPath: nil,
                                                      error: nil, at: Date().addingTimeInterval(-3600))
                return ref.id
            }
            #expect(try await cloud.engine.templates.downloader.resume() == 1)
            #expect(try await cloud.engine.templates.downloader.resume() == 0)
            let done = try await admin.waitForTemplate(id) { $0["isready"] as? Bool == true }
            #expect(done["status"] as? String == "Download Complete")
            #expect(storedFiles(z.store).count == 1)
            let ref = try await cloud.db.read { try await TemplateRepository.ref($0, id: refID) }
            #expect(ref?.ownerServer == cloud.engine.serverID)
            await cloud.engine.templates.downloader.waitUntilIdle()
        }
    }
}
