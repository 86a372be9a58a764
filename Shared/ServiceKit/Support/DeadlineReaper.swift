import Dispatch
import Synchronization

/// Fires callbacks when their deadlines pass, from one shared Dispatch timer set for the
/// earliest deadline (rounded up to `granularity`). Per-request timers (a kernel timer each)
/// cost more than the round trip they guard, and so does a timer ticking while requests are in
/// flight: RPC deadlines lie seconds away while answers come in microseconds, so registering and
/// cancelling only touch a dictionary, and the timer is reset only for an earlier deadline.
/// A timeout a few milliseconds late costs nothing.
final class DeadlineReaper: Sendable {
    struct Token: Hashable, Sendable {
        fileprivate let value: UInt64
    }

    private struct Entry {
        let deadline: ContinuousClock.Instant
        let onExpire: @Sendable () -> Void
    }

    private struct State {
        var next: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
        /// When the timer fires next; nil while it is idle.
        var firesAt: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    private let granularity: Duration
    private let queue = DispatchQueue(label: "hexabase.deadline-reaper")
    // nonisolated(unsafe): libdispatch documents sources as thread-safe; `schedule` and `cancel`
    // are the only calls made on it after `init`.
    nonisolated(unsafe) private let timer: any DispatchSourceTimer

    init(granularity: Duration = .milliseconds(5)) {
        self.granularity = granularity
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.resume()
    }

    deinit {
        timer.cancel()
    }

    /// Calls `onExpire` (on the reaper's queue) once `deadline` has passed, unless cancelled first.
    func register(deadline: ContinuousClock.Instant, onExpire: @escaping @Sendable () -> Void) -> Token {
        // The timer is reset under the lock, so that two registrations cannot reset it out of order.
        state.withLock { state in
            state.next &+= 1
            state.entries[state.next] = Entry(deadline: deadline, onExpire: onExpire)
            if let fireAt = rearm(&state, for: deadline) { schedule(at: fireAt) }
            return Token(value: state.next)
        }
    }

    /// Forgets a registration; true when it had not fired yet. The timer stays set: firing
    /// with nothing due costs one look at the dictionary, resetting it costs a system call.
    @discardableResult
    func cancel(_ token: Token) -> Bool {
        state.withLock { $0.entries.removeValue(forKey: token.value) != nil }
    }

    /// Registrations not yet fired or cancelled (tests).
    var pendingCount: Int { state.withLock { $0.entries.count } }

    /// With the lock held: when the timer must be reset so that `deadline` is served in time,
    /// the new firing time (recorded as the timer's); nil when the timer is early enough.
    private func rearm(_ state: inout State, for deadline: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        let fireAt = max(deadline, .now) + granularity
        if let firesAt = state.firesAt, firesAt <= fireAt { return nil }
        state.firesAt = fireAt
        return fireAt
    }

    private func schedule(at instant: ContinuousClock.Instant) {
        let delay = ContinuousClock.now.duration(to: instant)
        timer.schedule(deadline: .now() + .nanoseconds(Int(max(delay, .zero).wholeNanoseconds)))
    }

    private func tick() {
        let now = ContinuousClock.now
        let expired = state.withLock { state in
            var expired: [@Sendable () -> Void] = []
            var earliest: ContinuousClock.Instant?
            for (key, entry) in state.entries {
                if entry.deadline <= now {
                    expired.append(entry.onExpire)
                    state.entries.removeValue(forKey: key)
                } else if earliest.map({ entry.deadline < $0 }) ?? true {
                    earliest = entry.deadline
                }
            }
            state.firesAt = nil
            if let earliest, let fireAt = rearm(&state, for: earliest) { schedule(at: fireAt) }
            return expired
        }
        for callback in expired { callback() }
    }
}
