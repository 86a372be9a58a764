import Foundation
import Store

extension AuthStore {
    /// Inserts a session for `userID` and, when the user would then have more than `limit`
    /// active sessions, revokes the least recently used ones (reason `session_limit`).
    /// Returns the ids of the sessions it revoked. The user's row is locked for the duration,
    /// so concurrent sign-ins of one user cannot both slip under the limit.
    func insertSession(_ session: Session, browserTokenHash: Data?, limit: Int) async throws -> [String] {
        try await pool.transaction { connection in
            let locked = try await connection.query("SELECT id FROM users WHERE id = \(session.userID) FOR UPDATE")
            guard !locked.isEmpty else { throw DatabaseError(code: .foreignKeyViolation, message: "no such user") }
            let evicted = try await connection.query("""
                UPDATE sessions SET revoked_at = now(), revoked_reason = 'session_limit'
                WHERE id IN (
                    SELECT id FROM sessions
                    WHERE user_id = \(session.userID) AND revoked_at IS NULL AND expires_at > now()
                    ORDER BY last_used_at DESC, created_at DESC
                    OFFSET \(max(limit - 1, 0))
                )
                RETURNING id
                """).map { try $0.decode(String.self, column: "id") }
            try await connection.execute("""
                INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, source_address, user_agent, auth_method, browser_token_hash)
                VALUES (\(session.id), \(session.userID), \(session.createdAt), \(session.lastUsedAt), \(session.expiresAt),
                        \(session.sourceAddress), \(session.userAgent), \(session.method.rawValue), \(browserTokenHash))
                """)
            return evicted
        }
    }

    /// The user of a session that exists, belongs to `userID`, is not revoked and has not
    /// expired; nil otherwise. One round trip: this runs on every authenticated WhoAmI.
    func userOfActiveSession(id: String, userID: String) async throws -> User? {
        let rows = try await pool.query("""
            SELECT u.id, u.email, u.display_name, u.created_at, u.email_verified
            FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.id = \(id) AND s.user_id = \(userID) AND s.revoked_at IS NULL AND s.expires_at > now()
            """, prepared: true)
        return try rows.first.map(Self.user)
    }

    /// The active session behind a browser cookie, and its user.
    func activeBrowserSession(tokenHash: Data) async throws -> (Session, User)? {
        let rows = try await pool.query("""
            SELECT s.id AS session_id, s.user_id, s.auth_method, s.created_at AS session_created_at, s.last_used_at,
                   s.expires_at, s.source_address, s.user_agent, u.id, u.email, u.display_name, u.created_at, u.email_verified
            FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.browser_token_hash = \(tokenHash) AND s.revoked_at IS NULL AND s.expires_at > now()
            """, prepared: true)
        guard let row = rows.first else { return nil }
        return (try Self.session(row), try Self.user(row))
    }

    /// The active sessions of a user, most recently used first.
    func activeSessions(userID: String) async throws -> [Session] {
        try await pool.query("""
            SELECT id AS session_id, user_id, auth_method, created_at AS session_created_at, last_used_at, expires_at,
                   source_address, user_agent
            FROM sessions WHERE user_id = \(userID) AND revoked_at IS NULL AND expires_at > now()
            ORDER BY last_used_at DESC, created_at DESC
            """).map(Self.session)
    }

    /// Revokes one session of `userID`; false when it does not exist or is already over.
    func revokeSession(id: String, userID: String, reason: String) async throws -> Bool {
        try await pool.execute("""
            UPDATE sessions SET revoked_at = now(), revoked_reason = \(reason)
            WHERE id = \(id) AND user_id = \(userID) AND revoked_at IS NULL
            """) == 1
    }

    /// Revokes every active session of `userID` except `keeping`; returns how many.
    func revokeSessions(userID: String, keeping: String?, reason: String) async throws -> Int {
        try await pool.execute("""
            UPDATE sessions SET revoked_at = now(), revoked_reason = \(reason)
            WHERE user_id = \(userID) AND revoked_at IS NULL AND id IS DISTINCT FROM \(keeping)
            """)
    }

    static func session(_ row: PostgresRow) throws -> Session {
        Session(
            id: try row.decode(column: "session_id"), userID: try row.decode(column: "user_id"),
            method: Session.Method(rawValue: try row.decode(column: "auth_method")) ?? .password,
            createdAt: try row.decode(column: "session_created_at"), lastUsedAt: try row.decode(column: "last_used_at"),
            expiresAt: try row.decode(column: "expires_at"), sourceAddress: try row.decode(String?.self, column: "source_address"),
            userAgent: try row.decode(String?.self, column: "user_agent")
        )
    }
}

extension AuthStore {
    /// When a session started (its `auth_time`).
    func sessionCreatedAt(id: String) async throws -> Date? {
        try await pool.query("SELECT created_at FROM sessions WHERE id = \(id)").first.map { try $0.decode(Date.self, column: "created_at") }
    }
}
