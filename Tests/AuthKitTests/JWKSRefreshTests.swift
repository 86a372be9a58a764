import AuthKit
import Foundation
import JWTKit
import ServiceKit
import Testing

/// How the verifier caches the JWKS: refreshed on an unknown kid, at most once per minimum
/// refresh interval, so that forged kids cannot flood the auth service.
@Suite("JWKS cache and refresh")
struct JWKSRefreshTests {
    func expectUnauthenticated(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            try await body()
            Issue.record("the token was accepted", sourceLocation: sourceLocation)
        } catch let error as ServiceError {
            #expect(error.code == .unauthenticated, sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected a ServiceError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("keys are fetched once and then served from the cache")
    func cachesKeys() async throws {
        let source = InMemoryJWKSSource(keys: [.primary])
        let verifier = makeVerifier(source)
        for _ in 0..<5 {
            let token = try await TestSigningKey.primary.sign(TestTokens.claims())
            _ = try await verifier.verify(token)
        }
        #expect(source.fetches == 1)
    }

    @Test("an unknown kid triggers exactly one refresh, and a second unknown kid within the interval none")
    func unknownKidRefreshesOnce() async throws {
        let source = InMemoryJWKSSource(keys: [.primary])
        let verifier = makeVerifier(source, minimumRefreshInterval: .seconds(60))
        let unknown = try await TestSigningKey.foreign.sign(TestTokens.claims(), kid: "kid-unknown-1")
        await expectUnauthenticated { _ = try await verifier.verify(unknown) }
        #expect(source.fetches == 1)

        let another = try await TestSigningKey.foreign.sign(TestTokens.claims(), kid: "kid-unknown-2")
        await expectUnauthenticated { _ = try await verifier.verify(another) }
        await expectUnauthenticated { _ = try await verifier.verify(unknown) }
        #expect(source.fetches == 1, "no refetch within the minimum refresh interval")

        // Known kids keep verifying from the cache meanwhile.
        _ = try await verifier.verify(try await TestSigningKey.primary.sign(TestTokens.claims()))
        #expect(source.fetches == 1)
    }

    @Test("after a good fetch, an unknown kid within the interval does not refetch")
    func unknownKidAfterPrimedCache() async throws {
        let source = InMemoryJWKSSource(keys: [.primary])
        let verifier = makeVerifier(source, minimumRefreshInterval: .seconds(60))
        _ = try await verifier.verify(try await TestSigningKey.primary.sign(TestTokens.claims()))
        #expect(source.fetches == 1)
        for index in 0..<10 {
            let forged = try await TestSigningKey.foreign.sign(TestTokens.claims(), kid: "forged-\(index)")
            await expectUnauthenticated { _ = try await verifier.verify(forged) }
        }
        #expect(source.fetches == 1)
    }

    @Test("many concurrent tokens with unknown kids cause at most one fetch")
    func concurrentUnknownKidsFetchOnce() async throws {
        let source = InMemoryJWKSSource(keys: [.primary], latency: .milliseconds(100))
        let verifier = makeVerifier(source, minimumRefreshInterval: .seconds(60))
        var tokens: [String] = []
        for index in 0..<20 {
            tokens.append(try await TestSigningKey.foreign.sign(TestTokens.claims(), kid: "flood-\(index)"))
        }
        await withTaskGroup(of: Void.self) { group in
            for token in tokens {
                group.addTask { _ = try? await verifier.verify(token) }
            }
        }
        #expect(source.fetches == 1)
    }

    @Test("a key added to the JWKS later verifies after the refresh its unknown kid triggers")
    func keyRotation() async throws {
        let source = InMemoryJWKSSource(keys: [.primary])
        let verifier = makeVerifier(source, minimumRefreshInterval: .zero)
        _ = try await verifier.verify(try await TestSigningKey.primary.sign(TestTokens.claims()))
        #expect(source.fetches == 1)

        let rotatedToken = try await TestSigningKey.rotated.sign(TestTokens.claims())
        source.publish([.primary, .rotated])
        let claims = try await verifier.verify(rotatedToken)
        #expect(claims.sub.value == "usr-0193a5c0-7d1e-7b3c-9f00-3c1d2e4f5a6b")
        #expect(source.fetches == 2)

        // Both keys now come from the cache: tokens of the old key stay valid until they expire.
        _ = try await verifier.verify(try await TestSigningKey.primary.sign(TestTokens.claims()))
        _ = try await verifier.verify(rotatedToken)
        #expect(source.fetches == 2)
    }

    @Test("a key removed from the JWKS stops verifying once the keys are refreshed")
    func keyRemoval() async throws {
        let source = InMemoryJWKSSource(keys: [.primary, .rotated])
        let verifier = makeVerifier(source, minimumRefreshInterval: .zero)
        let oldToken = try await TestSigningKey.primary.sign(TestTokens.claims())
        _ = try await verifier.verify(oldToken)
        source.publish([.rotated])
        verifier.invalidate()
        await expectUnauthenticated { _ = try await verifier.verify(oldToken) }
        _ = try await verifier.verify(try await TestSigningKey.rotated.sign(TestTokens.claims()))
    }

    @Test("a JWKS that cannot be fetched is a 503, not a 401, when no key is cached")
    func unreachableSource() async throws {
        let source = InMemoryJWKSSource(keys: [.primary])
        source.fail(with: JWKSUnreachable())
        let verifier = makeVerifier(source)
        do {
            _ = try await verifier.verify(try await TestSigningKey.primary.sign(TestTokens.claims()))
            Issue.record("verified without keys")
        } catch let error as ServiceError {
            #expect(error.code == .unavailable)
        }
    }

    @Test("RSA keys published for another algorithm are not used for RS256")
    func ignoresRSAKeysForOtherAlgorithms() async throws {
        let primary = TestSigningKey.primary.publicJWK
        let jwks: [String: Any] = ["keys": [
            ["kty": "RSA", "alg": "RS512", "use": "sig", "kid": "rs512-key", "n": primary["n"] ?? "", "e": primary["e"] ?? ""],
            primary,
        ]]
        let source = InMemoryJWKSSource(keys: [])
        source.publish(json: String(decoding: try JSONSerialization.data(withJSONObject: jwks), as: UTF8.self))
        let verifier = makeVerifier(source)
        _ = try await verifier.verify(try await TestSigningKey.primary.sign(TestTokens.claims()))
        let underRS512Kid = try await TestSigningKey.primary.sign(TestTokens.claims(), kid: "rs512-key")
        await expectUnauthenticated { _ = try await verifier.verify(underRS512Kid) }
    }

    @Test("a JWKS that also holds a key type the verifier does not understand still verifies its RSA keys")
    func toleratesUnknownKeyTypes() async throws {
        // RFC 7517 §5: implementations SHOULD ignore JWKs with a "kty" they do not understand.
        let jwks: [String: Any] = ["keys": [
            ["kty": "oct", "kid": "oct-key", "k": Base64URL.encode(Data("secret".utf8)), "alg": "HS256"],
            TestSigningKey.primary.publicJWK,
        ]]
        let source = InMemoryJWKSSource(keys: [])
        source.publish(json: String(decoding: try JSONSerialization.data(withJSONObject: jwks), as: UTF8.self))
        let verifier = makeVerifier(source)
        let token = try await TestSigningKey.primary.sign(TestTokens.claims())
        _ = try await verifier.verify(token)
    }

    @Test("with the JWKS source down on a cold cache, every concurrent verification is a 503, none a 401")
    func coldCacheOutageIsUnavailableForEveryone() async throws {
        let source = InMemoryJWKSSource(keys: [.primary], latency: .milliseconds(50))
        source.fail(with: JWKSUnreachable())
        let verifier = makeVerifier(source, minimumRefreshInterval: .seconds(60))
        let token = try await TestSigningKey.primary.sign(TestTokens.claims())
        let codes = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    do {
                        _ = try await verifier.verify(token)
                        return 200
                    } catch let error as ServiceError {
                        return error.code.status
                    } catch {
                        return 0
                    }
                }
            }
            var codes: [Int] = []
            for await code in group { codes.append(code) }
            return codes
        }
        #expect(codes.allSatisfy { $0 == 503 }, "\(codes)")
        // Within the refresh interval, a later request is still told the keys are unavailable.
        do {
            _ = try await verifier.verify(token)
            Issue.record("verified without keys")
        } catch let error as ServiceError {
            #expect(error.code == .unavailable)
        }
        #expect(source.fetches == 1, "one fetch for all of them")
    }
}
