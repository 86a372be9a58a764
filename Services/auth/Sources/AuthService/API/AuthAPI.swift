import AuthKit
import Contracts
import Foundation
import ServiceKit
import Store

/// The RPC handlers of the auth service: decode, authorize, call the flows, encode.
struct AuthAPI: Sendable {
    let store: AuthStore
    let accounts: AccountService
    let sessions: SessionService
    let clients: ClientRegistry
    let keys: SigningKeyRing
    let provider: OIDCProvider
    /// The platform's own client (REST login and refresh), as configuration wrote it at start.
    let platformClient: OAuthClient

    var endpoints: [Endpoint] {
        [
            .unary("SignUp", Hexabase_Auth_V1_SignUpRequest.self, handler: signUp),
            .unary("Login", Hexabase_Auth_V1_LoginRequest.self, handler: login),
            .unary("RefreshToken", Hexabase_Auth_V1_RefreshTokenRequest.self, handler: refreshToken),
            .unary("GetJWKS", Hexabase_Auth_V1_GetJWKSRequest.self, handler: getJWKS),
            .unary("WhoAmI", Hexabase_Auth_V1_WhoAmIRequest.self, handler: whoAmI),
            .unary("Logout", Hexabase_Auth_V1_LogoutRequest.self, handler: logout),
            .unary("ListSessions", Hexabase_Auth_V1_ListSessionsRequest.self, handler: listSessions),
            .unary("RevokeSession", Hexabase_Auth_V1_RevokeSessionRequest.self, handler: revokeSession),
            .unary("RevokeAllSessions", Hexabase_Auth_V1_RevokeAllSessionsRequest.self, handler: revokeAllSessions),
            .unary("ChangePassword", Hexabase_Auth_V1_ChangePasswordRequest.self, handler: changePassword),
            .unary("RequestPasswordReset", Hexabase_Auth_V1_RequestPasswordResetRequest.self, handler: requestPasswordReset),
            .unary("ResetPassword", Hexabase_Auth_V1_ResetPasswordRequest.self, handler: resetPassword),
            .unary("VerifyEmail", Hexabase_Auth_V1_VerifyEmailRequest.self, handler: verifyEmail),
            .unary("ResendVerification", Hexabase_Auth_V1_ResendVerificationRequest.self, handler: resendVerification),
            .unary("RegisterClient", Hexabase_Auth_V1_RegisterClientRequest.self, handler: registerClient),
            .unary("DeleteClient", Hexabase_Auth_V1_DeleteClientRequest.self, handler: deleteClient),
            .unary("GetServiceToken", Hexabase_Auth_V1_GetServiceTokenRequest.self, handler: getServiceToken),
            .unary("ServeHTTP", Hexabase_Common_V1_HTTPRequest.self, handler: serveHTTP),
        ]
    }

    @Sendable func signUp(_ request: Hexabase_Auth_V1_SignUpRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_SignUpResponse {
        let user = try await accounts.signUp(email: request.email, password: request.password, displayName: request.displayName, origin: RequestOrigin(context))
        var response = Hexabase_Auth_V1_SignUpResponse()
        response.user = user.message
        return response
    }

    /// Password login for the platform's own client: access and refresh token, no ID token.
    @Sendable func login(_ request: Hexabase_Auth_V1_LoginRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_LoginResponse {
        let origin = RequestOrigin(context)
        let user = try await accounts.authenticate(email: request.email, password: request.password, origin: origin)
        let (session, _) = try await sessions.start(user: user, method: .password, origin: origin, browser: false)
        let tokens = try await sessions.issue(
            user: user, sessionID: session.id, authTime: session.createdAt, client: platformClient, scope: "", nonce: nil
        )
        await sessions.audit.record(AuditEvent(action: "auth.login", outcome: .success, actorID: user.id, subject: user.email, details: ["session_id": session.id]), origin)
        var response = Hexabase_Auth_V1_LoginResponse()
        response.accessToken = tokens.accessToken
        response.tokenType = "Bearer"
        response.expiresIn = Int32(tokens.expiresIn)
        response.refreshToken = tokens.refreshToken ?? ""
        response.sessionID = session.id
        response.user = user.message
        return response
    }

    @Sendable func refreshToken(_ request: Hexabase_Auth_V1_RefreshTokenRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_RefreshTokenResponse {
        guard !request.refreshToken.isEmpty, request.refreshToken.utf8.count < 200 else {
            throw ServiceError.invalidField("refresh_token", "is required")
        }
        let tokens = try await sessions.refresh(request.refreshToken, client: platformClient, origin: RequestOrigin(context))
        var response = Hexabase_Auth_V1_RefreshTokenResponse()
        response.accessToken = tokens.accessToken
        response.tokenType = "Bearer"
        response.expiresIn = Int32(tokens.expiresIn)
        response.refreshToken = tokens.refreshToken ?? ""
        return response
    }

    @Sendable func getJWKS(_ request: Hexabase_Auth_V1_GetJWKSRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_GetJWKSResponse {
        var response = Hexabase_Auth_V1_GetJWKSResponse()
        response.jwksJson = try await keys.jwks()
        return response
    }

    @Sendable func whoAmI(_ request: Hexabase_Auth_V1_WhoAmIRequest, context: RequestContext) async throws -> Hexabase_Auth_V1_WhoAmIResponse {
        let (identity, user) = try await signedInUser(context)
        var response = Hexabase_Auth_V1_WhoAmIResponse()
        response.user = user.message
        response.sessionID = identity.sessionID ?? ""
        response.tokenExpireTime = .init(date: identity.expiresAt)
        return response
    }

    /// The verified user of a request with a live session, or 401.
    func signedInUser(_ context: RequestContext) async throws -> (Identity, User) {
        let identity = try await context.identity()
        guard identity.kind == .user, let sessionID = identity.sessionID,
              let user = try await store.userOfActiveSession(id: sessionID, userID: identity.subject)
        else {
            throw ServiceError(.unauthenticated, "The access token is invalid or expired.")
        }
        return (identity, user)
    }
}
