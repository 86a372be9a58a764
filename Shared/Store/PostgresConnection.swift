import CLibPQ
import Foundation
import Logging

/// One Postgres session, lent by a ``PostgresPool`` for the duration of a closure.
///
/// Every call runs on the connection's own thread, one at a time, so the blocking libpq calls
/// never occupy Swift's cooperative thread pool. Use a connection only inside the closure that
/// received it, and from one task at a time: statements from two tasks would interleave inside
/// the same session (and transaction).
///
/// Cancelling the calling task cancels the running statement on the server (`PQcancel`), which
/// then fails with `DatabaseError.Code.queryCanceled`; a statement not yet started throws
/// `CancellationError`.
public final class PostgresConnection: Sendable {
    let libpq: LibPQConnection
    private let thread: BlockingThread
    let logger: Logger

    private init(libpq: LibPQConnection, thread: BlockingThread, logger: Logger) {
        self.libpq = libpq
        self.thread = thread
        self.logger = logger
    }

    // A safety net for a pool dropped without `close()`: end the thread (the session itself is
    // finished by `LibPQConnection`'s deinitializer).
    deinit { thread.stop() }

    /// Opens a session on a new dedicated thread.
    static func connect(configuration: PostgresConfiguration, logger: Logger) async throws -> PostgresConnection {
        let thread = BlockingThread(name: "hxb-postgres")
        do {
            let libpq = try await thread.run { try LibPQConnection.connect(configuration: configuration, logger: logger) }
            return PostgresConnection(libpq: libpq, thread: thread, logger: logger)
        } catch {
            thread.stop()
            throw error
        }
    }

    /// Runs one statement and returns its rows. Interpolated values are sent as text-format bind
    /// parameters. With `prepared`, the statement is prepared once per connection (keyed by its
    /// SQL text) and reused by later calls: use it for hot queries with a fixed text.
    public func query(_ query: PostgresQuery, prepared: Bool = false) async throws -> PostgresRows {
        let sql = query.sql
        let binds = query.binds
        return try await perform { try $0.execute(sql, binds: binds, prepared: prepared) }
    }

    /// Runs one statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PostgresQuery, prepared: Bool = false) async throws -> Int {
        try await self.query(query, prepared: prepared).affectedRows
    }

    /// Runs trusted SQL without parameters, possibly several `;`-separated statements (for
    /// migrations and setup scripts), and returns the last statement's result.
    @discardableResult
    public func simpleQuery(_ sql: String) async throws -> PostgresRows {
        try await perform { try $0.simpleQuery(sql) }
    }

    /// Runs a statement that must not be cancelled with the task: cleanup such as `ROLLBACK`
    /// or releasing an advisory lock after the caller was cancelled.
    @discardableResult
    func uncancellableQuery(_ query: PostgresQuery) async throws -> PostgresRows {
        let sql = query.sql
        let binds = query.binds
        return try await perform(cancellable: false) { try $0.execute(sql, binds: binds, prepared: false) }
    }

    /// Whether the session can be lent again. Called by the pool, which holds the connection
    /// with no job running: the common case (idle, nothing received) is checked inline, the rest
    /// (a server notice or close, a transaction left open) on the connection's thread.
    func prepareForReuse() async -> Bool {
        if libpq.isQuietlyIdle() { return true }
        return (try? await perform(cancellable: false) { $0.prepareForReuse() }) ?? false
    }

    /// Ends the session and its thread.
    func close() async {
        _ = try? await perform(cancellable: false) { $0.finish() }
        thread.stop()
    }

    /// Runs `work` on the connection's thread. When `cancellable`, a cancelled task does not
    /// start it, and cancellation while it runs sends a cancel request to the server.
    func perform<Result: Sendable>(
        cancellable: Bool = true,
        _ work: @escaping @Sendable (LibPQConnection) throws -> Result
    ) async throws -> Result {
        let libpq = self.libpq
        guard cancellable else { return try await thread.run { try work(libpq) } }
        try Task.checkCancellation()
        let ticket = JobTicket()
        return try await withTaskCancellationHandler {
            try await thread.run {
                guard ticket.start() else { throw CancellationError() }
                defer { ticket.finish() }
                return try work(libpq)
            }
        } onCancel: {
            guard ticket.cancel() else { return }
            // PQcancel opens a network connection: do it on a thread of its own, never on the
            // thread that cancelled the task (possibly one of the cooperative pool).
            Thread.detachNewThread {
                ticket.whileRunning { libpq.requestCancel() }
            }
        }
    }
}
