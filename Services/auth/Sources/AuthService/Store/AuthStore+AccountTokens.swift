import Foundation
import ServiceStore
import Store

extension AuthStore {
    /// Stores a mailed one-time token and the mail carrying it, in one transaction. Earlier
    /// unused tokens of the same purpose for the user stop working.
    func insertAccountToken(hash: Data, purpose: String, user: User, expiresAt: Date, mail: OutboxItem) async throws {
        try await pool.transaction { connection in
            try await connection.execute("""
                UPDATE account_tokens SET used_at = now() WHERE user_id = \(user.id) AND purpose = \(purpose) AND used_at IS NULL
                """)
            try await connection.execute("""
                INSERT INTO account_tokens (token_hash, purpose, user_id, email, expires_at)
                VALUES (\(hash), \(purpose), \(user.id), \(user.email), \(expiresAt))
                """)
            try await Outbox.enqueue([mail], on: connection)
        }
    }

    /// Uses a live token of `purpose` once and runs `body` with its user id and e-mail in the
    /// same transaction; nil when the token is unknown, used or expired.
    func consumeAccountToken<T: Sendable>(
        hash: Data, purpose: String, body: (String, String, PostgresConnection) async throws -> T
    ) async throws -> T? {
        try await pool.transaction { connection in
            let rows = try await connection.query("""
                UPDATE account_tokens SET used_at = now()
                WHERE token_hash = \(hash) AND purpose = \(purpose) AND used_at IS NULL AND expires_at > now()
                RETURNING user_id, email
                """)
            guard let row = rows.first else { return nil }
            return try await body(try row.decode(column: "user_id"), try row.decode(column: "email"), connection)
        }
    }

    // MARK: Federation

    /// Remembers a browser's trip to an upstream provider.
    func insertFederationState(hash: Data, provider: String, nonce: String, codeVerifier: String, returnTo: String, expiresAt: Date) async throws {
        try await pool.execute("""
            INSERT INTO federation_states (state_hash, provider, nonce, code_verifier, return_to, expires_at)
            VALUES (\(hash), \(provider), \(nonce), \(codeVerifier), \(returnTo), \(expiresAt))
            """)
    }

    /// Takes (deletes) the live state of `provider` with this hash: (nonce, verifier, return_to).
    func takeFederationState(hash: Data, provider: String) async throws -> (nonce: String, codeVerifier: String, returnTo: String)? {
        let rows = try await pool.query("""
            DELETE FROM federation_states WHERE state_hash = \(hash) AND provider = \(provider) AND expires_at > now()
            RETURNING nonce, code_verifier, return_to
            """)
        guard let row = rows.first else { return nil }
        return (try row.decode(column: "nonce"), try row.decode(column: "code_verifier"), try row.decode(column: "return_to"))
    }

    /// The user linked to an upstream identity.
    func linkedUser(provider: String, subject: String) async throws -> User? {
        try await pool.query("""
            SELECT u.id, u.email, u.display_name, u.created_at, u.email_verified
            FROM federated_identities f JOIN users u ON u.id = f.user_id
            WHERE f.provider = \(provider) AND f.subject = \(subject)
            """).first.map(Self.user)
    }

    /// Links an upstream identity to a user (and marks the e-mail verified: the provider did).
    func linkIdentity(provider: String, subject: String, email: String, userID: String, on connection: PostgresConnection? = nil) async throws {
        let query: PostgresQuery = """
            INSERT INTO federated_identities (provider, subject, user_id, email) VALUES (\(provider), \(subject), \(userID), \(email))
            ON CONFLICT (provider, subject) DO NOTHING
            """
        if let connection { try await connection.execute(query) } else { try await pool.execute(query) }
    }
}
