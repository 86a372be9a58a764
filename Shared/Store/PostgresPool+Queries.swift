extension PostgresPool {
    /// Runs one statement on a pooled connection and returns its rows (see
    /// `PostgresConnection.query(_:prepared:)`).
    public func query(_ query: PostgresQuery, prepared: Bool = false) async throws -> PostgresRows {
        try await withConnection { try await $0.query(query, prepared: prepared) }
    }

    /// Runs one statement on a pooled connection and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PostgresQuery, prepared: Bool = false) async throws -> Int {
        try await withConnection { try await $0.execute(query, prepared: prepared) }
    }

    /// Runs trusted, parameterless SQL (possibly several statements) on a pooled connection.
    @discardableResult
    public func simpleQuery(_ sql: String) async throws -> PostgresRows {
        try await withConnection { try await $0.simpleQuery(sql) }
    }

    /// Whether the database answers a trivial query within the pool's limits: for readiness
    /// checks. Never throws.
    public func ping() async -> Bool {
        do {
            _ = try await withConnection { try await $0.query("SELECT 1") }
            return true
        } catch {
            logger.debug("postgres ping failed", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Runs `body` in a transaction on a pooled connection: `BEGIN`, then `COMMIT` if `body`
    /// returns, `ROLLBACK` if it throws (cancellation included). A failing `COMMIT` throws.
    @discardableResult
    nonisolated(nonsending)
    public func transaction<Result>(
        isolation: TransactionIsolation = .readCommitted,
        _ body: nonisolated(nonsending) (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in
            try await connection.transaction(isolation: isolation, body)
        }
    }

    /// Runs `body` in a transaction and runs it again, after an exponential backoff with
    /// jitter, when it fails with a retryable error (`DatabaseError.isRetryable`: serialization
    /// failure, deadlock, connection failure), up to `maxAttempts` runs in all.
    ///
    /// `body` may run several times, so it must have no effect outside the transaction. A
    /// connection lost during `COMMIT` is retried too, although the first commit may have
    /// succeeded: make such work idempotent (unique keys) where that matters.
    @discardableResult
    nonisolated(nonsending)
    public func retryingTransaction<Result>(
        isolation: TransactionIsolation = .serializable,
        maxAttempts: Int = 5,
        _ body: nonisolated(nonsending) (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        var attempt = 1
        while true {
            do {
                return try await transaction(isolation: isolation, body)
            } catch let error as DatabaseError where error.isRetryable && attempt < maxAttempts {
                let delay = RetryBackoff.delay(afterAttempt: attempt)
                logger.debug(
                    "retrying a postgres transaction",
                    metadata: ["attempt": "\(attempt)", "code": "\(error.code)", "delay": "\(delay)"]
                )
                try await Task.sleep(for: delay)
                attempt += 1
            }
        }
    }
}

/// Exponential backoff with jitter for retried transactions.
enum RetryBackoff {
    static let base = Duration.milliseconds(5)
    static let cap = Duration.milliseconds(500)

    /// A random delay in the upper half of `min(cap, base × 2^(attempt-1))`: exponential growth
    /// separates the retries of colliding transactions, jitter keeps them from colliding again.
    static func delay(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 20)
        let ceiling = min(cap, base * (1 << exponent))
        let nanoseconds = ceiling.roundedUpMilliseconds * 1_000_000
        return .nanoseconds(Int64.random(in: (nanoseconds / 2)...nanoseconds))
    }
}
