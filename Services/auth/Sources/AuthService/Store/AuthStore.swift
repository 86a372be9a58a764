import Foundation
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

    /// Appends an audit event. Details are a JSON object built by the caller from safe values.
    func recordAudit(_ event: AuditEvent, on connection: PostgresConnection? = nil) async throws {
        let query: PostgresQuery = """
            INSERT INTO audit_events (action, outcome, actor_id, subject, source_address, request_id, details)
            VALUES (\(event.action), \(event.outcome.rawValue), \(event.actorID), \(event.subject),
                    \(event.sourceAddress), \(event.requestID), \(event.detailsJSON)::jsonb)
            """
        if let connection { try await connection.execute(query) } else { try await pool.execute(query) }
    }
}
