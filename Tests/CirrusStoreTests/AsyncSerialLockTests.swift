@testable import CirrusStore
import CirrusTestSupport
import Synchronization
import Testing

/// A list that concurrent tasks append to.
final class OrderRecorder: Sendable {
    private let values = Mutex<[Int]>([])
    func append(_ value: Int) { values.withLock { $0.append(value) } }
    var all: [Int] { values.withLock { $0 } }
}

@Suite("Async FIFO lock")
struct AsyncSerialLockTests {
    /// Waits (by yielding) until `lock` has `count` waiters.
    private func waitForWaiters(_ lock: AsyncSerialLock, _ count: Int) async {
        while lock.waiterCount < count { await Task.yield() }
    }

    @Test func grantsTheLockInArrivalOrder() async throws {
        let lock = AsyncSerialLock()
        let order = OrderRecorder()
        try await lock.lock()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<10 {
                group.addTask {
                    try await lock.lock()
                    order.append(i)
                    lock.unlock()
                }
                await waitForWaiters(lock, i + 1)
            }
            lock.unlock()
            try await group.waitForAll()
        }
        #expect(order.all == Array(0..<10))
        #expect(lock.waiterCount == 0)
    }

    @Test func cancelledWaiterThrowsAndDoesNotTakeTheLock() async throws {
        let lock = AsyncSerialLock()
        try await lock.lock()
        let waiter = Task { try await lock.lock() }
        await waitForWaiters(lock, 1)
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(lock.waiterCount == 0)
        lock.unlock()
        // The lock is free again, not handed to the cancelled waiter.
        try await lock.lock()
        lock.unlock()
    }

    @Test func cancelledTransactionWaiterNeverRunsItsBody() async throws {
        let db = try await SQLiteDatabase.openTemporary(logger: TestDatabase.defaultLogger)
        let ran = OrderRecorder()
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await db.transaction { _ in
                startedContinuation.yield()
                for await _ in release { break }
            }
        }
        for await _ in started { break }
        let waiter = Task {
            try await db.transaction { _ in ran.append(1) }
        }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        releaseContinuation.yield()
        try await holder.value
        #expect(ran.all.isEmpty)
        await db.shutdown()
    }
}
