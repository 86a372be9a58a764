import Store
import TestSupport
import Testing

@Suite("Connection pool")
struct PoolTests {
    @Test("with every connection held, an acquire throws poolTimeout after the acquire timeout")
    func exhaustionTimesOut() async throws {
        try await withTestPool(prefix: "exhaustion", poolSize: 1, acquireTimeout: .milliseconds(200)) { pool, _ in
            try await pool.withConnection { _ in
                do {
                    _ = try await pool.query("SELECT 1")
                    Issue.record("the second acquire must time out")
                } catch let error as DatabaseError {
                    #expect(error.code == .poolTimeout)
                    #expect(error.httpStatus == 503)
                }
                #expect(pool.statistics.waiting == 0)
            }
            #expect(await pool.ping())
        }
    }

    @Test("a waiter gets the connection once it is released")
    func waiterIsServed() async throws {
        try await withTestPool(prefix: "waiter", poolSize: 1) { pool, _ in
            let (held, heldSignal) = AsyncStream<Void>.makeStream()
            let (release, releaseSignal) = AsyncStream<Void>.makeStream()
            try await withThrowingTaskGroup(of: Int.self) { group in
                group.addTask {
                    try await pool.withConnection { connection in
                        heldSignal.yield()
                        for await _ in release { break }
                        return try await connection.query("SELECT 1")[0].decode(Int.self, at: 0)
                    }
                }
                for await _ in held { break }
                group.addTask {
                    try await pool.query("SELECT 2")[0].decode(Int.self, at: 0)
                }
                try await waitUntil("the second caller waits") { pool.statistics.waiting == 1 }
                releaseSignal.finish()
                var results: [Int] = []
                for try await value in group { results.append(value) }
                #expect(results.sorted() == [1, 2])
            }
            let statistics = pool.statistics
            #expect(statistics.leased == 0)
            #expect(statistics.idle == 1)
            #expect(statistics.waiting == 0)
        }
    }

    @Test("waiters are served in arrival order")
    func fifoOrder() async throws {
        try await withTestPool(prefix: "fifo", poolSize: 1) { pool, _ in
            let order = Recorder<Int>()
            let (release, releaseSignal) = AsyncStream<Void>.makeStream()
            let (held, heldSignal) = AsyncStream<Void>.makeStream()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await pool.withConnection { _ in
                        heldSignal.yield()
                        for await _ in release { break }
                    }
                }
                for await _ in held { break }
                for caller in 1...3 {
                    group.addTask {
                        try await pool.withConnection { _ in order.append(caller) }
                    }
                    try await waitUntil("caller \(caller) waits") { pool.statistics.waiting == caller }
                }
                releaseSignal.finish()
                try await group.waitForAll()
            }
            #expect(order.all == [1, 2, 3])
        }
    }

    @Test("a cancelled waiter leaves the queue")
    func cancelledWaiterLeaves() async throws {
        try await withTestPool(prefix: "cancelwait", poolSize: 1) { pool, _ in
            try await pool.withConnection { _ in
                let waiter = Task { try await pool.query("SELECT 1") }
                try await waitUntil("the caller waits") { pool.statistics.waiting == 1 }
                waiter.cancel()
                await #expect(throws: CancellationError.self) { _ = try await waiter.value }
                #expect(pool.statistics.waiting == 0)
            }
            #expect(pool.statistics.leased == 0)
            #expect(await pool.ping())
        }
    }

    @Test("cancelling a task cancels its running statement on the server")
    func cancellationReachesServer() async throws {
        try await withTestPool(prefix: "cancelquery") { pool, database in
            let query = Task { try await pool.query("SELECT pg_sleep(60)") }
            try await waitUntil("the statement runs") {
                let rows = try await pool.query("""
                    SELECT count(*) FROM pg_stat_activity
                    WHERE query = 'SELECT pg_sleep(60)' AND state = 'active' AND usename = \(database.schema)
                    """)
                return try rows[0].decode(Int.self, at: 0) == 1
            }
            query.cancel()
            do {
                _ = try await query.value
                Issue.record("the cancelled statement must fail")
            } catch let error as DatabaseError {
                #expect(error.code == .queryCanceled)
            }
            #expect(await pool.ping())
        }
    }

    @Test("a connection killed by the server is replaced on the next lease")
    func brokenConnectionIsReplaced() async throws {
        try await withTestPool(prefix: "replace", poolSize: 1) { pool, database in
            let firstPID = try await pool.query("SELECT pg_backend_pid()")[0].decode(Int32.self, at: 0)
            let admin = PostgresPool(
                configuration: PostgresConfiguration(url: database.superuserURL, poolSize: 1),
                logger: testLogger
            )
            _ = try await admin.query("SELECT pg_terminate_backend(\(firstPID))")
            try await waitUntil("the session has ended") {
                let rows = try await admin.query("SELECT count(*) FROM pg_stat_activity WHERE pid = \(firstPID)")
                return try rows[0].decode(Int.self, at: 0) == 0
            }
            await admin.close()
            let secondPID = try await pool.query("SELECT pg_backend_pid()")[0].decode(Int32.self, at: 0)
            #expect(secondPID != firstPID)
        }
    }

    @Test("close waits for lent connections, then every call fails with poolClosed")
    func closeWaitsForLeases() async throws {
        try await TestDatabase.withTemporary(prefix: "close") { database in
            let pool = PostgresPool(configuration: database.configuration(poolSize: 2), logger: testLogger)
            let events = Recorder<String>()
            let (held, heldSignal) = AsyncStream<Void>.makeStream()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await pool.withConnection { connection in
                        heldSignal.yield()
                        try await Task.sleep(for: .milliseconds(200))
                        _ = try await connection.query("SELECT 1")
                        events.append("released")
                    }
                }
                for await _ in held { break }
                await pool.close()
                events.append("closed")
                try await group.waitForAll()
            }
            #expect(events.all == ["released", "closed"])
            #expect(await databaseErrorCode { _ = try await pool.query("SELECT 1") } == .poolClosed)
            #expect(await pool.ping() == false)
        }
    }

    @Test("an unreachable server fails with a retryable connectionFailure and frees the lease")
    func unreachableServer() async throws {
        let pool = PostgresPool(
            configuration: PostgresConfiguration(url: "postgresql://nobody:secret-password@127.0.0.1:1/none", poolSize: 1),
            logger: testLogger
        )
        do {
            _ = try await pool.query("SELECT 1")
            Issue.record("connecting to port 1 must fail")
        } catch let error as DatabaseError {
            #expect(error.code == .connectionFailure)
            #expect(error.isRetryable)
            #expect(!error.description.contains("secret-password"))
        }
        #expect(pool.statistics.leased == 0)
        await pool.close()
    }
}
