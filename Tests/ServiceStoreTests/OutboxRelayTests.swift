import Contracts
import Foundation
import ServiceKit
import ServiceStore
import Store
import Synchronization
import Testing
import TestSupport

/// The shared outbox against a real Postgres, with the table DDL that `Outbox` documents.
@Suite("Shared outbox and relay")
struct OutboxRelayTests {
    /// The DDL of `Outbox`'s documentation, verbatim.
    static let tableDDL = """
        CREATE TABLE outbox (
            id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            kind            text        NOT NULL,
            topic           text        NOT NULL,
            payload         bytea       NOT NULL,
            created_at      timestamptz NOT NULL DEFAULT now(),
            attempts        integer     NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NOT NULL DEFAULT now(),
            sent_at         timestamptz,
            last_error      text,
            message_id      text        NOT NULL DEFAULT gen_random_uuid()::text
        );
        CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE sent_at IS NULL;
        """

    /// Deliveries seen by a test's relays.
    final class Deliveries: Sendable {
        private let entries = Mutex<[OutboxEntry]>([])
        func record(_ entry: OutboxEntry) { entries.withLock { $0.append(entry) } }
        var all: [OutboxEntry] { entries.withLock { $0 } }
    }

    struct DeliveryFailed: Error {}

    static func withOutbox(_ body: (PostgresPool, TestDatabase) async throws -> Void) async throws {
        try await TestDatabase.withTemporary(prefix: "outbox") { database in
            let pool = PostgresPool(configuration: database.configuration(poolSize: 4), logger: TestLogging.logger("outbox"))
            do {
                try await pool.withConnection { try await $0.simpleQuery(tableDDL) }
                try await body(pool, database)
            } catch {
                await pool.close()
                throw error
            }
            await pool.close()
        }
    }

    static func event(_ name: String) throws -> OutboxItem {
        var message = Hexabase_Auth_V1_UserCreated()
        message.eventID = PrefixedID.make("evt")
        message.signUpMethod = name
        return try .event("hxb.events.test.\(name)", message, id: message.eventID)
    }

    @Test("an item enqueued in a committed transaction is delivered once, then marked sent with its payload erased; a rolled-back one never")
    func deliversCommittedItemsOnce() async throws {
        try await Self.withOutbox { pool, database in
            let committed = try Self.event("committed")
            try await pool.transaction { try await Outbox.enqueue([committed], on: $0) }
            struct Rollback: Error {}
            await #expect(throws: Rollback.self) {
                try await pool.transaction { connection in
                    try await Outbox.enqueue([try Self.event("rolled-back")], on: connection)
                    throw Rollback()
                }
            }
            let deliveries = Deliveries()
            let relay = OutboxRelay(pool: pool, logger: TestLogging.logger("relay")) { deliveries.record($0) }
            #expect(try await relay.runOnce() == OutboxRelay.Pass(sent: 1, failed: 0))
            #expect(try await relay.runOnce() == OutboxRelay.Pass(sent: 0, failed: 0))
            #expect(deliveries.all.map(\.item) == [committed])
            let row = try #require(try await database.query("SELECT sent_at IS NOT NULL AS sent, length(payload) AS size FROM outbox").first)
            #expect(try row.decode(Bool.self, column: "sent"))
            #expect(try row.decode(Int.self, column: "size") == 0)
            #expect(try await relay.deleteSent(olderThan: .seconds(3600)) == 0)
            #expect(try await relay.deleteSent(olderThan: .zero) == 1)
        }
    }

    @Test("a pass stops at the first failed delivery: the rows after it wait for the next pass, not for its timeouts")
    func passStopsAtFirstFailure() async throws {
        try await Self.withOutbox { pool, _ in
            try await pool.transaction { try await Outbox.enqueue([try Self.event("one"), try Self.event("two"), try Self.event("three")], on: $0) }
            let failing = Mutex(true)
            let deliveries = Deliveries()
            let relay = OutboxRelay(pool: pool, logger: TestLogging.logger("relay")) { entry in
                deliveries.record(entry)
                if failing.withLock({ $0 }) { throw DeliveryFailed() }
            }
            #expect(try await relay.runOnce() == OutboxRelay.Pass(sent: 0, failed: 1))
            #expect(deliveries.all.count == 1, "only the first row was attempted")
            failing.withLock { $0 = false }
            // The first row waits its backoff; the other two go now.
            #expect(try await relay.runOnce() == OutboxRelay.Pass(sent: 2, failed: 0))
        }
    }

    @Test("a failed delivery is retried after its backoff, with the attempt and the error recorded; the backoff is capped at 10 minutes")
    func failedDeliveryBacksOff() async throws {
        try await Self.withOutbox { pool, database in
            try await pool.transaction { try await Outbox.enqueue([try Self.event("flaky")], on: $0) }
            let failing = Mutex(true)
            let deliveries = Deliveries()
            let relay = OutboxRelay(pool: pool, logger: TestLogging.logger("relay")) { entry in
                deliveries.record(entry)
                if failing.withLock({ $0 }) { throw DeliveryFailed() }
            }
            #expect(try await relay.runOnce() == OutboxRelay.Pass(sent: 0, failed: 1))
            let row = try #require(try await database.query("""
                SELECT attempts, last_error, next_attempt_at >= created_at + interval '2 seconds' AS later FROM outbox
                """).first)
            #expect(try row.decode(Int.self, column: "attempts") == 1)
            #expect(try row.decode(String.self, column: "last_error").contains("DeliveryFailed"))
            #expect(try row.decode(Bool.self, column: "later"), "2 s backoff after the first failure")
            // Not due yet: nothing is attempted. (Pushed further out first: on a busy machine
            // the 2 s backoff can run out before the next pass.)
            _ = try await database.query("UPDATE outbox SET next_attempt_at = now() + interval '1 hour'")
            #expect(try await relay.runOnce() == OutboxRelay.Pass(sent: 0, failed: 0))
            failing.withLock { $0 = false }
            _ = try await database.query("UPDATE outbox SET next_attempt_at = now()")
            #expect(try await relay.runOnce() == OutboxRelay.Pass(sent: 1, failed: 0))
            #expect(deliveries.all.map(\.attempts) == [0, 1])
            #expect(OutboxRelay.backoff(attempt: 1) == .seconds(2))
            #expect(OutboxRelay.backoff(attempt: 30) == .seconds(600))
        }
    }

    @Test("two relays running at once never deliver the same row (SKIP LOCKED) and both make progress")
    func concurrentRelaysShareRows() async throws {
        try await Self.withOutbox { pool, _ in
            let items = try (0..<20).map { try Self.event("row\($0)") }
            try await pool.transaction { try await Outbox.enqueue(items, on: $0) }
            let first = Deliveries()
            let second = Deliveries()
            func relay(_ deliveries: Deliveries) -> OutboxRelay {
                OutboxRelay(pool: pool, logger: TestLogging.logger("relay")) { entry in
                    deliveries.record(entry)
                    // Hold the claimed rows long enough for the other relay to run meanwhile.
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            async let a = relay(first).runOnce(limit: 10)
            async let b = relay(second).runOnce(limit: 10)
            let passes = try await [a, b]
            #expect(passes.map(\.sent) == [10, 10])
            let ids = (first.all + second.all).map(\.item.messageID)
            #expect(ids.count == 20)
            #expect(Set(ids) == Set(items.map(\.messageID)))
            #expect(try await relay(first).runOnce() == OutboxRelay.Pass(sent: 0, failed: 0))
        }
    }
}
