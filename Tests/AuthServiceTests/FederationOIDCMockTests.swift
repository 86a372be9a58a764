@testable import AuthService
import Foundation
import HTTPClientKit
import TestSupport
import Testing

/// OIDCUpstreamProvider against a real OpenID Connect provider: oidc-provider-mock from PyPI
/// (authlib underneath), driven like a browser would drive it.
@Suite("Federation: OIDC provider against oidc-provider-mock")
struct FederationOIDCMockTests {
    private func provider(_ mock: PythonServer, clientID: String = "hexabase-test", secret: String = "test-secret",
                          scopes: [String] = ["openid", "email", "profile"]) -> OIDCUpstreamProvider {
        OIDCUpstreamProvider(
            id: "mock", displayName: "Mock IdP", issuer: mock.baseURL, clientID: clientID, clientSecret: secret,
            scopes: scopes, httpClient: CurlHTTPClient()
        )
    }

    @Test("authorization URL → form → code → complete gives the verified identity of the ID token")
    func endToEnd() async throws {
        try await startOIDCProviderMock().use { mock in
            let provider = provider(mock)
            let attempt = LoginAttempt()
            let url = try await attempt.authorizationURL(provider)
            #expect(url.hasPrefix(mock.baseURL + "/oauth2/authorize?"))
            let query = FederationBrowser.query(of: url)
            #expect(query["response_type"] == "code")
            #expect(query["client_id"] == "hexabase-test")
            #expect(query["scope"] == "openid email profile")
            #expect(query["nonce"] == attempt.nonce)
            #expect(query["code_challenge"] == attempt.codeChallenge)
            #expect(query["code_challenge_method"] == "S256")
            #expect(query["redirect_uri"] == attempt.redirectURI)

            let callback = try await FederationBrowser.approveAtMock(url, subject: "alice")
            #expect(callback.state == attempt.state)
            let identity = try await attempt.complete(provider, code: callback.code)
            #expect(identity == UpstreamIdentity(
                providerID: "mock", subject: "alice", email: "alice@example.com", emailVerified: true, name: "Alice Liddell"
            ))
        }
    }

    @Test("a user the provider does not vouch for has emailVerified false")
    func unverifiedEmail() async throws {
        try await startOIDCProviderMock().use { mock in
            let provider = provider(mock)
            let attempt = LoginAttempt()
            // The mock gives an ad-hoc subject the claim email = subject, without email_verified.
            let code = try await attempt.approveAtMock(provider, subject: "mallory@example.com")
            let identity = try await attempt.complete(provider, code: code)
            #expect(identity.subject == "mallory@example.com")
            #expect(identity.email == "mallory@example.com")
            #expect(identity.emailVerified == false)
        }
    }

    @Test("without the email scope the userinfo endpoint is asked (same subject) and no address is invented")
    func userinfoFallback() async throws {
        try await startOIDCProviderMock().use { mock in
            let provider = provider(mock, scopes: ["openid", "profile"])
            let attempt = LoginAttempt()
            let identity = try await attempt.complete(provider, code: try await attempt.approveAtMock(provider, subject: "alice"))
            #expect(identity == UpstreamIdentity(providerID: "mock", subject: "alice", email: nil, emailVerified: false, name: "Alice Liddell"))
        }
    }

    @Test("a nonce other than the one sent is rejected")
    func wrongNonce() async throws {
        try await startOIDCProviderMock().use { mock in
            let provider = provider(mock)
            let attempt = LoginAttempt()
            let code = try await attempt.approveAtMock(provider, subject: "alice")
            let error = await #expect(throws: FederationError.self) {
                try await attempt.complete(provider, code: code, nonce: LoginAttempt().nonce)
            }
            #expect(error?.code == .tokenRejected)
            #expect(error?.reason == "the ID token's nonce does not match")
        }
    }

    @Test("a code is single-use: the replay is refused by the provider (invalid_grant)")
    func codeReplay() async throws {
        try await startOIDCProviderMock().use { mock in
            let provider = provider(mock)
            let attempt = LoginAttempt()
            let code = try await attempt.approveAtMock(provider, subject: "alice")
            _ = try await attempt.complete(provider, code: code)
            let error = await #expect(throws: FederationError.self) { try await attempt.complete(provider, code: code) }
            #expect(error?.code == .tokenRejected)
            #expect(error?.reason == "the provider refused the authorization code (invalid_grant)")
            #expect(error.map { !"\($0)".contains(code) } == true)
        }
    }

    @Test("a registered confidential client authenticates with client_secret_basic; a wrong secret is misconfiguration")
    func registeredClient() async throws {
        try await startOIDCProviderMock().use { mock in
            let attempt = LoginAttempt()
            let registration = try await HTTPTestClient(baseURL: mock.baseURL).send(
                "POST", "/oauth2/clients",
                json: ["redirect_uris": [attempt.redirectURI], "token_endpoint_auth_method": "client_secret_basic"]
            )
            let clientID = try #require(registration.json["client_id"] as? String)
            let secret = try #require(registration.json["client_secret"] as? String)

            let good = provider(mock, clientID: clientID, secret: secret)
            #expect(try await attempt.complete(good, code: try await attempt.approveAtMock(good, subject: "alice")).subject == "alice")

            let wrong = provider(mock, clientID: clientID, secret: "not-" + secret)
            let code = try await attempt.approveAtMock(wrong, subject: "alice")
            let error = await #expect(throws: FederationError.self) { try await attempt.complete(wrong, code: code) }
            #expect(error?.code == .misconfigured)
            #expect(error.map { !"\($0)".contains(secret) } == true)
        }
    }

    @Test("an issuer configured differently from the one the provider reports is refused at discovery")
    func issuerMismatch() async throws {
        try await startOIDCProviderMock().use { mock in
            // Same server, other spelling: discovery must match the configured issuer exactly.
            let provider = OIDCUpstreamProvider(
                id: "mock", displayName: "Mock IdP", issuer: mock.baseURL + "/", clientID: "c", clientSecret: "s",
                httpClient: CurlHTTPClient()
            )
            let error = await #expect(throws: FederationError.self) { try await LoginAttempt().authorizationURL(provider) }
            #expect(error?.code == .misconfigured)
            #expect(error?.reason == "the discovery document is for another issuer")
        }
    }
}
