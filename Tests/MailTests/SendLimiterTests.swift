@testable import Mail
import Synchronization
import Testing

@Suite("SendLimiter")
struct SendLimiterTests {
    /// How many bodies run now, and the most that ran at once.
    private final class Occupancy: Sendable {
        private let counts = Mutex((active: 0, most: 0))

        func enter() {
            counts.withLock { counts in
                counts.active += 1
                counts.most = max(counts.most, counts.active)
            }
        }

        func leave() { counts.withLock { $0.active -= 1 } }
        var active: Int { counts.withLock { $0.active } }
        var most: Int { counts.withLock { $0.most } }
    }

    @Test("never runs more bodies at once than its limit")
    func respectsTheLimit() async throws {
        let limiter = SendLimiter(limit: 3)
        let occupancy = Occupancy()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    try await limiter.withSlot {
                        occupancy.enter()
                        for _ in 0..<20 { await Task.yield() }
                        occupancy.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(occupancy.most <= 3)
        #expect(occupancy.active == 0)
    }

    @Test("a cancelled waiter stops waiting, and the slot still passes on")
    func cancelledWaiter() async throws {
        let limiter = SendLimiter(limit: 1)
        let (entered, enteredSignal) = AsyncStream<Void>.makeStream()
        let (release, releaseSignal) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await limiter.withSlot {
                enteredSignal.yield()
                for await _ in release { break }
            }
        }
        for await _ in entered { break }
        let waiter = Task { try await limiter.withSlot { "ran" } }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        releaseSignal.yield()
        try await holder.value
        #expect(try await limiter.withSlot { 42 } == 42)
    }
}
