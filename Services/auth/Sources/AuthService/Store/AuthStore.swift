import Foundation
import Store

/// The SQL of the auth service, over its own schema.
public struct AuthStore: Sendable {
    let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    // MARK: Users

    /// Inserts a user; throws `DatabaseError.uniqueViolation` when the email is taken.
    func insertUser(_ user: User, passwordHash: String) async throws {
        try await pool.execute("""
            INSERT INTO users (id, email, display_name, password_hash, created_at)
            VALUES (\(user.id), \(user.email), \(user.displayName), \(passwordHash), \(user.createdAt))
            """)
    }

    /// The user with this (normalized) email and their password hash.
    func userWithPasswordHash(email: String) async throws -> (User, String)? {
        let rows = try await pool.query(
            "SELECT id, email, display_name, created_at, password_hash FROM users WHERE email = \(email)", prepared: true)
        guard let row = rows.first else { return nil }
        return (try Self.user(row), try row.decode(String.self, column: "password_hash"))
    }

    private static func user(_ row: PostgresRow) throws -> User {
        User(
            id: try row.decode(column: "id"), email: try row.decode(column: "email"),
            displayName: try row.decode(column: "display_name"), createdAt: try row.decode(column: "created_at")
        )
    }

    // MARK: Sessions

    func insertSession(id: String, userID: String, expiresAt: Date, sourceAddress: String?, userAgent: String?) async throws {
        try await pool.execute("""
            INSERT INTO sessions (id, user_id, expires_at, source_address, user_agent)
            VALUES (\(id), \(userID), \(expiresAt), \(sourceAddress), \(userAgent))
            """)
    }

    /// The user of a session that exists, belongs to `userID`, is not revoked and has not
    /// expired; nil otherwise. One round trip: this runs on every authenticated WhoAmI.
    func userOfActiveSession(id: String, userID: String) async throws -> User? {
        let rows = try await pool.query("""
            SELECT u.id, u.email, u.display_name, u.created_at
            FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.id = \(id) AND s.user_id = \(userID) AND s.revoked_at IS NULL AND s.expires_at > now()
            """, prepared: true)
        return try rows.first.map(Self.user)
    }

    // MARK: Signing keys

    /// The active key, creating one if there is none. Replicas starting together race on the
    /// partial unique index and all end up with the same key.
    func activeSigningKey(generate: () throws -> SigningKey) async throws -> SigningKey {
        if let key = try await loadActiveKey() { return key }
        let candidate = try generate()
        try await pool.execute("""
            INSERT INTO signing_keys (kid, private_key_pem, public_jwk, created_at)
            VALUES (\(candidate.kid), \(candidate.privateKeyPEM), \(candidate.publicJWK)::jsonb, \(candidate.createdAt))
            ON CONFLICT DO NOTHING
            """)
        guard let key = try await loadActiveKey() else { throw DatabaseError(code: .other, message: "no active signing key after insert") }
        return key
    }

    private func loadActiveKey() async throws -> SigningKey? {
        let rows = try await pool.query("""
            SELECT kid, private_key_pem, public_jwk::text AS public_jwk, created_at, retired_at
            FROM signing_keys WHERE retired_at IS NULL
            """)
        return try rows.first.map(Self.signingKey)
    }

    /// Keys whose tokens may still be valid: the active one and those retired less than
    /// `retention` ago.
    func publishedKeys(retention: Duration) async throws -> [SigningKey] {
        let seconds = Double(retention.components.seconds)
        let rows = try await pool.query("""
            SELECT kid, '' AS private_key_pem, public_jwk::text AS public_jwk, created_at, retired_at
            FROM signing_keys
            WHERE retired_at IS NULL OR retired_at > now() - make_interval(secs => \(seconds))
            ORDER BY created_at DESC
            """, prepared: true)
        return try rows.map(Self.signingKey)
    }

    private static func signingKey(_ row: PostgresRow) throws -> SigningKey {
        SigningKey(
            kid: try row.decode(column: "kid"), privateKeyPEM: try row.decode(column: "private_key_pem"),
            publicJWK: try row.decode(column: "public_jwk"), createdAt: try row.decode(column: "created_at"),
            retiredAt: try row.decode(Date?.self, column: "retired_at")
        )
    }

    // MARK: Audit

    /// Appends an audit event. Details are a JSON object built by the caller from safe values.
    func recordAudit(_ event: AuditEvent) async throws {
        try await pool.execute("""
            INSERT INTO audit_events (action, outcome, actor_id, subject, source_address, request_id, details)
            VALUES (\(event.action), \(event.outcome.rawValue), \(event.actorID), \(event.subject),
                    \(event.sourceAddress), \(event.requestID), \(event.detailsJSON)::jsonb)
            """)
    }
}
