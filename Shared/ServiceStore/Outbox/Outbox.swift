import Store

/// The transactional outbox of a service (DESIGN §4: events published after the transaction
/// commits). Each service owns an `outbox` table in its own schema, created by one of its
/// migrations with exactly this DDL:
///
/// ```sql
/// CREATE TABLE outbox (
///     id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
///     kind            text        NOT NULL,
///     topic           text        NOT NULL,
///     payload         bytea       NOT NULL,
///     created_at      timestamptz NOT NULL DEFAULT now(),
///     attempts        integer     NOT NULL DEFAULT 0,
///     next_attempt_at timestamptz NOT NULL DEFAULT now(),
///     sent_at         timestamptz,
///     last_error      text,
///     message_id      text        NOT NULL DEFAULT gen_random_uuid()::text
/// );
/// CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE sent_at IS NULL;
/// ```
///
/// (The auth and workspace services' tables have this shape, plus a
/// `CHECK (kind IN ('event', 'mail', 'audit'))`.) Write items with ``enqueue(_:on:)`` inside the
/// transaction of the change; run an ``OutboxRelay`` (e.g. every second in a `PeriodicJob`)
/// to deliver them, and ``OutboxRelay/deleteSent(olderThan:)`` now and then.
public enum Outbox {
    /// Inserts `items` into the `outbox` table of the connection's search path (the service's
    /// schema). Call it on the connection of the transaction that makes the change.
    public static func enqueue(_ items: [OutboxItem], on connection: PostgresConnection) async throws {
        for item in items {
            try await connection.execute("""
                INSERT INTO outbox (kind, topic, payload, message_id)
                VALUES (\(item.kind), \(item.topic), \(item.payload), \(item.messageID))
                """)
        }
    }
}
