import Testing

@testable import Store

@Suite("Pool state machine (no I/O)")
struct PoolStateMachineTests {
    typealias Machine = PoolStateMachine<String>

    @Test("leases open new connections up to capacity, then callers wait")
    func boundedLeases() {
        var machine = Machine(capacity: 2)
        let first = machine.acquire(waiter: 1)
        let second = machine.acquire(waiter: 2)
        #expect(isOpen(first))
        #expect(isOpen(second))
        let third = machine.acquire(waiter: 3)
        #expect(isEnqueued(third))
        #expect(machine.leased == 2)
        #expect(machine.waitingCount == 1)
    }

    @Test("a returned connection is reused by the next caller")
    func reuse() {
        var machine = Machine(capacity: 1)
        _ = machine.acquire(waiter: 1)
        let release = machine.release("c1")
        #expect(release.handOff == nil)
        guard case .granted(.reuse(let connection)) = machine.acquire(waiter: 2) else {
            Issue.record("expected the idle connection")
            return
        }
        #expect(connection == "c1")
    }

    @Test("waiters are served first come, first served")
    func fifo() {
        var machine = Machine(capacity: 1)
        _ = machine.acquire(waiter: 1)
        _ = machine.acquire(waiter: 2)
        _ = machine.acquire(waiter: 3)
        let first = machine.release("c1")
        let second = machine.release("c1")
        let third = machine.release("c1")
        #expect(first.handOff?.waiter == 2)
        #expect(second.handOff?.waiter == 3)
        #expect(third.handOff == nil)
        #expect(machine.leased == 0)
        #expect(machine.idleCount == 1)
    }

    @Test("a newcomer does not overtake a waiter")
    func noOvertaking() {
        var machine = Machine(capacity: 1)
        _ = machine.acquire(waiter: 1)
        _ = machine.acquire(waiter: 2)
        let release = machine.release(nil)
        guard case .open = release.handOff?.grant else {
            Issue.record("a broken connection's lease must pass on as a duty to open a new one")
            return
        }
        let newcomer = machine.acquire(waiter: 3)
        #expect(release.handOff?.waiter == 2)
        #expect(isEnqueued(newcomer))
    }

    @Test("a cancelled or timed-out waiter leaves the queue and is skipped")
    func removal() {
        var machine = Machine(capacity: 1)
        _ = machine.acquire(waiter: 1)
        _ = machine.acquire(waiter: 2)
        _ = machine.acquire(waiter: 3)
        let removed = machine.removeWaiter(2)
        let removedAgain = machine.removeWaiter(2)
        let release = machine.release("c1")
        #expect(removed)
        #expect(!removedAgain)
        #expect(release.handOff?.waiter == 3)
    }

    @Test("closing fails waiters, closes idle connections and waits for leases")
    func closing() {
        var machine = Machine(capacity: 2)
        _ = machine.acquire(waiter: 1)
        _ = machine.acquire(waiter: 2)
        _ = machine.release("idle")
        _ = machine.acquire(waiter: 3)
        _ = machine.acquire(waiter: 4)
        let close = machine.close()
        #expect(close.waitersToFail == [4])
        #expect(close.connectionsToClose.isEmpty)  // the idle one went to waiter 3
        #expect(!close.isComplete)
        let late = machine.acquire(waiter: 5)
        #expect(isClosed(late))
        let first = machine.release("c1")
        #expect(first.connectionToClose == "c1")
        let firstClosed = machine.release(nil)
        #expect(!firstClosed.isCloseComplete)
        let second = machine.release("c2")
        #expect(second.connectionToClose == "c2")
        let secondClosed = machine.release(nil)
        #expect(secondClosed.isCloseComplete)
    }

    private func isOpen(_ action: Machine.AcquireAction) -> Bool {
        if case .granted(.open) = action { true } else { false }
    }

    private func isEnqueued(_ action: Machine.AcquireAction) -> Bool {
        if case .enqueued = action { true } else { false }
    }

    private func isClosed(_ action: Machine.AcquireAction) -> Bool {
        if case .closed = action { true } else { false }
    }
}
