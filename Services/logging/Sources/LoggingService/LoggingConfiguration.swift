import Configuration
import Foundation
import ServiceKit
import ServiceStore

/// Everything the logging process is configured with (docs/operations.md lists the keys).
public struct LoggingConfiguration: Sendable {
    /// Where records are kept.
    public enum StorageKind: String, Sendable {
        case postgres
        case clickhouse
    }

    /// Days a tier keeps its records: the default, and the range an organization may choose.
    public struct RetentionLimits: Sendable, Equatable {
        public var defaultDays: Int
        public var minDays: Int
        public var maxDays: Int

        public init(defaultDays: Int, minDays: Int, maxDays: Int) {
            self.defaultDays = defaultDays
            self.minDays = minDays
            self.maxDays = maxDays
        }
    }

    /// The ClickHouse sink: HTTP interface URL, database, user and password.
    public struct ClickHouseSettings: Sendable, Equatable {
        public var url: String
        public var database: String
        public var user: String
        public var password: String

        public init(url: String, database: String = "hexabase", user: String = "default", password: String = "") {
            self.url = url
            self.database = database
            self.user = user
            self.password = password
        }
    }

    public var service: ServiceSettings
    public var database: DatabaseSettings
    /// auth's public issuer URL (tokens are checked against it).
    public var issuer: String
    public var audience: String
    /// This service's client-credentials client at auth, for workspace's CheckAccess.
    public var authClientID: String
    public var authClientSecret: String
    public var storage: StorageKind
    public var clickHouse: ClickHouseSettings?
    /// System records are platform-wide: only the default applies.
    public var systemRetentionDays: Int
    public var auditRetention: RetentionLimits
    public var workloadRetention: RetentionLimits
    /// The longest a live tail call waits for a record.
    public var tailMaxWait: Duration
    /// JetStream messages (ingest batches) fetched at once and stored in one transaction per
    /// tier.
    public var ingestBatchMessages: Int
    /// How long JetStream waits for a batch's acknowledgment before delivering it again (to
    /// another replica, when this one died holding it).
    public var ingestAckWait: Duration
    /// How often expired partitions are dropped.
    public var retentionInterval: Duration

    /// A configuration with the defaults of ``init(reading:)`` (tests and embedders).
    public init(service: ServiceSettings, database: DatabaseSettings, issuer: String, authClientSecret: String) {
        self.service = service
        self.database = database
        self.issuer = issuer
        audience = "hexabase"
        authClientID = "logging"
        self.authClientSecret = authClientSecret
        storage = .postgres
        clickHouse = nil
        systemRetentionDays = 30
        auditRetention = RetentionLimits(defaultDays: 365, minDays: 30, maxDays: 2555)
        workloadRetention = RetentionLimits(defaultDays: 30, minDays: 1, maxDays: 365)
        tailMaxWait = .seconds(20)
        ingestBatchMessages = 64
        ingestAckWait = .seconds(10)
        retentionInterval = .seconds(3600)
    }

    public init(reading config: ConfigReader) throws {
        func limits(_ tier: String, _ fallback: RetentionLimits) throws -> RetentionLimits {
            let limits = RetentionLimits(
                defaultDays: config.int(forKey: ConfigKey("logging.retention.\(tier).days"), default: fallback.defaultDays),
                minDays: config.int(forKey: ConfigKey("logging.retention.\(tier).min.days"), default: fallback.minDays),
                maxDays: config.int(forKey: ConfigKey("logging.retention.\(tier).max.days"), default: fallback.maxDays)
            )
            guard limits.minDays >= 1, limits.minDays <= limits.defaultDays, limits.defaultDays <= limits.maxDays, limits.maxDays <= 3660 else {
                throw ConfigurationError("logging.retention.\(tier).*: need 1 ≤ min ≤ days ≤ max ≤ 3660, got \(limits.minDays) ≤ \(limits.defaultDays) ≤ \(limits.maxDays)")
            }
            return limits
        }
        service = ServiceSettings(reading: config, service: "logging", defaultOpsPort: 9105)
        database = DatabaseSettings(reading: config, defaultSchema: "logging")
        issuer = config.string(forKey: "issuer", default: "http://127.0.0.1:8080")
        audience = config.string(forKey: "audience", default: "hexabase")
        authClientID = config.string(forKey: "logging.auth.client.id", default: "logging")
        authClientSecret = config.string(forKey: "logging.auth.client.secret", isSecret: true, default: "")
        let storageName = config.string(forKey: "logging.storage", default: "postgres")
        guard let storage = StorageKind(rawValue: storageName) else {
            throw ConfigurationError("logging.storage must be postgres or clickhouse, not \(storageName)")
        }
        self.storage = storage
        let clickHouseURL = config.string(forKey: "logging.clickhouse.url", default: "")
        clickHouse = clickHouseURL.isEmpty ? nil : ClickHouseSettings(
            url: clickHouseURL,
            database: config.string(forKey: "logging.clickhouse.database", default: "hexabase"),
            user: config.string(forKey: "logging.clickhouse.user", default: "default"),
            password: config.string(forKey: "logging.clickhouse.password", isSecret: true, default: "")
        )
        if storage == .clickhouse, clickHouse == nil {
            throw ConfigurationError("logging.storage is clickhouse but logging.clickhouse.url (HXB_LOGGING_CLICKHOUSE_URL) is not set")
        }
        systemRetentionDays = config.int(forKey: "logging.retention.system.days", default: 30)
        guard (1...3660).contains(systemRetentionDays) else {
            throw ConfigurationError("logging.retention.system.days must be 1…3660, not \(systemRetentionDays)")
        }
        auditRetention = try limits("audit", RetentionLimits(defaultDays: 365, minDays: 30, maxDays: 2555))
        workloadRetention = try limits("workload", RetentionLimits(defaultDays: 30, minDays: 1, maxDays: 365))
        tailMaxWait = .milliseconds(min(max(config.int(forKey: "logging.tail.max.wait.ms", default: 20_000), 0), 60_000))
        ingestBatchMessages = min(max(config.int(forKey: "logging.ingest.batch.messages", default: 64), 1), 256)
        ingestAckWait = .milliseconds(min(max(config.int(forKey: "logging.ingest.ack.wait.ms", default: 10_000), 1000), 600_000))
        retentionInterval = .milliseconds(max(config.int(forKey: "logging.retention.interval.ms", default: 3_600_000), 1000))
        guard !authClientSecret.isEmpty else {
            throw ConfigurationError("logging.auth.client.secret (HXB_LOGGING_AUTH_CLIENT_SECRET) is required: the client secret auth knows this service by")
        }
    }
}
