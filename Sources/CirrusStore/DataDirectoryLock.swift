#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// An exclusive claim on a data directory, so that two management servers never share
/// one embedded SQLite database.
///
/// It is an exclusive, non-blocking `flock` on `<dataDirectory>/cirrus.lock`; the
/// holder writes its process id into the file. The kernel drops the lock when the
/// process exits, however it exits, so a stale lock file never blocks a restart.
/// Keep the value alive for as long as the process uses the directory; ``release()``
/// (or deinitialisation) gives the lock up.
///
/// Only the embedded SQLite database needs this (see
/// ``DatabaseConfiguration/isEmbedded``); PostgreSQL is shared by design.
public final class DataDirectoryLock: Sendable {
    /// The name of the lock file inside the data directory.
    public static let fileName = "cirrus.lock"

    /// The lock file.
    public let path: String

    /// The open descriptor holding the lock, or nil once released.
    private let descriptor: Mutex<Int32?>

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = Mutex(descriptor)
    }

    /// Takes the lock on `dataDirectory`, creating the directory and the lock file if
    /// they are missing. Never waits: if another process (or another open descriptor
    /// in this process) holds the lock, it throws at once.
    ///
    /// This makes a few quick local system calls; call it once at start-up.
    ///
    /// - Throws: ``StoreError`` saying that another Cirrus management server (with its
    ///   pid) is already using the directory, or why the lock file could not be used.
    public static func acquire(dataDirectory: String) throws -> DataDirectoryLock {
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw StoreError("Cannot create the data directory \(dataDirectory)", underlying: error)
        }
        let path = (dataDirectory.hasSuffix("/") ? dataDirectory : dataDirectory + "/") + fileName

        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError("Cannot open the lock file \(path): \(errnoDescription())")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = readPid(fd)
            close(fd)
            if code == EWOULDBLOCK {
                let who = holder.map { "pid \($0)" } ?? "pid unknown"
                throw StoreError(
                    "Another Cirrus management server (\(who)) is already using the data directory \(dataDirectory) "
                        + "(it holds \(path)); stop it or choose another data directory"
                )
            }
            throw StoreError("Cannot lock \(path): \(errnoDescription(code))")
        }

        let pidText = Array("\(getpid())\n".utf8)
        let written = pidText.withUnsafeBytes { buffer in
            ftruncate(fd, 0) == 0 ? pwrite(fd, buffer.baseAddress, buffer.count, 0) : -1
        }
        if written != pidText.count {
            let message = errnoDescription()
            close(fd)
            throw StoreError("Cannot write the process id into the lock file \(path): \(message)")
        }
        return DataDirectoryLock(path: path, descriptor: fd)
    }

    /// Whether this value still holds the lock.
    public var isHeld: Bool {
        descriptor.withLock { $0 != nil }
    }

    /// Gives the lock up. The lock file stays (removing it would race with a process
    /// about to lock it). Calling it again does nothing.
    public func release() {
        let fd: Int32? = descriptor.withLock { value in
            defer { value = nil }
            return value
        }
        guard let fd else { return }
        _ = ftruncate(fd, 0)
        close(fd) // closing the last descriptor of the open file drops the flock
    }

    deinit {
        release()
    }

    private static func readPid(_ fd: Int32) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self)
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private static func errnoDescription(_ code: Int32 = errno) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }
}
