import AuthKit
import Contracts
import Crypto
import Foundation
import JWTKit
import ServiceKit
import Testing
import TestSupport

/// The OIDC provider through the edge, the way a relying party and a browser use it.
@Suite("OIDC provider through the edge", .serialized)
struct OIDCFlowTests {
    static let password = "correct horse battery staple"

    /// Signs a fresh user up and signs a browser in through the login form.
    static func signedInBrowser(_ stack: SuiteStack) async throws -> (BrowserTestClient, String) {
        let email = "oidc-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        _ = try await stack.http.send("POST", "/api/v1/auth/signup", json: ["email": email, "password": password])
        let browser = BrowserTestClient(baseURL: stack.issuer)
        let page = try await browser.get("/oauth2/login")
        let csrf = try #require(BrowserTestClient.hiddenField("csrf", in: page.text))
        let login = try await browser.postForm("/oauth2/login", [("csrf", csrf), ("email", email), ("password", password), ("return_to", "/oauth2/account")])
        #expect(login.status == 303, "\(login.text)")
        #expect(browser.cookie("hxb_session") != nil)
        return (browser, email)
    }

    static func pkce() -> (verifier: String, challenge: String) {
        let verifier = Base64URL.encode(Data((0..<32).map { _ in UInt8.random(in: 0...255) }))
        return (verifier, Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8)))))
    }

    static func authorizePath(clientID: String = "hexabase", redirect: String = "http://localhost:8000", challenge: String?, state: String = "st-1", nonce: String = "n-1", scope: String = "openid email profile") -> String {
        var items = [("response_type", "code"), ("client_id", clientID), ("redirect_uri", redirect), ("scope", scope), ("state", state), ("nonce", nonce)]
        if let challenge { items += [("code_challenge", challenge), ("code_challenge_method", "S256")] }
        var components = URLComponents()
        components.queryItems = items.map { URLQueryItem(name: $0.0, value: $0.1) }
        return "/oauth2/authorize?" + (components.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
    }

    static func token(_ stack: SuiteStack, _ fields: [(String, String)], basic: (String, String)? = nil) async throws -> HTTPTestClient.Response {
        var headers: [String: String] = [:]
        if let basic { headers["Authorization"] = "Basic " + Data("\(basic.0):\(basic.1)".utf8).base64EncodedString() }
        return try await BrowserTestClient(baseURL: stack.issuer).postForm("/oauth2/token", fields, headers: headers)
    }

    @Test("discovery names this issuer exactly and its endpoints; the JWKS it points to verifies ID tokens")
    func discovery() async throws {
        try await SuiteStack.with() { stack in
            let response = try await stack.http.send("GET", "/.well-known/openid-configuration")
            #expect(response.status == 200)
            #expect(response.json["issuer"] as? String == stack.issuer)
            #expect(response.json["code_challenge_methods_supported"] as? [String] == ["S256"])
            #expect(response.json["id_token_signing_alg_values_supported"] as? [String] == ["RS256"])
            let jwks = try await stack.http.send("GET", "/oauth2/jwks")
            #expect(jwks.status == 200)
            #expect(((jwks.json["keys"] as? [[String: Any]])?.count ?? 0) >= 1)
        }
    }

    @Test("code + PKCE: login page, code, tokens; ID token for Kubernetes; wrong verifier, reused code, wrong redirect all refused")
    func authorizationCodeFlow() async throws {
        try await SuiteStack.with() { stack in
            let (browser, email) = try await Self.signedInBrowser(stack)
            let (verifier, challenge) = Self.pkce()
            // A fresh browser is asked to sign in first.
            let anonymous = try await BrowserTestClient(baseURL: stack.issuer).get(Self.authorizePath(challenge: challenge))
            #expect(anonymous.status == 200)
            #expect(anonymous.text.contains("Sign in to Hexabase"))

            let authorized = try await browser.get(Self.authorizePath(challenge: challenge))
            #expect(authorized.status == 302)
            #expect(authorized.location?.hasPrefix("http://localhost:8000?") == true)
            #expect(authorized.locationQuery["state"] == "st-1")
            #expect(authorized.locationQuery["iss"] == stack.issuer)
            let code = try #require(authorized.locationQuery["code"])

            let wrongVerifier = try await Self.token(stack, [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "http://localhost:8000"), ("client_id", "hexabase"), ("code_verifier", Self.pkce().verifier)])
            #expect(wrongVerifier.status == 400)
            #expect(wrongVerifier.json["error"] as? String == "invalid_grant")
            let wrongRedirect = try await Self.token(stack, [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "http://localhost:8000/other"), ("client_id", "hexabase"), ("code_verifier", verifier)])
            #expect(wrongRedirect.json["error"] as? String == "invalid_grant")

            let tokens = try await Self.token(stack, [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "http://localhost:8000"), ("client_id", "hexabase"), ("code_verifier", verifier)])
            #expect(tokens.status == 200, "\(tokens.text)")
            #expect(tokens.headers["cache-control"] == "no-store")
            let idToken = try #require(tokens.json["id_token"] as? String)
            let refresh = try #require(tokens.json["refresh_token"] as? String)
            let access = try #require(tokens.json["access_token"] as? String)

            // What a kube-apiserver checks: RS256 with a kid from the JWKS, iss, aud, exp; email and email_verified.
            let jwks = try await stack.http.send("GET", "/oauth2/jwks").text
            let keys = JWTKeyCollection()
            try await keys.add(jwksJSON: jwks)
            let claims = try await keys.verify(idToken, as: TestIDTokenClaims.self)
            #expect(claims.iss == stack.issuer)
            #expect(claims.aud == "hexabase")
            #expect(claims.nonce == "n-1")
            #expect(claims.email == email)
            #expect(claims.email_verified == false)
            let header = try #require(String(data: Base64URL.decode(String(idToken.split(separator: ".")[0])) ?? Data(), encoding: .utf8))
            #expect(header.contains(#""alg":"RS256""#) && header.contains(#""kid""#))

            // The code works once; its second use also revokes the tokens it gave.
            let reused = try await Self.token(stack, [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "http://localhost:8000"), ("client_id", "hexabase"), ("code_verifier", verifier)])
            #expect(reused.json["error"] as? String == "invalid_grant")
            let refreshAfterReuse = try await Self.token(stack, [("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", "hexabase")])
            #expect(refreshAfterReuse.json["error"] as? String == "invalid_grant")

            let userinfo = try await stack.http.send("GET", "/oauth2/userinfo", headers: ["Authorization": "Bearer \(access)"])
            #expect(userinfo.status == 200)
            #expect(userinfo.json["email"] as? String == email)
            let noToken = try await stack.http.send("GET", "/oauth2/userinfo")
            #expect(noToken.status == 401)
        }
    }

    @Test("authorization requests: unknown client and unregistered redirect are shown, not redirected; missing PKCE and plain PKCE are refused; loopback ports are accepted")
    func authorizationRejections() async throws {
        try await SuiteStack.with() { stack in
            let (browser, _) = try await Self.signedInBrowser(stack)
            let (_, challenge) = Self.pkce()
            let unknown = try await browser.get(Self.authorizePath(clientID: "nope", challenge: challenge))
            #expect(unknown.status == 400)
            #expect(unknown.location == nil)
            let evil = try await browser.get(Self.authorizePath(redirect: "https://evil.example.com/cb", challenge: challenge))
            #expect(evil.status == 400)
            #expect(evil.location == nil, "no open redirect")
            let noPKCE = try await browser.get(Self.authorizePath(challenge: nil))
            #expect(noPKCE.status == 302)
            #expect(noPKCE.locationQuery["error"] == "invalid_request")
            let plain = try await browser.get(Self.authorizePath(challenge: challenge).replacingOccurrences(of: "S256", with: "plain"))
            #expect(plain.locationQuery["error"] == "invalid_request")
            // RFC 8252: a native app's loopback redirect on another port.
            let loopback = try await browser.get(Self.authorizePath(redirect: "http://localhost:53124", challenge: challenge))
            #expect(loopback.status == 302)
            #expect(loopback.location?.hasPrefix("http://localhost:53124?code=") == true)
            // prompt=none without a session: an error to the client, no login page.
            let none = try await BrowserTestClient(baseURL: stack.issuer).get(Self.authorizePath(challenge: challenge) + "&prompt=none")
            #expect(none.locationQuery["error"] == "login_required")
            // A login form without its CSRF token is refused; return_to cannot leave the site.
            let forged = try await BrowserTestClient(baseURL: stack.issuer).postForm("/oauth2/login", [("email", "x@example.com"), ("password", "whatever"), ("return_to", "/oauth2/account")])
            #expect(forged.status == 403)
        }
    }

    @Test("client credentials for a service; introspection says active for live tokens; revocation ends a refresh family")
    func serviceTokensIntrospectionRevocation() async throws {
        try await SuiteStack.with() { stack in
            let wrongSecret = try await Self.token(stack, [("grant_type", "client_credentials")], basic: ("test-service", "wrong"))
            #expect(wrongSecret.status == 401)
            #expect(wrongSecret.json["error"] as? String == "invalid_client")
            let service = try await Self.token(stack, [("grant_type", "client_credentials")], basic: ("test-service", SuiteStack.serviceSecret))
            #expect(service.status == 200, "\(service.text)")
            let serviceToken = try #require(service.json["access_token"] as? String)
            #expect(service.json["refresh_token"] == nil)

            let email = "introspect-\(UUID().uuidString.prefix(6))@example.com"
            _ = try await stack.http.send("POST", "/api/v1/auth/signup", json: ["email": email, "password": Self.password])
            let login = try await stack.http.send("POST", "/api/v1/auth/login", json: ["email": email, "password": Self.password])
            let access = try #require(login.json["access_token"] as? String)
            let refresh = try #require(login.json["refresh_token"] as? String)

            let creds = ("test-service", SuiteStack.serviceSecret)
            let active = try await Self.token(stack, [("scope", "openid")], basic: creds)  // grant_type missing
            #expect(active.json["error"] as? String == "invalid_request")
            let browser = BrowserTestClient(baseURL: stack.issuer)
            let basic = "Basic " + Data("\(creds.0):\(creds.1)".utf8).base64EncodedString()
            let introspected = try await browser.postForm("/oauth2/introspect", [("token", access)], headers: ["Authorization": basic])
            #expect(introspected.json["active"] as? Bool == true)
            #expect(introspected.json["sub"] as? String != nil)
            let serviceIntrospected = try await browser.postForm("/oauth2/introspect", [("token", serviceToken)], headers: ["Authorization": basic])
            #expect(serviceIntrospected.json["kind"] as? String == "service")
            let refreshIntrospected = try await browser.postForm("/oauth2/introspect", [("token", refresh)], headers: ["Authorization": basic])
            #expect(refreshIntrospected.json["active"] as? Bool == true)
            let publicClient = try await browser.postForm("/oauth2/introspect", [("token", access), ("client_id", "hexabase")])
            #expect(publicClient.status == 401)

            let revoked = try await browser.postForm("/oauth2/revoke", [("token", refresh), ("client_id", "hexabase")])
            #expect(revoked.status == 200)
            let afterRevoke = try await browser.postForm("/oauth2/introspect", [("token", refresh)], headers: ["Authorization": basic])
            #expect(afterRevoke.json["active"] as? Bool == false)
            let refreshed = try await stack.http.send("POST", "/api/v1/auth/refresh", json: ["refresh_token": refresh])
            #expect(refreshed.status == 401)
        }
    }

    @Test("device flow: pending, slow_down, approval in the browser, tokens once; denial gives access_denied")
    func deviceFlow() async throws {
        try await SuiteStack.with() { stack in
            let start = try await BrowserTestClient(baseURL: stack.issuer).postForm("/oauth2/device_authorization", [("client_id", "hexabase"), ("scope", "openid email")])
            #expect(start.status == 200, "\(start.text)")
            let deviceCode = try #require(start.json["device_code"] as? String)
            let userCode = try #require(start.json["user_code"] as? String)
            #expect(start.json["verification_uri"] as? String == stack.issuer + "/oauth2/device")
            let poll: [(String, String)] = [("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("device_code", deviceCode), ("client_id", "hexabase")]
            let pending = try await Self.token(stack, poll)
            #expect(pending.json["error"] as? String == "authorization_pending")
            let tooFast = try await Self.token(stack, poll)
            #expect(tooFast.json["error"] as? String == "slow_down")

            let (browser, email) = try await Self.signedInBrowser(stack)
            let confirm = try await browser.get("/oauth2/device?user_code=" + userCode.lowercased())
            #expect(confirm.status == 200)
            #expect(confirm.text.contains(email))
            let csrf = try #require(BrowserTestClient.hiddenField("csrf", in: confirm.text))
            let approved = try await browser.postForm("/oauth2/device", [("csrf", csrf), ("user_code", userCode), ("action", "approve")])
            #expect(approved.status == 200)
            _ = try await stack.query("UPDATE device_authorizations SET last_polled_at = now() - interval '1 minute'")
            let tokens = try await Self.token(stack, poll)
            #expect(tokens.status == 200, "\(tokens.text)")
            #expect(tokens.json["id_token"] is String)
            let again = try await Self.token(stack, poll)
            #expect(again.json["error"] as? String == "invalid_grant")

            let second = try await BrowserTestClient(baseURL: stack.issuer).postForm("/oauth2/device_authorization", [("client_id", "hexabase")])
            let secondCode = try #require(second.json["user_code"] as? String)
            let page = try await browser.get("/oauth2/device?user_code=" + secondCode)
            let csrf2 = try #require(BrowserTestClient.hiddenField("csrf", in: page.text))
            _ = try await browser.postForm("/oauth2/device", [("csrf", csrf2), ("user_code", secondCode), ("action", "deny")])
            let denied = try await Self.token(stack, [("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), ("device_code", try #require(second.json["device_code"] as? String)), ("client_id", "hexabase")])
            #expect(denied.json["error"] as? String == "access_denied")
        }
    }

    @Test("wrong user codes on the device page are throttled per browser session (RFC 8628 §5.1)")
    func deviceCodeGuessing() async throws {
        try await SuiteStack.with(environment: ["HXB_AUTH_DEVICE_MAX_FAILURES_PER_SESSION": "3"]) { stack in
            let start = try await BrowserTestClient(baseURL: stack.issuer).postForm("/oauth2/device_authorization", [("client_id", "hexabase")])
            let realCode = try #require(start.json["user_code"] as? String)
            let (browser, _) = try await Self.signedInBrowser(stack)
            for guess in ["BBBB-BBBB", "CCCC-CCCC", "DDDD-DDDD"] {
                let wrong = try await browser.get("/oauth2/device?user_code=" + guess)
                #expect(wrong.status == 400)
            }
            let locked = try await browser.get("/oauth2/device?user_code=" + realCode)
            #expect(locked.status == 429, "even the right code waits once the session guessed too often")
            #expect(Int(locked.headers["retry-after"] ?? "") ?? 0 > 0)
            // Another session is not affected.
            let (other, _) = try await Self.signedInBrowser(stack)
            #expect(try await other.get("/oauth2/device?user_code=" + realCode).status == 200)
        }
    }
}

/// The ID token claims a test reads.
struct TestIDTokenClaims: JWTPayload {
    var iss: String
    var sub: String
    var aud: String
    var exp: ExpirationClaim
    var nonce: String?
    var email: String
    var email_verified: Bool
    var groups: [String]?

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}
