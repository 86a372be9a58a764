import AuthKit
import AuthService
import Foundation
import JWTKit
import Testing
import TestSupport

/// The first slice through real processes: HTTP → hxb-edge → NATS → hxb-auth → Postgres.
@Suite("End to end through the edge", .serialized)
struct EndToEndTests {
    @Test("sign-up, login and /me work through the edge, with the JSON error envelope for every refusal")
    func signUpLoginAndMe() async throws {
        try await SuiteStack.with() { stack in
            let http = stack.http
            let email = "e2e-\(UUID().uuidString.prefix(8))@Example.com"
            let password = "correct horse battery staple"

            let created = try await http.send("POST", "/api/v1/auth/signup", json: ["email": email, "password": password, "display_name": "E2E"])
            #expect(created.status == 201, "\(created.text)")
            #expect(created.headers["hxb-request-id"]?.isEmpty == false)
            let user = try #require(created.json["user"] as? [String: Any])
            let userID = try #require(user["id"] as? String)
            #expect(userID.hasPrefix("usr-"))
            #expect(user["email"] as? String == email.lowercased())
            #expect((user["create_time"] as? String)?.hasSuffix("Z") == true)

            let duplicate = try await http.send("POST", "/api/v1/auth/signup", json: ["email": email.uppercased(), "password": password])
            #expect(duplicate.status == 409)
            #expect(duplicate.errorCode == "conflict")
            let details = (duplicate.json["error"] as? [String: Any])?["details"] as? [[String: String]]
            #expect(details?.first?["field"] == "email")

            let weak = try await http.send("POST", "/api/v1/auth/signup", json: ["email": "weak-\(UUID().uuidString.prefix(6))@example.com", "password": "password123"])
            #expect(weak.status == 422)
            #expect(weak.errorCode == "unprocessable_entity")

            let invalidEmail = try await http.send("POST", "/api/v1/auth/signup", json: ["email": "not-an-email", "password": password])
            #expect(invalidEmail.status == 422)

            let wrongPassword = try await http.send("POST", "/api/v1/auth/login", json: ["email": email, "password": "not the password at all"])
            #expect(wrongPassword.status == 401)
            #expect(wrongPassword.errorCode == "unauthenticated")
            let unknownUser = try await http.send("POST", "/api/v1/auth/login", json: ["email": "nobody-\(UUID().uuidString.prefix(6))@example.com", "password": password])
            #expect(unknownUser.status == 401)
            #expect(unknownUser.text == wrongPassword.text, "an unknown e-mail must look exactly like a wrong password")

            let login = try await http.send("POST", "/api/v1/auth/login", json: ["email": email, "password": password])
            #expect(login.status == 200, "\(login.text)")
            let token = try #require(login.json["access_token"] as? String)
            #expect(login.json["token_type"] as? String == "Bearer")
            #expect(login.json["expires_in"] as? Int == 900)

            let me = try await http.send("GET", "/api/v1/auth/me", headers: ["Authorization": "Bearer \(token)"])
            #expect(me.status == 200, "\(me.text)")
            #expect((me.json["user"] as? [String: Any])?["id"] as? String == userID)
            #expect((me.json["session_id"] as? String)?.hasPrefix("ses-") == true)

            // The password is stored as an Argon2id hash, and every security event is audited.
            let hashes = try await stack.query("SELECT password_hash FROM users")
            #expect(try hashes.first?.decode(String.self, column: "password_hash").hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$") == true)
            let audit = try await stack.query("SELECT action || ':' || outcome AS event FROM audit_events ORDER BY id")
            let events = try audit.map { try $0.decode(String.self, column: "event") }
            #expect(events.contains("auth.signup:success"))
            #expect(events.contains("auth.signup:failure"))
            #expect(events.contains("auth.login:failure"))
            #expect(events.contains("auth.login:success"))

            let jwks = try await http.send("GET", "/.well-known/jwks.json")
            #expect(jwks.status == 200)
            #expect((jwks.json["keys"] as? [[String: Any]])?.first?["alg"] as? String == "RS256")
        }
    }

    @Test("malformed requests and unknown routes get the JSON error envelope with the right status")
    func badInput() async throws {
        try await SuiteStack.with() { stack in
            let http = stack.http
            let cases: [(String, String, String?, String?, Int, String)] = [
                ("POST", "/api/v1/auth/login", "{bad json", "application/json", 400, "invalid_argument"),
                ("POST", "/api/v1/auth/login", #"{"email": 42}"#, "application/json", 400, "invalid_argument"),
                ("POST", "/api/v1/auth/login", #"{"unexpected": "field"}"#, "application/json", 400, "invalid_argument"),
                ("POST", "/api/v1/auth/login", #"{"email":"a@b.co"}"#, "text/plain", 400, "invalid_argument"),
                ("POST", "/api/v1/auth/signup", "[1,2,3]", "application/json", 400, "invalid_argument"),
                ("GET", "/api/v1/nothing-here", nil, nil, 404, "not_found"),
                ("DELETE", "/api/v1/auth/me", nil, nil, 404, "not_found"),
                ("POST", "/api/v1/auth/signup", "{\"email\":\"" + String(repeating: "a", count: 600_000) + "\"}", "application/json", 413, "payload_too_large"),
            ]
            for (method, path, body, type, status, code) in cases {
                let response = try await http.send(method, path, raw: body, contentType: type)
                #expect(response.status == status, "\(method) \(path) \(body?.prefix(40) ?? "")")
                #expect(response.errorCode == code, "\(method) \(path): \(response.text.prefix(200))")
                #expect(response.headers["content-type"] == "application/json")
            }
            // The services survived all of it.
            let ready = try await http.send("GET", "/readyz")
            #expect(ready.status == 200)
        }
    }

    @Test("missing, malformed, forged, foreign, expired, alg-none and HMAC tokens are all refused with 401")
    func tokenRejections() async throws {
        try await SuiteStack.with() { stack in
            let http = stack.http
            let rows = try await stack.query("SELECT kid, private_key_sealed, sealing_key_id, private_key_pem FROM signing_keys WHERE retired_at IS NULL")
            let row = try #require(rows.first)
            let realKid = try row.decode(String.self, column: "kid")
            #expect(try row.decode(String?.self, column: "private_key_pem") == nil, "the private key is stored sealed only")
            let realPEM = try KeySealer(current: stack.keyEncryptionKey).open(
                try row.decode(Data.self, column: "private_key_sealed"), keyID: try row.decode(String.self, column: "sealing_key_id"), kid: realKid
            )

            // A user with a real session, so that only the token's own defect can fail it.
            let email = "tokens-\(UUID().uuidString.prefix(8))@example.com"
            _ = try await http.send("POST", "/api/v1/auth/signup", json: ["email": email, "password": "correct horse battery staple"])
            let login = try await http.send("POST", "/api/v1/auth/login", json: ["email": email, "password": "correct horse battery staple"])
            let good = try #require(login.json["access_token"] as? String)
            let claims = try await TokenVerifier(source: StaticJWKS(json: try await http.send("GET", "/.well-known/jwks.json").text), issuer: stack.issuer, logger: TestLogging.logger("e2e")).verify(good)
            func forge(pem: String = realPEM, kid: String = realKid, issuer: String = stack.issuer, audience: String = "hexabase", now: Date = Date()) async throws -> String {
                let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
                let forged = AccessTokenClaims(
                    issuer: issuer, subject: claims.sub.value, audience: [audience], issuedAt: now,
                    expiresAt: now.addingTimeInterval(900), tokenID: UUID().uuidString, sessionID: claims.sid
                )
                let keys = JWTKeyCollection()
                await keys.add(rsa: try Insecure.RSA.PrivateKey(pem: pem), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
                return try await keys.sign(forged, kid: JWKIdentifier(string: kid))
            }

            let expired = try await forge(now: Date().addingTimeInterval(-3600))
            let otherKey = try SigningKey.generate()
            let unknownKid = try await forge(pem: otherKey.privateKeyPEM, kid: otherKey.kid)
            let wrongSignature = try await forge(pem: otherKey.privateKeyPEM)
            let foreignIssuer = try await forge(issuer: "https://evil.example.com")
            let wrongAudience = try await forge(audience: "kubernetes")
            // The forger itself makes tokens the service accepts: the refusals below are about the defects.
            #expect(try await http.send("GET", "/api/v1/auth/me", headers: ["Authorization": "Bearer \(try await forge())"]).status == 200)
            let goodParts = good.split(separator: ".")
            let algNone = Base64URL.encode(Data(#"{"alg":"none","kid":"\#(realKid)","typ":"JWT"}"#.utf8)) + "." + goodParts[1] + "."
            let hmacKeys = JWTKeyCollection()
            let publicPEM = try Insecure.RSA.PrivateKey(pem: realPEM).publicKey.pemRepresentation
            await hmacKeys.add(hmac: HMACKey(from: publicPEM), digestAlgorithm: .sha256, kid: JWKIdentifier(string: realKid))
            let hmac = try await hmacKeys.sign(claims, kid: JWKIdentifier(string: realKid))
            let tampered = goodParts[0] + "." + Base64URL.encode(Data(#"{"sub":"usr-someone-else"}"#.utf8)) + "." + goodParts[2]

            let headers: [(String, [String: String])] = [
                ("missing", [:]),
                ("not bearer", ["Authorization": "Basic dXNlcjpwYXNz"]),
                ("empty bearer", ["Authorization": "Bearer "]),
                ("garbage", ["Authorization": "Bearer not.a.jwt"]),
                ("expired", ["Authorization": "Bearer \(expired)"]),
                ("unknown kid", ["Authorization": "Bearer \(unknownKid)"]),
                ("wrong signature", ["Authorization": "Bearer \(wrongSignature)"]),
                ("foreign issuer", ["Authorization": "Bearer \(foreignIssuer)"]),
                ("wrong audience", ["Authorization": "Bearer \(wrongAudience)"]),
                ("alg none", ["Authorization": "Bearer \(algNone)"]),
                ("HS256 with the public key", ["Authorization": "Bearer \(hmac)"]),
                ("tampered payload", ["Authorization": "Bearer \(tampered)"]),
            ]
            for (name, header) in headers {
                let response = try await http.send("GET", "/api/v1/auth/me", headers: header)
                #expect(response.status == 401, "\(name): \(response.text)")
                #expect(response.errorCode == "unauthenticated", "\(name)")
                #expect(response.headers["www-authenticate"]?.hasPrefix("Bearer") == true, "\(name)")
            }
            // The good token still works: the refusals were about the tokens, not the stack.
            let me = try await http.send("GET", "/api/v1/auth/me", headers: ["Authorization": "Bearer \(good)"])
            #expect(me.status == 200)
        }
    }

    @Test("two auth replicas started together migrate once, share one signing key, both serve, and stop gracefully")
    func replicas() async throws {
        let stack = try await SuiteStack.start(authReplicas: 2)
        do {
            let migrations = try await stack.query("SELECT count(*) AS n FROM schema_migrations")
            #expect(try migrations.first?.decode(Int.self, column: "n") == 4, "0001 to 0004")
            let keys = try await stack.query("SELECT count(*) AS n FROM signing_keys")
            #expect(try keys.first?.decode(Int.self, column: "n") == 1)
            let http = stack.http
            for index in 0..<20 {
                let response = try await http.send("POST", "/api/v1/auth/signup", json: ["email": "replica-\(index)-\(UUID().uuidString.prefix(6))@example.com", "password": "correct horse battery staple"])
                #expect(response.status == 201)
            }
            try await waitUntil("both replicas to have served requests") {
                stack.auth.allSatisfy { $0.output.contains("\"msg\":\"user signed up\"") }
            }
        } catch {
            print(stack.logs)
            await stack.stop()
            throw error
        }
        let statuses = await stack.stop()
        #expect(statuses.allSatisfy { $0 == 0 }, "every process exits 0 on SIGTERM: \(statuses)")
        #expect(stack.auth.allSatisfy { $0.output.contains("shut down cleanly") })
    }
}

/// A fixed JWKS, for decoding the claims of a token the test received.
struct StaticJWKS: JWKSSource {
    let json: String
    func fetchJWKS() async throws -> String { json }
}
