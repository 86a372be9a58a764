import Testing
import ServiceKit

/// The bell that wakes an idle worker: a ring is never lost (a waiting worker wakes, or the
/// next wait returns at once) and a cancelled wait returns. The waits here use a
/// timeout of an hour, so a lost ring shows as a test that does not finish.
@Suite struct WakeUpBellTests {
    @Test func aRingWakesAWaitingSlot() async {
        let bell = WakeUpBell()
        let waiter = Task { await bell.wait(upTo: .seconds(3600)) }
        try? await Task.sleep(for: .milliseconds(20))  // usually waiting by now; if not, the ring is a permit
        bell.ring()
        await waiter.value
    }

    @Test func aRingWithNobodyWaitingIsKeptForTheNextWait() async {
        let bell = WakeUpBell()
        bell.ring()
        await bell.wait(upTo: .seconds(3600))
    }

    @Test func aCancelledWaitReturns() async {
        let bell = WakeUpBell()
        let waiter = Task { await bell.wait(upTo: .seconds(3600)) }
        waiter.cancel()
        await waiter.value
        // The bell still works afterwards.
        bell.ring()
        await bell.wait(upTo: .seconds(3600))
    }
}
