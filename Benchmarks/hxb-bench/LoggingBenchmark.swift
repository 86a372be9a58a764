import Contracts
import Foundation
import Logging
import LoggingService
import ServiceKit
import Store
import SwiftProtobuf

/// The logging service's figures (issue 5):
/// - sustained ingest: producers call `hxb.logs.v1.Ingest` on the release hxb-logging process
///   (batches of 1,000 system records); the clock runs from the first send until every record
///   is in Postgres (through JetStream `HXB_LOGS`, the consumer, the COPY);
/// - the ceiling: a raw COPY of the same rows into the same table, one connection, encoded
///   beforehand, 10,000 rows per transaction, no NATS;
/// - a workspace-scoped full-text search (newest first, 100 rows) over `searchRows` workload
///   records of 50 workspaces over 30 days, through the store's query (the RPC adds a NATS hop
///   and a cached CheckAccess, about 0.5 ms: see the CheckAccess figures).
struct LoggingBenchmark {
    let natsURL: String
    let postgresURL: String
    let binDirectory: String
    let ingestRecords: Int
    let producers: Int
    /// Offered load of the paced run (records/s; 0 skips it) and its size.
    let sustainedRate: Int
    let sustainedRecords: Int
    let searchRows: Int
    let searches: Int
    let logger: Logger

    struct Figures {
        var ingestPerSecond: Double = 0
        /// How fast `Ingest` answered (JetStream stored the batches), before the consumer caught up.
        var acceptPerSecond: Double = 0
        /// The paced run: records stored per second from the first send to the last commit,
        /// and how long after the last send the last record was committed.
        var sustainedPerSecond: Double = 0
        var sustainedDrain: Duration = .zero
        var copyPerSecond: Double = 0
        var searchRows = 0
        var search = Latencies()
        var searchMatches: Double = 0
        var fillPerSecond: Double = 0
    }

    static let words = (0..<2000).map { "w\($0)" }
    static let services = ["api", "worker", "web", "db-proxy", "cron"]

    /// A record of a made-up application: a few frequent words, a few from a long tail.
    static func record(_ index: Int, tier: Hexabase_Logs_V1_Tier, time: Date, workspace: String = "", random: inout SystemRandomNumberGenerator) -> Hexabase_Logs_V1_LogRecord {
        var record = Hexabase_Logs_V1_LogRecord()
        record.id = "log-bench-\(UUID().uuidString)"
        record.tier = tier
        record.time = .init(date: time)
        record.level = index % 20 == 0 ? "error" : "info"
        record.service = services[index % services.count]
        let tail = (0..<4).map { _ in words[Int.random(in: 0..<words.count, using: &random)] }.joined(separator: " ")
        let head = words[Int.random(in: 0..<20, using: &random)]
        record.message = "GET /api/v1/orders/\(index) 200 \(index % 97) ms \(head) \(tail) request handled"
        record.requestID = "req-\(index)"
        record.workspaceID = workspace
        record.attributes = ["pod": "app-\(index % 7)", "stream": "stdout"]
        return record
    }

    /// System records numbered `indices`, in `Ingest` requests of 1,000.
    static func batches(_ indices: Range<Int>, time: Date, random: inout SystemRandomNumberGenerator) -> [Hexabase_Logs_V1_IngestRequest] {
        stride(from: indices.lowerBound, to: indices.upperBound, by: 1000).map { start in
            var request = Hexabase_Logs_V1_IngestRequest()
            request.records = (start..<min(start + 1000, indices.upperBound)).map { Self.record($0, tier: .system, time: time, random: &random) }
            return request
        }
    }

    func run() async throws -> Figures {
        let admin = PostgresPool(configuration: PostgresConfiguration(url: postgresURL, poolSize: 1))
        let database = try await BenchProcesses.createSchema(admin, postgresURL: postgresURL, prefix: "bench_logs")
        var processes: [Process] = []
        defer {
            for process in processes where process.isRunning { process.terminate(); process.waitUntilExit() }
        }
        processes.append(try BenchProcesses.launch(binDirectory, "hxb-logging", [
            "HXB_NATS_URL": natsURL, "HXB_ISSUER": "http://127.0.0.1:1", "HXB_LOG_LEVEL": "warning",
            "HXB_DATABASE_URL": database.url, "HXB_DATABASE_SCHEMA": database.schema, "HXB_OPS_PORT": String(try BenchProcesses.freePort()),
            "HXB_LOGGING_AUTH_CLIENT_SECRET": "bench", "HXB_LOG_SHIP": "false",
        ]))
        let connection = try await NATSConnection.connect(configuration: NATSConfiguration(servers: natsURL, name: "hxb-bench"), logger: logger)
        let rpc = RPCClient(connection: connection, defaultTimeout: .seconds(30))
        let pool = PostgresPool(configuration: PostgresConfiguration(url: database.url, searchPath: database.schema, poolSize: 2), logger: logger)
        var figures = Figures()

        // Batches prepared up front, so the clock measures the pipeline, not the generator.
        var random = SystemRandomNumberGenerator()
        let now = Date()
        let batches = Self.batches(0..<ingestRecords, time: now, random: &random)
        // Warm up: the process is ready and the day's partition exists.
        try await waitForIngest(rpc, Self.record(0, tier: .system, time: now, random: &random))
        try await waitForCount(pool, "logs_system", atLeast: 1)
        let before = try await count(pool, "logs_system")
        let storedBefore = try await storedRecords(pool, tier: .system)
        let start = ContinuousClock.now
        try await send(batches, rpc)
        figures.acceptPerSecond = Double(ingestRecords) / (ContinuousClock.now - start).timeInterval
        try await waitForStored(pool, atLeast: storedBefore + ingestRecords)
        figures.ingestPerSecond = Double(ingestRecords) / (ContinuousClock.now - start).timeInterval
        // Not timed: every record is in the table.
        let stored = try await count(pool, "logs_system")
        guard stored == before + ingestRecords else { throw BenchmarkError("logs_system holds \(stored - before) new records, not \(ingestRecords)") }

        // Sustained: producers send at a fixed offered rate (as services and clusters do, instead
        // of everything at once), so the front end does not take the CPU the database needs.
        if sustainedRate > 0, sustainedRecords > 0 {
            let paced = Self.batches(ingestRecords..<(ingestRecords + sustainedRecords), time: now, random: &random)
            let storedBefore = try await storedRecords(pool, tier: .system)
            let start = ContinuousClock.now
            try await send(paced, rpc, interval: .seconds(1000.0 / Double(sustainedRate)))
            let lastSent = ContinuousClock.now
            try await waitForStored(pool, atLeast: storedBefore + sustainedRecords)
            figures.sustainedPerSecond = Double(sustainedRecords) / (ContinuousClock.now - start).timeInterval
            figures.sustainedDrain = ContinuousClock.now - lastSent
        }

        // The ceiling: the same rows, raw COPY, into the same (emptied) table.
        _ = try await pool.simpleQuery("TRUNCATE logs_system")
        // Encoded beforehand, 10,000 rows per transaction: the best case for one COPY stream.
        let data = stride(from: 0, to: batches.count, by: 10).map { start in
            batches[start..<min(start + 10, batches.count)].map { batch in
                PostgresLogStore.copyData(batch.records.map { StoredRecord(record: $0, expiresAt: now.addingTimeInterval(30 * 86_400)) })
            }
        }
        let copyStart = ContinuousClock.now
        for chunks in data {
            _ = try await pool.transaction { connection in
                try await connection.copyIn("COPY logs_system (\(PostgresLogStore.copyColumns)) FROM STDIN", chunks: chunks)
            }
        }
        figures.copyPerSecond = Double(ingestRecords) / (ContinuousClock.now - copyStart).timeInterval

        // Search: `searchRows` workload records of 50 workspaces over 30 days, stored as the
        // service stores them: its search indexer merges new words into the index meanwhile.
        let store = PostgresLogStore(pool: pool, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.searchIndexer.run() }
            try await fillAndSearch(store, pool, now: now, random: &random, figures: &figures)
            group.cancelAll()
        }
        await pool.close()
        await connection.close()
        try await BenchProcesses.dropSchema(admin, database.schema)
        await admin.close()
        return figures
    }

    private func fillAndSearch(
        _ store: PostgresLogStore, _ pool: PostgresPool, now: Date, random: inout SystemRandomNumberGenerator, figures: inout Figures
    ) async throws {
        let workspaces = (0..<50).map { "ws-bench-\($0)" }
        let fillStart = ContinuousClock.now
        var filled = 0
        while filled < searchRows {
            let size = min(20_000, searchRows - filled)
            var records: [StoredRecord] = []
            records.reserveCapacity(size)
            for index in filled..<(filled + size) {
                let time = now.addingTimeInterval(-Double(index % (30 * 86_400)))
                let expiry = now.addingTimeInterval(Double(30 - index % 30) * 86_400)
                let record = Self.record(index, tier: .workload, time: time, workspace: workspaces[index % workspaces.count], random: &random)
                records.append(StoredRecord(record: record, expiresAt: expiry))
            }
            try await store.append(records, tier: .workload, batchID: "fill-\(filled)")
            filled += size
        }
        figures.fillPerSecond = Double(searchRows) / (ContinuousClock.now - fillStart).timeInterval
        _ = try await pool.simpleQuery("ANALYZE logs_workload")
        figures.searchRows = try await count(pool, "logs_workload")
        var matches = 0
        for index in 0..<(searches + 20) {
            // A word of the long tail (in about 0.2 % of the records): what a person types to
            // find a request.
            let text = Self.words[20 + (index * 7919) % (Self.words.count - 20)]
            let query = LogQuery(tier: .workload, scope: .workspace(workspaces[index % workspaces.count]), text: text, limit: 100)
            let started = ContinuousClock.now
            let found = try await store.query(query)
            if index >= 20 {
                figures.search.record(ContinuousClock.now - started)
                matches += found.count
            }
        }
        figures.searchMatches = Double(matches) / Double(searches)
    }

    private func waitForIngest(_ rpc: RPCClient, _ record: Hexabase_Logs_V1_LogRecord) async throws {
        var request = Hexabase_Logs_V1_IngestRequest()
        request.records = [record]
        for _ in 0..<300 {
            if (try? await rpc.call("hxb.logs.v1.Ingest", request, as: Hexabase_Logs_V1_IngestResponse.self, timeout: .seconds(2))) != nil { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchmarkError("hxb-logging did not answer Ingest")
    }

    /// Sends `batches` to `Ingest` from ``producers`` concurrent producers, batch `k` not before
    /// `k × interval` after the start when an interval is given (else as fast as answered).
    private func send(_ batches: [Hexabase_Logs_V1_IngestRequest], _ rpc: RPCClient, interval: Duration? = nil) async throws {
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for producer in 0..<producers {
                group.addTask {
                    for index in stride(from: producer, to: batches.count, by: producers) {
                        if let interval { try await Task.sleep(until: start + interval * index, clock: .continuous) }
                        let answer = try await rpc.call("hxb.logs.v1.Ingest", batches[index], as: Hexabase_Logs_V1_IngestResponse.self)
                        guard answer.accepted == batches[index].records.count else { throw BenchmarkError("ingest refused records: \(answer.firstError)") }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Waits until `ingested_batches` counts `expected` committed system records: a few hundred
    /// rows to sum, where counting the table itself would scan it and take the CPU the pipeline
    /// is being measured on.
    private func waitForStored(_ pool: PostgresPool, atLeast expected: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(600)
        while try await storedRecords(pool, tier: .system) < expected {
            guard ContinuousClock.now < deadline else { throw BenchmarkError("records did not arrive in logs_system") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private func storedRecords(_ pool: PostgresPool, tier: Hexabase_Logs_V1_Tier) async throws -> Int {
        try await pool.query("SELECT coalesce(sum(records), 0)::bigint AS n FROM ingested_batches WHERE tier = \(Int(tier.rawValue))")[0].decode(column: "n")
    }

    private func count(_ pool: PostgresPool, _ table: String) async throws -> Int {
        try await pool.query("SELECT count(*) AS n FROM \(unescaped: table)")[0].decode(column: "n")
    }

    private func waitForCount(_ pool: PostgresPool, _ table: String, atLeast expected: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(600)
        while try await count(pool, table) < expected {
            guard ContinuousClock.now < deadline else { throw BenchmarkError("records did not arrive in \(table)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// Where an ingest batch's CPU goes, per record, in this process (no I/O): decoding the
/// IngestRequest, normalizing, building COPY lines. For finding the pipeline's hot spots.
enum LoggingCPUProbe {
    static func run() throws -> [(String, Double)] {
        var random = SystemRandomNumberGenerator()
        let now = Date()
        var request = Hexabase_Logs_V1_IngestRequest()
        request.records = (0..<1000).map { LoggingBenchmark.record($0, tier: .system, time: now, random: &random) }
        let bytes: [UInt8] = try request.serializedBytes()
        func time(_ label: String, _ rounds: Int = 50, _ body: () throws -> Void) rethrows -> (String, Double) {
            let start = ContinuousClock.now
            for _ in 0..<rounds { try body() }
            return (label, (ContinuousClock.now - start).timeInterval * 1_000_000 / Double(rounds * 1000))
        }
        var results: [(String, Double)] = []
        results.append(try time("decode IngestRequest") { _ = try Hexabase_Logs_V1_IngestRequest(serializedBytes: bytes) })
        results.append(try time("encode IngestRequest") { let _: [UInt8] = try request.serializedBytes() })
        results.append(time("normalize") { for record in request.records { _ = LoggingProbeHooks.normalize(record, now: now) } })
        let stored = request.records.map { StoredRecord(record: $0, expiresAt: now.addingTimeInterval(86_400 * 30)) }
        results.append(time("COPY data") { _ = PostgresLogStore.copyData(stored) })
        results.append(time("chunks + batch id") { _ = LoggingProbeHooks.chunkAndHash(request.records) })
        return results
    }
}
