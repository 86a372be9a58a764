import Synchronization

/// Wakes a polling worker as soon as there is work, instead of waiting for its next poll
/// (the workspace task worker's slots when a task is queued, the log shipper when a batch is
/// full). The poll interval remains the fallback when a ring is lost. A ring with nobody
/// waiting is kept (one permit), so a worker that is busy finds the work on its next pass.
public final class WakeUpBell: Sendable {
    private struct State {
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var cancelled: Set<Int> = []
        var nextID = 0
        var permit = false
    }

    private let state = Mutex(State())

    /// A bell with no permit.
    public init() {}

    /// Wakes one waiter, or leaves a permit for the next one to wait.
    public func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let id = state.waiters.keys.first else {
                state.permit = true
                return nil
            }
            return state.waiters.removeValue(forKey: id)
        }
        waiter?.resume()
    }

    /// Returns when rung, after `timeout`, or when the task is cancelled, whichever is first.
    public func wait(upTo timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.rung() }
            _ = await group.next()
            group.cancelAll()
        }
    }

    private func rung() async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.cancelled.remove(id) != nil { return true }
                    if state.permit {
                        state.permit = false
                        return true
                    }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let waiter = state.waiters.removeValue(forKey: id) else {
                    state.cancelled.insert(id)  // cancelled before it registered
                    return nil
                }
                return waiter
            }
            waiter?.resume()
        }
        // A cancellation that raced with a ring left its mark; drop it.
        state.withLock { _ = $0.cancelled.remove(id) }
    }
}
