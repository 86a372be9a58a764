import Synchronization

/// The lifecycle of one connection job, shared between the job and its task's cancellation
/// handler, so that a cancel request reaches the server only while that very job runs.
final class JobTicket: Sendable {
    private enum Phase {
        case queued, running, cancelled, finished
    }

    private let phase = Mutex(Phase.queued)

    /// Called by the job before its work; `false` when the task was cancelled first.
    func start() -> Bool {
        phase.withLock { phase in
            guard phase == .queued else { return false }
            phase = .running
            return true
        }
    }

    /// Called by the job after its work. Waits for a cancel request in flight, so that request
    /// cannot hit the connection's next job.
    func finish() {
        phase.withLock { $0 = .finished }
    }

    /// Called on task cancellation; returns `true` when the job is running and the server must
    /// be asked to cancel it. A queued job is marked so that it never starts.
    func cancel() -> Bool {
        phase.withLock { phase in
            switch phase {
            case .queued:
                phase = .cancelled
                return false
            case .running:
                return true
            case .cancelled, .finished:
                return false
            }
        }
    }

    /// Runs `body` (the cancel request) only if the job is still running, holding the job's
    /// completion until it returns.
    func whileRunning(_ body: () -> Void) {
        phase.withLock { phase in
            if phase == .running { body() }
        }
    }
}
