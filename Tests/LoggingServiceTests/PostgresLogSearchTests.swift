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
            let messages = ["GET /api/v1/orders/42 failed", "ÜBER-Größe erreicht", "token \(long) expired", "!!!", "ordering"]
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
            #expect(try await found("orders missing").isEmpty)
        }
    }

    @Test func appendsLeaveNewWordsPendingForTheIndexer() async throws {
        try await LogFixtures.withStore { store, pool, _ in
            let records = (0..<500).map { LogFixtures.stored(LogFixtures.record("request \($0) needle handled", workspace: "ws-a")) }
            try await store.append(records, tier: .workload, batchID: "b")
            // Searchable at once: a search reads the pending list too.
            let query = LogQuery(tier: .workload, scope: .workspace("ws-a"), text: "needle", limit: 1000)
            #expect(try await store.query(query).count == 500)
            #expect(try await store.searchIndexer.mergeWritten() > 0)
            #expect(try await store.searchIndexer.mergeWritten() == 0)
            #expect(try await PostgresSearchIndexer.merge(partitions: ["logs_workload_p20300101", "no_such_table"], pool: pool) == 0)
            #expect(try await store.query(query).count == 500)
        }
    }

    @Test func theIndexerMergesAfterEachAppend() async throws {
        try await LogFixtures.withStore { store, _, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.searchIndexer.run() }
                for batch in 0..<3 {
                    let records = (0..<200).map { LogFixtures.stored(LogFixtures.record("batch\(batch) line \($0)", workspace: "ws-a")) }
                    try await store.append(records, tier: .workload, batchID: "b\(batch)")
                }
                let deadline = ContinuousClock.now + .seconds(20)
                while store.searchIndexer.pagesMerged == 0, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                group.cancelAll()
            }
            #expect(store.searchIndexer.pagesMerged > 0)
            #expect(try await store.query(LogQuery(tier: .workload, scope: .workspace("ws-a"), text: "batch2", limit: 1000)).count == 200)
        }
    }

    @Test func theMigrationGivesStoredRecordsTheirWords() async throws {
        try await TestDatabase.withTemporary(prefix: "logs") { database in
            let logger = Logger(label: "logging-tests")
            let pool = PostgresPool(configuration: PostgresConfiguration(url: database.url, searchPath: database.schema, poolSize: 2), logger: logger)
            defer { Task { await pool.close() } }
            let migrations = try Migration.parse(files: embeddedSQLFiles)
            // Before 0002: Postgres computed the words (`to_tsvector`), keeping paths whole.
            _ = try await Migrator(schema: database.schema, migrations: migrations.filter { $0.version == 1 }, logger: logger).migrate(on: pool)
            _ = try await pool.simpleQuery("""
                CREATE TABLE logs_workload_p20300101 PARTITION OF logs_workload FOR VALUES FROM ('2030-01-01') TO ('2030-01-02');
                INSERT INTO logs_workload (id, time, expires_on, level, message, workspace_id)
                VALUES ('log-1', now(), '2030-01-01', 3, 'GET /api/v1/Orders/42 failed', 'ws-a'),
                       ('log-2', now(), '2030-01-01', 3, '', 'ws-a');
                """)
            _ = try await Migrator(schema: database.schema, migrations: migrations, logger: logger).migrate(on: pool)
            let store = PostgresLogStore(pool: pool, logger: logger)
            let found = try await store.query(LogQuery(tier: .workload, scope: .workspace("ws-a"), text: "orders 42"))
            #expect(found.map(\.id) == ["log-1"])
            let rows = try await pool.query("SELECT search::text AS words FROM logs_workload ORDER BY id")
            #expect(try rows.map { try $0.decode(String.self, column: "words") } == ["'42' 'api' 'failed' 'get' 'orders' 'v1'", ""])
        }
    }
}
