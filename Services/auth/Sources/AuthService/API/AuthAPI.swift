import AuthKit
import Contracts
import Foundation
import ServiceKit
import Store

/// The RPC handlers of the auth service: decode, validate, call the store, encode.
struct AuthAPI: Sendable {
    let store: AuthStore
    let hasher: PasswordHasher
    let issuer: TokenIssuer
    let decoyHash: String
    let sessionLifetime: Duration
    let jwksRetention: Duration

    var endpoints: [Endpoint] {
        [
            .unary("SignUp", Hexabase_Auth_V1_SignUpRequest.self, handler: signUp),
            .unary("Login", Hexabase_Auth_V1_LoginRequest.self, handler: login),
            .unary("GetJWKS", Hexabase_Auth_V1_GetJWKSRequest.self, handler: getJWKS),
            .unary("WhoAmI", Hexabase_Auth_V1_WhoAmIRequest.self, handler: whoAmI),
        ]
    }

    @Sendable func signUp(_ request: Hexabase_Auth_V1_SignUpRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_SignUpResponse {
        let email = try CredentialRules.normalizedEmail(request.email)
        try CredentialRules.checkPassword(request.password, email: email)
        let displayName = try CredentialRules.displayName(request.displayName)
        let user = User(id: PrefixedID.make("usr"), email: email, displayName: displayName, createdAt: Self.now())
        let hash = try await hasher.hash(request.password)
        do {
            try await store.insertUser(user, passwordHash: hash)
        } catch let error as DatabaseError where error.code == .uniqueViolation {
            await audit(AuditEvent(action: "auth.signup", outcome: .failure, subject: email, details: ["reason": "email_taken"]), context)
            throw ServiceError.invalidField("email", "an account with this e-mail address already exists", code: .conflict)
        }
        await audit(AuditEvent(action: "auth.signup", outcome: .success, actorID: user.id, subject: email), context)
        context.logger.info("user signed up", metadata: ["user_id": "\(user.id)"])
        var response = Hexabase_Auth_V1_SignUpResponse()
        response.user = user.message
        return response
    }

    @Sendable func login(_ request: Hexabase_Auth_V1_LoginRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_LoginResponse {
        let refused = ServiceError(.unauthenticated, "Invalid e-mail or password.")
        guard let email = try? CredentialRules.normalizedEmail(request.email), !request.password.isEmpty,
              request.password.count <= CredentialRules.maximumPasswordLength
        else { throw refused }
        let found = try await store.userWithPasswordHash(email: email)
        // An unknown e-mail costs the same hash verification as a wrong password.
        let matches = await hasher.verify(request.password, against: found?.1 ?? decoyHash)
        guard let (user, _) = found, matches else {
            await audit(AuditEvent(action: "auth.login", outcome: .failure, actorID: found?.0.id, subject: email, details: ["reason": "bad_credentials"]), context)
            throw refused
        }
        let sessionID = PrefixedID.make("ses")
        let now = Self.now()
        try await store.insertSession(
            id: sessionID, userID: user.id, expiresAt: now.addingTimeInterval(TimeInterval(sessionLifetime.components.seconds)),
            sourceAddress: context.headers[RPCHeader.clientAddress], userAgent: context.headers[RPCHeader.userAgent].map { String($0.prefix(512)) }
        )
        let (token, _) = try await issuer.accessToken(subject: user.id, sessionID: sessionID, now: now)
        await audit(AuditEvent(action: "auth.login", outcome: .success, actorID: user.id, subject: email, details: ["session_id": sessionID]), context)
        var response = Hexabase_Auth_V1_LoginResponse()
        response.accessToken = token
        response.tokenType = "Bearer"
        response.expiresIn = Int32(issuer.accessTokenLifetime.components.seconds)
        response.user = user.message
        return response
    }

    @Sendable func getJWKS(_ request: Hexabase_Auth_V1_GetJWKSRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_GetJWKSResponse {
        var response = Hexabase_Auth_V1_GetJWKSResponse()
        response.jwksJson = SigningKey.jwks(try await store.publishedKeys(retention: jwksRetention))
        return response
    }

    @Sendable func whoAmI(_ request: Hexabase_Auth_V1_WhoAmIRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_WhoAmIResponse {
        let identity = try await context.identity()
        guard identity.kind == .user, let sessionID = identity.sessionID,
              let user = try await store.userOfActiveSession(id: sessionID, userID: identity.subject)
        else {
            throw ServiceError(.unauthenticated, "The access token is invalid or expired.")
        }
        var response = Hexabase_Auth_V1_WhoAmIResponse()
        response.user = user.message
        response.sessionID = sessionID
        response.tokenExpireTime = .init(date: identity.expiresAt)
        return response
    }

    /// Audit failures are logged, never turned into a failed request.
    private func audit(_ event: AuditEvent, _ context: RequestContext) async {
        var event = event
        event.requestID = context.requestID
        event.sourceAddress = event.sourceAddress ?? context.headers[RPCHeader.clientAddress]
        do {
            try await store.recordAudit(event)
        } catch {
            context.logger.error("could not record an audit event", metadata: ["action": "\(event.action)", "error": "\(error)"])
        }
    }

    /// Postgres keeps microseconds; rounding here makes what we return equal what we stored.
    static func now() -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1_000_000).rounded() / 1_000_000)
    }
}
