import Store
import Synchronization
import Testing

@Suite("Transactions")
struct TransactionTests {
    struct Boom: Error {}

    @Test("a transaction commits when its body returns")
    func commits() async throws {
        try await withTestPool(prefix: "commit") { pool, _ in
            try await pool.execute("CREATE TABLE t (v int)")
            let value = try await pool.transaction { connection in
                try await connection.execute("INSERT INTO t VALUES (\(1))")
                return 7
            }
            #expect(value == 7)
            #expect(try await count(pool) == 1)
        }
    }

    @Test("a transaction rolls back when its body throws")
    func rollsBackOnError() async throws {
        try await withTestPool(prefix: "rollback") { pool, _ in
            try await pool.execute("CREATE TABLE t (v int)")
            await #expect(throws: Boom.self) {
                try await pool.transaction { connection in
                    try await connection.execute("INSERT INTO t VALUES (\(1))")
                    throw Boom()
                }
            }
            #expect(try await count(pool) == 0)
        }
    }

    @Test("a transaction rolls back when its task is cancelled")
    func rollsBackOnCancellation() async throws {
        try await withTestPool(prefix: "cancelled") { pool, _ in
            try await pool.execute("CREATE TABLE t (v int)")
            let (inserted, signal) = AsyncStream<Void>.makeStream()
            let task = Task {
                try await pool.transaction { connection in
                    try await connection.execute("INSERT INTO t VALUES (\(1))")
                    signal.yield()
                    try await Task.sleep(for: .seconds(30))
                }
            }
            for await _ in inserted { break }
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            #expect(try await count(pool) == 0)
            #expect(pool.statistics.leased == 0)
        }
    }

    @Test("a failing COMMIT throws and nothing is committed")
    func failingCommitThrows() async throws {
        try await withTestPool(prefix: "commitfail") { pool, _ in
            try await pool.simpleQuery("""
                CREATE TABLE p (id int PRIMARY KEY);
                CREATE TABLE t (v int REFERENCES p DEFERRABLE INITIALLY DEFERRED);
                """)
            let code = await databaseErrorCode {
                try await pool.transaction { connection in
                    _ = try await connection.execute("INSERT INTO t VALUES (\(99))")
                }
            }
            #expect(code == .foreignKeyViolation)
            #expect(try await count(pool) == 0)
        }
    }

    @Test("a swallowed statement error makes COMMIT throw instead of silently rolling back")
    func swallowedErrorIsNotCommitted() async throws {
        try await withTestPool(prefix: "swallowed") { pool, _ in
            try await pool.execute("CREATE TABLE t (v int)")
            do {
                try await pool.transaction { connection in
                    try await connection.execute("INSERT INTO t VALUES (\(1))")
                    _ = try? await connection.query("SELECT 1 / 0")
                }
                Issue.record("the commit of a failed transaction must throw")
            } catch let error as DatabaseError {
                #expect(error.sqlState == "25P02")
            }
            #expect(try await count(pool) == 0)
        }
    }

    @Test("transactions do not nest")
    func noNesting() async throws {
        try await withTestPool(prefix: "nesting") { pool, _ in
            let code = await databaseErrorCode {
                try await pool.transaction { connection in
                    try await connection.transaction { _ in }
                }
            }
            #expect(code == .invalidQuery)
        }
    }

    @Test("a transaction left open inside withConnection is rolled back when the connection returns")
    func openTransactionIsRolledBack() async throws {
        try await withTestPool(prefix: "leftopen", poolSize: 1) { pool, _ in
            try await pool.execute("CREATE TABLE t (v int)")
            try await pool.withConnection { connection in
                try await connection.simpleQuery("BEGIN; INSERT INTO t VALUES (1)")
            }
            #expect(try await count(pool) == 0)
        }
    }

    @Test("conflicting serializable transactions fail with a retryable serialization failure")
    func serializationFailure() async throws {
        try await withTestPool(prefix: "serializable") { pool, _ in
            try await pool.execute("CREATE TABLE t (v int)")
            let codes = try await pool.withConnection { first in
                try await pool.withConnection { second in
                    // Write skew: each reads what the other writes.
                    try await first.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
                    try await second.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
                    _ = try await first.query("SELECT count(*) FROM t")
                    _ = try await second.query("SELECT count(*) FROM t")
                    var errors: [DatabaseError] = []
                    for (connection, value) in [(first, 1), (second, 2)] {
                        do {
                            try await connection.execute("INSERT INTO t VALUES (\(value))")
                            try await connection.execute("COMMIT")
                        } catch let error as DatabaseError {
                            errors.append(error)
                            try await connection.execute("ROLLBACK")
                        }
                    }
                    return errors
                }
            }
            #expect(codes.count == 1)
            #expect(codes.first?.code == .serializationFailure)
            #expect(codes.first?.isRetryable == true)
        }
    }

    @Test("retryingTransaction runs the body again after a serialization failure and succeeds")
    func retryingTransactionSucceeds() async throws {
        try await withTestPool(prefix: "retrying") { pool, _ in
            try await pool.simpleQuery("CREATE TABLE counter (v int); INSERT INTO counter VALUES (0)")
            let attempts = Mutex(0)
            try await pool.retryingTransaction(isolation: .repeatableRead) { connection in
                let attempt = attempts.withLock { count in
                    count += 1
                    return count
                }
                let value = try await connection.query("SELECT v FROM counter")[0].decode(Int.self, at: 0)
                if attempt == 1 {
                    // A concurrent update commits after this transaction took its snapshot.
                    try await pool.execute("UPDATE counter SET v = v + 1")
                }
                try await connection.execute("UPDATE counter SET v = \(value + 1)")
            }
            #expect(attempts.withLock { $0 } == 2)
            let final = try await pool.query("SELECT v FROM counter")[0].decode(Int.self, at: 0)
            #expect(final == 2)
        }
    }

    @Test("retryingTransaction gives up after maxAttempts and rethrows")
    func retryingTransactionGivesUp() async throws {
        try await withTestPool(prefix: "giveup") { pool, _ in
            let attempts = Mutex(0)
            let code = await databaseErrorCode {
                try await pool.retryingTransaction(maxAttempts: 3) { _ in
                    attempts.withLock { $0 += 1 }
                    throw DatabaseError(code: .deadlockDetected, sqlState: "40P01")
                }
            }
            #expect(code == .deadlockDetected)
            #expect(attempts.withLock { $0 } == 3)
        }
    }

    private func count(_ pool: PostgresPool) async throws -> Int {
        try await pool.query("SELECT count(*) FROM t")[0].decode(Int.self, at: 0)
    }
}
