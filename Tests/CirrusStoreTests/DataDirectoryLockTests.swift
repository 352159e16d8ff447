import CirrusStore
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Data directory lock")
struct DataDirectoryLockTests {
    private func makeDirectory() -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("cirrus-lock-test-\(UInt64.random(in: .min ... .max))").path
    }

    @Test func secondHolderIsRefusedWithThePidOfTheFirst() throws {
        let directory = makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let first = try DataDirectoryLock.acquire(dataDirectory: directory)
        #expect(first.isHeld)
        let contents = try String(contentsOfFile: directory + "/cirrus.lock", encoding: .utf8)
        #expect(contents == "\(getpid())\n")

        // flock locks belong to open file descriptions: a second open() in the same
        // process is refused just like another process would be.
        let error = #expect(throws: StoreError.self) {
            try DataDirectoryLock.acquire(dataDirectory: directory)
        }
        #expect(error?.message.contains("Another Cirrus management server (pid \(getpid())) is already using the data directory") == true)

        first.release()
        #expect(!first.isHeld)
        let third = try DataDirectoryLock.acquire(dataDirectory: directory)
        #expect(third.isHeld)
        third.release()
        third.release() // harmless
    }

    @Test func lockIsReleasedWhenTheValueGoesAway() throws {
        let directory = makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let lock = try DataDirectoryLock.acquire(dataDirectory: directory)
            #expect(lock.isHeld)
        }
        let again = try DataDirectoryLock.acquire(dataDirectory: directory)
        #expect(again.isHeld)
    }

    @Test func createsAMissingDataDirectory() throws {
        let base = makeDirectory()
        let directory = base + "/nested/data"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let lock = try DataDirectoryLock.acquire(dataDirectory: directory)
        #expect(FileManager.default.fileExists(atPath: directory + "/cirrus.lock"))
        lock.release()
    }
}
