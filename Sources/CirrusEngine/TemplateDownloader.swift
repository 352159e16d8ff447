import CirrusModel
import CirrusStore
import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Synchronization

/// Downloads registered templates and ISOs into image stores, one background task per
/// store copy. Progress and the outcome are written to the copy's row
/// (`template_store_refs`), which is the only state: after a restart, copies left pending
/// are taken over again (see ``resume()``).
public final class TemplateDownloader: Sendable {
    let db: any Database
    let config: ConfigService
    let serverID: String
    let logger: Logger
    private let running = Mutex<[Int64: Task<Void, Never>]>([:])

    /// A running download writes its row at least this often, even without progress.
    static let heartbeat: TimeInterval = 5
    /// A pending copy whose row has not changed for this long has no live downloader.
    public static let orphanAfter: TimeInterval = 20

    init(db: any Database, config: ConfigService, serverID: String, logger: Logger) {
        self.db = db
        self.config = config
        self.serverID = serverID
        self.logger = logger
    }

    /// Starts downloading copy `refID` (already claimed or freshly created by this server).
    func start(refID: Int64) {
        running.withLock { tasks in
            guard tasks[refID] == nil else { return }
            tasks[refID] = Task.detached { [self] in
                await self.run(refID: refID)
                _ = self.running.withLock { $0.removeValue(forKey: refID) }
            }
        }
    }

    /// The hex digest of `data` (for checks and tests).
    public static func digest(_ data: Data, algorithm: TemplateChecksum.Algorithm) -> String {
        var d = RunningDigest(algorithm)
        d.update(data)
        return d.hex()
    }

    /// HMAC-SHA256 of `text` under `key`, in hex.
    static func hmac(_ text: String, key: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: Data(key.utf8))).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares two strings without stopping at the first difference.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// Whether a download of copy `refID` runs in this process.
    public func isRunning(refID: Int64) -> Bool { running.withLock { $0[refID] != nil } }

    /// Waits until no download runs in this process (tests).
    public func waitUntilIdle() async {
        while let task = running.withLock({ $0.values.first }) { await task.value }
    }

    /// Stops the download of copy `refID` in this process, if one runs, and waits for it to end.
    func cancel(refID: Int64) async {
        guard let task = running.withLock({ $0[refID] }) else { return }
        task.cancel()
        await task.value
    }

    /// Cancels every running download; their copies stay pending and are taken over at the next start.
    public func stop() {
        let tasks = running.withLock { all in defer { all.removeAll() }; return Array(all.values) }
        for t in tasks { t.cancel() }
    }

    /// Takes over pending copies nobody works on (their heartbeat is older than ``orphanAfter``)
    /// and downloads them again from the start. Returns how many were taken over.
    @discardableResult
    public func resume(olderThan age: TimeInterval = TemplateDownloader.orphanAfter) async throws -> Int {
        let now = Date()
        let stale = try await db.read { try await TemplateRepository.stalePending($0, before: now.addingTimeInterval(-age)) }
        var taken = 0
        for ref in stale where !isRunning(refID: ref.id) {
            let claimed = try await db.transaction { try await TemplateRepository.claim($0, id: ref.id, seen: ref.updated, owner: self.serverID, at: Date()) }
            if claimed {
                logger.info("Restarting the download of template copy \(ref.id) left pending by \(ref.ownerServer ?? "no server")")
                start(refID: ref.id)
                taken += 1
            }
        }
        return taken
    }

    // MARK: - one download

    private func run(refID: Int64) async {
        do {
            try await download(refID: refID)
        } catch is CancellationError {
            logger.info("Download of template copy \(refID) stopped")
        } catch {
            logger.error("Download of template copy \(refID) failed: \(error)")
            try? await db.transaction { sql in
                try await TemplateRepository.setState(sql, id: refID, state: .downloadError, percent: 0, size: nil, physicalSize: nil, installPath: nil,
                                                      error: "Download failed: \(error)", at: Date())
            }
        }
    }

    private func download(refID: Int64) async throws {
        let loaded = try await db.read { sql -> (TemplateStoreRef, Template, ImageStore)? in
            guard let ref = try await TemplateRepository.ref(sql, id: refID),
                  let template = try await TemplateRepository.find(sql, id: ref.templateID),
                  let store = try await ImageStoreRepository.find(sql, id: ref.storeID) else { return nil }
            return (ref, template, store)
        }
        guard let (ref, template, store) = loaded, ref.state.isPending else { return }
        guard let urlText = template.url, let url = URL(string: urlText) else {
            try await fail(refID, "Template \(template.name) has no URL to download from")
            return
        }
        let relative = TemplateFiles.installPath(accountID: template.accountID, templateID: template.id, uuid: template.uuid, format: template.format)
        let destination = URL(fileURLWithPath: store.path).appendingPathComponent(relative)
        let partial = destination.appendingPathExtension("part")
        let checksum = template.checksum.flatMap(TemplateChecksum.init(parsing:))
        let idleTimeout = TimeInterval(try await config.int(Settings.templateDownloadIdleTimeout))
        let maxBytes = Int64(try await config.int(Settings.maxTemplateSize)) * 1_073_741_824

        try await TemplateFiles.offPool { try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true) }
        try await db.transaction { try await TemplateRepository.setProgress($0, id: refID, percent: 0, at: Date()) }

        let fetch = HTTPFileFetch(url: url, destination: partial, algorithm: checksum?.algorithm, maxBytes: maxBytes)
        try fetch.begin()
        var lastPercent = -1
        var lastWrite = Date()
        var cancelAsked: Date?
        let tick = max(0.05, min(0.5, idleTimeout / 4))
        while true {
            let snapshot = fetch.snapshot()
            if snapshot.finished { break }
            if Task.isCancelled {
                fetch.cancel(reason: "Download stopped")
                try? await TemplateFiles.offPool { try? FileManager.default.removeItem(at: partial) }
                throw CancellationError()
            }
            let now = Date()
            if now.timeIntervalSince(snapshot.lastActivity) > idleTimeout {
                if let asked = cancelAsked {
                    // URLSession should report the cancellation at once; never wait on it forever.
                    if now.timeIntervalSince(asked) > 10 { fetch.abandon(); continue }
                } else {
                    cancelAsked = now
                    fetch.cancel(reason: "Download stalled: no data received from \(urlText) for \(Int(idleTimeout)) seconds "
                                       + "(template.download.idle.timeout); \(snapshot.received) bytes received")
                }
            }
            let percent = snapshot.expected.map { $0 > 0 ? Int(min(99, snapshot.received * 100 / $0)) : 0 } ?? 0
            if percent != lastPercent || now.timeIntervalSince(lastWrite) > Self.heartbeat {
                try await db.transaction { try await TemplateRepository.setProgress($0, id: refID, percent: percent, at: now) }
                lastPercent = percent
                lastWrite = now
            }
            try? await Task.sleep(for: .seconds(tick))
        }
        let outcome = fetch.snapshot()
        if let failure = outcome.failure {
            try? await TemplateFiles.offPool { try? FileManager.default.removeItem(at: partial) }
            try await fail(refID, failure)
            return
        }
        if let checksum, let digest = outcome.digest, digest != checksum.hex {
            try? await TemplateFiles.offPool { try? FileManager.default.removeItem(at: partial) }
            try await fail(refID, "Checksum mismatch: the downloaded file's \(checksum.algorithm.rawValue) is \(digest), expected \(checksum.hex)")
            return
        }
        let virtualSize = try await TemplateFiles.offPool { () -> Int64 in
            if FileManager.default.fileExists(atPath: destination.path) { try FileManager.default.removeItem(at: destination) }
            try FileManager.default.moveItem(at: partial, to: destination)
            return TemplateFiles.virtualSize(of: destination, format: template.format) ?? outcome.received
        }
        try await db.transaction { sql in
            try await TemplateRepository.setState(sql, id: refID, state: .downloaded, percent: 100, size: virtualSize, physicalSize: outcome.received,
                                                  installPath: relative, error: nil, at: Date())
            try await TemplateAccounting.downloaded(sql, template, zoneID: ref.zoneID, physicalSize: outcome.received, virtualSize: virtualSize)
        }
        logger.info("Template \(template.name) downloaded to image store \(store.name): \(outcome.received) bytes")
    }

    private func fail(_ refID: Int64, _ reason: String) async throws {
        logger.warning("Template copy \(refID): \(reason)")
        try await db.transaction { sql in
            try await TemplateRepository.setState(sql, id: refID, state: .downloadError, percent: 0, size: nil, physicalSize: nil, installPath: nil, error: reason, at: Date())
        }
    }
}

/// Paths and blocking file work for template files.
enum TemplateFiles {
    /// `template/tmpl/<accountId>/<templateId>/<uuid>.<ext>`, relative to the store's root.
    static func installPath(accountID: Int64, templateID: Int64, uuid: UUID, format: TemplateFormat) -> String {
        "template/tmpl/\(accountID)/\(templateID)/\(uuid.uuidString.lowercased()).\(format.fileExtension)"
    }

    /// Runs blocking file work on a dispatch queue, off the cooperative pool.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(with: Result { try body() })
            }
        }
    }

    /// The virtual disk size of a QCOW2 image (from its header); nil for other formats.
    static func virtualSize(of file: URL, format: TemplateFormat) -> Int64? {
        guard format == .qcow2, let handle = try? FileHandle(forReadingFrom: file) else { return nil }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: 32), header.count == 32,
              header.prefix(4) == Data([0x51, 0x46, 0x49, 0xFB]) else { return nil }
        var size: UInt64 = 0
        for byte in header[24..<32] { size = size << 8 | UInt64(byte) }
        return Int64(clamping: size)
    }
}

/// A running digest of one of the checksum algorithms.
struct RunningDigest {
    private enum State {
        case md5(Insecure.MD5), sha1(Insecure.SHA1), sha256(SHA256), sha384(SHA384), sha512(SHA512)
    }
    private var state: State

    init(_ algorithm: TemplateChecksum.Algorithm) {
        switch algorithm {
        case .md5: state = .md5(Insecure.MD5())
        case .sha1: state = .sha1(Insecure.SHA1())
        case .sha256: state = .sha256(SHA256())
        case .sha384: state = .sha384(SHA384())
        case .sha512: state = .sha512(SHA512())
        }
    }

    mutating func update(_ data: Data) {
        switch state {
        case .md5(var h): h.update(data: data); state = .md5(h)
        case .sha1(var h): h.update(data: data); state = .sha1(h)
        case .sha256(var h): h.update(data: data); state = .sha256(h)
        case .sha384(var h): h.update(data: data); state = .sha384(h)
        case .sha512(var h): h.update(data: data); state = .sha512(h)
        }
    }

    func hex() -> String {
        let bytes: [UInt8]
        switch state {
        case .md5(let h): bytes = Array(h.finalize())
        case .sha1(let h): bytes = Array(h.finalize())
        case .sha256(let h): bytes = Array(h.finalize())
        case .sha384(let h): bytes = Array(h.finalize())
        case .sha512(let h): bytes = Array(h.finalize())
        }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }
}

/// One HTTP(S) download into a file with URLSession. URLSession calls the delegate on its
/// own serial operation queue, so the file writes and hashing happen off the cooperative
/// pool; the async side only polls ``snapshot()``.
final class HTTPFileFetch: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // @unchecked Sendable: every mutable field is guarded by `state`'s lock; `session` and
    // `handle` are only touched from the session's serial delegate queue after `begin()`.
    struct Snapshot: Sendable {
        var received: Int64 = 0
        var expected: Int64?
        var lastActivity = Date()
        var finished = false
        var failure: String?
        var digest: String?
    }

    private struct State {
        var snapshot = Snapshot()
        var digest: RunningDigest?
        var handle: FileHandle?
        var task: URLSessionDataTask?
        var reason: String?
    }

    let url: URL
    let destination: URL
    let maxBytes: Int64
    private let state: Mutex<State>
    private var session: URLSession?

    init(url: URL, destination: URL, algorithm: TemplateChecksum.Algorithm?, maxBytes: Int64) {
        self.url = url
        self.destination = destination
        self.maxBytes = maxBytes
        self.state = Mutex(State(digest: algorithm.map(RunningDigest.init)))
    }

    func begin() throws {
        guard FileManager.default.createFile(atPath: destination.path, contents: nil) else {
            throw CloudError.internalError("Unable to create the template file \(destination.path)")
        }
        let handle = try FileHandle(forWritingTo: destination)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.timeoutIntervalForRequest = 3600
        configuration.timeoutIntervalForResource = 7 * 24 * 3600
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
        self.session = session
        let task = session.dataTask(with: URLRequest(url: url))
        state.withLock { $0.handle = handle; $0.task = task; $0.snapshot.lastActivity = Date() }
        task.resume()
    }

    func snapshot() -> Snapshot { state.withLock { $0.snapshot } }

    /// Stops the transfer; `reason` becomes the failure.
    func cancel(reason: String) {
        let task = state.withLock { s -> URLSessionDataTask? in
            if s.reason == nil { s.reason = reason }
            return s.task
        }
        task?.cancel()
    }

    /// Gives up on a transfer whose cancellation was never reported: finished, with the
    /// cancellation's reason as the failure.
    func abandon() {
        state.withLock { s in
            guard !s.snapshot.finished else { return }
            s.snapshot.failure = s.reason ?? "Download abandoned"
            s.snapshot.finished = true
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void) {
        let http = response as? HTTPURLResponse
        let status = http?.statusCode ?? 200
        let length = response.expectedContentLength
        let refusal: String? = state.withLock { s in
            s.snapshot.lastActivity = Date()
            if !(200..<300).contains(status) {
                s.reason = "Unable to download \(url.absoluteString): HTTP \(status) \(HTTPURLResponse.localizedString(forStatusCode: status).capitalized)"
            } else if length > maxBytes {
                s.reason = "The file at \(url.absoluteString) is \(length) bytes, more than the \(maxBytes / 1_073_741_824) GB allowed by max.template.iso.size"
            } else if length > 0 {
                s.snapshot.expected = length
            }
            return s.reason
        }
        completionHandler(refusal == nil ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let (handle, tooBig) = state.withLock { s -> (FileHandle?, Bool) in
            s.snapshot.lastActivity = Date()
            s.snapshot.received += Int64(data.count)
            s.digest?.update(data)
            if s.snapshot.received > maxBytes, s.reason == nil {
                s.reason = "The file at \(url.absoluteString) is larger than the \(maxBytes / 1_073_741_824) GB allowed by max.template.iso.size"
                return (s.handle, true)
            }
            return (s.handle, false)
        }
        if tooBig { dataTask.cancel(); return }
        do { try handle?.write(contentsOf: data) } catch {
            state.withLock { if $0.reason == nil { $0.reason = "Unable to write the template file \(destination.path): \(error)" } }
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        state.withLock { s in
            try? s.handle?.close()
            s.handle = nil
            if let reason = s.reason {
                s.snapshot.failure = reason
            } else if let error {
                let nsError = error as NSError
                let detail: String
                switch (nsError.domain, nsError.code) {
                case (NSURLErrorDomain, NSURLErrorCannotConnectToHost): detail = "connection refused"
                case (NSURLErrorDomain, NSURLErrorCannotFindHost): detail = "host not found"
                case (NSURLErrorDomain, NSURLErrorTimedOut): detail = "timed out"
                case (NSURLErrorDomain, NSURLErrorNetworkConnectionLost): detail = "the connection was lost"
                default: detail = nsError.localizedDescription
                }
                s.snapshot.failure = "Unable to download \(url.absoluteString): \(detail)"
            } else if let expected = s.snapshot.expected, s.snapshot.received < expected {
                s.snapshot.failure = "Unable to download \(url.absoluteString): the connection closed after \(s.snapshot.received) of \(expected) bytes"
            }
            s.snapshot.digest = s.digest?.hex()
            s.snapshot.finished = true
            s.task = nil
        }
        session.finishTasksAndInvalidate()
    }
}
