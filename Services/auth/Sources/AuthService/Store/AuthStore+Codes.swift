import Foundation
import Store

/// An authorization code's grant, as stored.
struct AuthorizationCodeGrant: Sendable, Equatable {
    var clientID: String
    var sessionID: String
    var userID: String
    var redirectURI: String
    var scope: String
    var nonce: String?
    var codeChallenge: String?
}

/// What redeeming an authorization code led to.
enum CodeRedemption<Issued: Sendable>: Sendable {
    case redeemed(AuthorizationCodeGrant, Issued)
    /// Used before: the refresh-token family it created (if any) is now revoked.
    case reused(clientID: String, userID: String)
    case invalid
}

extension AuthStore {
    func insertAuthorizationCode(hash: Data, grant: AuthorizationCodeGrant, expiresAt: Date) async throws {
        try await pool.execute("""
            INSERT INTO authorization_codes (code_hash, client_id, session_id, redirect_uri, scope, nonce, code_challenge, expires_at)
            VALUES (\(hash), \(grant.clientID), \(grant.sessionID), \(grant.redirectURI), \(grant.scope), \(grant.nonce),
                    \(grant.codeChallenge), \(expiresAt))
            """)
    }

    /// Marks a code used and returns its grant, inside `body`'s transaction so that the tokens
    /// `body` issues (its refresh-token family id is recorded on the code) commit with the use.
    func redeemAuthorizationCode<Issued: Sendable>(
        hash: Data, familyID: String,
        body: (AuthorizationCodeGrant, PostgresConnection) async throws -> Issued
    ) async throws -> CodeRedemption<Issued> {
        try await pool.transaction { connection in
            let rows = try await connection.query("""
                SELECT c.client_id, c.session_id, s.user_id, c.redirect_uri, c.scope, c.nonce, c.code_challenge, c.used_at, c.family_id,
                       c.expires_at > now() AS live, (s.revoked_at IS NULL AND s.expires_at > now()) AS session_live
                FROM authorization_codes c JOIN sessions s ON s.id = c.session_id
                WHERE c.code_hash = \(hash) FOR UPDATE OF c
                """)
            guard let row = rows.first else { return .invalid }
            let grant = AuthorizationCodeGrant(
                clientID: try row.decode(column: "client_id"), sessionID: try row.decode(column: "session_id"),
                userID: try row.decode(column: "user_id"), redirectURI: try row.decode(column: "redirect_uri"),
                scope: try row.decode(column: "scope"), nonce: try row.decode(String?.self, column: "nonce"),
                codeChallenge: try row.decode(String?.self, column: "code_challenge")
            )
            if try row.decode(Date?.self, column: "used_at") != nil {
                if let family = try row.decode(String?.self, column: "family_id") {
                    try await connection.execute("""
                        UPDATE refresh_token_families SET revoked_at = now(), revoked_reason = 'code_reused' WHERE id = \(family)
                        """)
                }
                return .reused(clientID: grant.clientID, userID: grant.userID)
            }
            guard try row.decode(Bool.self, column: "live"), try row.decode(Bool.self, column: "session_live") else { return .invalid }
            try await connection.execute("UPDATE authorization_codes SET used_at = now(), family_id = \(familyID) WHERE code_hash = \(hash)")
            return .redeemed(grant, try await body(grant, connection))
        }
    }
}
