import Configuration

extension LogShipper {
    /// How a process ships its logs (keys `log.ship.*`, env `HXB_LOG_SHIP_*`; docs/operations.md).
    public struct Configuration: Sendable, Equatable {
        /// Whether to ship at all (`log.ship.enabled`); off, logs go to standard output only.
        public var enabled: Bool
        /// Records held while they wait to be sent (`log.ship.buffer`); beyond it new records
        /// are dropped and counted.
        public var capacity: Int
        /// Records per `Ingest` call at most (`log.ship.batch`, 1 to 1,000).
        public var batchSize: Int
        /// How often what is buffered is sent when no batch fills up (`log.ship.interval.ms`).
        public var interval: Duration
        /// How long one `Ingest` call may take (`log.ship.timeout.ms`).
        public var sendTimeout: Duration
        /// The longest pause between retries of a failed send (`log.ship.retry.max.ms`); the
        /// pause starts at 250 ms and doubles per failure.
        public var maxRetryDelay: Duration
        /// How long the final flush at shutdown may take (`log.ship.flush.timeout.ms`).
        public var flushTimeout: Duration
        /// How often dropped records are reported on standard output (when some were).
        public var warningInterval: Duration

        /// The defaults: on, 10,000 records, batches of 500 or every second, 5 s per call,
        /// retries up to every 30 s, 2 s to flush at shutdown, drop warnings every 10 s.
        public init(
            enabled: Bool = true, capacity: Int = 10_000, batchSize: Int = 500, interval: Duration = .seconds(1),
            sendTimeout: Duration = .seconds(5), maxRetryDelay: Duration = .seconds(30), flushTimeout: Duration = .seconds(2),
            warningInterval: Duration = .seconds(10)
        ) {
            self.enabled = enabled
            self.capacity = max(1, capacity)
            self.batchSize = min(max(1, batchSize), 1_000)
            self.interval = interval
            self.sendTimeout = sendTimeout
            self.maxRetryDelay = maxRetryDelay
            self.flushTimeout = flushTimeout
            self.warningInterval = warningInterval
        }

        /// Reads `log.ship.enabled`, `log.ship.buffer`, `log.ship.batch`, `log.ship.interval.ms`,
        /// `log.ship.timeout.ms`, `log.ship.retry.max.ms` and `log.ship.flush.timeout.ms`.
        public init(reading config: ConfigReader) {
            let defaults = Configuration()
            func milliseconds(_ key: String, _ fallback: Duration) -> Duration {
                .milliseconds(max(1, config.int(forKey: ConfigKey(key), default: Int(fallback.wholeMilliseconds))))
            }
            self.init(
                enabled: config.bool(forKey: "log.ship.enabled", default: defaults.enabled),
                capacity: config.int(forKey: "log.ship.buffer", default: defaults.capacity),
                batchSize: config.int(forKey: "log.ship.batch", default: defaults.batchSize),
                interval: milliseconds("log.ship.interval.ms", defaults.interval),
                sendTimeout: milliseconds("log.ship.timeout.ms", defaults.sendTimeout),
                maxRetryDelay: milliseconds("log.ship.retry.max.ms", defaults.maxRetryDelay),
                flushTimeout: milliseconds("log.ship.flush.timeout.ms", defaults.flushTimeout)
            )
        }

        /// The pause before the next attempt after `failures` failed sends in a row (with up to
        /// 10 % jitter).
        func retryDelay(afterFailures failures: Int) -> Duration {
            let base = min(Duration.milliseconds(250) * (1 << min(max(failures - 1, 0), 16)), maxRetryDelay)
            return base + base * Double.random(in: 0...0.1)
        }
    }
}
