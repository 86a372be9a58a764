import Dispatch
import Logging
import Synchronization

/// A bounded pool of Postgres connections: the entry point of this module.
///
/// At most `configuration.poolSize` connections exist; they open lazily, on first demand, and a
/// connection found broken (when it returns to the pool, or by a liveness check when it is lent
/// again) is closed and replaced by a new one. When all connections are lent, callers wait in
/// FIFO order for at most `configuration.acquireTimeout`, then get
/// `DatabaseError.Code.poolTimeout`; a cancelled waiter leaves the queue with
/// `CancellationError`. The pool starts no background task; call ``close()`` at shutdown.
public final class PostgresPool: Sendable {
    typealias Grant = PoolStateMachine<PostgresConnection>.Grant

    private struct State {
        var machine: PoolStateMachine<PostgresConnection>
        var waiters: [Int: CheckedContinuation<Grant, any Error>] = [:]
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
        var nextWaiterID = 0
    }

    /// The configuration the pool was created with.
    public let configuration: PostgresConfiguration
    let logger: Logger
    private let state: Mutex<State>

    /// Creates a pool; no connection is opened until one is needed.
    public init(configuration: PostgresConfiguration, logger: Logger = Logger(label: "hexabase.store")) {
        self.configuration = configuration
        self.logger = logger
        self.state = Mutex(State(machine: PoolStateMachine(capacity: configuration.poolSize)))
    }

    /// Lends a connection to `body` and takes it back afterwards, whatever happens. A
    /// transaction `body` leaves open is rolled back.
    ///
    /// Throws `DatabaseError.Code.poolTimeout` when no connection frees up in time,
    /// `.poolClosed` after ``close()``, `.connectionFailure` when a new connection cannot be
    /// opened, and whatever `body` throws.
    @discardableResult
    nonisolated(nonsending)
    public func withConnection<Result>(
        _ body: nonisolated(nonsending) (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await lease()
        let result: Result
        do {
            result = try await body(connection)
        } catch {
            await endLease(connection)
            throw error
        }
        await endLease(connection)
        return result
    }

    /// Closes the pool: waiting callers fail with `.poolClosed`, idle connections close at
    /// once, and the call returns when every lent connection has come back and been closed.
    public func close() async {
        let (action, waiters) = state.withLock { state in
            let action = state.machine.close()
            return (action, action.waitersToFail.compactMap { state.waiters.removeValue(forKey: $0) })
        }
        for waiter in waiters { waiter.resume(throwing: DatabaseError(code: .poolClosed)) }
        for connection in action.connectionsToClose { await connection.close() }
        guard !action.isComplete else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let isComplete = state.withLock { state in
                if state.machine.leased == 0 { return true }
                state.closeWaiters.append(continuation)
                return false
            }
            if isComplete { continuation.resume() }
        }
    }

    /// A snapshot of the pool's use, for metrics and tests.
    public var statistics: PoolStatistics {
        state.withLock { state in
            PoolStatistics(
                capacity: state.machine.capacity,
                leased: state.machine.leased,
                idle: state.machine.idleCount,
                waiting: state.machine.waitingCount
            )
        }
    }

    /// Takes a lease and turns it into a usable connection.
    private func lease() async throws -> PostgresConnection {
        try Task.checkCancellation()
        var grant = try await acquireGrant()
        while true {
            switch grant {
            case .reuse(let connection):
                if await connection.prepareForReuse() { return connection }
                logger.debug("replacing a broken postgres connection")
                await connection.close()
                grant = .open
            case .open:
                do {
                    return try await PostgresConnection.connect(configuration: configuration, logger: logger)
                } catch {
                    logger.debug("could not open a postgres connection", metadata: ["error": "\(error)"])
                    await finishLease(nil)
                    throw error
                }
            }
        }
    }

    /// Checks a returned connection and ends its lease.
    private func endLease(_ connection: PostgresConnection) async {
        if await connection.prepareForReuse() {
            await finishLease(connection)
        } else {
            logger.debug("discarding a broken postgres connection")
            await connection.close()
            await finishLease(nil)
        }
    }

    private func finishLease(_ connection: PostgresConnection?) async {
        let (action, handOff, closeWaiters) = state.withLock { state in
            let action = state.machine.release(connection)
            let handOff = action.handOff.flatMap { state.waiters.removeValue(forKey: $0.waiter) }
            var closeWaiters: [CheckedContinuation<Void, Never>] = []
            if action.isCloseComplete { swap(&closeWaiters, &state.closeWaiters) }
            return (action, handOff, closeWaiters)
        }
        if let grant = action.handOff?.grant { handOff?.resume(returning: grant) }
        if let connection = action.connectionToClose {
            await connection.close()
            await finishLease(nil)
        }
        for waiter in closeWaiters { waiter.resume() }
    }

    /// Waits for a lease in FIFO order, bounded by the acquire timeout and task cancellation.
    private func acquireGrant() async throws -> Grant {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
                let action = state.withLock { state in
                    let action = state.machine.acquire(waiter: id)
                    if case .enqueued = action { state.waiters[id] = continuation }
                    return action
                }
                switch action {
                case .granted(let grant):
                    continuation.resume(returning: grant)
                case .closed:
                    continuation.resume(throwing: DatabaseError(code: .poolClosed))
                case .enqueued:
                    // The cancellation handler may have run before the waiter was queued.
                    if Task.isCancelled {
                        failWaiter(id, with: CancellationError())
                    } else {
                        scheduleTimeout(for: id)
                    }
                }
            }
        } onCancel: {
            failWaiter(id, with: CancellationError())
        }
    }

    private func scheduleTimeout(for id: Int) {
        let (seconds, attoseconds) = configuration.acquireTimeout.components
        let nanoseconds = max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        // A timer, not a task: the closure only takes a lock and resumes a continuation.
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) { [self] in
            failWaiter(id, with: DatabaseError(code: .poolTimeout))
        }
    }

    /// Removes a waiter still in the queue and fails it; does nothing once it holds a lease.
    private func failWaiter(_ id: Int, with error: any Error) {
        let continuation = state.withLock { state in
            state.machine.removeWaiter(id) ? state.waiters.removeValue(forKey: id) : nil
        }
        continuation?.resume(throwing: error)
    }
}

/// A snapshot of a ``PostgresPool``'s use.
public struct PoolStatistics: Sendable, Hashable {
    /// The most connections the pool may open.
    public var capacity: Int
    /// Leases outstanding: connections lent out or being opened.
    public var leased: Int
    /// Open connections waiting to be lent.
    public var idle: Int
    /// Callers queued for a connection.
    public var waiting: Int
}
