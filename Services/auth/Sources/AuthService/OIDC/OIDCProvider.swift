import AuthKit
import Contracts
import Foundation
import Logging
import ServiceKit

/// The OpenID Connect provider: discovery, authorization (code + PKCE), token (code,
/// refresh, client credentials, device code), userinfo, revocation, introspection, device
/// authorization, and the browser pages they need. The edge forwards `/oauth2/*` and
/// `/.well-known/openid-configuration` here whole (``Hexabase_Common_V1_HTTPRequest``).
struct OIDCProvider: Sendable {
    /// Lifetimes and limits of the provider's grants.
    struct Settings: Sendable {
        var issuer: String
        var authorizationCodeLifetime: Duration = .seconds(60)
        var deviceCodeLifetime: Duration = .seconds(600)
        var devicePollInterval = 5
        var federationStateLifetime: Duration = .seconds(600)
        /// Cookies get `Secure` when the issuer is https.
        var secureCookies: Bool { issuer.hasPrefix("https://") }
    }

    let settings: Settings
    let store: AuthStore
    let accounts: AccountService
    let sessions: SessionService
    let clients: ClientRegistry
    let keys: SigningKeyRing
    let verifier: TokenVerifier
    let upstream: [any UpstreamProvider]

    var issuer: String { settings.issuer }

    /// Serves one forwarded request. Nothing thrown escapes: every failure is an HTTP answer.
    func serve(_ request: Hexabase_Common_V1_HTTPRequest, context: RequestContext) async throws -> Hexabase_Common_V1_HTTPResponse {
        let exchange = HTTPExchange(request)
        let origin = RequestOrigin(requestID: context.requestID, traceID: context.trace.traceID, sourceAddress: exchange.clientAddress, userAgent: exchange.header("user-agent"), logger: context.logger)
        do {
            return try await route(exchange, origin: origin).message
        } catch let error as OAuthError {
            return HTTPReply.oauthError(error).message
        } catch {
            let serviceError = ServiceError(wrapping: error)
            if serviceError.code.status >= 500 {
                origin.logger.error("oidc request failed", metadata: ["path": "\(exchange.path)", "error": "\(serviceError.cause.map { "\($0)" } ?? serviceError.message)"])
            }
            if exchange.path.hasPrefix("/oauth2/token") || exchange.path.hasPrefix("/oauth2/introspect") || exchange.path.hasPrefix("/oauth2/revoke") {
                let code = serviceError.code.status == 503 ? "temporarily_unavailable" : "server_error"
                return HTTPReply.oauthError(OAuthError(code, serviceError.message, status: serviceError.code.status)).message
            }
            return HTTPReply.html(Pages.message(title: "Something went wrong", serviceError.message), status: serviceError.code.status).message
        }
    }

    private func route(_ exchange: HTTPExchange, origin: RequestOrigin) async throws -> HTTPReply {
        switch (exchange.method, exchange.path) {
        case ("GET", "/.well-known/openid-configuration"): return discovery()
        case ("GET", "/oauth2/jwks"): return HTTPReply(status: 200, headers: [("Content-Type", "application/jwk-set+json"), ("Cache-Control", "max-age=60")], body: Array(try await keys.jwks().utf8))
        case ("GET", "/oauth2/authorize"), ("POST", "/oauth2/authorize"): return try await authorize(exchange, origin: origin)
        case ("GET", "/oauth2/login"): return loginPage(exchange, returnTo: exchange.query["return_to"] ?? "/oauth2/account", email: "", error: nil)
        case ("POST", "/oauth2/login"): return try await loginSubmit(exchange, origin: origin)
        case ("GET", "/oauth2/logout"), ("POST", "/oauth2/logout"): return try await logout(exchange, origin: origin)
        case ("GET", "/oauth2/account"): return try await accountPage(exchange)
        case ("POST", "/oauth2/token"): return try await token(exchange, origin: origin)
        case ("GET", "/oauth2/userinfo"), ("POST", "/oauth2/userinfo"): return try await userinfo(exchange)
        case ("POST", "/oauth2/revoke"): return try await revoke(exchange, origin: origin)
        case ("POST", "/oauth2/introspect"): return try await introspect(exchange)
        case ("POST", "/oauth2/device_authorization"): return try await deviceAuthorization(exchange, origin: origin)
        case ("GET", "/oauth2/device"), ("POST", "/oauth2/device"): return try await devicePage(exchange, origin: origin)
        case ("GET", "/oauth2/password/reset"), ("POST", "/oauth2/password/reset"): return try await passwordResetPage(exchange, origin: origin)
        case ("GET", "/oauth2/email/verify"), ("POST", "/oauth2/email/verify"): return try await verifyEmailPage(exchange, origin: origin)
        case ("GET", let path) where path.hasPrefix("/oauth2/federated/"): return try await federated(exchange, origin: origin)
        default:
            return HTTPReply.json(["error": "not_found", "error_description": "No such endpoint."], status: 404)
        }
    }

    /// OpenID Connect Discovery 1.0 (and RFC 8414 fields).
    func discovery() -> HTTPReply {
        HTTPReply.json([
            "issuer": issuer,
            "authorization_endpoint": issuer + "/oauth2/authorize",
            "token_endpoint": issuer + "/oauth2/token",
            "userinfo_endpoint": issuer + "/oauth2/userinfo",
            "jwks_uri": issuer + "/oauth2/jwks",
            "revocation_endpoint": issuer + "/oauth2/revoke",
            "introspection_endpoint": issuer + "/oauth2/introspect",
            "device_authorization_endpoint": issuer + "/oauth2/device_authorization",
            "end_session_endpoint": issuer + "/oauth2/logout",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": OAuthClient.GrantType.allCases.map(\.rawValue),
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": Scopes.supported,
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "sid", "azp", "at_hash", "email", "email_verified", "name", "groups"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": true,
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
        ]).withHeader("Cache-Control", "max-age=300")
    }

    /// OIDC Core §5.3: the claims of the access token's user. The token must come from this
    /// issuer and its session must still be live.
    func userinfo(_ exchange: HTTPExchange) async throws -> HTTPReply {
        let invalid = HTTPReply.json(["error": "invalid_token", "error_description": "The access token is invalid or expired."], status: 401,
                                     extraHeaders: [("WWW-Authenticate", #"Bearer error="invalid_token""#)])
        guard let token = exchange.bearerToken ?? (exchange.method == "POST" ? exchange.form["access_token"] : nil) else { return invalid }
        guard let claims = try? await verifier.verify(token), claims.kind == "user", let sessionID = claims.sid,
              let user = try await store.userOfActiveSession(id: sessionID, userID: claims.sub.value)
        else { return invalid }
        var body: [String: Any] = ["sub": user.id]
        let scope = claims.scope ?? "openid email profile"
        if Scopes.contains(scope, "email") {
            body["email"] = user.email
            body["email_verified"] = user.emailVerified
        }
        if Scopes.contains(scope, "profile") { body["name"] = user.displayName.isEmpty ? user.email : user.displayName }
        return HTTPReply.json(body)
    }

    /// The client-credentials grant for a client that authenticates with its secret.
    func clientCredentials(clientID: String, secret: String?, origin: RequestOrigin) async throws -> TokenSet {
        try await issueServiceToken(try await clients.authenticate(clientID: clientID, secret: secret), origin: origin)
    }
}

extension HTTPReply {
    /// The same reply with one header set (replacing any of the same name).
    func withHeader(_ name: String, _ value: String) -> HTTPReply {
        var copy = self
        copy.headers.removeAll { $0.0.lowercased() == name.lowercased() }
        copy.headers.append((name, value))
        return copy
    }
}
