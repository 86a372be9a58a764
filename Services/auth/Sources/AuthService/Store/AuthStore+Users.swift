import Foundation
import ServiceStore
import Store

extension AuthStore {
    static let userColumns = "id, email, display_name, created_at, email_verified"

    /// Inserts a user with what announces it (outbox rows), in one transaction. Throws
    /// `DatabaseError.uniqueViolation` when the e-mail is taken.
    func createUser(_ user: User, passwordHash: String?, announcements: [OutboxItem], on connection: PostgresConnection? = nil) async throws {
        let insert: @Sendable (PostgresConnection) async throws -> Void = { connection in
            try await connection.execute("""
                INSERT INTO users (id, email, display_name, password_hash, created_at, email_verified)
                VALUES (\(user.id), \(user.email), \(user.displayName), \(passwordHash), \(user.createdAt), \(user.emailVerified))
                """)
            try await Outbox.enqueue(announcements, on: connection)
        }
        if let connection { try await insert(connection) } else { try await pool.transaction { try await insert($0) } }
    }

    /// The user with this (normalized) e-mail and their password hash (nil: no local password).
    func userWithPasswordHash(email: String) async throws -> (User, String?)? {
        let rows = try await pool.query(
            "SELECT \(unescaped: Self.userColumns), password_hash FROM users WHERE email = \(email)", prepared: true)
        guard let row = rows.first else { return nil }
        return (try Self.user(row), try row.decode(String?.self, column: "password_hash"))
    }

    /// The user with this id and their password hash.
    func userWithPasswordHash(id: String) async throws -> (User, String?)? {
        let rows = try await pool.query(
            "SELECT \(unescaped: Self.userColumns), password_hash FROM users WHERE id = \(id)", prepared: true)
        guard let row = rows.first else { return nil }
        return (try Self.user(row), try row.decode(String?.self, column: "password_hash"))
    }

    /// The user with this id.
    func user(id: String) async throws -> User? {
        try await pool.query("SELECT \(unescaped: Self.userColumns) FROM users WHERE id = \(id)", prepared: true).first.map(Self.user)
    }

    /// The user with this (normalized) e-mail.
    func user(email: String) async throws -> User? {
        try await pool.query("SELECT \(unescaped: Self.userColumns) FROM users WHERE email = \(email)").first.map(Self.user)
    }

    /// Sets a user's password hash and revokes their sessions except `keepingSession`.
    /// Returns how many sessions it revoked.
    func setPassword(userID: String, hash: String, keepingSession: String?, on connection: PostgresConnection) async throws -> Int {
        try await connection.execute("""
            UPDATE users SET password_hash = \(hash), password_changed_at = now(), updated_at = now() WHERE id = \(userID)
            """)
        return try await connection.execute("""
            UPDATE sessions SET revoked_at = now(), revoked_reason = 'password_changed'
            WHERE user_id = \(userID) AND revoked_at IS NULL AND id IS DISTINCT FROM \(keepingSession)
            """)
    }

    /// Before an upstream provider's proof of the address is linked to an account whose e-mail
    /// was never verified: drops its password and ends its sessions, because whoever chose
    /// them never showed they own the address (account pre-hijacking). Returns false, changing
    /// nothing, when the address is already verified.
    func dropUnprovenCredentials(userID: String, on connection: PostgresConnection) async throws -> Bool {
        let cleared = try await connection.execute("""
            UPDATE users SET password_hash = NULL, password_changed_at = now(), updated_at = now()
            WHERE id = \(userID) AND NOT email_verified
            """)
        guard cleared == 1 else { return false }
        try await connection.execute("""
            UPDATE sessions SET revoked_at = now(), revoked_reason = 'unverified_account_linked'
            WHERE user_id = \(userID) AND revoked_at IS NULL
            """)
        return true
    }

    /// Marks the user's e-mail as verified if it is still `email`; returns the user.
    func markEmailVerified(userID: String, email: String, on connection: PostgresConnection) async throws -> User? {
        try await connection.query("""
            UPDATE users SET email_verified = true, updated_at = now() WHERE id = \(userID) AND email = \(email)
            RETURNING \(unescaped: Self.userColumns)
            """).first.map(Self.user)
    }
}
