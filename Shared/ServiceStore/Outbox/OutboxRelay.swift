import Foundation
import Logging
import ServiceKit
import Store

/// Carries out what the outbox holds, at least once: a row is marked sent only after its
/// delivery succeeded (its payload is then erased: a mail may hold a link token); a failed
/// delivery is retried after ``backoff(attempt:)``. Replicas run relays side by side: each
/// pass claims due rows with `FOR UPDATE SKIP LOCKED`, so no two relays deliver the same row
/// at the same time.
public struct OutboxRelay: Sendable {
    /// The outcome of one pass.
    public struct Pass: Sendable, Equatable {
        /// Rows delivered and marked sent.
        public var sent: Int
        /// Rows whose delivery failed (retried after their backoff).
        public var failed: Int

        public init(sent: Int, failed: Int) {
            self.sent = sent
            self.failed = failed
        }
    }

    private let pool: PostgresPool
    private let logger: Logger
    private let backoff: @Sendable (Int) -> Duration
    private let deliver: @Sendable (OutboxEntry) async throws -> Void

    /// A relay over the `outbox` table of `pool`'s schema. `deliver` carries out one entry and
    /// throws when it failed; `backoff` gives the delay before attempt number `n + 1` after `n`
    /// failures.
    public init(
        pool: PostgresPool, logger: Logger, backoff: @escaping @Sendable (Int) -> Duration = OutboxRelay.backoff(attempt:),
        deliver: @escaping @Sendable (OutboxEntry) async throws -> Void
    ) {
        self.pool = pool
        self.logger = logger
        self.backoff = backoff
        self.deliver = deliver
    }

    /// One pass over up to `limit` due rows, in insertion order, within one transaction; it
    /// stops at the first failed delivery.
    @discardableResult
    public func runOnce(limit: Int = 50) async throws -> Pass {
        let pass = try await pool.transaction { connection in
            let rows = try await connection.query("""
                SELECT id, kind, topic, payload, message_id, attempts FROM outbox
                WHERE sent_at IS NULL AND next_attempt_at <= now()
                ORDER BY id LIMIT \(limit) FOR UPDATE SKIP LOCKED
                """)
            var pass = Pass(sent: 0, failed: 0)
            for row in rows {
                let entry = OutboxEntry(
                    id: try row.decode(column: "id"),
                    item: OutboxItem(
                        kind: try row.decode(column: "kind"), topic: try row.decode(column: "topic"),
                        payload: try row.decode(column: "payload"), messageID: try row.decode(column: "message_id")
                    ),
                    attempts: try row.decode(column: "attempts")
                )
                do {
                    try await deliver(entry)
                } catch {
                    logger.warning("outbox delivery failed", metadata: [
                        "id": "\(entry.id)", "kind": "\(entry.item.kind)", "topic": "\(entry.item.topic)", "error": "\(error)",
                    ])
                    let delay = backoff(entry.attempts + 1)
                    try await connection.execute("""
                        UPDATE outbox SET attempts = attempts + 1, last_error = \(String(String(describing: error).prefix(500))),
                               next_attempt_at = now() + make_interval(secs => \(delay.timeInterval))
                        WHERE id = \(entry.id)
                        """)
                    pass.failed += 1
                    // The pass ends here: a broker or mail server that is down would otherwise
                    // make every remaining row wait out its timeout inside this transaction.
                    // The rest goes on the next pass; this row waits its backoff.
                    break
                }
                try await connection.execute("UPDATE outbox SET sent_at = now(), payload = ''::bytea WHERE id = \(entry.id)")
                pass.sent += 1
            }
            return pass
        }
        if pass.failed > 0 { logger.notice("outbox pass", metadata: ["sent": "\(pass.sent)", "failed": "\(pass.failed)"]) }
        return pass
    }

    /// Deletes rows sent more than `age` ago; returns how many.
    @discardableResult
    public func deleteSent(olderThan age: Duration) async throws -> Int {
        try await pool.execute("DELETE FROM outbox WHERE sent_at < now() - make_interval(secs => \(age.timeInterval))")
    }

    /// The default backoff: 2^attempt seconds, capped at 10 minutes.
    public static func backoff(attempt: Int) -> Duration {
        .seconds(min(600, 1 << min(max(attempt, 0), 10)))
    }
}
