import AuthKit
import Foundation
import ServiceKit
import Store
import Synchronization

/// The SQL of the workspace service, over its own schema.
public struct WorkspaceStore: Sendable {
    let pool: PostgresPool
    /// The attempts every queued task gets (`workspace.tasks.max.attempts`), kept in its row.
    let taskAttempts: Int
    /// Called after a transaction that queued a workspace task committed (the worker's bell).
    let taskQueued: @Sendable () -> Void

    public init(pool: PostgresPool, taskAttempts: Int = 5, taskQueued: @escaping @Sendable () -> Void = {}) {
        self.pool = pool
        self.taskAttempts = taskAttempts
        self.taskQueued = taskQueued
    }

    /// Runs `body` in a transaction (retried on serialization failures and deadlocks, so
    /// `body` must have no effect outside it). When it queued a task (``noteTaskQueued()``),
    /// `taskQueued` is called once it committed.
    func transaction<Result>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let note = QueuedTaskNote()
        let result = try await QueuedTaskNote.$current.withValue(note) {
            try await pool.retryingTransaction(isolation: .readCommitted) { connection in try await body(connection) }
        }
        if note.queued.load(ordering: .relaxed) { taskQueued() }
        return result
    }

    /// Marks the running transaction as one that queued a task.
    static func noteTaskQueued() {
        QueuedTaskNote.current?.queued.store(true, ordering: .relaxed)
    }
}

/// Whether the store transaction running in this task queued a task.
final class QueuedTaskNote: Sendable {
    @TaskLocal static var current: QueuedTaskNote?
    let queued = Atomic<Bool>(false)
}

/// A page of a list: the rows and the cursor of the next page.
struct Page<Item> {
    var items: [Item]
    var nextToken: String
}

/// Cursor pagination over ids (UUIDv7 ids sort by creation, so the order is stable). The token
/// is the last id of the page, base64url-encoded so clients treat it as opaque.
struct PageRequest: Sendable {
    static let maximumSize = 200
    static let defaultSize = 50

    var size: Int
    var after: String

    init(size: Int32, token: String) throws(ServiceError) {
        guard size >= 0 else { throw ServiceError.invalidField("page_size", "must not be negative") }
        self.size = size == 0 ? Self.defaultSize : min(Int(size), Self.maximumSize)
        if token.isEmpty {
            after = ""
        } else {
            guard token.count <= 200, let data = Base64URL.decode(token), let id = String(data: data, encoding: .utf8) else {
                throw ServiceError.invalidField("page_token", "is not a token from a previous page")
            }
            after = id
        }
    }

    /// Fetch one more row than the page holds, to know whether another page follows.
    var limit: Int { size + 1 }

    /// The page of `rows` (fetched with ``limit``) and its next token.
    func page<Item>(_ rows: [Item], id: (Item) -> String) -> Page<Item> {
        guard rows.count > size else { return Page(items: rows, nextToken: "") }
        let items = Array(rows.prefix(size))
        return Page(items: items, nextToken: Base64URL.encode(Data(id(items[items.count - 1]).utf8)))
    }
}
