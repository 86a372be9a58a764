import Contracts

/// The ClickHouse tables of the log tiers: the columns of the Postgres schema (0001_logging.sql),
/// with `''` where Postgres has NULL, `level` as ``LogLevel/rank``, `attributes` as a map and
/// `batch_id`, the insert a row came with (exactly-once ingest, instead of Postgres's
/// `ingested_batches`).
///
/// Each table is partitioned by the day its records expire, like the Postgres tables, so that
/// retention drops whole partitions; the TTL does the same by itself (`ttl_only_drop_parts`) a day
/// after a partition's date, should the service not. The sort key serves the scoped newest-first
/// reads of the tier (Postgres's indexes); skip indexes serve the rest: the other tenant columns
/// (bloom filters), sequences (min/max, for tails) and the words of the message (a token bloom
/// filter on its lower-case text, for `hasToken`).
enum ClickHouseSchema {
    /// The table of `tier`, nil for a tier that has none.
    static func table(of tier: Hexabase_Logs_V1_Tier) -> String? {
        switch tier {
        case .system: "logs_system"
        case .audit: "logs_audit"
        case .workload: "logs_workload"
        default: nil
        }
    }

    /// The tiers that have tables.
    static let tiers: [Hexabase_Logs_V1_Tier] = [.system, .audit, .workload]

    /// Whether `name` can be used as a database name as it is: a plain identifier.
    static func isIdentifier(_ name: String) -> Bool {
        name.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_]{0,63}/) != nil
    }

    /// `CREATE DATABASE IF NOT EXISTS`; `database` must be an identifier (``isIdentifier(_:)``).
    static func createDatabase(_ database: String) -> String {
        "CREATE DATABASE IF NOT EXISTS `\(database)`"
    }

    /// `CREATE TABLE IF NOT EXISTS` for `tier`.
    static func createTable(_ tier: Hexabase_Logs_V1_Tier, deduplicationWindow: Int) -> String? {
        guard let table = table(of: tier) else { return nil }
        let (sortKey, tenantIndexes): (String, [String]) = switch tier {
        case .audit: ("organization_id, time, sequence", ["workspace_id", "project_id"])
        case .workload: ("workspace_id, time, sequence", ["organization_id", "project_id"])
        default: ("time, sequence", ["organization_id", "workspace_id", "project_id"])
        }
        let indexes = tenantIndexes.map { "    INDEX by_\($0) \($0) TYPE bloom_filter(0.01) GRANULARITY 1,\n" }.joined()
        return """
            CREATE TABLE IF NOT EXISTS \(table) (
                sequence        Int64,
                batch_id        String,
                id              String,
                time            DateTime64(6, 'UTC'),
                expires_on      Date,
                level           UInt8,
                service         LowCardinality(String),
                message         String,
                request_id      String,
                trace_id        String,
                organization_id String,
                workspace_id    String,
                project_id      String,
                user_id         String,
                actor_id        String,
                initiated_by    LowCardinality(String),
                on_behalf_of    String,
                action          LowCardinality(String),
                resource        String,
                outcome         LowCardinality(String),
                source_address  String,
                attributes      Map(String, String),
            \(indexes)    INDEX by_sequence sequence TYPE minmax GRANULARITY 1,
                INDEX by_batch batch_id TYPE bloom_filter(0.001) GRANULARITY 1,
                INDEX by_words lowerUTF8(message) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 1
            )
            ENGINE = MergeTree
            PARTITION BY expires_on
            ORDER BY (\(sortKey))
            TTL expires_on + INTERVAL 1 DAY DELETE
            SETTINGS non_replicated_deduplication_window = \(deduplicationWindow), ttl_only_drop_parts = 1
            """
    }

    /// The columns a query reads, in the shape ``ClickHouseRow`` decodes.
    static let selectedColumns = """
        sequence, id, toUnixTimestamp64Micro(time) AS time_us, level, service, message, request_id, trace_id, \
        organization_id, workspace_id, project_id, user_id, actor_id, initiated_by, on_behalf_of, action, resource, \
        outcome, source_address, attributes
        """
}
