/// The bookkeeping of a bounded connection pool, without I/O: who holds a lease, which
/// connections are idle, who waits (first come, first served), and whether the pool is closing.
///
/// A lease is a permit to use one connection; at most `capacity` exist. A lease starts either
/// with an idle connection (`.reuse`) or with the duty to open a new one (`.open`). Waiters are
/// identified by integers; the caller keeps their continuations.
struct PoolStateMachine<Connection> {
    /// How a lease starts.
    enum Grant {
        case reuse(Connection)
        case open
    }

    enum AcquireAction {
        case granted(Grant)
        case enqueued
        case closed
    }

    /// What to do after a lease ends.
    struct ReleaseAction {
        /// The lease passes to this waiter.
        var handOff: (waiter: Int, grant: Grant)?
        /// The pool is closed: close this connection, then call `release(nil)` for the lease.
        var connectionToClose: Connection?
        /// The pool is closed and this was the last lease: `close()` may return.
        var isCloseComplete = false
    }

    /// What `close()` must do.
    struct CloseAction {
        var waitersToFail: [Int]
        var connectionsToClose: [Connection]
        /// Whether no lease is outstanding, so nothing remains to wait for.
        var isComplete: Bool
    }

    let capacity: Int
    private(set) var leased = 0
    private var idle: [Connection] = []
    private var waiters: [Int] = []
    private(set) var isClosed = false

    init(capacity: Int) {
        precondition(capacity > 0, "a pool needs at least one connection")
        self.capacity = capacity
    }

    var idleCount: Int { idle.count }
    var waitingCount: Int { waiters.count }

    /// A request for a lease: granted at once when a permit is free and nobody waits ahead.
    mutating func acquire(waiter: Int) -> AcquireAction {
        guard !isClosed else { return .closed }
        if leased < capacity && waiters.isEmpty {
            leased += 1
            // Reuse the most recently returned connection: it is the likeliest to be warm.
            return .granted(idle.popLast().map(Grant.reuse) ?? .open)
        }
        waiters.append(waiter)
        return .enqueued
    }

    /// Removes a waiter that timed out or was cancelled; `false` when it is no longer waiting
    /// (it was already granted a lease, which it then owns).
    mutating func removeWaiter(_ waiter: Int) -> Bool {
        guard let index = waiters.firstIndex(of: waiter) else { return false }
        waiters.remove(at: index)
        return true
    }

    /// Ends a lease. `connection` is the healthy connection to keep, or `nil` when the lease
    /// produced none (opening failed) or its connection was broken and has been closed.
    mutating func release(_ connection: Connection?) -> ReleaseAction {
        precondition(leased > 0, "release without a lease")
        if isClosed {
            // The lease stays counted until its connection is closed and `release(nil)` follows,
            // so that `close()` returns only after every connection is closed.
            if let connection { return ReleaseAction(connectionToClose: connection) }
            leased -= 1
            return ReleaseAction(isCloseComplete: leased == 0)
        }
        if !waiters.isEmpty {
            // The lease moves to the first waiter; `leased` is unchanged. With waiters present
            // every permit is leased, so there is no idle connection to prefer.
            let waiter = waiters.removeFirst()
            return ReleaseAction(handOff: (waiter, connection.map(Grant.reuse) ?? .open))
        }
        leased -= 1
        if let connection { idle.append(connection) }
        return ReleaseAction()
    }

    /// Closes the pool: waiters fail, idle connections close, later acquisitions fail, and
    /// connections still leased close when they return.
    mutating func close() -> CloseAction {
        guard !isClosed else { return CloseAction(waitersToFail: [], connectionsToClose: [], isComplete: leased == 0) }
        isClosed = true
        defer {
            waiters = []
            idle = []
        }
        return CloseAction(waitersToFail: waiters, connectionsToClose: idle, isComplete: leased == 0)
    }
}

extension PoolStateMachine.Grant: Sendable where Connection: Sendable {}
extension PoolStateMachine.ReleaseAction: Sendable where Connection: Sendable {}
extension PoolStateMachine.CloseAction: Sendable where Connection: Sendable {}
