import Foundation
import Store

/// A signing key as stored: the public JWK and the sealed private key.
struct StoredSigningKey: Sendable {
    var kid: String
    var publicJWK: String
    var sealedPrivateKey: Data?
    var sealingKeyID: String?
    /// Only rows written before keys were sealed (migration 0001) have this.
    var legacyPEM: String?
    var createdAt: Date
    var retiredAt: Date?
}

extension AuthStore {
    /// The active key (there is at most one), or nil.
    func activeSigningKey(on connection: PostgresConnection? = nil) async throws -> StoredSigningKey? {
        let query: PostgresQuery = """
            SELECT kid, public_jwk::text AS public_jwk, private_key_sealed, sealing_key_id, private_key_pem, created_at, retired_at
            FROM signing_keys WHERE retired_at IS NULL
            """
        let rows = if let connection { try await connection.query(query) } else { try await pool.query(query) }
        return try rows.first.map(Self.storedKey)
    }

    /// Keys whose tokens may still be valid: the active one and those retired less than
    /// `retention` ago, newest first.
    func publishedKeys(retention: Duration) async throws -> [StoredSigningKey] {
        let rows = try await pool.query("""
            SELECT kid, public_jwk::text AS public_jwk, NULL::bytea AS private_key_sealed, NULL AS sealing_key_id,
                   NULL AS private_key_pem, created_at, retired_at
            FROM signing_keys
            WHERE retired_at IS NULL OR retired_at > now() - make_interval(secs => \(retention.timeInterval))
            ORDER BY created_at DESC
            """, prepared: true)
        return try rows.map(Self.storedKey)
    }

    /// Runs `body` holding the key-rotation lock, so that replicas rotate one at a time.
    nonisolated(nonsending)
    func withKeyRotationLock<T>(_ body: nonisolated(nonsending) (PostgresConnection) async throws -> T) async throws -> T {
        try await pool.transaction { connection in
            _ = try await connection.query("SELECT pg_advisory_xact_lock(hashtext('auth.signing_keys'))")
            return try await body(connection)
        }
    }

    /// Retires the active key (if any) and makes `key` the active one, on `connection`.
    func replaceActiveKey(with key: StoredSigningKey, on connection: PostgresConnection) async throws {
        try await connection.execute("UPDATE signing_keys SET retired_at = now() WHERE retired_at IS NULL")
        try await connection.execute("""
            INSERT INTO signing_keys (kid, public_jwk, private_key_sealed, sealing_key_id, created_at)
            VALUES (\(key.kid), \(key.publicJWK)::jsonb, \(key.sealedPrivateKey), \(key.sealingKeyID), \(key.createdAt))
            """)
    }

    /// Rows still holding a plaintext PEM (written before sealing existed).
    func legacySigningKeys(on connection: PostgresConnection) async throws -> [StoredSigningKey] {
        let rows = try await connection.query("""
            SELECT kid, public_jwk::text AS public_jwk, private_key_sealed, sealing_key_id, private_key_pem, created_at, retired_at
            FROM signing_keys WHERE private_key_pem IS NOT NULL FOR UPDATE
            """)
        return try rows.map(Self.storedKey)
    }

    /// Stores the sealed form of a key and erases its plaintext PEM.
    func sealLegacyKey(kid: String, sealed: Data, sealingKeyID: String, on connection: PostgresConnection) async throws {
        try await connection.execute("""
            UPDATE signing_keys SET private_key_sealed = \(sealed), sealing_key_id = \(sealingKeyID), private_key_pem = NULL
            WHERE kid = \(kid)
            """)
    }

    private static func storedKey(_ row: PostgresRow) throws -> StoredSigningKey {
        StoredSigningKey(
            kid: try row.decode(column: "kid"), publicJWK: try row.decode(column: "public_jwk"),
            sealedPrivateKey: try row.decode(Data?.self, column: "private_key_sealed"),
            sealingKeyID: try row.decode(String?.self, column: "sealing_key_id"),
            legacyPEM: try row.decode(String?.self, column: "private_key_pem"),
            createdAt: try row.decode(column: "created_at"), retiredAt: try row.decode(Date?.self, column: "retired_at")
        )
    }
}
