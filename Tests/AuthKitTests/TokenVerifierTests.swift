import AuthKit
import Foundation
import JWTKit
import Logging
import ServiceKit
import Testing

/// Access-token verification (DESIGN §5): RS256 against the JWKS, issuer, audience, expiry, and
/// one uniform 401 for every way a token can be wrong.
@Suite("Token verifier")
struct TokenVerifierTests {
    static let rejection = "The access token is invalid or expired."

    /// Expects `token` to be rejected with a 401 that says nothing specific and contains no token text.
    func expectRejected(_ token: String, by verifier: TokenVerifier, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            _ = try await verifier.verify(token)
            Issue.record("the token was accepted", sourceLocation: sourceLocation)
        } catch let error as ServiceError {
            #expect(error.code == .unauthenticated, sourceLocation: sourceLocation)
            #expect(error.code.status == 401, sourceLocation: sourceLocation)
            #expect(error.message == Self.rejection, sourceLocation: sourceLocation)
            for part in token.split(separator: ".") where part.count >= 4 {
                #expect(!error.message.contains(part), sourceLocation: sourceLocation)
                #expect(!"\(error)".contains(part), "the error's description leaks token text", sourceLocation: sourceLocation)
            }
        } catch {
            Issue.record("expected a ServiceError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("a valid RS256 token verifies and maps to an identity")
    func validTokenVerifies() async throws {
        let source = InMemoryJWKSSource(keys: [.primary])
        let verifier = makeVerifier(source)
        let claims = TestTokens.claims()
        let token = try await TestSigningKey.primary.sign(claims)

        let verified = try await verifier.verify(token)
        #expect(verified.iss == claims.iss)
        #expect(verified.sub == claims.sub)
        #expect(verified.aud == claims.aud)
        #expect(verified.jti == claims.jti)
        #expect(verified.sid == claims.sid)
        #expect(verified.kind == claims.kind)

        let identity = try await verifier.authenticate(bearerToken: token)
        #expect(identity.subject == "usr-0193a5c0-7d1e-7b3c-9f00-3c1d2e4f5a6b")
        #expect(identity.sessionID == "ses-0193a5c0-0000-7000-8000-000000000001")
        #expect(identity.kind == .user)
        #expect(identity.tokenID == claims.jti.value)
        #expect(abs(identity.expiresAt.timeIntervalSince(claims.exp.value)) < 1)
    }

    @Test("a service token maps to a service identity without a session")
    func serviceToken() async throws {
        let verifier = makeVerifier(InMemoryJWKSSource(keys: [.primary]))
        let token = try await TestSigningKey.primary.sign(TestTokens.claims(subject: "svc-scheduler", sessionID: nil, kind: "service"))
        let identity = try await verifier.authenticate(bearerToken: token)
        #expect(identity.kind == .service)
        #expect(identity.subject == "svc-scheduler")
        #expect(identity.sessionID == nil)
    }

    @Test("a token whose audience list includes ours verifies")
    func audienceAmongOthers() async throws {
        let verifier = makeVerifier(InMemoryJWKSSource(keys: [.primary]))
        let token = try await TestSigningKey.primary.sign(TestTokens.claims(audience: ["wsp-client-1", "hexabase"]))
        _ = try await verifier.verify(token)
    }

    @Test("an expired token is rejected")
    func expiredToken() async throws {
        let verifier = makeVerifier(InMemoryJWKSSource(keys: [.primary]))
        let token = try await TestSigningKey.primary.sign(TestTokens.claims(issuedAt: Date().addingTimeInterval(-7200), lifetime: 3600))
        await expectRejected(token, by: verifier)
    }

    @Test("a token issued far in the future is rejected")
    func futureToken() async throws {
        let verifier = makeVerifier(InMemoryJWKSSource(keys: [.primary]))
        let token = try await TestSigningKey.primary.sign(TestTokens.claims(issuedAt: Date().addingTimeInterval(3600)))
        await expectRejected(token, by: verifier)
    }

    @Test("a token for another issuer is rejected")
    func wrongIssuer() async throws {
        let verifier = makeVerifier(InMemoryJWKSSource(keys: [.primary]))
        let token = try await TestSigningKey.primary.sign(TestTokens.claims(issuer: "https://evil.example"))
        await expectRejected(token, by: verifier)
    }

    @Test("a token for another audience is rejected")
    func wrongAudience() async throws {
        let verifier = makeVerifier(InMemoryJWKSSource(keys: [.primary]))
        let token = try await TestSigningKey.primary.sign(TestTokens.claims(audience: ["wsp-client-1"]))
        await expectRejected(token, by: verifier)
    }

    @Test("a token signed by a foreign key under a published kid is rejected")
    func foreignKeyWithKnownKid() async throws {
        let verifier = makeVerifier(InMemoryJWKSSource(keys: [.primary]))
        let token = try await TestSigningKey.foreign.sign(TestTokens.claims(), kid: TestSigningKey.primary.kid)
        await expectRejected(token, by: verifier)
    }

    @Test("a token signed by a foreign key under an unknown kid is rejected")
    func foreignKeyWithUnknownKid() async throws {
        let verifier = makeVerifier(InMemoryJWKSSource(keys: [.primary]))
        let token = try await TestSigningKey.foreign.sign(TestTokens.claims())
        await expectRejected(token, by: verifier)
    }

    @Test("an alg:none token with an empty signature is rejected")
    func algNone() async throws {
        let verifier = makeVerifier(InMemoryJWKSSource(keys: [.primary]))
        let template = try await TestSigningKey.primary.sign(TestTokens.claims())
        for alg in ["none", "None", "NONE"] {
            let token = TestTokens.forged(header: ["alg": alg, "kid": TestSigningKey.primary.kid, "typ": "JWT"], payloadFrom: template)
            await expectRejected(token, by: verifier)
        }
    }

    @Test("an HS256 token keyed with the RSA public key's PEM and carrying the real kid is rejected")
    func hmacWithPublicKey() async throws {
        let verifier = makeVerifier(InMemoryJWKSSource(keys: [.primary]))
        let kid = JWKIdentifier(string: TestSigningKey.primary.kid)
        for secret in [TestSigningKey.primary.publicKeyPEM, TestSigningKey.primary.publicKeyPEM + "\n"] {
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: kid)
            let token = try await keys.sign(TestTokens.claims(), kid: kid)
            await expectRejected(token, by: verifier)
        }
    }

    @Test("a valid RS256 signature under a header that claims another algorithm is rejected")
    func headerAlgorithmMismatch() async throws {
        let verifier = makeVerifier(InMemoryJWKSSource(keys: [.primary]))
        let genuine = try await TestSigningKey.primary.sign(TestTokens.claims())
        let signature = String(genuine.split(separator: ".")[2])
        for alg in ["RS512", "PS256", "HS256", "rs256"] {
            let token = TestTokens.forged(header: ["alg": alg, "kid": TestSigningKey.primary.kid], payloadFrom: genuine, signature: signature)
            await expectRejected(token, by: verifier)
        }
    }

    @Test("a token without a kid is rejected")
    func missingKid() async throws {
        let verifier = makeVerifier(InMemoryJWKSSource(keys: [.primary]))
        let genuine = try await TestSigningKey.primary.sign(TestTokens.claims())
        let signature = String(genuine.split(separator: ".")[2])
        await expectRejected(TestTokens.forged(header: ["alg": "RS256"], payloadFrom: genuine, signature: signature), by: verifier)
        await expectRejected(TestTokens.forged(header: ["alg": "RS256", "kid": ""], payloadFrom: genuine, signature: signature), by: verifier)
    }

    @Test("a tampered payload is rejected")
    func tamperedPayload() async throws {
        let verifier = makeVerifier(InMemoryJWKSSource(keys: [.primary]))
        let genuine = try await TestSigningKey.primary.sign(TestTokens.claims(subject: "usr-alice"))
        let other = try await TestSigningKey.primary.sign(TestTokens.claims(subject: "usr-mallory"))
        let parts = genuine.split(separator: ".")
        let token = "\(parts[0]).\(other.split(separator: ".")[1]).\(parts[2])"
        await expectRejected(token, by: verifier)
    }

    @Test("malformed tokens are all rejected with the same message, which contains no token text")
    func malformedTokens() async throws {
        let verifier = makeVerifier(InMemoryJWKSSource(keys: [.primary]))
        let genuine = try await TestSigningKey.primary.sign(TestTokens.claims())
        let parts = genuine.split(separator: ".").map(String.init)
        let malformed = [
            "",
            "not-a-jwt",
            "\(parts[0]).\(parts[1])",
            "\(parts[0]).\(parts[1]).\(parts[2]).extra",
            "!!!!garbage.@@@@base64.####",
            "eyJhbGciOiJSUzI1NiJ9.e30",
            "\(Base64URL.encode(Data("not json".utf8))).\(parts[1]).\(parts[2])",
            "\(parts[0]).\(Base64URL.encode(Data("not json".utf8))).\(parts[2])",
            "\(parts[0]).\(parts[1]).%%%%not-base64%%%%",
            "\(parts[0]).\(parts[1]).",
            String(repeating: "A", count: 20_000) + ".\(parts[1]).\(parts[2])",
            "\(parts[0]).\(parts[1]).\(parts[2])" + String(repeating: "A", count: 1_000_000),
        ]
        for token in malformed {
            await expectRejected(token, by: verifier)
        }
    }

    @Test("a bearer token is verified through RequestAuthenticator")
    func authenticateRejectsWithSameError() async throws {
        let verifier = makeVerifier(InMemoryJWKSSource(keys: [.primary]))
        do {
            _ = try await verifier.authenticate(bearerToken: "abc.def.ghi")
            Issue.record("accepted a garbage token")
        } catch let error as ServiceError {
            #expect(error.code == .unauthenticated)
            #expect(error.message == Self.rejection)
        }
    }

    @Test("a token that verified once is remembered, and still refused once it expires")
    func rememberedTokenExpires() async throws {
        let source = InMemoryJWKSSource(keys: [.primary])
        let verifier = TokenVerifier(
            source: source, issuer: TestTokens.issuer, audience: TestTokens.audience, leeway: .zero,
            logger: Logger(label: "hexabase.test.auth", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        // Expires two seconds from now (JWT times are whole seconds).
        let token = try await TestSigningKey.primary.sign(TestTokens.claims(issuedAt: Date().addingTimeInterval(-898), lifetime: 900))
        let first = try await verifier.verify(token)
        #expect(try await verifier.verify(token) == first)
        try await Task.sleep(for: .seconds(3))
        await expectRejected(token, by: verifier)
    }

    @Test("a remembered token is refused once a refresh removed its key")
    func rememberedTokenKeyRemoved() async throws {
        let source = InMemoryJWKSSource(keys: [.primary])
        let verifier = makeVerifier(source, minimumRefreshInterval: .zero)
        let old = try await TestSigningKey.primary.sign(TestTokens.claims())
        _ = try await verifier.verify(old)
        source.publish([.rotated])
        // A token under the new kid makes the verifier refresh its keys: the old kid is gone.
        _ = try await verifier.verify(try await TestSigningKey.rotated.sign(TestTokens.claims()))
        await expectRejected(old, by: verifier)
    }
}
