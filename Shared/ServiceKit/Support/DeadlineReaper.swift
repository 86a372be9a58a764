import Dispatch
import Synchronization

/// Fires callbacks when their deadlines pass, from one shared Dispatch timer that ticks every
/// `granularity` only while something is registered. Per-request timers (a kernel timer each)
/// cost more than the round trip they guard; a timeout a few milliseconds late costs nothing.
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
        var armed = false
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
        let (token, arm) = state.withLock { state in
            state.next &+= 1
            state.entries[state.next] = Entry(deadline: deadline, onExpire: onExpire)
            defer { state.armed = true }
            return (Token(value: state.next), !state.armed)
        }
        if arm { schedule() }
        return token
    }

    /// Forgets a registration; true when it had not fired yet.
    @discardableResult
    func cancel(_ token: Token) -> Bool {
        state.withLock { $0.entries.removeValue(forKey: token.value) != nil }
    }

    private func schedule() {
        timer.schedule(deadline: .now() + .nanoseconds(Int(granularity.wholeNanoseconds)))
    }

    private func tick() {
        let now = ContinuousClock.now
        let (expired, rearm) = state.withLock { state in
            var expired: [@Sendable () -> Void] = []
            for (key, entry) in state.entries where entry.deadline <= now {
                expired.append(entry.onExpire)
                state.entries.removeValue(forKey: key)
            }
            state.armed = !state.entries.isEmpty
            return (expired, state.armed)
        }
        for callback in expired { callback() }
        if rearm { schedule() }
    }
}
