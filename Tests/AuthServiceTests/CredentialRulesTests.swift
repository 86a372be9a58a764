@testable import AuthService
import AuthKit
import Foundation
import ServiceKit
import Testing

@Suite("Credential rules, password hashing and signing keys (no I/O)")
struct CredentialRulesTests {
    @Test("e-mail addresses are trimmed and lower-cased; malformed ones are a 422 on the email field")
    func emails() throws {
        #expect(try CredentialRules.normalizedEmail("  Alice@Example.COM ") == "alice@example.com")
        #expect(try CredentialRules.normalizedEmail("o'brien+tag@mail.example.co.uk") == "o'brien+tag@mail.example.co.uk")
        for bad in ["", "alice", "@example.com", "alice@", "alice@example", "a b@example.com", "alice@@example.com",
                    "alice@.example.com", "alice@example..com", "<alice>@example.com", String(repeating: "a", count: 250) + "@example.com",
                    // What mail cannot be sent to (MailAddress's grammar): the account would never get its mails.
                    "josé@example.com", "a..b@example.com", ".alice@example.com", "alice@exämple.com"] {
            #expect(throws: ServiceError.self, "\(bad)") { try CredentialRules.normalizedEmail(bad) }
            do {
                _ = try CredentialRules.normalizedEmail(bad)
            } catch {
                #expect(error.code == .unprocessableEntity)
                #expect(error.fieldViolations.first?.field == "email")
            }
        }
    }

    @Test("weak passwords are refused with a 422 naming the password field; strong ones pass")
    func passwords() throws {
        let email = "alice@example.com"
        for weak in ["short", "aaaaaaaaaaaa", "password123", "1234567890", "alice-secret-2024", String(repeating: "x", count: 300)] {
            do {
                try CredentialRules.checkPassword(weak, email: email)
                Issue.record("accepted a weak password: \(weak.prefix(20))")
            } catch {
                #expect(error.code == .unprocessableEntity)
                #expect(error.fieldViolations.first?.field == "password")
            }
        }
        try CredentialRules.checkPassword("correct horse battery staple", email: email)
        try CredentialRules.checkPassword("Zürich-Bahnhof-42", email: email)
    }

    @Test("Argon2id hashes verify the right password only, and a malformed hash never verifies")
    func hashing() async throws {
        let hasher = PasswordHasher(memoryKiB: 8_192, iterations: 1)
        let hash = try await hasher.hash("correct horse battery staple")
        #expect(hash.hasPrefix("$argon2id$v=19$m=8192,t=1,p=1$"))
        #expect(await hasher.verify("correct horse battery staple", against: hash))
        #expect(!(await hasher.verify("correct horse battery stapler", against: hash)))
        #expect(!(await hasher.verify("anything", against: "not-a-hash")))
        #expect(try await hasher.hash("same") != (try await hasher.hash("same")), "every hash has its own salt")
    }

    @Test("a signing key's kid is its RFC 7638 thumbprint, and its JWKS verifies the tokens it signs")
    func signingKeys() async throws {
        let key = try SigningKey.generate()
        #expect(key.kid.count == 43)
        #expect(key.publicJWK.contains(#""kid":"\#(key.kid)""#))
        let issuer = TokenIssuer(
            keys: try await FixedSigner(key), issuer: "https://issuer.test", audience: "hexabase",
            accessTokenLifetime: .seconds(900), idTokenLifetime: .seconds(900)
        )
        let (token, claims) = try await issuer.accessToken(subject: "usr-1", sessionID: "ses-1")
        #expect(claims.exp.value.timeIntervalSince(claims.iat.value) == 900)
        #expect(claims.iat.value.timeIntervalSince1970.rounded() == claims.iat.value.timeIntervalSince1970, "NumericDate in whole seconds")
        let verifier = TokenVerifier(source: FixedJWKS(json: SigningKey.jwks([key.publicJWK])), issuer: "https://issuer.test", logger: .init(label: "test"))
        let identity = try await verifier.authenticate(bearerToken: token)
        #expect(identity.subject == "usr-1")
        #expect(identity.sessionID == "ses-1")
        #expect(identity.kind == .user)
    }
}

struct FixedJWKS: JWKSSource {
    let json: String
    func fetchJWKS() async throws -> String { json }
}
