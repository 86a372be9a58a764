import Synchronization

/// Tells waiting live tails that records were stored: a generation number that every append
/// raises (locally, and on the other replicas through ``subject``). A tail notes the generation
/// before it reads, and waits only while it is unchanged, so an append between its read and its
/// wait is never missed. Tails still re-read now and then: a ring from another replica can be
/// lost.
final class AppendSignal: Sendable {
    /// Core NATS subject every replica listens on (no queue group).
    static let subject = "hxb.logs.internal.appended"

    private struct State {
        var generation: UInt64 = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    var generation: UInt64 { state.withLock { $0.generation } }

    /// Raises the generation and wakes every waiter.
    func ring() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the generation differs from `seen`, after `timeout`, or on cancellation.
    func wait(after seen: UInt64, upTo timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.changed(after: seen) }
            _ = await group.next()
            group.cancelAll()
        }
    }

    private func changed(after seen: UInt64) async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.generation != seen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
