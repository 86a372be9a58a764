import Foundation
import Logging
import Store
import Synchronization
import TestSupport
import Testing

/// A logger for tests that keeps the output to errors.
let testLogger: Logger = {
    var logger = Logger(label: "hexabase.store-tests")
    logger.logLevel = .error
    return logger
}()

/// Runs `body` with a pool on a fresh role and schema, then closes the pool and drops both.
func withTestPool<Result>(
    prefix: String,
    poolSize: Int = 2,
    acquireTimeout: Duration = .seconds(5),
    statementTimeout: Duration? = nil,
    _ body: (PostgresPool, TestDatabase) async throws -> Result
) async throws -> Result {
    try await TestDatabase.withTemporary(prefix: prefix) { database in
        let pool = PostgresPool(
            configuration: database.configuration(
                poolSize: poolSize,
                acquireTimeout: acquireTimeout,
                statementTimeout: statementTimeout
            ),
            logger: testLogger
        )
        do {
            let result = try await body(pool, database)
            await pool.close()
            return result
        } catch {
            await pool.close()
            throw error
        }
    }
}

/// Polls `condition` until it holds; records an issue after about five seconds. Used to wait
/// for a state (a queued waiter, a running statement), never to measure time.
func waitUntil(
    _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    for _ in 0..<500 {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
}

/// The `DatabaseError` code `body` throws, or `nil` when it throws something else or nothing.
func databaseErrorCode(_ body: () async throws -> Void) async -> DatabaseError.Code? {
    do {
        try await body()
        return nil
    } catch let error as DatabaseError {
        return error.code
    } catch {
        return nil
    }
}

/// A thread-safe list that concurrent test tasks append to.
final class Recorder<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])

    func append(_ item: Element) {
        items.withLock { $0.append(item) }
    }

    var all: [Element] {
        items.withLock { $0 }
    }
}
