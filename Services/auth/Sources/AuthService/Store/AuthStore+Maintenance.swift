import Foundation
import Store

/// A claimed outbox row.
struct OutboxEntry: Sendable {
    var id: Int64
    var item: OutboxItem
    var attempts: Int
}

extension AuthStore {
    static func enqueue(_ items: [OutboxItem], on connection: PostgresConnection) async throws {
        for item in items {
            try await connection.execute("""
                INSERT INTO outbox (kind, topic, payload) VALUES (\(item.kind.rawValue), \(item.topic), \(item.payload))
                """)
        }
    }

    /// Claims up to `limit` due rows (skipping rows another replica holds), lets `deliver`
    /// carry each out, and records the outcome: sent (the payload is erased, since a mail may
    /// hold a link token), or failed with the next attempt after `backoff(attempts)`.
    func relayOutbox(
        limit: Int, backoff: @Sendable (Int) -> Duration,
        deliver: @Sendable (OutboxEntry) async -> String?
    ) async throws -> (sent: Int, failed: Int) {
        try await pool.transaction { connection in
            let rows = try await connection.query("""
                SELECT id, kind, topic, payload, attempts FROM outbox
                WHERE sent_at IS NULL AND next_attempt_at <= now()
                ORDER BY id LIMIT \(limit) FOR UPDATE SKIP LOCKED
                """)
            var sent = 0
            var failed = 0
            for row in rows {
                guard let kind = OutboxItem.Kind(rawValue: try row.decode(column: "kind")) else { continue }
                let entry = OutboxEntry(
                    id: try row.decode(column: "id"),
                    item: OutboxItem(kind: kind, topic: try row.decode(column: "topic"), payload: try row.decode(column: "payload")),
                    attempts: try row.decode(column: "attempts")
                )
                if let failure = await deliver(entry) {
                    let delay = backoff(entry.attempts + 1)
                    try await connection.execute("""
                        UPDATE outbox SET attempts = attempts + 1, last_error = \(String(failure.prefix(500))),
                               next_attempt_at = now() + make_interval(secs => \(delay.timeInterval))
                        WHERE id = \(entry.id)
                        """)
                    failed += 1
                } else {
                    try await connection.execute("UPDATE outbox SET sent_at = now(), payload = ''::bytea WHERE id = \(entry.id)")
                    sent += 1
                }
            }
            return (sent, failed)
        }
    }

    /// Deletes what has served its purpose: expired codes, states, tokens and throttle
    /// windows, sent outbox rows older than a day. Returns the number of rows deleted.
    func deleteExpired() async throws -> Int {
        var deleted = 0
        for statement: PostgresQuery in [
            "DELETE FROM authorization_codes WHERE expires_at < now() - interval '1 hour'",
            "DELETE FROM device_authorizations WHERE expires_at < now() - interval '1 hour'",
            "DELETE FROM federation_states WHERE expires_at < now()",
            "DELETE FROM account_tokens WHERE expires_at < now() - interval '1 day'",
            "DELETE FROM refresh_tokens WHERE expires_at < now()",
            "DELETE FROM login_throttle WHERE window_start < now() - interval '1 day'",
            "DELETE FROM outbox WHERE sent_at < now() - interval '1 day'",
            "DELETE FROM sessions WHERE expires_at < now() - interval '30 days'",
        ] {
            deleted += try await pool.execute(statement)
        }
        return deleted
    }
}
