@testable import ServiceKit
import Foundation
import Synchronization
import Testing
import TestSupport

@Suite("Thread-pool executor")
struct ThreadPoolExecutorTests {
    @Test("a thread lending itself runs the job it resumes, without waking a dedicated thread")
    func inlineRunsOnTheLendingThread() async throws {
        let executor = ThreadPoolExecutor(name: "test-inline", threadCount: 1)
        defer { executor.shutdown() }
        let ranOn = Locked<pthread_t?>(nil)
        let lenderThread = Locked<pthread_t?>(nil)
        let resumed = Locked(false)
        let waiter = Locked<CheckedContinuation<Void, Never>?>(nil)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskExecutorPreference(executor) {
                    await withCheckedContinuation { continuation in waiter.withLock { $0 = continuation } }
                    ranOn.withLock { $0 = pthread_self() }
                    resumed.withLock { $0 = true }
                }
            }
            try await waitUntil("the task to wait") { waiter.withLock { $0 != nil } }
            let thread = Thread {
                lenderThread.withLock { $0 = pthread_self() }
                executor.runInline { waiter.withLock { $0 }?.resume() }
            }
            thread.start()
            try await waitUntil("the task to resume") { resumed.withLock { $0 } }
            try await group.waitForAll()
        }
        let (ran, lender) = (ranOn.withLock { $0 }, lenderThread.withLock { $0 })
        #expect(ran != nil && lender != nil && pthread_equal(ran!, lender!) != 0)
    }

    @Test("a long job on a lending thread does not hold back other jobs: a dedicated thread takes them")
    func busyLenderDoesNotStarveOthers() async throws {
        let executor = ThreadPoolExecutor(name: "test-busy", threadCount: 2)
        defer { executor.shutdown() }
        let release = DispatchSemaphore(value: 0)
        let otherRan = Locked(false)
        let blocked = Locked<CheckedContinuation<Void, Never>?>(nil)
        try await withThrowingTaskGroup(of: Void.self) { group in
            // A task whose next job blocks its thread until `release` is signalled.
            group.addTask {
                await withTaskExecutorPreference(executor) {
                    await withCheckedContinuation { continuation in blocked.withLock { $0 = continuation } }
                    release.wait()
                }
            }
            try await waitUntil("the blocking task to wait") { blocked.withLock { $0 != nil } }
            let lender = Thread { executor.runInline { blocked.withLock { $0 }?.resume() } }
            lender.start()
            // While the lender is stuck in that job, an unrelated task still runs.
            group.addTask {
                await withTaskExecutorPreference(executor) { otherRan.withLock { $0 = true } }
            }
            defer { release.signal() }
            try await waitUntil("the other task to run while the lender is busy", timeout: .seconds(10)) {
                otherRan.withLock { $0 }
            }
        }
    }

    @Test("jobs enqueued after shutdown, when no dedicated thread is left, still run")
    func jobsAfterShutdownRun() async throws {
        let executor = ThreadPoolExecutor(name: "test-shutdown", threadCount: 1)
        executor.shutdown()
        try await waitUntil("the dedicated thread to exit") { executor.liveThreadCount == 0 }
        let ran = await withTaskExecutorPreference(executor) { true }
        #expect(ran)
    }
}

/// A value behind a lock that closures can share.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<Result: Sendable>(_ body: (inout Value) -> Result) -> Result { mutex.withLock { body(&$0) } }
}
