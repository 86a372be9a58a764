import Contracts
import Foundation
import HTTPClientKit
@testable import LoggingService
import Logging
import SwiftProtobuf
import Testing
import TestSupport

/// ``ClickHouseLogStore`` against the chDB stand-in (Tests/Fixtures/clickhouse_standin.py): the
/// real ClickHouse engine behind a reduced copy of its HTTP interface. What the stand-in does not
/// cover is listed in docs/logging-clickhouse.md.
@Suite("ClickHouse log store against the chDB stand-in", .serialized)
struct ClickHouseLogStoreTests {
    static let farFuture = Date(timeIntervalSince1970: 4_070_908_800)  // 2099-01-01

    static func store(_ standIn: ClickHouseStandIn, password: String? = nil, options: ClickHouseLogStore.Options? = nil) -> ClickHouseLogStore {
        let settings = LoggingConfiguration.ClickHouseSettings(
            url: standIn.baseURL, database: "hexabase_logs", user: "default", password: password ?? standIn.password
        )
        let http = CurlHTTPClient(configuration: .init(timeout: .seconds(60), maximumResponseBodySize: 16 << 20))
        let fast = ClickHouseLogStore.Options(
            maximumAttempts: 3, initialRetryDelay: .milliseconds(5), maximumRetryDelay: .milliseconds(20), settleWindow: .zero
        )
        return ClickHouseLogStore(settings: settings, http: http, logger: Logger(label: "test.clickhouse"), options: options ?? fast)
    }

    static func record(
        _ id: String, second: Int64, micro: Int32 = 0, level: String = "info", message: String = "hello",
        organization: String = "org-1", workspace: String = "", project: String = "", service: String = "svc"
    ) -> Hexabase_Logs_V1_LogRecord {
        var record = Hexabase_Logs_V1_LogRecord()
        record.id = id
        record.time = Google_Protobuf_Timestamp(seconds: 1_767_225_600 + second, nanos: micro * 1000)
        record.level = level
        record.message = message
        record.organizationID = organization
        record.workspaceID = workspace
        record.projectID = project
        record.service = service
        return record
    }

    static func stored(_ records: [Hexabase_Logs_V1_LogRecord], expiring: Date = farFuture) -> [StoredRecord] {
        records.map { StoredRecord(record: $0, expiresAt: expiring) }
    }

    @Test func appendedRecordsComeBackWithEveryField() async throws {
        try await ClickHouseStandIn.start().use { standIn in
            let store = Self.store(standIn)
            try await store.prepare()
            try await store.prepare()
            var full = Self.record("log-full", second: 10, micro: 123_456, level: "warning", workspace: "ws-1", project: "prj-1")
            full.message = "multi\nline\t'quoted' \"double\" back\\slash 🚀 日本語"
            full.requestID = "req-1"
            full.traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
            full.userID = "usr-1"
            full.actorID = "usr-2"
            full.initiatedBy = "ai_agent"
            full.onBehalfOf = "usr-3"
            full.action = "workspace.create"
            full.resource = "workspaces/ws-1"
            full.outcome = "success"
            full.sourceAddress = "2001:db8::1"
            full.attributes = ["plan": "dedicated", "quote'key": "va\"lue", "ünï": "cødé"]
            let second = Self.record("log-second", second: 11, level: "error")

            #expect(try await store.append(Self.stored([full, second]), tier: .audit, batchID: "batch-1") == 2)
            let found = try await store.query(LogQuery(tier: .audit, scope: .organization("org-1")))
            #expect(found.map(\.id) == ["log-second", "log-full"])
            var expected = full
            expected.tier = .audit
            expected.sequence = try #require(found.last).sequence
            #expect(found.last == expected)
            #expect(found[1].sequence > 0 && found[1].sequence < found[0].sequence)
            #expect(try await store.query(LogQuery(tier: .workload, scope: .organization("org-1"))).isEmpty)

            // Credentials travel in headers only; the insert names its deduplication token.
            let requests = try await standIn.requests()
            #expect(requests.allSatisfy { $0.headers["x-clickhouse-key"] == standIn.password && !$0.path.contains(standIn.password) })
            #expect(requests.contains { $0.path.contains("insert_deduplication_token=batch-1%230") })
        }
    }

    @Test func aScopedQueryNeverReturnsAnotherTenantsRecords() async throws {
        try await ClickHouseStandIn.start().use { standIn in
            let store = Self.store(standIn)
            try await store.prepare()
            let records = [
                Self.record("a-x", second: 1, workspace: "ws-a", project: "prj-x"),
                Self.record("a-y", second: 2, workspace: "ws-a", project: "prj-y"),
                Self.record("a", second: 3, workspace: "ws-a"),
                Self.record("b-x", second: 4, workspace: "ws-b", project: "prj-x"),
                Self.record("c", second: 5, organization: "org-2", workspace: "ws-c"),
                Self.record("org-level", second: 6),
            ]
            try await store.append(Self.stored(records), tier: .workload, batchID: "scoping")
            func ids(_ scope: LogScope) async throws -> Set<String> {
                Set(try await store.query(LogQuery(tier: .workload, scope: scope)).map(\.id))
            }
            #expect(try await ids(.workspace("ws-a")) == ["a-x", "a-y", "a"])
            #expect(try await ids(.project(workspace: "ws-a", project: "prj-x")) == ["a-x"])
            #expect(try await ids(.project(workspace: "ws-c", project: "prj-x")).isEmpty)
            #expect(try await ids(.organization("org-1")) == ["a-x", "a-y", "a", "b-x", "org-level"])
            #expect(try await ids(.platform).count == records.count)
            // '' is how an absent tenant id is stored: an empty scope id is refused, not matched.
            await #expect(throws: ClickHouseError.self) { try await ids(.workspace("")) }
            await #expect(throws: ClickHouseError.self) { try await ids(.project(workspace: "ws-a", project: "")) }
        }
    }

    @Test func hostileFilterValuesAreBoundNeverSpliced() async throws {
        try await ClickHouseStandIn.start().use { standIn in
            let store = Self.store(standIn)
            try await store.prepare()
            let hostile = [
                "'", "''", "'; DROP TABLE logs_audit; --", "' OR '1'='1", "\\", "\\'", "a\\tb", "\\N", "{p0:String}",
                "{x:String}", "tab\there\nnewline\rreturn", "nul\0byte", "ünïcødé 🚀 日本語", "%27%20OR%201%3D1", "`backtick`",
                String(repeating: "x", count: ClickHouseStatement.maximumValueBytes),
            ]
            var records = hostile.enumerated().map { index, value in
                var record = Self.record("hostile-\(index)", second: Int64(index), message: "needle " + value, service: value)
                record.resource = value
                record.actorID = value
                return record
            }
            records.append(Self.record("decoy", second: 100, message: "decoy only", service: "decoy"))
            try await store.append(Self.stored(records), tier: .audit, batchID: "hostile")
            try await standIn.forgetRequests()

            for (index, value) in hostile.enumerated() {
                let scope = LogScope.organization("org-1")
                let byService = try await store.query(LogQuery(tier: .audit, scope: scope, service: value))
                #expect(byService.map(\.id) == ["hostile-\(index)"], "service = \(value.debugDescription)")
                let byAll = try await store.query(LogQuery(tier: .audit, scope: scope, resource: value, actorID: value))
                #expect(byAll.map(\.id) == ["hostile-\(index)"], "resource and actor = \(value.debugDescription)")
                do {
                    let byText = try await store.query(LogQuery(tier: .audit, scope: scope, text: "needle " + value))
                    #expect(byText.contains { $0.id == "hostile-\(index)" }, "text = \(value.debugDescription)")
                    #expect(byText.allSatisfy { $0.id.hasPrefix("hostile-") })
                } catch let error as ClickHouseError {
                    #expect(error.code == .invalidQuery && value.utf8.count > 4000)
                }
                let otherTenant = try await store.query(LogQuery(tier: .audit, scope: .organization(value)))
                #expect(otherTenant.isEmpty)
            }
            // Too long to bind: a clear error, not a query without the filter.
            let huge = String(repeating: "y", count: 1 << 20)
            await #expect(throws: ClickHouseError.self) {
                try await store.query(LogQuery(tier: .audit, scope: .organization("org-1"), service: huge))
            }
            await #expect(throws: ClickHouseError.self) {
                try await store.query(LogQuery(tier: .audit, scope: .organization("org-1"), text: huge))
            }

            // The values travelled as parameters: no statement text holds them, and the table is whole.
            let statements = try await standIn.requests().map(\.body)
            #expect(!statements.contains { $0.contains("DROP") || $0.contains("ünï") || $0.contains("'1'='1") })
            #expect(try await store.query(LogQuery(tier: .audit, scope: .platform, limit: 1000)).count == records.count)
        }
    }

    @Test func aRepeatedBatchIsStoredOnce() async throws {
        try await ClickHouseStandIn.start().use { standIn in
            let store = Self.store(standIn, options: .init(
                maximumAttempts: 3, initialRetryDelay: .milliseconds(5), rowsPerInsert: 2, settleWindow: .zero
            ))
            try await store.prepare()
            let batch = Self.stored((1...3).map { Self.record("log-\($0)", second: Int64($0)) })
            #expect(try await store.append(batch, tier: .system, batchID: "batch-a") == 3)
            #expect(try await store.append(batch, tier: .system, batchID: "batch-a") == 0)

            // The first insert of this batch is stored but its answer is lost: the retry carries
            // the same token (and new sequences), and ClickHouse drops it.
            let lost = Self.stored((4...5).map { Self.record("log-\($0)", second: Int64($0)) })
            try await standIn.failNext(1, status: 503, afterExecuting: true, matching: "INSERT")
            try await store.append(lost, tier: .system, batchID: "batch-b")
            #expect(try await standIn.requests().filter { $0.path.contains("insert_deduplication_token=batch-b%230") }.count == 2)
            #expect(try await store.append(lost, tier: .system, batchID: "batch-b") == 0)

            let all = try await store.query(LogQuery(tier: .system, scope: .platform))
            #expect(all.map(\.id).sorted() == ["log-1", "log-2", "log-3", "log-4", "log-5"])
        }
    }

    @Test func pagesWalkNewestFirstWithTheCursor() async throws {
        try await ClickHouseStandIn.start().use { standIn in
            let store = Self.store(standIn)
            try await store.prepare()
            // Five records share each instant: the sequence orders them.
            let records = (0..<25).map { Self.record("log-\($0)", second: Int64($0 / 5), micro: 7, workspace: "ws-1") }
            try await store.append(Self.stored(records), tier: .workload, batchID: "paging")

            var seen: [Hexabase_Logs_V1_LogRecord] = []
            var cursor: LogCursor?
            for _ in 0..<10 {
                let page = try await store.query(LogQuery(tier: .workload, scope: .workspace("ws-1"), limit: 7, before: cursor))
                seen += page
                guard page.count == 7, let last = page.last else { break }
                cursor = LogCursor(time: last.time.date, sequence: last.sequence)
            }
            #expect(seen.count == 25)
            #expect(Set(seen.map(\.id)).count == 25)
            let keys = seen.map { ($0.time.seconds, $0.time.nanos, $0.sequence) }
            #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 > $1 })
        }
    }

    @Test func aTailReadsWhatCameAfterItsCursor() async throws {
        try await ClickHouseStandIn.start().use { standIn in
            let store = Self.store(standIn)
            try await store.prepare()
            #expect(try await store.end(of: .workload) == 0)
            let scope = LogQuery(tier: .workload, scope: .workspace("ws-1"))
            try await store.append(Self.stored((1...3).map { Self.record("a-\($0)", second: 100 - Int64($0), workspace: "ws-1") }), tier: .workload, batchID: "a")

            let first = try await store.tail(scope, after: 0, limit: 10)
            #expect(first.records.map(\.id) == ["a-1", "a-2", "a-3"])
            #expect(first.cursor == first.records.last?.sequence)

            try await store.append(Self.stored([
                Self.record("b-1", second: 1, workspace: "ws-1"), Self.record("other", second: 2, workspace: "ws-2"),
                Self.record("b-2", second: 3, level: "error", workspace: "ws-1"),
            ]), tier: .workload, batchID: "b")
            let second = try await store.tail(scope, after: first.cursor, limit: 1)
            #expect(second.records.map(\.id) == ["b-1"])
            var errors = scope
            errors.minimumLevel = .error
            let third = try await store.tail(errors, after: second.cursor, limit: 10)
            #expect(third.records.map(\.id) == ["b-2"])

            let end = try await store.end(of: .workload)
            let idle = try await store.tail(scope, after: third.cursor, limit: 10)
            #expect(idle.records.isEmpty)
            #expect(idle.cursor == end && end >= third.cursor)

            // Inside the settle window nothing is visible to a tail yet, and the end stays put.
            let patient = Self.store(standIn, options: .init(settleWindow: .seconds(3600)))
            #expect(try await patient.end(of: .workload) == 0)
            #expect(try await patient.tail(scope, after: 0, limit: 10) == TailPage(records: [], cursor: 0))
            #expect(try await patient.tail(scope, after: 42, limit: 10).cursor == 42)
        }
    }

    @Test func droppingExpiredRemovesOnlyPartitionsPastTheirDay() async throws {
        try await ClickHouseStandIn.start().use { standIn in
            let store = Self.store(standIn)
            try await store.prepare()
            let january = Date(timeIntervalSince1970: 4_071_686_400)  // 2099-01-10
            let may = Date(timeIntervalSince1970: 4_081_363_200)  // 2099-05-02
            try await store.append(Self.stored([Self.record("jan-1", second: 1), Self.record("jan-2", second: 2)], expiring: january), tier: .audit, batchID: "j")
            try await store.append(Self.stored([Self.record("may", second: 3)], expiring: may), tier: .audit, batchID: "m")
            try await store.append(Self.stored([Self.record("jan-w", second: 4, workspace: "ws-1")], expiring: january), tier: .workload, batchID: "w")

            #expect(try await store.dropExpired(now: january).isEmpty)
            let dropped = try await store.dropExpired(now: Date(timeIntervalSince1970: 4_076_179_200))  // 2099-03-03
            #expect(dropped == ["logs_audit/2099-01-10", "logs_workload/2099-01-10"])
            #expect(try await store.query(LogQuery(tier: .audit, scope: .platform)).map(\.id) == ["may"])
            #expect(try await store.query(LogQuery(tier: .workload, scope: .platform)).isEmpty)
            #expect(try await store.dropExpired(now: Date(timeIntervalSince1970: 4_076_179_200)).isEmpty)
        }
    }

    @Test func aShortenedRetentionDeletesOnlyThatOrganizationsOlderRecords() async throws {
        try await ClickHouseStandIn.start().use { standIn in
            let store = Self.store(standIn)
            try await store.prepare()
            let expiry = Date(timeIntervalSince1970: 4_081_363_200)
            try await store.append(Self.stored([
                Self.record("old", second: 1, organization: "org-1"), Self.record("new", second: 100, organization: "org-1"),
                Self.record("other", second: 1, organization: "org-2"),
            ], expiring: expiry), tier: .audit, batchID: "r")
            _ = try await store.deleteRecords(of: "org-1", tier: .audit, before: Date(timeIntervalSince1970: 1_767_225_650))
            try await waitUntil("the delete mutation applied") {
                try await store.query(LogQuery(tier: .audit, scope: .platform)).count == 2
            }
            #expect(Set(try await store.query(LogQuery(tier: .audit, scope: .platform)).map(\.id)) == ["new", "other"])
        }
    }

    @Test func passingFailuresAreRetriedAndOthersAreNot() async throws {
        try await ClickHouseStandIn.start().use { standIn in
            let store = Self.store(standIn)
            try await store.prepare()
            try await standIn.forgetRequests()

            try await standIn.failNext(2, status: 503)
            #expect(try await store.append(Self.stored([Self.record("r", second: 1)]), tier: .system, batchID: "retry") == 1)
            let answered = try await standIn.requests()
            #expect(answered.count == 4)  // the token check: 2 failures and a success; the insert
            #expect(try await store.query(LogQuery(tier: .system, scope: .platform)).map(\.id) == ["r"])

            try await standIn.forgetRequests()
            try await standIn.failNext(3, status: 502)
            let unavailable = await #expect(throws: ClickHouseError.self) {
                try await store.query(LogQuery(tier: .system, scope: .platform))
            }
            #expect(unavailable?.code == .unavailable)
            #expect(unavailable?.status == 502)
            #expect(try await standIn.requests().count == 3)

            try await standIn.forgetRequests()
            let wrongPassword = "not-the-password-123"
            let refused = await #expect(throws: ClickHouseError.self) {
                try await Self.store(standIn, password: wrongPassword).query(LogQuery(tier: .system, scope: .platform))
            }
            #expect(refused?.code == .rejected)
            #expect(refused?.status == 403)
            #expect(refused?.exceptionCode == 516)
            #expect(refused?.exceptionName == "AUTHENTICATION_FAILED")
            #expect(refused.map { !"\($0)".contains(wrongPassword) && !$0.description.contains(standIn.password) } == true)
            #expect(try await standIn.requests().count == 1)
        }
    }

    @Test func textLevelAndTimeFiltersNarrowTheResult() async throws {
        try await ClickHouseStandIn.start().use { standIn in
            let store = Self.store(standIn)
            try await store.prepare()
            try await store.append(Self.stored([
                Self.record("full", second: 1, level: "warning", message: "Disk is FULL on node-1"),
                Self.record("ok", second: 2, level: "info", message: "disk ok"),
                Self.record("yesterday", second: 3, level: "error", message: "the disk was full yesterday"),
                Self.record("prefix", second: 4, level: "critical", message: "fullness of a disk"),
            ]), tier: .system, batchID: "text")
            func ids(_ query: LogQuery) async throws -> [String] {
                try await store.query(query).map(\.id)
            }
            #expect(try await ids(LogQuery(tier: .system, scope: .platform, text: "disk full")) == ["yesterday", "full"])
            #expect(try await ids(LogQuery(tier: .system, scope: .platform, text: "FULL, disk!")) == ["yesterday", "full"])
            #expect(try await ids(LogQuery(tier: .system, scope: .platform, text: "!!! --")).isEmpty)
            #expect(try await ids(LogQuery(tier: .system, scope: .platform, minimumLevel: .error)) == ["prefix", "yesterday"])
            let start = Date(timeIntervalSince1970: 1_767_225_602)
            #expect(try await ids(LogQuery(tier: .system, scope: .platform, since: start, until: start.addingTimeInterval(2))) == ["yesterday", "ok"])
            #expect(try await ids(LogQuery(tier: .system, scope: .platform, limit: 0)).isEmpty)
        }
    }
}
