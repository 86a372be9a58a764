import Contracts
import Crypto
import Foundation
import ServiceKit
import ServiceStore
import Store

/// The logging service's own state besides the records: ingestion tokens and organizations'
/// retention, each change written with its audit record in one transaction.
struct LoggingStore: Sendable {
    let pool: PostgresPool

    /// Active tokens a workspace may hold at once.
    static let maxTokensPerWorkspace = 20

    // MARK: Ingestion tokens

    struct TokenOwner: Sendable, Equatable {
        var tokenID: String
        var workspaceID: String
        var organizationID: String
    }

    static func hash(_ secret: String) -> Data {
        Data(SHA256.hash(data: Array(secret.utf8)))
    }

    func createToken(
        id: String, secret: String, workspaceID: String, organizationID: String, name: String, createdBy: String,
        audit: AuditRecord
    ) async throws -> Hexabase_Logs_V1_IngestionToken {
        try await pool.transaction { connection in
            // One creator at a time per workspace, so the limit holds under concurrency.
            try await connection.execute("SELECT pg_advisory_xact_lock(hashtext(\(workspaceID)))")
            let active = try await connection.query("SELECT count(*) AS n FROM ingestion_tokens WHERE workspace_id = \(workspaceID) AND revoked_at IS NULL")
            guard try active.first?.decode(Int.self, column: "n") ?? 0 < Self.maxTokensPerWorkspace else {
                throw ServiceError(.conflict, "This workspace already has \(Self.maxTokensPerWorkspace) active ingestion tokens; revoke one first.")
            }
            let rows = try await connection.query("""
                INSERT INTO ingestion_tokens (id, workspace_id, organization_id, name, prefix, secret_hash, created_by)
                VALUES (\(id), \(workspaceID), \(organizationID), \(name), \(String(secret.prefix(12))), \(Self.hash(secret)), \(createdBy))
                RETURNING \(unescaped: Self.tokenColumns)
                """)
            try await AuditLog.record([audit], on: connection)
            return try Self.token(rows.first!)
        }
    }

    func tokens(workspaceID: String) async throws -> [Hexabase_Logs_V1_IngestionToken] {
        try await pool.query("""
            SELECT \(unescaped: Self.tokenColumns) FROM ingestion_tokens WHERE workspace_id = \(workspaceID)
            ORDER BY created_at DESC, id DESC LIMIT 200
            """).map(Self.token)
    }

    /// Revokes a token of the workspace (idempotent: a revoked token is returned as it is);
    /// nil when the workspace has no such token.
    func revokeToken(id: String, workspaceID: String, audit: AuditRecord) async throws -> Hexabase_Logs_V1_IngestionToken? {
        try await pool.transaction { connection in
            let revoked = try await connection.query("""
                UPDATE ingestion_tokens SET revoked_at = now()
                WHERE id = \(id) AND workspace_id = \(workspaceID) AND revoked_at IS NULL
                RETURNING \(unescaped: Self.tokenColumns)
                """)
            if let row = revoked.first {
                try await AuditLog.record([audit], on: connection)
                return try Self.token(row)
            }
            let existing = try await connection.query("SELECT \(unescaped: Self.tokenColumns) FROM ingestion_tokens WHERE id = \(id) AND workspace_id = \(workspaceID)")
            return try existing.first.map(Self.token)
        }
    }

    /// The owner of an active token with this secret.
    func tokenOwner(secret: String) async throws -> TokenOwner? {
        let rows = try await pool.query("""
            SELECT id, workspace_id, organization_id FROM ingestion_tokens
            WHERE secret_hash = \(Self.hash(secret)) AND revoked_at IS NULL
            """, prepared: true)
        guard let row = rows.first else { return nil }
        return TokenOwner(
            tokenID: try row.decode(column: "id"), workspaceID: try row.decode(column: "workspace_id"),
            organizationID: try row.decode(column: "organization_id")
        )
    }

    func touchToken(id: String) async throws {
        try await pool.execute("UPDATE ingestion_tokens SET last_used_at = now() WHERE id = \(id)")
    }

    static let tokenColumns = "id, workspace_id, name, prefix, created_at, created_by, revoked_at, last_used_at"

    static func token(_ row: PostgresRow) throws -> Hexabase_Logs_V1_IngestionToken {
        var token = Hexabase_Logs_V1_IngestionToken()
        token.id = try row.decode(column: "id")
        token.workspaceID = try row.decode(column: "workspace_id")
        token.name = try row.decode(column: "name")
        token.prefix = try row.decode(column: "prefix")
        token.createTime = .init(date: try row.decode(column: "created_at"))
        token.createdBy = try row.decode(column: "created_by")
        if let revoked = try row.decode(Date?.self, column: "revoked_at") { token.revokeTime = .init(date: revoked) }
        if let used = try row.decode(Date?.self, column: "last_used_at") { token.lastUsedTime = .init(date: used) }
        return token
    }

    // MARK: Retention

    /// Sets the retention fields given (nil keeps the stored value, or the default for an
    /// organization without settings): concurrent updates of different fields both hold.
    func setRetention(
        organizationID: String, auditDays: Int?, workloadDays: Int?, defaults: RetentionBook.Choice, by userID: String, audit: AuditRecord
    ) async throws {
        try await pool.transaction { connection in
            try await connection.execute("""
                INSERT INTO retention_settings (organization_id, audit_days, workload_days, updated_by)
                VALUES (\(organizationID), \(auditDays ?? defaults.auditDays), \(workloadDays ?? defaults.workloadDays), \(userID))
                ON CONFLICT (organization_id) DO UPDATE
                SET audit_days = coalesce(\(auditDays), retention_settings.audit_days),
                    workload_days = coalesce(\(workloadDays), retention_settings.workload_days),
                    updated_at = now(), updated_by = excluded.updated_by
                """)
            try await AuditLog.record([audit], on: connection)
        }
    }

    // MARK: Stored batches

    /// Forgets stored batch ids older than `age` (longer than `HXB_LOGS` keeps messages, so no
    /// redelivery can need them). Whatever the record store, the ids live here.
    static func pruneBatches(pool: PostgresPool, olderThan age: Duration) async throws -> Int {
        try await pool.execute("DELETE FROM ingested_batches WHERE stored_at < now() - make_interval(secs => \(age.timeInterval))")
    }
}
