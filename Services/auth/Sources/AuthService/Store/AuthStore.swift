import Foundation
import Logging
import ServiceStore
import Store

/// The SQL of the auth service, over its own schema.
public struct AuthStore: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    static func user(_ row: PostgresRow) throws -> User {
        User(
            id: try row.decode(column: "id"), email: try row.decode(column: "email"),
            displayName: try row.decode(column: "display_name"), createdAt: try row.decode(column: "created_at"),
            emailVerified: try row.decode(column: "email_verified")
        )
    }

    // MARK: Audit

    /// Appends an audit event to `audit_events` and its record to the outbox (for the logging
    /// service) in one transaction; a failure is logged, never thrown.
    func recordAudit(_ event: AuditEvent, _ record: AuditRecord, logger: Logger) async {
        await AuditLog.record(record, pool: pool, logger: logger) { connection in
            try await connection.execute("""
                INSERT INTO audit_events (action, outcome, actor_id, subject, source_address, request_id, details)
                VALUES (\(event.action), \(event.outcome.rawValue), \(event.actorID), \(event.subject),
                        \(event.sourceAddress), \(event.requestID), \(event.detailsJSON)::jsonb)
                """)
        }
    }
}
