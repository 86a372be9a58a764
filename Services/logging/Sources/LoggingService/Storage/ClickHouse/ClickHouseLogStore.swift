import Contracts
import Foundation
import HTTPClientKit
import Logging

/// A ``LogStore`` on ClickHouse, for operators who outgrow one Postgres (docs/logging-clickhouse.md).
///
/// It speaks ClickHouse's HTTP interface through an ``HTTPClient`` (libcurl in production):
/// records go in with `INSERT … FORMAT JSONEachRow`, at most ``Options/rowsPerInsert`` per insert,
/// each insert carrying `insert_deduplication_token` so that a retried or redelivered batch is
/// stored once; queries bind every value as a `{name:Type}` parameter. Requests that fail for a
/// passing reason are retried with backoff (``Options``).
///
/// Sequences: ClickHouse has none, so the store numbers records itself
/// (``ClickHouseSequencer``: insert time in microseconds × 1024, increasing within the process).
/// A live tail and ``end(of:)`` see only sequences older than ``Options/settleWindow``, so an
/// insert of another replica that took lower sequences but committed later is not skipped; the
/// cost is that a tail shows a record that much later than a query does.
///
/// Give it an HTTP client whose response size limit fits a page of records (a `CurlHTTPClient`
/// accepts 1 MiB by default: 1,000 records of 1 KiB).
public final class ClickHouseLogStore: LogStore {
    private let settings: LoggingConfiguration.ClickHouseSettings
    private let options: Options
    private let client: ClickHouseClient
    private let sequencer = ClickHouseSequencer()
    private let logger: Logger

    /// A store that reaches ClickHouse with `settings` through `http`, with default ``Options``.
    public convenience init(settings: LoggingConfiguration.ClickHouseSettings, http: any HTTPClient, logger: Logger) {
        self.init(settings: settings, http: http, logger: logger, options: Options())
    }

    /// A store that reaches ClickHouse with `settings` through `http`.
    public init(settings: LoggingConfiguration.ClickHouseSettings, http: any HTTPClient, logger: Logger, options: Options) {
        self.settings = settings
        self.options = options
        self.logger = logger
        client = ClickHouseClient(settings: settings, http: http, policy: options, logger: logger)
    }

    /// Creates the database and the three tier tables when missing. It never alters an existing
    /// table.
    public func prepare() async throws {
        guard ClickHouseSchema.isIdentifier(settings.database) else {
            throw ClickHouseError(.configuration, "the ClickHouse database name must be a plain identifier (letters, digits, _)")
        }
        _ = try await client.execute(ClickHouseStatement(ClickHouseSchema.createDatabase(settings.database)), inDatabase: false)
        for tier in ClickHouseSchema.tiers {
            if let sql = ClickHouseSchema.createTable(tier, deduplicationWindow: options.deduplicationWindow) {
                _ = try await client.execute(ClickHouseStatement(sql))
            }
        }
        logger.info("ClickHouse log tables ready", metadata: ["origin": "\(client.origin)", "database": "\(settings.database)"])
    }

    /// Stores `records` once per `batchID`: split into inserts of ``Options/rowsPerInsert``, each
    /// with its own deduplication token (`<batchID>#<n>`, also kept in the `batch_id` column).
    /// Inserts whose token is already stored are skipped (a batch redelivered any time later);
    /// ClickHouse's deduplication covers the rest (a retried insert whose first answer was lost,
    /// two replicas storing the same batch at once). Sequences are taken again for every attempt,
    /// so a retried insert does not land behind a live tail.
    ///
    /// Returns the number of records this call inserted; when the deduplication of ClickHouse
    /// rather than the check here skipped an insert, they are counted although not stored twice.
    @discardableResult
    public func append(_ records: [StoredRecord], tier: Hexabase_Logs_V1_Tier, batchID: String) async throws -> Int {
        let table = try Self.table(of: tier)
        guard !records.isEmpty else { return 0 }
        let chunks = stride(from: 0, to: records.count, by: options.rowsPerInsert).map { start in
            records[start..<min(start + options.rowsPerInsert, records.count)]
        }
        let tokens = chunks.indices.map { "\(batchID)#\($0)" }
        let stored = try await storedTokens(tokens, in: table)
        var inserted = 0
        for (chunk, token) in zip(chunks, tokens) where !stored.contains(token) {
            let insert = ClickHouseStatement("INSERT INTO \(table) FORMAT JSONEachRow")
            try await client.insert(insert, settings: [("insert_deduplication_token", token)]) { [sequencer] in
                try ClickHouseRow.insertBody(chunk, firstSequence: sequencer.reserve(chunk.count), batchID: token)
            }
            inserted += chunk.count
        }
        if inserted < records.count {
            logger.debug("skipped a batch stored before", metadata: ["batch": "\(batchID)", "tier": "\(table)"])
        }
        return inserted
    }

    /// The newest records matching `query`, newest first (time, then sequence), at most
    /// `query.limit` (at most 10,000).
    public func query(_ query: LogQuery) async throws -> [Hexabase_Logs_V1_LogRecord] {
        let table = try Self.table(of: query.tier)
        guard query.limit > 0 else { return [] }
        var statement = ClickHouseStatement()
        guard var conditions = try ClickHouseLogFilter.conditions(for: query, in: &statement) else { return [] }
        if let before = query.before {
            conditions.append(ClickHouseLogFilter.olderThan(before, in: &statement))
        }
        let limit = statement.bind(UInt32(min(query.limit, 10_000)), as: "UInt32")
        statement.append("SELECT \(ClickHouseSchema.selectedColumns) FROM \(table)")
        statement.append(Self.whereClause(conditions))
        statement.append(" ORDER BY time DESC, sequence DESC LIMIT \(limit) FORMAT JSONEachRow")
        return try await records(statement, tier: query.tier)
    }

    /// Records matching `query` (its cursor and limit ignored) with a settled sequence after
    /// `sequence`, oldest first, at most `limit` (at most 10,000). The cursor is the last
    /// record's sequence or, when none matched, the tier's settled end (never below `sequence`).
    public func tail(_ query: LogQuery, after sequence: Int64, limit: Int) async throws -> TailPage {
        let table = try Self.table(of: query.tier)
        let settled = sequencer.settledLimit(window: options.settleWindow)
        var statement = ClickHouseStatement()
        var records: [Hexabase_Logs_V1_LogRecord] = []
        if limit > 0, var conditions = try ClickHouseLogFilter.conditions(for: query, in: &statement) {
            conditions.append("sequence > \(statement.bind(sequence))")
            conditions.append("sequence <= \(statement.bind(settled))")
            let bound = statement.bind(UInt32(min(limit, 10_000)), as: "UInt32")
            statement.append("SELECT \(ClickHouseSchema.selectedColumns) FROM \(table)")
            statement.append(Self.whereClause(conditions))
            statement.append(" ORDER BY sequence ASC LIMIT \(bound) FORMAT JSONEachRow")
            records = try await self.records(statement, tier: query.tier)
        }
        if let last = records.last {
            return TailPage(records: records, cursor: max(last.sequence, sequence))
        }
        return TailPage(records: [], cursor: max(sequence, try await end(of: table, settled: settled)))
    }

    /// The highest settled sequence of `tier` (older than ``Options/settleWindow``); 0 when
    /// there is none.
    public func end(of tier: Hexabase_Logs_V1_Tier) async throws -> Int64 {
        try await end(of: try Self.table(of: tier), settled: sequencer.settledLimit(window: options.settleWindow))
    }

    /// Drops each tier's partitions whose day is before `now`'s (UTC), as the Postgres store
    /// drops its daily partitions; returns them as `<table>/<day>`. ClickHouse's TTL would drop
    /// them too, later, in its background merges.
    public func dropExpired(now: Date) async throws -> [String] {
        var dropped: [String] = []
        for tier in ClickHouseSchema.tiers {
            let table = try Self.table(of: tier)
            var list = ClickHouseStatement()
            let name = try list.bind(table)
            let cutoff = list.bind(Timestamps.microseconds(now))
            list.append("""
                SELECT DISTINCT partition_id, partition FROM system.parts WHERE database = currentDatabase() AND table = \(name) \
                AND active AND max_date < toDate(fromUnixTimestamp64Micro(\(cutoff), 'UTC')) ORDER BY partition_id FORMAT JSONEachRow
                """)
            for partition in try await rows(list, as: Partition.self) {
                var drop = ClickHouseStatement()
                drop.append("ALTER TABLE \(table) DROP PARTITION ID \(try drop.bind(partition.partitionID))")
                _ = try await client.execute(drop)
                dropped.append("\(table)/\(partition.partition)")
            }
        }
        if !dropped.isEmpty {
            logger.info("dropped expired log partitions", metadata: ["partitions": "\(dropped.joined(separator: ", "))"])
        }
        return dropped
    }

    /// An `ALTER TABLE … DELETE` mutation (ClickHouse applies it in the background, so the
    /// count is not known: 0 is returned).
    public func deleteRecords(of organizationID: String, tier: Hexabase_Logs_V1_Tier, before cutoff: Date) async throws -> Int {
        let table = try Self.table(of: tier)
        var delete = ClickHouseStatement()
        let organization = try delete.bind(organizationID)
        let limit = delete.bind(Timestamps.microseconds(cutoff))
        delete.append("ALTER TABLE \(table) DELETE WHERE organization_id = \(organization) AND time < fromUnixTimestamp64Micro(\(limit), 'UTC')")
        _ = try await client.execute(delete)
        return 0
    }

    private struct Partition: Decodable {
        var partitionID: String
        var partition: String

        private enum CodingKeys: String, CodingKey {
            case partitionID = "partition_id", partition
        }
    }

    private struct End: Decodable {
        var end: Int64

        init(from decoder: any Swift.Decoder) throws {
            end = try decoder.container(keyedBy: CodingKeys.self).decodeInt64(.end)
        }

        private enum CodingKeys: String, CodingKey {
            case end
        }
    }

    private func end(of table: String, settled: Int64) async throws -> Int64 {
        var statement = ClickHouseStatement()
        statement.append("SELECT max(sequence) AS end FROM \(table) WHERE sequence <= \(statement.bind(settled)) FORMAT JSONEachRow")
        return try await rows(statement, as: End.self).first?.end ?? 0
    }

    /// The tokens among `tokens` already stored in `table`.
    private func storedTokens(_ tokens: [String], in table: String) async throws -> Set<String> {
        struct Token: Decodable {
            var batchID: String

            private enum CodingKeys: String, CodingKey {
                case batchID = "batch_id"
            }
        }
        var statement = ClickHouseStatement()
        let list = try tokens.map { token throws(ClickHouseError) in try statement.bind(token) }.joined(separator: ", ")
        statement.append("SELECT DISTINCT batch_id FROM \(table) WHERE batch_id IN (\(list)) FORMAT JSONEachRow")
        return Set(try await rows(statement, as: Token.self).map(\.batchID))
    }

    private func records(_ statement: ClickHouseStatement, tier: Hexabase_Logs_V1_Tier) async throws -> [Hexabase_Logs_V1_LogRecord] {
        let body = try await client.execute(statement)
        do {
            return try ClickHouseRow.records(in: body, tier: tier)
        } catch {
            throw ClickHouseError(.invalidResponse, "ClickHouse at \(client.origin) answered rows that are not log records", cause: error)
        }
    }

    private func rows<Row: Decodable>(_ statement: ClickHouseStatement, as type: Row.Type) async throws -> [Row] {
        let body = try await client.execute(statement)
        let decoder = JSONDecoder()
        do {
            return try body.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(Row.self, from: Data($0)) }
        } catch {
            throw ClickHouseError(.invalidResponse, "ClickHouse at \(client.origin) answered an unexpected result", cause: error)
        }
    }

    private static func whereClause(_ conditions: [String]) -> String {
        conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
    }

    private static func table(of tier: Hexabase_Logs_V1_Tier) throws(ClickHouseError) -> String {
        guard let table = ClickHouseSchema.table(of: tier) else {
            throw ClickHouseError(.invalidQuery, "tier \(tier.rawValue) has no table")
        }
        return table
    }
}
