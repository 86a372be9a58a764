import Contracts
import Hummingbird

/// The REST API of the platform, one line per route (kept in step with docs/openapi.yaml).
public enum EdgeRoutes {
    /// Paths forwarded whole to a service (the OIDC provider's endpoints).
    public static let forwarded: [ForwardedRoute] = [
        ForwardedRoute(path: "/.well-known/openid-configuration", subject: "hxb.auth.v1.ServeHTTP", methods: [.get]),
        ForwardedRoute(path: "/oauth2/**", subject: "hxb.auth.v1.ServeHTTP"),
    ]

    /// Every REST route: the auth service's, the workspace service's, the logging service's.
    public static let all: [RESTRoute] = auth + workspace + logs

    /// The auth service's routes.
    public static let auth: [RESTRoute] = [
        .rpc(.post, "/api/v1/auth/signup", subject: "hxb.auth.v1.SignUp",
             request: Hexabase_Auth_V1_SignUpRequest.self, response: Hexabase_Auth_V1_SignUpResponse.self,
             authentication: .none, successStatus: .created),
        .rpc(.post, "/api/v1/auth/login", subject: "hxb.auth.v1.Login",
             request: Hexabase_Auth_V1_LoginRequest.self, response: Hexabase_Auth_V1_LoginResponse.self,
             authentication: .none),
        .rpc(.get, "/api/v1/auth/me", subject: "hxb.auth.v1.WhoAmI",
             request: Hexabase_Auth_V1_WhoAmIRequest.self, response: Hexabase_Auth_V1_WhoAmIResponse.self,
             authentication: .bearer),
        .rpc(.post, "/api/v1/auth/refresh", subject: "hxb.auth.v1.RefreshToken",
             request: Hexabase_Auth_V1_RefreshTokenRequest.self, response: Hexabase_Auth_V1_RefreshTokenResponse.self,
             authentication: .none),
        .rpc(.post, "/api/v1/auth/logout", subject: "hxb.auth.v1.Logout",
             request: Hexabase_Auth_V1_LogoutRequest.self, response: Hexabase_Auth_V1_LogoutResponse.self,
             authentication: .bearer),
        .rpc(.get, "/api/v1/auth/sessions", subject: "hxb.auth.v1.ListSessions",
             request: Hexabase_Auth_V1_ListSessionsRequest.self, response: Hexabase_Auth_V1_ListSessionsResponse.self,
             authentication: .bearer),
        .rpc(.delete, "/api/v1/auth/sessions/{session_id}", subject: "hxb.auth.v1.RevokeSession",
             request: Hexabase_Auth_V1_RevokeSessionRequest.self, response: Hexabase_Auth_V1_RevokeSessionResponse.self,
             authentication: .bearer),
        .rpc(.post, "/api/v1/auth/sessions/revoke-all", subject: "hxb.auth.v1.RevokeAllSessions",
             request: Hexabase_Auth_V1_RevokeAllSessionsRequest.self, response: Hexabase_Auth_V1_RevokeAllSessionsResponse.self,
             authentication: .bearer),
        .rpc(.post, "/api/v1/auth/password", subject: "hxb.auth.v1.ChangePassword",
             request: Hexabase_Auth_V1_ChangePasswordRequest.self, response: Hexabase_Auth_V1_ChangePasswordResponse.self,
             authentication: .bearer),
        .rpc(.post, "/api/v1/auth/password/reset", subject: "hxb.auth.v1.RequestPasswordReset",
             request: Hexabase_Auth_V1_RequestPasswordResetRequest.self, response: Hexabase_Auth_V1_RequestPasswordResetResponse.self,
             authentication: .none, successStatus: .accepted),
        .rpc(.post, "/api/v1/auth/password/reset/confirm", subject: "hxb.auth.v1.ResetPassword",
             request: Hexabase_Auth_V1_ResetPasswordRequest.self, response: Hexabase_Auth_V1_ResetPasswordResponse.self,
             authentication: .none),
        .rpc(.post, "/api/v1/auth/email/verify", subject: "hxb.auth.v1.VerifyEmail",
             request: Hexabase_Auth_V1_VerifyEmailRequest.self, response: Hexabase_Auth_V1_VerifyEmailResponse.self,
             authentication: .none),
        .rpc(.post, "/api/v1/auth/email/verify/resend", subject: "hxb.auth.v1.ResendVerification",
             request: Hexabase_Auth_V1_ResendVerificationRequest.self, response: Hexabase_Auth_V1_ResendVerificationResponse.self,
             authentication: .bearer, successStatus: .accepted),
        .rpc(.get, "/.well-known/jwks.json", subject: "hxb.auth.v1.GetJWKS",
             request: Hexabase_Auth_V1_GetJWKSRequest.self, response: Hexabase_Auth_V1_GetJWKSResponse.self,
             authentication: .none,
             render: { _, keys in RESTRoute.Rendering(contentType: "application/jwk-set+json", bytes: Array(keys.jwksJson.utf8)) }),
    ]
}
