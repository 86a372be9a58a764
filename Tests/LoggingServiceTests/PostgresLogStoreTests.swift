import Contracts
import Foundation
@testable import LoggingService
import ServiceKit
import Store
import Testing
import TestSupport

@Suite(.serialized) struct PostgresLogStoreTests {
    @Test func appendThenQueryNewestFirstWithEveryField() async throws {
        try await LogFixtures.withStore { store, _, _ in
            var full = LogFixtures.record("user created a workspace", tier: .audit, time: Date().addingTimeInterval(-10), level: "notice", organization: "org-a", workspace: "ws-a", service: "workspace", action: "workspace.create", actor: "usr-1", outcome: "success")
            full.requestID = "req-1"
            full.traceID = "trace-1"
            full.userID = "usr-1"
            full.initiatedBy = "ai_agent"
            full.onBehalfOf = "usr-1"
            full.resource = "workspaces/ws-a"
            full.sourceAddress = "203.0.113.9"
            full.attributes = ["plan": "shared", "quote": "it's \"fine\"\t\\"]
            full.time.nanos = full.time.nanos / 1000 * 1000  // Postgres keeps microseconds
            let newer = LogFixtures.record("second", tier: .audit, time: Date(), organization: "org-a")
            #expect(try await store.append([full, newer].map { LogFixtures.stored($0) }, tier: .audit, batchID: "b1") == 2)
            let found = try await store.query(LogQuery(tier: .audit, scope: .organization("org-a")))
            #expect(found.map(\.message) == ["second", "user created a workspace"])
            var back = found[1]
            #expect(back.sequence > 0)
            back.sequence = 0
            #expect(back == full)
        }
    }

    @Test func aRepeatedBatchIsStoredOnce() async throws {
        try await LogFixtures.withStore { store, _, _ in
            let records = (0..<5).map { LogFixtures.stored(LogFixtures.record("line \($0)", workspace: "ws-a")) }
            let first = try await store.append(records, tier: .workload, batchID: "same")
            let again = try await store.append(records, tier: .workload, batchID: "same")
            let found = try await store.query(LogQuery(tier: .workload, scope: .workspace("ws-a")))
            #expect(first == 5)
            #expect(again == 0)
            #expect(found.count == 5)
        }
    }

    @Test func pagesWalkEveryRecordOnceEvenWithEqualTimes() async throws {
        try await LogFixtures.withStore { store, _, _ in
            let instant = Date()
            let records = (0..<23).map { index in
                LogFixtures.stored(LogFixtures.record("r\(index)", time: index % 3 == 0 ? instant : instant.addingTimeInterval(Double(-index)), workspace: "ws-a"))
            }
            try await store.append(records, tier: .workload, batchID: "b")
            var seen: [String] = []
            var query = LogQuery(tier: .workload, scope: .workspace("ws-a"), limit: 5)
            while true {
                let page = try await store.query(query)
                seen += page.map(\.message)
                guard page.count == 5, let last = page.last else { break }
                query.before = LogCursor(time: last.time.date, sequence: last.sequence)
            }
            #expect(seen.count == 23)
            #expect(Set(seen).count == 23)
        }
    }

    @Test func scopesAndFiltersNeverWiden() async throws {
        try await LogFixtures.withStore { store, _, _ in
            let mine = LogFixtures.record("payment failed for order 42", level: "error", workspace: "ws-mine", project: "prj-a", service: "api")
            let mineOtherProject = LogFixtures.record("payment ok", workspace: "ws-mine", project: "prj-b")
            let theirs = LogFixtures.record("payment failed secret", level: "error", workspace: "ws-theirs", project: "prj-a")
            try await store.append([mine, mineOtherProject, theirs].map { LogFixtures.stored($0) }, tier: .workload, batchID: "b")
            func messages(_ query: LogQuery) async throws -> [String] { try await store.query(query).map(\.message) }
            #expect(try await messages(LogQuery(tier: .workload, scope: .workspace("ws-mine"))).sorted() == ["payment failed for order 42", "payment ok"])
            #expect(try await messages(LogQuery(tier: .workload, scope: .project(workspace: "ws-mine", project: "prj-a"))) == ["payment failed for order 42"])
            #expect(try await messages(LogQuery(tier: .workload, scope: .workspace("ws-mine"), text: "payment failed")) == ["payment failed for order 42"])
            #expect(try await messages(LogQuery(tier: .workload, scope: .workspace("ws-mine"), minimumLevel: .warning)) == ["payment failed for order 42"])
            #expect(try await messages(LogQuery(tier: .workload, scope: .workspace("ws-mine"), service: "api")) == ["payment failed for order 42"])
            let hostile = [
                "' OR '1'='1", "ws-theirs' OR workspace_id = 'ws-theirs", "'; DROP TABLE logs_workload; --", "\\", "%", "_",
                "payment & | ! ( ) : *", String(repeating: "x", count: 100_000), "é\u{301} 💥 \u{202E}", "$1", "{x:String}",
            ]
            for value in hostile {
                for query in [
                    LogQuery(tier: .workload, scope: .workspace("ws-mine"), text: value),
                    LogQuery(tier: .workload, scope: .workspace("ws-mine"), service: value),
                    LogQuery(tier: .workload, scope: .workspace(value)),
                    LogQuery(tier: .workload, scope: .project(workspace: "ws-mine", project: value)),
                ] {
                    let found = try await messages(query)
                    #expect(!found.contains("payment failed secret"), "hostile value \(value.prefix(40)) widened the result")
                }
            }
            // The table is still there.
            #expect(try await messages(LogQuery(tier: .workload, scope: .workspace("ws-theirs"))) == ["payment failed secret"])
        }
    }

    @Test func tailReadsAfterASequenceInStoredOrder() async throws {
        try await LogFixtures.withStore { store, _, _ in
            #expect(try await store.end(of: .system) == 0)
            try await store.append([LogFixtures.stored(LogFixtures.record("one", tier: .system))], tier: .system, batchID: "1")
            let end = try await store.end(of: .system)
            let empty = try await store.tail(LogQuery(tier: .system, scope: .platform), after: end, limit: 10)
            #expect(empty.records.isEmpty)
            #expect(empty.cursor == end)
            // An older time stored later still comes after in a tail.
            try await store.append([LogFixtures.stored(LogFixtures.record("two", tier: .system, time: Date().addingTimeInterval(-3600)))], tier: .system, batchID: "2")
            try await store.append([LogFixtures.stored(LogFixtures.record("three", tier: .system))], tier: .system, batchID: "3")
            let page = try await store.tail(LogQuery(tier: .system, scope: .platform), after: end, limit: 10)
            #expect(page.records.map(\.message) == ["two", "three"])
            #expect(page.cursor == page.records.last?.sequence)
            let limited = try await store.tail(LogQuery(tier: .system, scope: .platform), after: end, limit: 1)
            #expect(limited.records.map(\.message) == ["two"])
        }
    }

    @Test func retentionDropsOnlyExpiredPartitions() async throws {
        try await LogFixtures.withStore { store, pool, _ in
            let now = Date()
            let day: TimeInterval = 86_400
            // Expiring yesterday, today and in ten days.
            let expired = StoredRecord(record: LogFixtures.record("old", workspace: "ws"), expiresAt: now.addingTimeInterval(-day))
            let today = StoredRecord(record: LogFixtures.record("today", workspace: "ws"), expiresAt: now)
            let later = StoredRecord(record: LogFixtures.record("later", workspace: "ws"), expiresAt: now.addingTimeInterval(10 * day))
            try await store.append([expired, today, later], tier: .workload, batchID: "b")
            let audit = StoredRecord(record: LogFixtures.record("audit old", tier: .audit, organization: "org"), expiresAt: now.addingTimeInterval(-2 * day))
            try await store.append([audit], tier: .audit, batchID: "a")
            let dropped = try await store.dropExpired(now: now)
            #expect(dropped == [
                "logs_audit_p" + PostgresLogStore.day(now.addingTimeInterval(-2 * day)).replacingOccurrences(of: "-", with: ""),
                "logs_workload_p" + PostgresLogStore.day(now.addingTimeInterval(-day)).replacingOccurrences(of: "-", with: ""),
            ])
            #expect(try await store.query(LogQuery(tier: .workload, scope: .workspace("ws"))).map(\.message).sorted() == ["later", "today"])
            #expect(try await store.dropExpired(now: now).isEmpty)
            // Records can still be appended for days whose partitions exist or not.
            try await store.append([later], tier: .workload, batchID: "c")
            _ = pool
        }
    }

    @Test func ingestAppliesTheOrganizationsRetention() async throws {
        try await LogFixtures.withStore { store, pool, database in
            try await pool.execute("INSERT INTO retention_settings (organization_id, audit_days, workload_days, updated_by) VALUES ('org-short', 365, 7, 'usr-x')")
            let configuration = LoggingConfiguration(
                service: ServiceSettings(nats: NATSConfiguration(servers: "nats://127.0.0.1:1"), opsPort: 0),
                database: .init(url: database.url, schema: database.schema), issuer: "https://hexabase.test", authClientSecret: "x"
            )
            let consumer = IngestConsumer(
                store: store, retention: RetentionBook(pool: pool, configuration: configuration), signal: AppendSignal(),
                broadcast: {}, logger: TestLogging.logger("retention")
            )
            let now = Date()
            let records = [
                LogFixtures.record("too old", time: now.addingTimeInterval(-10 * 86_400), organization: "org-short", workspace: "ws-r"),
                LogFixtures.record("fresh", time: now, organization: "org-short", workspace: "ws-r"),
                LogFixtures.record("default retention", time: now.addingTimeInterval(-10 * 86_400), organization: "org-default", workspace: "ws-r"),
            ]
            let stored = try await consumer.store([("r", records)], now: now)
            #expect(stored == 2)
            let rows = try await pool.query("SELECT message, expires_on::text AS day FROM logs_workload ORDER BY message")
            let days = try Dictionary(uniqueKeysWithValues: rows.map { (try $0.decode(String.self, column: "message"), try $0.decode(String.self, column: "day")) })
            #expect(days["fresh"] == PostgresLogStore.day(now.addingTimeInterval(7 * 86_400)))
            #expect(days["default retention"] == PostgresLogStore.day(now.addingTimeInterval(20 * 86_400)))
            #expect(days["too old"] == nil)
        }
    }

    @Test func aShortenedRetentionCutsTheRecordsAlreadyStored() async throws {
        try await LogFixtures.withStore { store, pool, database in
            let configuration = LoggingConfiguration(
                service: ServiceSettings(nats: NATSConfiguration(servers: "nats://127.0.0.1:1"), opsPort: 0),
                database: .init(url: database.url, schema: database.schema), issuer: "https://hexabase.test", authClientSecret: "x"
            )
            let retention = RetentionBook(pool: pool, configuration: configuration)
            let now = Date()
            let records = [
                LogFixtures.record("old", time: now.addingTimeInterval(-10 * 86_400), organization: "org-short", workspace: "ws-s"),
                LogFixtures.record("fresh", time: now.addingTimeInterval(-86_400), organization: "org-short", workspace: "ws-s"),
                LogFixtures.record("other org", time: now.addingTimeInterval(-10 * 86_400), organization: "org-other", workspace: "ws-o"),
            ]
            try await store.append(records.map { LogFixtures.stored($0) }, tier: .workload, batchID: "b")
            try await store.append([LogFixtures.stored(LogFixtures.record("old audit", tier: .audit, time: now.addingTimeInterval(-40 * 86_400), organization: "org-short"), days: 365)], tier: .audit, batchID: "a")
            #expect(try await retention.purgeShortened(store, now: now) == 0)
            try await pool.execute("INSERT INTO retention_settings (organization_id, audit_days, workload_days, updated_by) VALUES ('org-short', 30, 7, 'usr-x')")
            let deleted = try await retention.purgeShortened(store, now: now)
            #expect(deleted == 2)
            let left = try await pool.query("SELECT message FROM logs_workload ORDER BY message").map { try $0.decode(String.self, column: "message") }
            #expect(left == ["fresh", "other org"])
            // Done once per change.
            try await store.append([LogFixtures.stored(LogFixtures.record("late", time: now.addingTimeInterval(-10 * 86_400), organization: "org-short", workspace: "ws-s"))], tier: .workload, batchID: "c")
            #expect(try await retention.purgeShortened(store, now: now) == 0)
        }
    }
}
