extension ClickHouseLogStore {
    /// How the store batches, retries and tails; the defaults suit a production server.
    public struct Options: Sendable {
        /// Attempts per request (the first included) when ClickHouse is unreachable or answers
        /// 5xx, 408 or 429. At least 1.
        public var maximumAttempts: Int
        /// The delay before the second attempt; it doubles per attempt up to
        /// ``maximumRetryDelay``, and each delay is drawn from its upper half (jitter).
        public var initialRetryDelay: Duration
        public var maximumRetryDelay: Duration
        /// The timeout of one request; nil uses the HTTP client's.
        public var requestTimeout: Duration?
        /// Records per `INSERT`: a larger append is sent as several, each deduplicated on its own.
        /// Changing it while batches may still be redelivered changes how they are split.
        public var rowsPerInsert: Int
        /// How long after its sequence was taken a record is assumed visible to every reader.
        /// Live tails and ``ClickHouseLogStore/end(of:)`` read only sequences older than this, so
        /// that a slower insert of another replica, whose sequences are lower, is not skipped.
        /// Keep it above the time an insert takes (and the clock skew between replicas).
        public var settleWindow: Duration
        /// The number of recent inserts whose deduplication tokens each table remembers
        /// (`non_replicated_deduplication_window`), applied when the tables are created.
        public var deduplicationWindow: Int

        /// Options with production defaults: 4 attempts, 200 ms doubling to at most 5 s,
        /// 10,000 rows per insert, a 5 s settle window, 10,000 remembered inserts.
        public init(
            maximumAttempts: Int = 4, initialRetryDelay: Duration = .milliseconds(200), maximumRetryDelay: Duration = .seconds(5),
            requestTimeout: Duration? = nil, rowsPerInsert: Int = 10_000, settleWindow: Duration = .seconds(5),
            deduplicationWindow: Int = 10_000
        ) {
            self.maximumAttempts = max(1, maximumAttempts)
            self.initialRetryDelay = initialRetryDelay
            self.maximumRetryDelay = maximumRetryDelay
            self.requestTimeout = requestTimeout
            self.rowsPerInsert = max(1, rowsPerInsert)
            self.settleWindow = settleWindow
            self.deduplicationWindow = max(1, deduplicationWindow)
        }

        /// The delay after failed attempt `attempt` (1-based): a random point in the upper half of
        /// `min(maximum, initial × 2^(attempt-1))`, so replicas that failed together do not retry
        /// together.
        func retryDelay(afterAttempt attempt: Int) -> Duration {
            let ceiling = min(maximumRetryDelay, initialRetryDelay * (1 << min(max(attempt - 1, 0), 20)))
            return ceiling * Double.random(in: 0.5...1)
        }
    }
}
