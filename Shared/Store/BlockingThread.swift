import Dispatch
import Foundation
import Synchronization

/// A dedicated OS thread that runs blocking jobs one at a time, in submission order.
///
/// libpq calls block their thread while they wait for the server. Running them here keeps
/// Swift's cooperative thread pool (one thread per core) free for other tasks, and running all
/// jobs of one connection on one thread serializes every use of its `PGconn`, as libpq requires.
final class BlockingThread: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var isStopping = false
    }

    private let state = Mutex(State())
    /// Signalled once per submitted job and once for the stop request.
    private let wakeups = DispatchSemaphore(value: 0)

    /// Starts the thread.
    init(name: String) {
        let thread = Thread { [self] in runLoop() }
        thread.name = name
        thread.start()
    }

    /// Queues a job; returns `false` (and drops it) when the thread is stopping.
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        let accepted = state.withLock { state in
            guard !state.isStopping else { return false }
            state.jobs.append(job)
            return true
        }
        if accepted { wakeups.signal() }
        return accepted
    }

    /// Runs `work` on the thread and returns its result to the awaiting task.
    func run<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = submit {
                continuation.resume(with: Swift.Result { try work() })
            }
            if !accepted {
                continuation.resume(throwing: DatabaseError(code: .connectionFailure, message: "the connection is closed"))
            }
        }
    }

    /// Lets the queued jobs finish, then ends the thread. Later submissions are refused.
    func stop() {
        let first = state.withLock { state in
            defer { state.isStopping = true }
            return !state.isStopping
        }
        if first { wakeups.signal() }
    }

    private func runLoop() {
        while true {
            wakeups.wait()
            let next = state.withLock { state in
                state.jobs.isEmpty ? nil : state.jobs.removeFirst()
            }
            // Every job has its own wakeup, so a wakeup that finds no job is the stop request.
            guard let job = next else { return }
            job()
        }
    }
}
