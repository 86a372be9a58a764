import Synchronization

/// Decides who answers a request with a deadline: its handler, or the deadline, whichever comes
/// first. When the deadline wins, the handler's task is cancelled.
///
/// The handler runs in the request's own task (no child task, no task group per request):
/// the race keeps that task's handle from ``withUnsafeCurrentTask(body:)`` and uses it only
/// under its lock and only while the handler still runs, so the handle never outlives the task
/// (``finish()`` is called before the handler's task ends).
final class RequestRace: Sendable {
    private enum Outcome { case running, finished, expired }

    private struct State {
        var outcome: Outcome = .running
        var task: UnsafeCurrentTask?
    }

    private let state: Mutex<State>

    /// A race for the calling task.
    init() {
        let task = withUnsafeCurrentTask { $0 }
        state = Mutex(State(task: task))
    }

    /// The deadline passed: true when the handler had not finished, which is then cancelled
    /// and whose result will be dropped.
    func expire() -> Bool {
        state.withLock { state in
            guard case .running = state.outcome else { return false }
            state.outcome = .expired
            state.task?.cancel()
            state.task = nil
            return true
        }
    }

    /// The handler returned: true when it did so before the deadline (its result is the answer).
    func finish() -> Bool {
        state.withLock { state in
            state.task = nil
            guard case .running = state.outcome else { return false }
            state.outcome = .finished
            return true
        }
    }
}
