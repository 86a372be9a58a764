import Foundation
import Logging
import ServiceKit
import Store

/// Sessions and the tokens that hang off them: starting a session (with the per-user limit),
/// issuing access, ID and refresh tokens for a client, rotating refresh tokens with reuse
/// detection, and revoking.
struct SessionService: Sendable {
    /// The built-in client of the platform's own web UI and CLI (REST login and refresh).
    static let platformClientID = "hexabase"

    let store: AuthStore
    let issuer: TokenIssuer
    let audit: AuditTrail
    let groups: any GroupDirectory
    /// Absolute lifetime of a session.
    let sessionLifetime: Duration
    /// A refresh token unused for this long expires (never past its session's end).
    let refreshTokenLifetime: Duration
    /// Most active sessions per user; a new sign-in beyond it revokes the least recently used.
    let sessionLimit: Int

    /// Starts a session for `user`; returns it with its browser cookie value when `browser`.
    func start(user: User, method: Session.Method, origin: RequestOrigin, browser: Bool) async throws -> (Session, browserToken: String?) {
        let now = AuthClock.now()
        let session = Session(
            id: PrefixedID.make("ses"), userID: user.id, method: method, createdAt: now, lastUsedAt: now,
            expiresAt: now.addingTimeInterval(sessionLifetime.timeInterval),
            sourceAddress: origin.sourceAddress, userAgent: origin.userAgent
        )
        let browserToken = browser ? OpaqueToken.generate(prefix: OpaqueToken.browserPrefix) : nil
        let evicted = try await store.insertSession(session, browserTokenHash: browserToken.map(OpaqueToken.hash), limit: sessionLimit)
        for id in evicted {
            await audit.record(AuditEvent(action: "auth.session.revoke", outcome: .success, actorID: user.id, subject: id, details: ["reason": "session_limit"]), origin)
        }
        return (session, browserToken)
    }

    /// Access token (and ID token for `openid`, refresh token when the client may refresh) for
    /// `user` in `sessionID`, issued to `client`. With `connection`, the refresh token is
    /// stored in that transaction.
    func issue(
        user: User, sessionID: String, authTime: Date, client: OAuthClient, scope: String, nonce: String?,
        familyID: String = PrefixedID.make("rtf"), on connection: PostgresConnection? = nil
    ) async throws -> TokenSet {
        let (access, _) = try await issuer.accessToken(subject: user.id, sessionID: sessionID, clientID: client.id, scope: scope)
        var tokens = TokenSet(accessToken: access, expiresIn: Int(issuer.accessTokenLifetime.components.seconds), scope: scope)
        if Scopes.contains(scope, "openid") {
            tokens.idToken = try await idToken(user: user, sessionID: sessionID, authTime: authTime, client: client, nonce: nonce, accessToken: access)
        }
        if client.grantTypes.contains(.refreshToken) {
            let refresh = OpaqueToken.generate(prefix: OpaqueToken.refreshPrefix)
            try await store.insertRefreshFamily(
                RefreshGrant(familyID: familyID, sessionID: sessionID, userID: user.id, clientID: client.id, scope: scope, nonce: nonce),
                tokenHash: OpaqueToken.hash(refresh), expiresAt: AuthClock.now().addingTimeInterval(refreshTokenLifetime.timeInterval),
                on: connection
            )
            tokens.refreshToken = refresh
        }
        return tokens
    }

    /// An ID token; a workspace client's carries the user's groups there.
    func idToken(user: User, sessionID: String, authTime: Date, client: OAuthClient, nonce: String?, accessToken: String?) async throws -> String {
        var userGroups: [String]?
        if let workspaceID = client.workspaceID {
            userGroups = try await groups.groups(workspaceID: workspaceID, userID: user.id)
        }
        return try await issuer.idToken(
            user: user, clientID: client.id, sessionID: sessionID, authTime: authTime, nonce: nonce,
            groups: userGroups, accessToken: accessToken
        )
    }

    /// Exchanges a refresh token of `client` for new tokens (the presented one stops working).
    /// The new tokens are made before the presented one is spent: when signing or the groups
    /// lookup fails, the client may retry with the same refresh token instead of tripping the
    /// reuse detection.
    func refresh(_ presented: String, client: OAuthClient, origin: RequestOrigin) async throws -> TokenSet {
        let presentedHash = OpaqueToken.hash(presented)
        var prepared: (grant: RefreshGrant, tokens: TokenSet)?
        if let (grant, _) = try await store.liveRefreshGrant(tokenHash: presentedHash), grant.clientID == client.id,
           let user = try await store.user(id: grant.userID) {
            let (access, _) = try await issuer.accessToken(subject: user.id, sessionID: grant.sessionID, clientID: client.id, scope: grant.scope)
            var tokens = TokenSet(accessToken: access, expiresIn: Int(issuer.accessTokenLifetime.components.seconds), scope: grant.scope)
            if Scopes.contains(grant.scope, "openid") {
                // OIDC Core §12.2: a refreshed ID token keeps the original auth_time; nonce is omitted.
                tokens.idToken = try await idToken(user: user, sessionID: grant.sessionID, authTime: try await authTime(of: grant.sessionID), client: client, nonce: nil, accessToken: access)
            }
            prepared = (grant, tokens)
        }
        let successor = OpaqueToken.generate(prefix: OpaqueToken.refreshPrefix)
        let outcome = try await store.rotateRefreshToken(
            presented: presentedHash, clientID: client.id, successor: OpaqueToken.hash(successor),
            successorExpiry: AuthClock.now().addingTimeInterval(refreshTokenLifetime.timeInterval)
        )
        switch outcome {
        case .invalid:
            throw OAuthError.invalidGrant("The refresh token is invalid, expired or revoked.")
        case .reuseDetected(let grant):
            await audit.record(AuditEvent(
                action: "auth.refresh_token.reuse_detected", outcome: .failure, actorID: grant.userID, subject: grant.familyID,
                details: ["client_id": client.id, "session_id": grant.sessionID]
            ), origin)
            origin.logger.warning("refresh token reuse detected; family revoked", metadata: ["family_id": "\(grant.familyID)", "user_id": "\(grant.userID)"])
            throw OAuthError.invalidGrant("The refresh token is invalid, expired or revoked.")
        case .rotated(let grant):
            // (Rotated without a prepared grant only if the token came alive in between: never.)
            guard var tokens = prepared?.tokens, prepared?.grant.familyID == grant.familyID else {
                throw OAuthError.invalidGrant("The refresh token is invalid, expired or revoked.")
            }
            tokens.refreshToken = successor
            await audit.record(AuditEvent(action: "auth.token.issue", outcome: .success, actorID: grant.userID, subject: client.id, details: ["grant_type": "refresh_token", "session_id": grant.sessionID]), origin)
            return tokens
        }
    }

    private func authTime(of sessionID: String) async throws -> Date {
        try await store.sessionCreatedAt(id: sessionID) ?? AuthClock.now()
    }
}

/// The service's clock, in what Postgres keeps (microseconds), so what we return equals what
/// we stored.
enum AuthClock {
    static func now() -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1_000_000).rounded() / 1_000_000)
    }
}
