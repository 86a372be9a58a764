import Contracts
import Foundation
@testable import LoggingService
import Logging
import Store
import Testing
import TestSupport

/// Text search in the Postgres store: the words the service writes (LogWords), the worker that
/// merges them into the index, and the migration that gave stored records their words.
@Suite(.serialized) struct PostgresLogSearchTests {
    @Test func searchFindsWholeWordsInsidePathsIgnoringCase() async throws {
        try await LogFixtures.withStore { store, _, _ in
            let long = String(repeating: "k", count: 300)
            // 2,200 bytes: over Postgres's 2,047-byte lexeme limit without the 255-character cut.
            let wide = String(repeating: "Ж", count: 1100)
            let messages = ["GET /api/v1/orders/42 failed", "ÜBER-Größe erreicht", "token \(long) expired", "!!!", "ordering", "blob \(wide)"]
            try await store.append(messages.map { LogFixtures.stored(LogFixtures.record($0, workspace: "ws-a")) }, tier: .workload, batchID: "b")
            func found(_ text: String) async throws -> [String] {
                try await store.query(LogQuery(tier: .workload, scope: .workspace("ws-a"), text: text)).map(\.message)
            }
            #expect(try await found("orders") == [messages[0]])
            #expect(try await found("ORDERS 42") == [messages[0]])
            #expect(try await found("/api/v1/orders") == [messages[0]])
            #expect(try await found("order").isEmpty)
            #expect(try await found("über größe") == [messages[1]])
            #expect(try await found("Über") == [messages[1]])
            #expect(try await found(long.uppercased()) == [messages[2]])
            #expect(try await found("!!!").isEmpty)
            #expect(try await found(wide.lowercased()) == [messages[5]])
            #expect(try await found("orders missing").isEmpty)
        }
    }

    @Test func appendsLeaveNewWordsPendingForTheIndexer() async throws {
        try await LogFixtures.withStore { store, pool, _ in
            try await store.append([LogFixtures.stored(LogFixtures.record("first", workspace: "ws-a"))], tier: .workload, batchID: "a")
            try await Self.keepAutovacuumAway(pool)
            try await store.searchIndexer.mergeWritten()
            // About 6 MB of pending entries: past the default 4 MB limit, within the 16 MB appends use.
            let records = (0..<20_000).map {
                LogFixtures.stored(LogFixtures.record("GET /api/v1/orders/\($0) request \($0 % 97) needle handled in \($0 % 13) ms", workspace: "ws-a"))
            }
            try await store.append(records, tier: .workload, batchID: "b")
            // Searchable at once: a search reads the pending list too.
            let query = LogQuery(tier: .workload, scope: .workspace("ws-a"), text: "needle", limit: 1000)
            #expect(try await store.query(query).count == 1000)
            let defaultLimitPages = 4 * 1024 * 1024 / 8192
            #expect(try await store.searchIndexer.mergeWritten() > defaultLimitPages)
            #expect(try await store.searchIndexer.mergeWritten() == 0)
            // A partition dropped since it was written is skipped.
            #expect(try await PostgresSearchIndexer.merge(partitions: ["logs_workload_p19990101"], pool: pool) == 0)
            #expect(try await store.query(query).count == 1000)
        }
    }

    @Test func theIndexerMergesAfterEachAppend() async throws {
        try await LogFixtures.withStore { store, pool, _ in
            try await store.append([LogFixtures.stored(LogFixtures.record("first", workspace: "ws-a"))], tier: .workload, batchID: "a")
            try await Self.keepAutovacuumAway(pool)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.searchIndexer.run() }
                for batch in 0..<3 {
                    let before = store.searchIndexer.pagesMerged
                    let records = (0..<200).map { LogFixtures.stored(LogFixtures.record("batch\(batch) line \($0)", workspace: "ws-a")) }
                    try await store.append(records, tier: .workload, batchID: "b\(batch)")
                    let deadline = ContinuousClock.now + .seconds(20)
                    while store.searchIndexer.pagesMerged == before, ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    #expect(store.searchIndexer.pagesMerged > before, "append \(batch) was not merged")
                }
                group.cancelAll()
            }
            #expect(try await store.query(LogQuery(tier: .workload, scope: .workspace("ws-a"), text: "batch2", limit: 1000)).count == 200)
        }
    }

    @Test func theMigrationGivesStoredRecordsTheirWords() async throws {
        try await TestDatabase.withTemporary(prefix: "logs") { database in
            let logger = Logger(label: "logging-tests")
            let pool = PostgresPool(configuration: PostgresConfiguration(url: database.url, searchPath: database.schema, poolSize: 2), logger: logger)
            do {
                try await migrateStoredRecords(pool, schema: database.schema, logger: logger)
            } catch {
                await pool.close()
                throw error
            }
            await pool.close()
        }
    }

    private func migrateStoredRecords(_ pool: PostgresPool, schema: String, logger: Logger) async throws {
        do {
            let migrations = try Migration.parse(files: embeddedSQLFiles)
            // Before 0002: Postgres computed the words (`to_tsvector`), keeping paths whole.
            _ = try await Migrator(schema: schema, migrations: migrations.filter { $0.version == 1 }, logger: logger).migrate(on: pool)
            // Every ASCII character but NUL, each between two words.
            let ascii = (1..<128).map { "w\($0)" + String(UnicodeScalar(UInt8($0))) }.joined() + "end"
            _ = try await pool.simpleQuery("""
                CREATE TABLE logs_workload_p20300101 PARTITION OF logs_workload FOR VALUES FROM ('2030-01-01') TO ('2030-01-02');
                INSERT INTO logs_workload (id, time, expires_on, level, message, workspace_id)
                VALUES ('log-1', now(), '2030-01-01', 3, 'GET /api/v1/Orders/42 failed', 'ws-a'),
                       ('log-2', now(), '2030-01-01', 3, '', 'ws-a');
                """)
            _ = try await pool.query("""
                INSERT INTO logs_workload (id, time, expires_on, level, message, workspace_id)
                VALUES ('log-3', now(), '2030-01-01', 3, \(ascii), 'ws-a')
                """)
            _ = try await Migrator(schema: schema, migrations: migrations, logger: logger).migrate(on: pool)
            let store = PostgresLogStore(pool: pool, logger: logger)
            let found = try await store.query(LogQuery(tier: .workload, scope: .workspace("ws-a"), text: "orders 42"))
            #expect(found.map(\.id) == ["log-1"])
            let rows = try await pool.query("SELECT search::text AS words FROM logs_workload WHERE id <> 'log-3' ORDER BY id")
            #expect(try rows.map { try $0.decode(String.self, column: "words") } == ["'42' 'api' 'failed' 'get' 'orders' 'v1'", ""])
            // The migration's SQL splits ASCII exactly as LogWords does.
            var lexemes: [UInt8] = []
            LogWords.lexemes(of: ascii, into: &lexemes)
            let same = try await pool.query("""
                SELECT search = \(String(decoding: lexemes, as: UTF8.self))::tsvector AS same FROM logs_workload WHERE id = 'log-3'
                """)
            #expect(try same.first?.decode(Bool.self, column: "same") == true)
        }
    }

    /// Turns autovacuum off for the workload tier's partitions: its ANALYZE merges pending lists.
    private static func keepAutovacuumAway(_ pool: PostgresPool) async throws {
        let partitions = try await pool.query("SELECT inhrelid::regclass::text AS name FROM pg_inherits WHERE inhparent = 'logs_workload'::regclass")
        for row in partitions {
            _ = try await pool.simpleQuery("ALTER TABLE \(try row.decode(String.self, column: "name")) SET (autovacuum_enabled = off)")
        }
    }
}
