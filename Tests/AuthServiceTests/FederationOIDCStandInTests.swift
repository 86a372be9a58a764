@testable import AuthService
import AuthKit
import Foundation
import HTTPClientKit
import TestSupport
import Testing

/// OIDCUpstreamProvider against a scripted stand-in issuer: the rejections a real provider
/// cannot be made to produce, and the exact requests the provider sends.
@Suite("Federation: OIDC provider rejections against a stand-in issuer")
struct FederationOIDCStandInTests {
    /// Runs `complete` against a stand-in whose token endpoint returns `token(issuer, attempt)`.
    private func complete(
        keyIDs: [String] = ["k1"], discoveredIssuer: String? = nil,
        token: (StandInIssuer, LoginAttempt) async throws -> String?
    ) async throws -> UpstreamIdentity {
        try await ScriptedHTTPServer.start().use { server in
            let issuer = try await StandInIssuer.start(server, keyIDs: keyIDs, discoveredIssuer: discoveredIssuer)
            let attempt = LoginAttempt()
            try await issuer.serveToken(try await token(issuer, attempt))
            return try await attempt.complete(issuer.provider(), code: "code-1")
        }
    }

    private func expectRejection(
        _ reason: String, keyIDs: [String] = ["k1"],
        token: (StandInIssuer, LoginAttempt) async throws -> String?
    ) async {
        let error = await #expect(throws: FederationError.self) { try await complete(keyIDs: keyIDs, token: token) }
        #expect(error?.code == .tokenRejected, "\(reason)")
        #expect(error?.reason == reason)
    }

    @Test("a well-formed ES256 token is accepted and client_secret_basic carries the form-encoded secret")
    func accepts() async throws {
        try await ScriptedHTTPServer.start().use { server in
            let issuer = try await StandInIssuer.start(server)
            let attempt = LoginAttempt()
            try await issuer.serveToken(try await issuer.sign(issuer.claims(nonce: attempt.nonce)))
            let identity = try await attempt.complete(issuer.provider(), code: "code-1")
            #expect(identity == UpstreamIdentity(providerID: "standin", subject: "user-1", email: "user1@example.com", emailVerified: true, name: "User One"))
            let tokenRequest = try #require(try await server.requests().first { $0.path == "/token" })
            let expected = Data("hexabase-test:s3cr3t%2B%2F%3D%26".utf8).base64EncodedString()
            #expect(tokenRequest.headers["authorization"] == "Basic " + expected)
            let form = Dictionary(FormURLEncoding.decode(tokenRequest.body).map { ($0.name, $0.value) }) { first, _ in first }
            #expect(form == ["grant_type": "authorization_code", "code": "code-1", "redirect_uri": attempt.redirectURI, "code_verifier": attempt.codeVerifier])
        }
    }

    @Test("client_secret_post is used when discovery lists only it")
    func clientSecretPost() async throws {
        try await ScriptedHTTPServer.start().use { server in
            let issuer = try await StandInIssuer.start(server, authMethods: ["client_secret_post", "private_key_jwt"])
            let attempt = LoginAttempt()
            try await issuer.serveToken(try await issuer.sign(issuer.claims(nonce: attempt.nonce)))
            _ = try await attempt.complete(issuer.provider(), code: "code-1")
            let tokenRequest = try #require(try await server.requests().first { $0.path == "/token" })
            #expect(tokenRequest.headers["authorization"] == nil)
            let form = Dictionary(FormURLEncoding.decode(tokenRequest.body).map { ($0.name, $0.value) }) { first, _ in first }
            #expect(form["client_id"] == issuer.clientID)
            #expect(form["client_secret"] == issuer.clientSecret)
        }
    }

    @Test("a token for another client (audience) is rejected")
    func wrongAudience() async {
        await expectRejection("the ID token is for another client") { issuer, attempt in
            var claims = issuer.claims(nonce: attempt.nonce)
            claims.aud = ["someone-else"]
            return try await issuer.sign(claims)
        }
    }

    @Test("several audiences need azp = our client id")
    func multipleAudiences() async throws {
        await expectRejection("the ID token has several audiences and no authorized party") { issuer, attempt in
            var claims = issuer.claims(nonce: attempt.nonce)
            claims.aud = [issuer.clientID, "other"]
            return try await issuer.sign(claims)
        }
        await expectRejection("the ID token was issued to another party") { issuer, attempt in
            var claims = issuer.claims(nonce: attempt.nonce)
            claims.aud = [issuer.clientID, "other"]
            claims.azp = "other"
            return try await issuer.sign(claims)
        }
        let identity = try await complete { issuer, attempt in
            var claims = issuer.claims(nonce: attempt.nonce)
            claims.aud = [issuer.clientID, "other"]
            claims.azp = issuer.clientID
            return try await issuer.sign(claims)
        }
        #expect(identity.subject == "user-1")
    }

    @Test("a tampered signature is rejected")
    func tamperedSignature() async {
        await expectRejection("the ID token's signature is invalid") { issuer, attempt in
            let token = try await issuer.sign(issuer.claims(nonce: attempt.nonce))
            var signature = Array(token.split(separator: ".")[2])
            signature[10] = signature[10] == "A" ? "B" : "A"
            return token.split(separator: ".")[0...1].joined(separator: ".") + "." + String(signature)
        }
    }

    @Test("a token whose claims were changed after signing is rejected")
    func tamperedClaims() async {
        await expectRejection("the ID token's signature is invalid") { issuer, attempt in
            let token = try await issuer.sign(issuer.claims(nonce: attempt.nonce))
            var claims = issuer.claims(nonce: attempt.nonce)
            claims.sub = "admin"
            let payload = try JSONEncoder().encode(claims)
            let parts = token.split(separator: ".")
            return parts[0] + "." + Base64URL.encode(payload) + "." + parts[2]
        }
    }

    @Test("alg none, HMAC and unlisted algorithms are rejected before any key lookup")
    func forbiddenAlgorithms() async {
        for header in [#"{"alg":"none","typ":"JWT"}"#, #"{"alg":"HS256","kid":"k1"}"#, #"{"alg":"ES512","kid":"k1"}"#, #"{"typ":"JWT"}"#] {
            await expectRejection("the ID token's signature algorithm is not allowed") { issuer, attempt in
                try issuer.unsigned(header: header, nonce: attempt.nonce, signature: header.contains("none") ? "" : "c2ln")
            }
        }
    }

    @Test("a token signed with a key the issuer does not publish is rejected")
    func unknownKey() async {
        await expectRejection("the ID token was signed with an unknown key") { issuer, attempt in
            var issuer = issuer
            try await issuer.addKey("rogue")
            return try await issuer.sign(issuer.claims(nonce: attempt.nonce), keyID: "rogue")
        }
    }

    @Test("an expired token, one from the future and a wrong issuer are rejected")
    func lifetimeAndIssuer() async {
        let now = Int(Date().timeIntervalSince1970)
        await expectRejection("the ID token has expired") { issuer, attempt in
            var claims = issuer.claims(nonce: attempt.nonce)
            (claims.iat, claims.exp) = (now - 900, now - 600)
            return try await issuer.sign(claims)
        }
        await expectRejection("the ID token was issued in the future") { issuer, attempt in
            var claims = issuer.claims(nonce: attempt.nonce)
            (claims.iat, claims.exp) = (now + 900, now + 1200)
            return try await issuer.sign(claims)
        }
        await expectRejection("the ID token was issued by another issuer") { issuer, attempt in
            var claims = issuer.claims(nonce: attempt.nonce)
            claims.iss = "https://accounts.example.com"
            return try await issuer.sign(claims)
        }
        await expectRejection("the ID token has no nonce") { issuer, attempt in
            var claims = issuer.claims(nonce: attempt.nonce)
            claims.nonce = nil
            return try await issuer.sign(claims)
        }
    }

    @Test("discovery naming another issuer is refused before any token is exchanged")
    func unknownIssuerInDiscovery() async throws {
        try await ScriptedHTTPServer.start().use { server in
            let issuer = try await StandInIssuer.start(server, discoveredIssuer: "https://evil.example.com")
            let error = await #expect(throws: FederationError.self) {
                try await LoginAttempt().complete(issuer.provider(), code: "code-1")
            }
            #expect(error?.code == .misconfigured)
            #expect(try await server.requests().map(\.path) == ["/.well-known/openid-configuration"])
        }
    }
}
