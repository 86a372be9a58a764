import Foundation
import Store

/// A refresh-token family: the grant of one client within one session.
struct RefreshGrant: Sendable, Equatable {
    var familyID: String
    var sessionID: String
    var userID: String
    var clientID: String
    var scope: String
    var nonce: String?
}

/// What presenting a refresh token led to.
enum RefreshOutcome: Sendable, Equatable {
    /// The token was live: it is now used, and its successor is stored.
    case rotated(RefreshGrant)
    /// The token had been used before: its whole family is now revoked.
    case reuseDetected(RefreshGrant)
    /// Unknown, expired, revoked, or another client's token.
    case invalid
}

extension AuthStore {
    /// Starts a family with its first token.
    func insertRefreshFamily(_ grant: RefreshGrant, tokenHash: Data, expiresAt: Date, on connection: PostgresConnection? = nil) async throws {
        let family: PostgresQuery = """
            INSERT INTO refresh_token_families (id, session_id, client_id, scope, nonce)
            VALUES (\(grant.familyID), \(grant.sessionID), \(grant.clientID), \(grant.scope), \(grant.nonce))
            """
        let token: PostgresQuery = """
            INSERT INTO refresh_tokens (token_hash, family_id, expires_at) VALUES (\(tokenHash), \(grant.familyID), \(expiresAt))
            """
        if let connection {
            try await connection.execute(family)
            try await connection.execute(token)
        } else {
            try await pool.transaction { connection in
                try await connection.execute(family)
                try await connection.execute(token)
            }
        }
    }

    /// Uses the token with hash `presented` (for `clientID`) and stores `successor` in its
    /// place, expiring at `successorExpiry` or the session's end, whichever is first. A token
    /// used before revokes its family, and that revocation commits.
    func rotateRefreshToken(presented: Data, clientID: String, successor: Data, successorExpiry: Date) async throws -> RefreshOutcome {
        try await pool.transaction { connection in
            let rows = try await connection.query("""
                SELECT t.family_id, t.used_at, t.expires_at > now() AS live,
                       f.session_id, f.client_id, f.scope, f.nonce, f.revoked_at IS NULL AS family_live,
                       s.user_id, (s.revoked_at IS NULL AND s.expires_at > now()) AS session_live, s.expires_at AS session_expires_at
                FROM refresh_tokens t
                JOIN refresh_token_families f ON f.id = t.family_id
                JOIN sessions s ON s.id = f.session_id
                WHERE t.token_hash = \(presented)
                FOR UPDATE OF t, f
                """)
            guard let row = rows.first else { return .invalid }
            let grant = try Self.refreshGrant(row)
            guard grant.clientID == clientID else { return .invalid }
            guard try row.decode(Bool.self, column: "family_live"), try row.decode(Bool.self, column: "session_live") else { return .invalid }
            if try row.decode(Date?.self, column: "used_at") != nil {
                try await connection.execute("""
                    UPDATE refresh_token_families SET revoked_at = now(), revoked_reason = 'reuse_detected'
                    WHERE id = \(grant.familyID)
                    """)
                return .reuseDetected(grant)
            }
            guard try row.decode(Bool.self, column: "live") else { return .invalid }
            let expiry = min(successorExpiry, try row.decode(Date.self, column: "session_expires_at"))
            try await connection.execute("UPDATE refresh_tokens SET used_at = now() WHERE token_hash = \(presented)")
            try await connection.execute("""
                INSERT INTO refresh_tokens (token_hash, family_id, expires_at) VALUES (\(successor), \(grant.familyID), \(expiry))
                """)
            try await connection.execute("UPDATE sessions SET last_used_at = now() WHERE id = \(grant.sessionID)")
            return .rotated(grant)
        }
    }

    /// RFC 7009: revokes the family of a refresh token presented by `clientID`. Returns the
    /// family's grant, or nil when the token is unknown or another client's.
    func revokeRefreshFamily(tokenHash: Data, clientID: String) async throws -> RefreshGrant? {
        let rows = try await pool.query("""
            UPDATE refresh_token_families f SET revoked_at = coalesce(f.revoked_at, now()), revoked_reason = coalesce(f.revoked_reason, 'revoked')
            FROM refresh_tokens t, sessions s
            WHERE t.token_hash = \(tokenHash) AND f.id = t.family_id AND s.id = f.session_id AND f.client_id = \(clientID)
            RETURNING f.id AS family_id, f.session_id, s.user_id, f.client_id, f.scope, f.nonce
            """)
        return try rows.first.map(Self.refreshGrant)
    }

    /// RFC 7662: whether a refresh token is live, and its grant.
    func liveRefreshGrant(tokenHash: Data) async throws -> (RefreshGrant, expiresAt: Date)? {
        let rows = try await pool.query("""
            SELECT f.id AS family_id, f.session_id, s.user_id, f.client_id, f.scope, f.nonce, t.expires_at
            FROM refresh_tokens t JOIN refresh_token_families f ON f.id = t.family_id JOIN sessions s ON s.id = f.session_id
            WHERE t.token_hash = \(tokenHash) AND t.used_at IS NULL AND t.expires_at > now()
              AND f.revoked_at IS NULL AND s.revoked_at IS NULL AND s.expires_at > now()
            """)
        return try rows.first.map { (try Self.refreshGrant($0), try $0.decode(Date.self, column: "expires_at")) }
    }

    private static func refreshGrant(_ row: PostgresRow) throws -> RefreshGrant {
        RefreshGrant(
            familyID: try row.decode(column: "family_id"), sessionID: try row.decode(column: "session_id"),
            userID: try row.decode(column: "user_id"), clientID: try row.decode(column: "client_id"),
            scope: try row.decode(column: "scope"), nonce: try row.decode(String?.self, column: "nonce")
        )
    }
}
