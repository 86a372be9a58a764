@testable import AuthService
import Foundation
import HTTPClientKit
import TestSupport
import Testing

/// OIDCUpstreamProvider's handling of the provider's endpoints: key rotation, the userinfo
/// fallback, token endpoint errors and unavailable providers (scripted stand-in issuer).
@Suite("Federation: OIDC provider endpoints against a stand-in issuer")
struct FederationOIDCEndpointTests {
    @Test("an unknown key id makes the key set refetch once: a rotated-in key is accepted")
    func keyRotation() async throws {
        try await ScriptedHTTPServer.start().use { server in
            var issuer = try await StandInIssuer.start(server)
            let provider = issuer.provider()
            let first = LoginAttempt()
            try await issuer.serveToken(try await issuer.sign(issuer.claims(nonce: first.nonce)))
            _ = try await first.complete(provider, code: "code-1")

            try await issuer.addKey("k2")
            try await issuer.publishKeys()
            let second = LoginAttempt()
            try await issuer.serveToken(try await issuer.sign(issuer.claims(nonce: second.nonce), keyID: "k2"))
            #expect(try await second.complete(provider, code: "code-2").subject == "user-1")
            #expect(try await server.requests().filter { $0.path == "/jwks" }.count == 2)
            #expect(try await server.requests().filter { $0.path == "/.well-known/openid-configuration" }.count == 1)
        }
    }

    @Test("without e-mail in the ID token, userinfo supplies it, asked with the access token")
    func userinfoFallback() async throws {
        try await ScriptedHTTPServer.start().use { server in
            let issuer = try await StandInIssuer.start(server)
            let attempt = LoginAttempt()
            var claims = issuer.claims(nonce: attempt.nonce)
            (claims.email, claims.email_verified) = (nil, nil)
            try await issuer.serveToken(try await issuer.sign(claims))
            try await server.route("GET", "/userinfo", ["json": ["sub": "user-1", "email": "u1@example.com", "email_verified": "true"]])
            let identity = try await attempt.complete(issuer.provider(), code: "code-1")
            #expect(identity == UpstreamIdentity(providerID: "standin", subject: "user-1", email: "u1@example.com", emailVerified: true, name: "User One"))
            let userinfo = try #require(try await server.requests().first { $0.path == "/userinfo" })
            #expect(userinfo.headers["authorization"] == "Bearer at-standin")
        }
    }

    @Test("a userinfo answer about another subject is rejected")
    func userinfoSubjectMismatch() async throws {
        try await ScriptedHTTPServer.start().use { server in
            let issuer = try await StandInIssuer.start(server)
            let attempt = LoginAttempt()
            var claims = issuer.claims(nonce: attempt.nonce)
            claims.email = nil
            try await issuer.serveToken(try await issuer.sign(claims))
            try await server.route("GET", "/userinfo", ["json": ["sub": "user-2", "email": "victim@example.com", "email_verified": true]])
            let error = await #expect(throws: FederationError.self) { try await attempt.complete(issuer.provider(), code: "code-1") }
            #expect(error?.code == .tokenRejected)
            #expect(error?.reason == "the user info is about another subject")
        }
    }

    @Test("token endpoint answers map to stable codes, never quoting the code or secret")
    func tokenEndpointErrors() async throws {
        let cases: [(answer: [String: Any], code: FederationError.Code)] = [
            (["status": 400, "json": ["error": "invalid_grant", "error_description": "code code-1 expired"]], .tokenRejected),
            (["status": 401, "json": ["error": "invalid_client"]], .misconfigured),
            // RFC 6749 §5.2: a failed HTTP Basic client authentication is a 401 with a challenge.
            (["status": 401, "headers": ["WWW-Authenticate": #"Basic realm="standin""#], "json": ["error": "invalid_client"]], .misconfigured),
            (["status": 400, "json": ["error": "<script>alert(1)</script>"]], .tokenRejected),
            (["status": 503, "body": "down"], .upstreamUnavailable),
            (["status": 200, "body": "<html>not json</html>"], .invalidResponse),
            (["status": 200, "json": ["access_token": "at", "token_type": "Bearer"]], .invalidResponse),
            (["status": 200, "json": ["access_token": "at", "token_type": "mac", "id_token": "x.y.z"]], .invalidResponse),
        ]
        for (answer, code) in cases {
            try await ScriptedHTTPServer.start().use { server in
                let issuer = try await StandInIssuer.start(server)
                try await server.route("POST", "/token", answer)
                let error = await #expect(throws: FederationError.self) { try await LoginAttempt().complete(issuer.provider(), code: "code-1") }
                #expect(error?.code == code, "\(answer)")
                let text = error.map { "\($0)" } ?? ""
                #expect(!text.contains("code-1") && !text.contains(issuer.clientSecret) && !text.contains("<script>"), "\(text)")
            }
        }
    }

    @Test("an unreachable provider or a failing discovery is upstreamUnavailable")
    func unavailable() async throws {
        let port = try NATSTestServer.freeTCPPort()
        let offline = OIDCUpstreamProvider(
            id: "off", displayName: "Offline", issuer: "http://127.0.0.1:\(port)", clientID: "c", clientSecret: "s",
            httpClient: CurlHTTPClient()
        )
        let error = await #expect(throws: FederationError.self) { try await LoginAttempt().authorizationURL(offline) }
        #expect(error?.code == .upstreamUnavailable)
        try await ScriptedHTTPServer.start().use { server in
            try await server.route("GET", "/.well-known/openid-configuration", ["status": 502, "body": "bad gateway"])
            let failing = OIDCUpstreamProvider(
                id: "f", displayName: "Failing", issuer: server.baseURL, clientID: "c", clientSecret: "s", httpClient: CurlHTTPClient()
            )
            let error = await #expect(throws: FederationError.self) { try await LoginAttempt().authorizationURL(failing) }
            #expect(error?.code == .upstreamUnavailable)
        }
    }

    @Test("discovered endpoints must be https unless on loopback; the authorization URL keeps its own query")
    func endpointPolicy() async throws {
        try await ScriptedHTTPServer.start().use { server in
            let base = server.baseURL
            try await server.route("GET", "/.well-known/openid-configuration", ["json": [
                "issuer": base, "authorization_endpoint": base + "/authorize?tenant=a", "token_endpoint": "http://idp.example.com/token",
                "jwks_uri": base + "/jwks",
            ]])
            let provider = OIDCUpstreamProvider(id: "p", displayName: "P", issuer: base, clientID: "c", clientSecret: "s", httpClient: CurlHTTPClient())
            let error = await #expect(throws: FederationError.self) { try await LoginAttempt().authorizationURL(provider) }
            #expect(error?.reason == "token_endpoint is not an https URL")

            try await server.route("GET", "/.well-known/openid-configuration", ["json": [
                "issuer": base, "authorization_endpoint": base + "/authorize?tenant=a", "token_endpoint": base + "/token",
                "jwks_uri": base + "/jwks",
            ]])
            await provider.invalidateMetadata()
            let url = try await LoginAttempt().authorizationURL(provider)
            #expect(url.hasPrefix(base + "/authorize?tenant=a&response_type=code&client_id=c&"))
        }
    }
}
