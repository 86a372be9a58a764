@testable import AuthService
import AuthKit
import Foundation
import JWTKit
import Testing

@Suite("Federation: ID token rules (no I/O)")
struct FederationIDTokenTests {
    let validator = IDTokenValidator(issuer: "https://idp.example", clientID: "client", leeway: .seconds(60), maximumAge: .seconds(3600))
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func claims(_ change: (inout UpstreamIDTokenClaims) -> Void = { _ in }) -> UpstreamIDTokenClaims {
        var claims = UpstreamIDTokenClaims(
            iss: "https://idp.example", sub: "u1", aud: AudienceClaim(value: ["client"]),
            exp: ExpirationClaim(value: now.addingTimeInterval(300)), iat: IssuedAtClaim(value: now), nonce: "n-1"
        )
        change(&claims)
        return claims
    }

    private func rejection(_ claims: UpstreamIDTokenClaims, nonce: String = "n-1") -> String? {
        do {
            try validator.validate(claims, nonce: nonce, now: now)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test("valid claims pass; the leeway absorbs small clock skew")
    func accepts() {
        #expect(rejection(claims()) == nil)
        #expect(rejection(claims { $0.exp = ExpirationClaim(value: now.addingTimeInterval(-30)) }) == nil)
        #expect(rejection(claims { $0.iat = IssuedAtClaim(value: now.addingTimeInterval(30)) }) == nil)
        #expect(rejection(claims { $0.aud = AudienceClaim(value: ["client", "api"]); $0.azp = "client" }) == nil)
    }

    @Test("each claim rule names its reason")
    func rejects() {
        #expect(rejection(claims { $0.iss = "https://idp.example/" }) == "the ID token was issued by another issuer")
        #expect(rejection(claims { $0.sub = "" }) == "the ID token's subject is empty or too long")
        #expect(rejection(claims { $0.aud = AudienceClaim(value: ["other"]) }) == "the ID token is for another client")
        #expect(rejection(claims { $0.aud = AudienceClaim(value: ["client", "api"]) }) == "the ID token has several audiences and no authorized party")
        #expect(rejection(claims { $0.azp = "api" }) == "the ID token was issued to another party")
        #expect(rejection(claims { $0.exp = ExpirationClaim(value: now.addingTimeInterval(-61)) }) == "the ID token has expired")
        #expect(rejection(claims { $0.iat = IssuedAtClaim(value: now.addingTimeInterval(120)) }) == "the ID token was issued in the future")
        #expect(rejection(claims { $0.iat = IssuedAtClaim(value: now.addingTimeInterval(-7200)) }) == "the ID token was issued too long ago")
        #expect(rejection(claims { $0.nbf = NotBeforeClaim(value: now.addingTimeInterval(600)) }) == "the ID token is not valid yet")
        #expect(rejection(claims { $0.nonce = nil }) == "the ID token has no nonce")
        #expect(rejection(claims(), nonce: "n-2") == "the ID token's nonce does not match")
        #expect(rejection(claims(), nonce: "n-1 ") == "the ID token's nonce does not match")
    }

    @Test("the header allows only the listed asymmetric algorithms and a signature")
    func headers() throws {
        func token(_ header: String, signature: String = "c2ln") -> String {
            Base64URL.encode(Data(header.utf8)) + ".e30." + signature
        }
        #expect(try IDTokenHeader.parse(token(#"{"alg":"RS256","kid":"a"}"#)) == IDTokenHeader(algorithm: .rs256, keyID: "a"))
        #expect(try IDTokenHeader.parse(token(#"{"alg":"PS256"}"#)) == IDTokenHeader(algorithm: .ps256, keyID: nil))
        for bad in [#"{"alg":"none"}"#, #"{"alg":"HS256"}"#, #"{"alg":"RS256","crit":["exp"]}"#, "not json"] {
            #expect(throws: IDTokenRejection.self, "\(bad)") { try IDTokenHeader.parse(token(bad)) }
        }
        #expect(throws: IDTokenRejection("the ID token is not signed")) { try IDTokenHeader.parse(token(#"{"alg":"ES256"}"#, signature: "")) }
        #expect(throws: IDTokenRejection("the ID token is malformed")) { try IDTokenHeader.parse("a.b") }
    }

    @Test("a key is chosen by kid, type, curve and pinned alg; without kid only an unambiguous key")
    func keySelection() throws {
        func key(_ json: String) throws -> JWK { try JSONDecoder().decode(JWK.self, from: Data(json.utf8)) }
        let rsa = try key(#"{"kty":"RSA","kid":"r1","n":"AQAB","e":"AQAB"}"#)
        let rsaPS = try key(#"{"kty":"RSA","kid":"r2","alg":"PS256","n":"AQAB","e":"AQAB"}"#)
        let ec = try key(#"{"kty":"EC","kid":"e1","crv":"P-256","x":"AA","y":"AA"}"#)
        let keys = [rsa, rsaPS, ec]
        #expect(UpstreamKeySet.select(from: keys, for: .init(algorithm: .rs256, keyID: "r1"))?.keyIdentifier?.string == "r1")
        #expect(UpstreamKeySet.select(from: keys, for: .init(algorithm: .rs256, keyID: "r2")) == nil)
        #expect(UpstreamKeySet.select(from: keys, for: .init(algorithm: .ps256, keyID: "r2"))?.keyIdentifier?.string == "r2")
        #expect(UpstreamKeySet.select(from: keys, for: .init(algorithm: .rs256, keyID: "e1")) == nil)
        #expect(UpstreamKeySet.select(from: keys, for: .init(algorithm: .es384, keyID: "e1")) == nil)
        #expect(UpstreamKeySet.select(from: keys, for: .init(algorithm: .es256, keyID: nil))?.keyIdentifier?.string == "e1")
        #expect(UpstreamKeySet.select(from: [rsa, rsa], for: .init(algorithm: .rs256, keyID: nil)) == nil)
    }

    @Test("a JWKS parse skips encryption keys, private keys and keys it cannot read")
    func keySetParsing() throws {
        let json = #"""
        {"keys": [{"kty":"RSA","kid":"sig","use":"sig","n":"AQAB","e":"AQAB"},
                  {"kty":"RSA","kid":"enc","use":"enc","n":"AQAB","e":"AQAB"},
                  {"kty":"RSA","kid":"priv","n":"AQAB","e":"AQAB","d":"AQAB"},
                  {"kty":"oct","kid":"hmac","k":"c2VjcmV0"}, "junk"]}
        """#
        let keys = try #require(UpstreamKeySet.parse(Array(json.utf8)))
        #expect(keys.map { $0.keyIdentifier?.string } == ["sig"])
        #expect(UpstreamKeySet.parse(Array("[]".utf8)) == nil)
    }

    @Test("the constant-time comparison is plain equality")
    func constantTime() {
        #expect(ConstantTime.equal("abc", "abc"))
        #expect(!ConstantTime.equal("abc", "abd"))
        #expect(!ConstantTime.equal("abc", "abcd"))
        #expect(ConstantTime.equal("", ""))
    }
}
