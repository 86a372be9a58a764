import Contracts
import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization

/// Log records in the `logging` schema (migration 0001): one table per tier, partitioned by the
/// day the records expire; partitions are created as records need them and dropped whole once
/// their day has passed.
///
/// Appends of one tier are serialized by a transaction-level advisory lock, so a tier's
/// `sequence` values become visible in ascending order: everything at or below the highest
/// visible sequence has committed, which is what makes a live tail's cursor exact.
public final class PostgresLogStore: LogStore {
    private let pool: PostgresPool
    private let logger: Logger
    /// Partitions known to exist (created here or seen), by name.
    private let knownPartitions = Mutex<Set<String>>([])
    /// Merges the words of appended records into the word index, apart from the appends.
    public let searchIndexer: PostgresSearchIndexer

    public init(pool: PostgresPool, logger: Logger) {
        self.pool = pool
        self.logger = logger
        searchIndexer = PostgresSearchIndexer(pool: pool, logger: logger)
    }

    public var workers: [any Service] { [searchIndexer] }

    /// The table of a tier.
    public static func table(_ tier: Hexabase_Logs_V1_Tier) -> String {
        switch tier {
        case .system: "logs_system"
        case .audit: "logs_audit"
        default: "logs_workload"
        }
    }

    /// The advisory lock key that serializes a tier's appends ("hxlg" + tier).
    private static func lockKey(_ tier: Hexabase_Logs_V1_Tier) -> Int64 {
        0x6878_6C67_0000_0000 + Int64(tier.rawValue)
    }

    // MARK: Appending

    /// The columns a COPY of records names, in ``copyData(_:)``'s order.
    public static let copyColumns = """
        id, time, expires_on, level, service, message, request_id, trace_id, organization_id, workspace_id, project_id, \
        user_id, actor_id, initiated_by, on_behalf_of, action, resource, outcome, source_address, attributes, search
        """

    @discardableResult
    public func append(_ records: [StoredRecord], tier: Hexabase_Logs_V1_Tier, batchID: String) async throws -> Int {
        try await append(batches: [StoredBatch(id: batchID, records: records)], tier: tier)
    }

    /// One transaction for all `batches`: the batch ids not stored before are claimed, and
    /// their records go in one COPY.
    @discardableResult
    public func append(batches: [StoredBatch], tier: Hexabase_Logs_V1_Tier) async throws -> Int {
        try await append(encode(batches, tier: tier))
    }

    /// The COPY data of each batch and the days their records expire on.
    struct Encoding: Sendable {
        var data: [Data]
        var days: Set<String>
    }

    /// Builds the COPY data, so that the tier's lock is held only for the database's own work.
    public func encode(_ batches: [StoredBatch], tier: Hexabase_Logs_V1_Tier) -> EncodedBatches {
        let batches = batches.filter { !$0.records.isEmpty }
        var days = Set<String>()
        let data = batches.map { Self.copyData($0.records, days: &days) }
        return EncodedBatches(tier: tier, batches: batches, encoding: Encoding(data: data, days: days))
    }

    @discardableResult
    public func append(_ encoded: EncodedBatches) async throws -> Int {
        guard let encoding = encoded.encoding as? Encoding else { return try await append(encode(encoded.batches, tier: encoded.tier)) }
        let (batches, tier, data, days) = (encoded.batches, encoded.tier, encoding.data, encoding.days)
        guard !batches.isEmpty else { return 0 }
        let table = Self.table(tier)
        try await ensurePartitions(table, days: days)
        do {
            let stored = try await pool.transaction { connection in
                let claimed = try await connection.query("""
                    INSERT INTO ingested_batches (batch_id, tier, records)
                    SELECT id, \(Int(tier.rawValue)), n FROM unnest(\(batches.map(\.id))::text[], \(batches.map(\.records.count))::int[]) AS b(id, n)
                    ON CONFLICT (batch_id) DO NOTHING RETURNING batch_id
                    """)
                let fresh = Set(try claimed.map { try $0.decode(String.self, column: "batch_id") })
                guard !fresh.isEmpty else { return 0 }
                // The word index's pending list may outgrow the default 4 MB: the search
                // indexer merges it outside this lock (see PostgresSearchIndexer).
                try await connection.execute("""
                    SELECT pg_advisory_xact_lock(\(Self.lockKey(tier))), \
                    set_config('gin_pending_list_limit', \(String(PostgresSearchIndexer.pendingListLimitKB)), true)
                    """)
                let chunks = zip(batches, data).filter { fresh.contains($0.0.id) }.map(\.1)
                return try await connection.copyIn("COPY \(table) (\(Self.copyColumns)) FROM STDIN", chunks: chunks)
            }
            if stored > 0 { searchIndexer.wrote(days.map { Self.partition(table, day: $0) }) }
            return stored
        } catch let error as DatabaseError where error.sqlState == "23514" {
            // "no partition of relation found for row": another replica dropped a partition
            // this one still believed in. Forget what is known; the retry creates it again.
            knownPartitions.withLock { $0.removeAll() }
            throw error
        }
    }

    /// Records as COPY text data, in ``copyColumns`` order.
    public static func copyData(_ records: [StoredRecord]) -> Data {
        var days = Set<String>()
        return copyData(records, days: &days)
    }

    /// Records as COPY text data, in ``copyColumns`` order; adds the days (YYYY-MM-DD) the
    /// records expire on to `days`.
    static func copyData(_ records: [StoredRecord], days: inout Set<String>) -> Data {
        var writer = CopyText.Writer(reservingCapacity: records.count * 320)
        var dayTexts: [Int: String] = [:]
        var json: [UInt8] = []
        var lexemes: [UInt8] = []
        for stored in records {
            let record = stored.record
            let dayKey = Int((stored.expiresAt.timeIntervalSince1970 / 86_400).rounded(.down))
            let day: String
            if let known = dayTexts[dayKey] {
                day = known
            } else {
                day = Self.day(stored.expiresAt)
                dayTexts[dayKey] = day
                days.insert(day)
            }
            func optional(_ value: String) {
                if value.isEmpty { writer.null() } else { writer.field(value) }
            }
            writer.field(record.id)
            writer.field(timestampMicroseconds: Timestamps.microseconds(record.time))
            writer.field(day)
            writer.field(Self.levelTexts[LogLevel(rawValue: record.level)?.rank ?? LogLevel.info.rank])
            writer.field(record.service)
            writer.field(record.message)
            optional(record.requestID)
            optional(record.traceID)
            optional(record.organizationID)
            optional(record.workspaceID)
            optional(record.projectID)
            optional(record.userID)
            optional(record.actorID)
            optional(record.initiatedBy)
            optional(record.onBehalfOf)
            optional(record.action)
            optional(record.resource)
            optional(record.outcome)
            optional(record.sourceAddress)
            if record.attributes.isEmpty {
                writer.null()
            } else {
                json.removeAll(keepingCapacity: true)
                JSONText.object(record.attributes, into: &json)
                json.withUnsafeBufferPointer { writer.field(utf8: $0) }
            }
            lexemes.removeAll(keepingCapacity: true)
            LogWords.lexemes(of: record.message, into: &lexemes)
            lexemes.withUnsafeBufferPointer { writer.field(utf8: $0) }
            writer.endRow()
        }
        return writer.data
    }

    private static let levelTexts = LogLevel.allCases.map { String($0.rank) }

    /// `YYYY-MM-DD` of an instant, in UTC (years 1 to 9999).
    static func day(_ date: Date) -> String {
        String((date.postgresText ?? "").prefix(10))
    }

    /// Creates the partitions for `days` (YYYY-MM-DD) of `table` that do not exist yet.
    private func ensurePartitions(_ table: String, days: Set<String>) async throws {
        let missing = days.map { (day: $0, name: Self.partition(table, day: $0)) }
            .filter { partition in !knownPartitions.withLock { $0.contains(partition.name) } }
        for partition in missing.sorted(by: { $0.name < $1.name }) {
            guard let start = Self.date(partition.day) else { continue }
            let end = Self.day(start.addingTimeInterval(86_400))
            let ddl = "CREATE TABLE IF NOT EXISTS \(partition.name) PARTITION OF \(table) FOR VALUES FROM ('\(partition.day)') TO ('\(end)')"
            do {
                _ = try await pool.simpleQuery(ddl)
            } catch {
                // Another replica created it at the same moment (a catalog unique violation):
                // fine if it exists now.
                let exists = try await pool.query("SELECT to_regclass(\(partition.name)) IS NOT NULL AS found")
                guard try exists.first?.decode(Bool.self, column: "found") == true else { throw error }
            }
            knownPartitions.withLock { _ = $0.insert(partition.name) }
            logger.debug("log partition ready", metadata: ["partition": "\(partition.name)"])
        }
    }

    /// The name of `table`'s partition for `day` (YYYY-MM-DD).
    private static func partition(_ table: String, day: String) -> String {
        "\(table)_p\(day.replacingOccurrences(of: "-", with: ""))"
    }

    private static func date(_ day: String) -> Date? {
        try? Date.decode(postgresText: day + " 00:00:00+00")
    }

    // MARK: Reading

    static let selectColumns = """
        sequence, id, (extract(epoch FROM time) * 1000000)::bigint AS time_us, level, service, message, request_id, \
        trace_id, organization_id, workspace_id, project_id, user_id, actor_id, initiated_by, on_behalf_of, action, \
        resource, outcome, source_address, attributes::text AS attributes
        """

    public func query(_ query: LogQuery) async throws -> [Hexabase_Logs_V1_LogRecord] {
        var sql: PostgresQuery = "SELECT \(unescaped: Self.selectColumns) FROM \(unescaped: Self.table(query.tier)) WHERE "
        sql.append(Self.conditions(query))
        if let before = query.before {
            sql.append(" AND (time, sequence) < (\(before.time), \(before.sequence))")
        }
        sql.append(" ORDER BY time DESC, sequence DESC LIMIT \(query.limit)")
        return try await pool.query(sql).map { try Self.record($0, tier: query.tier) }
    }

    public func tail(_ query: LogQuery, after sequence: Int64, limit: Int) async throws -> TailPage {
        let table = Self.table(query.tier)
        var sql: PostgresQuery = "SELECT \(unescaped: Self.selectColumns) FROM \(unescaped: table) WHERE sequence > \(sequence) AND "
        sql.append(Self.conditions(query))
        sql.append(" ORDER BY sequence LIMIT \(limit)")
        // One snapshot for both reads: a batch committing between them would otherwise fall
        // below the returned end without having been seen.
        return try await pool.transaction(isolation: .repeatableRead) { connection in
            let records = try await connection.query(sql).map { try Self.record($0, tier: query.tier) }
            if let last = records.last { return TailPage(records: records, cursor: last.sequence) }
            // Nothing matched: resume from the tier's end as this snapshot sees it; every
            // record up to it has committed (appends of a tier commit in sequence order).
            let end = try await connection.query("SELECT coalesce(max(sequence), 0) AS last FROM \(unescaped: table)")
            return TailPage(records: [], cursor: max(sequence, try end.first?.decode(Int64.self, column: "last") ?? 0))
        }
    }

    public func end(of tier: Hexabase_Logs_V1_Tier) async throws -> Int64 {
        let rows = try await pool.query("SELECT coalesce(max(sequence), 0) AS last FROM \(unescaped: Self.table(tier))")
        return try rows.first?.decode(Int64.self, column: "last") ?? 0
    }

    /// The WHERE conditions of a query's scope and filters (every value bound).
    static func conditions(_ query: LogQuery) -> PostgresQuery {
        var sql: PostgresQuery
        switch query.scope {
        case .platform: sql = "TRUE"
        case .organization(let id): sql = "organization_id = \(id)"
        case .workspace(let id): sql = "workspace_id = \(id)"
        case .project(let workspace, let project): sql = "workspace_id = \(workspace) AND project_id = \(project)"
        }
        if let since = query.since { sql.append(" AND time >= \(since)") }
        if let until = query.until { sql.append(" AND time < \(until)") }
        if let level = query.minimumLevel, level > .trace { sql.append(" AND level >= \(level.rank)") }
        let equalities: [(String, String?)] = [
            ("service", query.service), ("resource", query.resource), ("actor_id", query.actorID),
            ("action", query.action), ("outcome", query.outcome), ("request_id", query.requestID),
        ]
        for (column, value) in equalities {
            if let value { sql.append(" AND \(unescaped: column) = \(value)") }
        }
        if let text = query.text {
            // Every word, as LogWords splits them; a text without words matches nothing.
            if let words = LogWords.query(for: text) { sql.append(" AND search @@ \(words)::tsquery") } else { sql.append(" AND FALSE") }
        }
        return sql
    }

    static func record(_ row: PostgresRow, tier: Hexabase_Logs_V1_Tier) throws -> Hexabase_Logs_V1_LogRecord {
        var record = Hexabase_Logs_V1_LogRecord()
        record.tier = tier
        record.sequence = try row.decode(column: "sequence")
        record.id = try row.decode(column: "id")
        record.time = Timestamps.timestamp(microseconds: try row.decode(Int64.self, column: "time_us"))
        let rank: Int = try row.decode(column: "level")
        record.level = LogLevel.allCases[min(max(rank, 0), LogLevel.allCases.count - 1)].rawValue
        record.service = try row.decode(column: "service")
        record.message = try row.decode(column: "message")
        record.requestID = try row.decode(String?.self, column: "request_id") ?? ""
        record.traceID = try row.decode(String?.self, column: "trace_id") ?? ""
        record.organizationID = try row.decode(String?.self, column: "organization_id") ?? ""
        record.workspaceID = try row.decode(String?.self, column: "workspace_id") ?? ""
        record.projectID = try row.decode(String?.self, column: "project_id") ?? ""
        record.userID = try row.decode(String?.self, column: "user_id") ?? ""
        record.actorID = try row.decode(String?.self, column: "actor_id") ?? ""
        record.initiatedBy = try row.decode(String?.self, column: "initiated_by") ?? ""
        record.onBehalfOf = try row.decode(String?.self, column: "on_behalf_of") ?? ""
        record.action = try row.decode(String?.self, column: "action") ?? ""
        record.resource = try row.decode(String?.self, column: "resource") ?? ""
        record.outcome = try row.decode(String?.self, column: "outcome") ?? ""
        record.sourceAddress = try row.decode(String?.self, column: "source_address") ?? ""
        if let attributes = try row.decode(String?.self, column: "attributes"),
           let object = try? JSONSerialization.jsonObject(with: Data(attributes.utf8)) as? [String: String] {
            record.attributes = object
        }
        return record
    }

    // MARK: Retention

    public func deleteRecords(of organizationID: String, tier: Hexabase_Logs_V1_Tier, before cutoff: Date) async throws -> Int {
        try await pool.execute("DELETE FROM \(unescaped: Self.table(tier)) WHERE organization_id = \(organizationID) AND time < \(cutoff)")
    }

    public func dropExpired(now: Date) async throws -> [String] {
        let today = Self.day(now)
        let rows = try await pool.query("""
            SELECT child.relname AS name FROM pg_inherits
            JOIN pg_class child ON child.oid = pg_inherits.inhrelid
            JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
            JOIN pg_namespace ns ON ns.oid = parent.relnamespace
            WHERE ns.nspname = current_schema() AND parent.relname IN ('logs_system', 'logs_audit', 'logs_workload')
            ORDER BY 1
            """)
        var dropped: [String] = []
        for row in rows {
            let name: String = try row.decode(column: "name")
            guard let suffix = name.split(separator: "_").last, suffix.hasPrefix("p"), suffix.count == 9 else { continue }
            let digits = suffix.dropFirst()
            let day = "\(digits.prefix(4))-\(digits.dropFirst(4).prefix(2))-\(digits.suffix(2))"
            // A partition holds the records expiring on its day: they go once that day is over.
            guard day < today else { continue }
            _ = try await pool.simpleQuery("DROP TABLE IF EXISTS \(PostgresQuery.quoteIdentifier(name))")
            knownPartitions.withLock { _ = $0.remove(name) }
            dropped.append(name)
        }
        return dropped
    }
}
