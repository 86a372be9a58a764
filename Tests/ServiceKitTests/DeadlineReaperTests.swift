@testable import ServiceKit
import Synchronization
import Testing
import TestSupport

@Suite("Deadline reaper")
struct DeadlineReaperTests {
    @Test("a deadline registered after a later one still fires on time (the timer is moved earlier)")
    func earlierDeadlineMovesTheTimer() async throws {
        let reaper = DeadlineReaper()
        let fired = Locked<[String]>([])
        let late = reaper.register(deadline: .now + .seconds(60)) { fired.withLock { $0.append("late") } }
        _ = reaper.register(deadline: .now + .milliseconds(50)) { fired.withLock { $0.append("soon") } }
        try await waitUntil("the earlier deadline to fire", timeout: .seconds(10)) { fired.withLock { $0 == ["soon"] } }
        #expect(reaper.pendingCount == 1, "the later registration waits")
        #expect(reaper.cancel(late))
        #expect(reaper.pendingCount == 0)
    }

    @Test("a cancelled registration never fires, and the others still do")
    func cancelledNeverFires() async throws {
        let reaper = DeadlineReaper()
        let fired = Locked<[Int]>([])
        let cancelled = reaper.register(deadline: .now + .milliseconds(20)) { fired.withLock { $0.append(1) } }
        _ = reaper.register(deadline: .now + .milliseconds(40)) { fired.withLock { $0.append(2) } }
        #expect(reaper.cancel(cancelled))
        try await waitUntil("the remaining deadline to fire", timeout: .seconds(10)) { fired.withLock { $0 == [2] } }
        #expect(!reaper.cancel(cancelled), "a second cancel finds nothing")
    }

    @Test("after the timer fired for one deadline, it is set again for the next one")
    func rearmsForTheNextDeadline() async throws {
        let reaper = DeadlineReaper()
        let fired = Locked<[Int]>([])
        for (index, milliseconds) in [30, 90, 150].enumerated() {
            _ = reaper.register(deadline: .now + .milliseconds(milliseconds)) { fired.withLock { $0.append(index) } }
        }
        try await waitUntil("all three deadlines to fire in order", timeout: .seconds(10)) { fired.withLock { $0 == [0, 1, 2] } }
    }
}
