import Foundation
import ServiceKit

/// The token endpoint (RFC 6749 §3.2), revocation (RFC 7009) and introspection (RFC 7662).
extension OIDCProvider {
    func token(_ exchange: HTTPExchange, origin: RequestOrigin) async throws -> HTTPReply {
        let basic = exchange.basicCredentials
        do {
            if let name = exchange.repeatedParameters.first { throw OAuthError.invalidRequest("The parameter \(name) is repeated.") }
            let client = try await authenticateClient(exchange)
            guard let grantName = exchange.form["grant_type"], !grantName.isEmpty else { throw OAuthError.invalidRequest("grant_type is required.") }
            guard let grant = OAuthClient.GrantType(rawValue: grantName) else {
                throw OAuthError("unsupported_grant_type", "The grant type is not supported.")
            }
            guard client.grantTypes.contains(grant) else { throw OAuthError.unauthorizedClient("This client may not use the \(grantName) grant.") }
            let tokens: TokenSet
            switch grant {
            case .authorizationCode: tokens = try await redeemCode(exchange, client: client, origin: origin)
            case .refreshToken:
                guard let refresh = exchange.form["refresh_token"], refresh.utf8.count < 200 else { throw OAuthError.invalidRequest("refresh_token is required.") }
                tokens = try await sessions.refresh(refresh, client: client, origin: origin)
            case .clientCredentials: tokens = try await issueServiceToken(client, origin: origin)
            case .deviceCode: tokens = try await redeemDeviceCode(exchange, client: client, origin: origin)
            }
            var body: [String: Any] = ["access_token": tokens.accessToken, "token_type": "Bearer", "expires_in": tokens.expiresIn]
            if let refresh = tokens.refreshToken { body["refresh_token"] = refresh }
            if let id = tokens.idToken { body["id_token"] = id }
            if !tokens.scope.isEmpty { body["scope"] = tokens.scope }
            return .json(body)
        } catch let error as OAuthError {
            return .oauthError(error, basicAuthUsed: basic != nil)
        }
    }

    /// Client authentication: HTTP Basic or `client_id`/`client_secret` in the body (never
    /// both), or a bare `client_id` for a public client.
    func authenticateClient(_ exchange: HTTPExchange) async throws -> OAuthClient {
        let basic = exchange.basicCredentials
        let formID = exchange.form["client_id"]
        let formSecret = exchange.form["client_secret"]
        if basic != nil, formSecret != nil { throw OAuthError.invalidRequest("Use one client authentication method, not two.") }
        if let basic, let formID, formID != basic.id { throw OAuthError.invalidRequest("client_id does not match the credentials.") }
        return try await clients.authenticate(clientID: basic?.id ?? formID ?? "", secret: basic?.secret ?? formSecret)
    }

    private func redeemCode(_ exchange: HTTPExchange, client: OAuthClient, origin: RequestOrigin) async throws -> TokenSet {
        guard let code = exchange.form["code"], code.utf8.count < 200 else { throw OAuthError.invalidRequest("code is required.") }
        guard let redirectURI = exchange.form["redirect_uri"] else { throw OAuthError.invalidRequest("redirect_uri is required.") }
        let verifier = exchange.form["code_verifier"]
        let invalid = OAuthError.invalidGrant("The authorization code is invalid, expired or already used.")
        let familyID = PrefixedID.make("rtf")
        let outcome = try await store.redeemAuthorizationCode(hash: OpaqueToken.hash(code), familyID: familyID) { grant, connection in
            guard grant.clientID == client.id else { throw invalid }
            guard grant.redirectURI == redirectURI else { throw OAuthError.invalidGrant("redirect_uri does not match the authorization request.") }
            if let challenge = grant.codeChallenge {
                guard let verifier, Self.verifierMatches(verifier, challenge: challenge) else {
                    throw OAuthError.invalidGrant("The PKCE code_verifier does not match the code_challenge.")
                }
            } else if verifier != nil {
                throw OAuthError.invalidGrant("A code_verifier was sent but the authorization request had no code_challenge.")
            }
            guard let user = try await store.user(id: grant.userID), let authTime = try await store.sessionCreatedAt(id: grant.sessionID) else { throw invalid }
            return try await sessions.issue(
                user: user, sessionID: grant.sessionID, authTime: authTime, client: client, scope: grant.scope, nonce: grant.nonce,
                familyID: familyID, on: connection
            )
        }
        switch outcome {
        case .invalid: throw invalid
        case .reused(let clientID, let userID):
            await sessions.audit.record(AuditEvent(action: "auth.code.reuse_detected", outcome: .failure, actorID: userID, subject: clientID), origin)
            throw invalid
        case .redeemed(let grant, let tokens):
            await sessions.audit.record(AuditEvent(action: "auth.token.issue", outcome: .success, actorID: grant.userID, subject: client.id, details: ["grant_type": "authorization_code", "session_id": grant.sessionID]), origin)
            return tokens
        }
    }

    /// The client-credentials grant: a service token whose subject is the client.
    func issueServiceToken(_ client: OAuthClient, origin: RequestOrigin) async throws -> TokenSet {
        guard client.kind == .confidential, client.grantTypes.contains(.clientCredentials) else {
            throw OAuthError.unauthorizedClient("This client may not use the client_credentials grant.")
        }
        let (token, _) = try await sessions.issuer.accessToken(subject: client.id, sessionID: nil, kind: "service", clientID: client.id)
        await sessions.audit.record(AuditEvent(action: "auth.token.issue", outcome: .success, actorID: client.id, initiatedBy: .service, subject: client.id, details: ["grant_type": "client_credentials"]), origin)
        return TokenSet(accessToken: token, expiresIn: Int(sessions.issuer.accessTokenLifetime.components.seconds), scope: "")
    }

    /// RFC 7009. Refresh tokens revoke their family; access tokens are JWTs that expire on
    /// their own (revoke the session to end them early), so they are `unsupported_token_type`.
    func revoke(_ exchange: HTTPExchange, origin: RequestOrigin) async throws -> HTTPReply {
        do {
            let client = try await authenticateClient(exchange)
            guard let token = exchange.form["token"], !token.isEmpty else { throw OAuthError.invalidRequest("token is required.") }
            if token.hasPrefix(OpaqueToken.refreshPrefix + "_") {
                if token.utf8.count < 200, let grant = try await store.revokeRefreshFamily(tokenHash: OpaqueToken.hash(token), clientID: client.id) {
                    await sessions.audit.record(AuditEvent(action: "auth.refresh_token.revoke", outcome: .success, actorID: grant.userID, subject: grant.familyID, details: ["client_id": client.id]), origin)
                }
                return HTTPReply(status: 200, headers: HTTPReply.securityHeaders, body: [])
            }
            if token.split(separator: ".").count == 3 {
                throw OAuthError("unsupported_token_type", "Access tokens expire on their own; revoke the refresh token or the session.")
            }
            // RFC 7009 §2.2: an invalid token is not an error.
            return HTTPReply(status: 200, headers: HTTPReply.securityHeaders, body: [])
        } catch let error as OAuthError {
            return .oauthError(error, basicAuthUsed: exchange.basicCredentials != nil)
        }
    }

    /// RFC 7662, for confidential clients (resource servers).
    func introspect(_ exchange: HTTPExchange) async throws -> HTTPReply {
        do {
            let client = try await authenticateClient(exchange)
            guard client.kind == .confidential else { throw OAuthError.invalidClient("Introspection needs a confidential client.") }
            guard let token = exchange.form["token"], !token.isEmpty, token.utf8.count < 16_384 else { throw OAuthError.invalidRequest("token is required.") }
            let inactive = HTTPReply.json(["active": false])
            if token.hasPrefix(OpaqueToken.refreshPrefix + "_") {
                guard let (grant, expiresAt) = try await store.liveRefreshGrant(tokenHash: OpaqueToken.hash(token)) else { return inactive }
                return .json([
                    "active": true, "token_type": "refresh_token", "client_id": grant.clientID, "sub": grant.userID,
                    "scope": grant.scope, "sid": grant.sessionID, "exp": Int(expiresAt.timeIntervalSince1970), "iss": issuer,
                ])
            }
            guard let claims = try? await verifier.verify(token) else { return inactive }
            if claims.kind == "user" {
                guard let sid = claims.sid, try await store.userOfActiveSession(id: sid, userID: claims.sub.value) != nil else { return inactive }
            }
            var body: [String: Any] = [
                "active": true, "token_type": "access_token", "sub": claims.sub.value, "iss": claims.iss.value,
                "aud": claims.aud.value, "exp": Int(claims.exp.value.timeIntervalSince1970), "iat": Int(claims.iat.value.timeIntervalSince1970),
                "jti": claims.jti.value, "kind": claims.kind,
            ]
            if let scope = claims.scope { body["scope"] = scope }
            if let clientID = claims.clientID { body["client_id"] = clientID }
            if let sid = claims.sid { body["sid"] = sid }
            return .json(body)
        } catch let error as OAuthError {
            return .oauthError(error, basicAuthUsed: exchange.basicCredentials != nil)
        }
    }
}
