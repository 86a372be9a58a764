import Contracts
import Foundation
import ServiceKit
import Synchronization
import Testing
import TestSupport

/// Federated sign-in through the edge against a real upstream OpenID Connect provider:
/// oidc-provider-mock (PyPI, authlib underneath), configured through
/// `HXB_AUTH_UPSTREAM_PROVIDERS` exactly as an operator would configure Google or Keycloak.
@Suite("Federated sign-in through the edge against oidc-provider-mock", .serialized)
struct FederationFlowTests {
    /// Users the mock knows. Its authorization page signs in whichever `sub` is posted.
    static let alice = #"{"sub": "fed-alice", "email": "alice@example.com", "email_verified": true, "name": "Alice Liddell"}"#
    static let bob = #"{"sub": "fed-bob", "email": "bob@example.com", "email_verified": true, "name": "Bob"}"#
    static let carol = #"{"sub": "fed-carol", "email": "carol@example.com", "email_verified": true, "name": "Carol"}"#
    static let eve = #"{"sub": "fed-eve", "email": "eve@example.com", "email_verified": false, "name": "Eve"}"#

    /// The mock (nonces required) and a suite whose auth offers it as provider `mock`.
    static func start() async throws -> (PythonServer, SuiteStack) {
        let mock = try await PythonServer.start("oidc-provider-mock", requiredModules: ["oidc_provider_mock"]) { port in
            ["-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", String(port), "--require-nonce",
             "--user-claims", alice, "--user-claims", bob, "--user-claims", carol, "--user-claims", eve]
        }
        // The mock accepts any client id and secret that it has not registered.
        let providers = #"[{"id": "mock", "kind": "oidc", "display_name": "Mock", "issuer": "\#(mock.baseURL)", "client_id": "hexabase-edge", "client_secret": "edge-secret"}]"#
        do {
            return (mock, try await SuiteStack.start(environment: ["HXB_AUTH_UPSTREAM_PROVIDERS": providers]))
        } catch {
            print("--- oidc-provider-mock:\n\(mock.output)")
            await mock.stop()
            throw error
        }
    }

    /// Runs `body` with the mock and the stack, printing every log when it throws.
    static func withStack(_ body: (PythonServer, SuiteStack) async throws -> Void) async throws {
        let (mock, stack) = try await start()
        do {
            try await body(mock, stack)
        } catch {
            print(stack.logs)
            print("--- oidc-provider-mock:\n\(mock.output)")
            await stack.stop()
            await mock.stop()
            throw error
        }
        await stack.stop()
        await mock.stop()
    }

    /// One round trip: the edge sends the browser to the mock, `subject` approves there, the
    /// mock sends the browser back. Returns the callback URL on the edge (not yet opened).
    static func upstreamCallback(_ stack: SuiteStack, _ browser: BrowserTestClient, mock: PythonServer, subject: String) async throws -> String {
        let start = try await browser.get("/oauth2/federated/mock?return_to=/oauth2/account")
        try #require(start.status == 302, "federated start answered \(start.status): \(start.text)")
        let authorize = try #require(start.location)
        #expect(authorize.hasPrefix(mock.baseURL + "/oauth2/authorize?"))
        let query = start.locationQuery
        #expect(query["response_type"] == "code")
        #expect(query["client_id"] == "hexabase-edge")
        #expect(query["redirect_uri"] == stack.issuer + "/oauth2/federated/mock/callback")
        #expect(query["state"].map { !$0.isEmpty } == true)
        #expect(query["nonce"].map { !$0.isEmpty } == true)
        #expect(query["code_challenge"]?.count == 43)
        #expect(query["code_challenge_method"] == "S256")
        #expect(query["scope"]?.split(separator: " ").contains("openid") == true)

        // The user's browser at the mock: its page posts `sub` back to the same URL.
        let approved = try await BrowserTestClient(baseURL: mock.baseURL).postForm(authorize, [("sub", subject)])
        try #require(approved.status == 302, "the mock answered \(approved.status): \(approved.text.prefix(400))")
        let callback = try #require(approved.location)
        #expect(callback.hasPrefix(stack.issuer + "/oauth2/federated/mock/callback?"))
        #expect(approved.locationQuery["state"] == query["state"])
        #expect(approved.locationQuery["code"] != nil)
        return callback
    }

    /// A full federated sign-in of `subject` in `browser`; expects the session and the account page.
    static func signIn(_ stack: SuiteStack, _ browser: BrowserTestClient, mock: PythonServer, subject: String, email: String) async throws {
        let callback = try await upstreamCallback(stack, browser, mock: mock, subject: subject)
        let finished = try await browser.get(callback)
        try #require(finished.status == 303, "the callback answered \(finished.status): \(finished.text)")
        #expect(finished.location == "/oauth2/account")
        #expect(browser.cookie("hxb_session") != nil)
        let account = try await browser.get("/oauth2/account")
        #expect(account.status == 200)
        #expect(account.text.contains("You are signed in as \(email)."), "\(account.text)")
    }

    static func count(_ stack: SuiteStack, _ sql: String) async throws -> Int {
        try await stack.query(sql).first?.decode(Int.self, column: "n") ?? -1
    }

    @Test("login page offers the provider; sign-in creates one user, verified, announced by user.created; a second sign-in reuses it; a replayed or forged state is refused")
    func signInThroughUpstream() async throws {
        try await Self.withStack { mock, stack in
            let events = try await NATSConnection.connect(configuration: NATSConfiguration(servers: stack.nats.url), logger: TestLogging.logger("events"))
            let received = Mutex<[NATSMessage]>([])
            let subscription = try events.subscribe(subject: "hxb.events.auth.user.created") { message in received.withLock { $0.append(message) } }
            try await events.flush()

            let browser = BrowserTestClient(baseURL: stack.issuer)
            let login = try await browser.get("/oauth2/login")
            #expect(login.status == 200)
            #expect(login.text.contains(#"href="/oauth2/federated/mock?return_to=%2Foauth2%2Faccount">Sign in with Mock</a>"#), "\(login.text)")

            let callback = try await Self.upstreamCallback(stack, browser, mock: mock, subject: "fed-alice")
            let state = try #require(browser.cookie("hxb_federation"), "the start sets the binding cookie")
            #expect(URLComponents(string: callback)?.queryItems?.first { $0.name == "state" }?.value == state)
            // Login CSRF: the callback link opened in another browser (a victim's) signs nobody
            // in, and does not spend the attempt of the browser that started it.
            let victim = BrowserTestClient(baseURL: stack.issuer)
            let elsewhere = try await victim.get(callback)
            #expect(elsewhere.status == 400)
            #expect(elsewhere.text.contains("started in another browser"))
            #expect(victim.cookie("hxb_session") == nil)

            let finished = try await browser.get(callback)
            #expect(finished.status == 303, "\(finished.text)")
            #expect(finished.location == "/oauth2/account")
            #expect(browser.cookie("hxb_federation") == nil, "the binding cookie is cleared")
            let account = try await browser.get("/oauth2/account")
            #expect(account.text.contains("You are signed in as alice@example.com."), "\(account.text)")

            let users = try await stack.query("SELECT id, email_verified, display_name, password_hash IS NULL AS no_password FROM users")
            #expect(users.count == 1)
            let userID = try #require(try users.first?.decode(String.self, column: "id"))
            #expect(try users.first?.decode(Bool.self, column: "email_verified") == true)
            #expect(try users.first?.decode(String.self, column: "display_name") == "Alice Liddell")
            #expect(try users.first?.decode(Bool.self, column: "no_password") == true)
            let identities = try await stack.query("SELECT provider, subject, user_id FROM federated_identities")
            #expect(identities.count == 1)
            #expect(try identities.first?.decode(String.self, column: "subject") == "fed-alice")
            #expect(try identities.first?.decode(String.self, column: "user_id") == userID)

            // The callback works once: its state was consumed (even with the binding cookie back).
            browser.setCookie("hxb_federation", state)
            let replayed = try await browser.get(callback)
            #expect(replayed.status == 400)
            #expect(replayed.text.contains("unknown or expired"))
            // A state the edge never issued, with a code the mock did issue, is refused as well.
            let forger = BrowserTestClient(baseURL: stack.issuer)
            let otherCallback = try await Self.upstreamCallback(stack, forger, mock: mock, subject: "fed-alice")
            let forgedState = "st_forged-\(UUID().uuidString)"
            var forged = try #require(URLComponents(string: otherCallback))
            forged.queryItems = forged.queryItems?.map { $0.name == "state" ? URLQueryItem(name: "state", value: forgedState) : $0 }
            forger.setCookie("hxb_federation", forgedState)
            let forgedAnswer = try await forger.get(try #require(forged.string))
            #expect(forgedAnswer.status == 400)
            #expect(forgedAnswer.location == nil)
            #expect(forger.cookie("hxb_session") == nil)
            let noState = try await BrowserTestClient(baseURL: stack.issuer).get("/oauth2/federated/mock/callback?code=abc")
            #expect(noState.status == 400)

            // Signing in again (another browser) finds the same user through the linked identity.
            let second = BrowserTestClient(baseURL: stack.issuer)
            try await Self.signIn(stack, second, mock: mock, subject: "fed-alice", email: "alice@example.com")
            #expect(try await Self.count(stack, "SELECT count(*) AS n FROM users") == 1)
            #expect(try await Self.count(stack, "SELECT count(*) AS n FROM federated_identities") == 1)
            #expect(try await Self.count(stack, "SELECT count(*) AS n FROM sessions WHERE user_id = '\(userID)' AND revoked_at IS NULL") == 2)

            try await waitUntil("the user.created event", timeout: .seconds(30), interval: .milliseconds(50)) {
                received.withLock { !$0.isEmpty }
            }
            let event = try Hexabase_Auth_V1_UserCreated(serializedBytes: try #require(received.withLock { $0.first }).payload)
            #expect(event.user.id == userID)
            #expect(event.user.email == "alice@example.com")
            #expect(event.signUpMethod == "mock")
            await subscription.drain(timeout: .seconds(1))
            await events.close()
            #expect(received.withLock { $0.count } == 1, "one user, one event")
        }
    }

    @Test("a local account with the same e-mail is linked, not duplicated; if its address was never verified its password and sessions are dropped (pre-hijacking); an unverified upstream e-mail is refused")
    func linkingAndUnverifiedEmail() async throws {
        try await Self.withStack { mock, stack in
            let password = "correct horse battery staple"
            // Bob's account was opened with his address by someone who never proved they own
            // it (its verification mail went to Bob); Carol verified hers.
            for email in ["bob@example.com", "carol@example.com"] {
                let signup = try await stack.http.send("POST", "/api/v1/auth/signup", json: ["email": email, "password": password])
                try #require(signup.status == 201, "\(signup.text)")
            }
            _ = try await stack.query("UPDATE users SET email_verified = true WHERE email = 'carol@example.com'")
            let bobID = try #require(try await stack.query("SELECT id FROM users WHERE email = 'bob@example.com'").first?.decode(String.self, column: "id"))
            let squatter = try await stack.http.send("POST", "/api/v1/auth/login", json: ["email": "bob@example.com", "password": password])
            let squatterRefresh = try #require(squatter.json["refresh_token"] as? String, "\(squatter.text)")

            try await Self.signIn(stack, BrowserTestClient(baseURL: stack.issuer), mock: mock, subject: "fed-bob", email: "bob@example.com")
            try await Self.signIn(stack, BrowserTestClient(baseURL: stack.issuer), mock: mock, subject: "fed-carol", email: "carol@example.com")
            #expect(try await Self.count(stack, "SELECT count(*) AS n FROM users") == 2)
            let link = try await stack.query("SELECT user_id FROM federated_identities WHERE provider = 'mock' AND subject = 'fed-bob'")
            #expect(try link.first?.decode(String.self, column: "user_id") == bobID)
            #expect(try await Self.count(stack, "SELECT count(*) AS n FROM federated_identities") == 2)
            // The upstream provider vouched for both addresses.
            #expect(try await Self.count(stack, "SELECT count(*) AS n FROM users WHERE email_verified") == 2)

            // Whoever chose Bob's password is out: password gone, session and refresh token dead.
            let oldPassword = try await stack.http.send("POST", "/api/v1/auth/login", json: ["email": "bob@example.com", "password": password])
            #expect(oldPassword.status == 401, "\(oldPassword.text)")
            let oldRefresh = try await stack.http.send("POST", "/api/v1/auth/refresh", json: ["refresh_token": squatterRefresh])
            #expect(oldRefresh.status == 401, "\(oldRefresh.text)")
            #expect(try await Self.count(stack, "SELECT count(*) AS n FROM sessions WHERE user_id = '\(bobID)' AND revoked_reason = 'unverified_account_linked'") == 1)
            // Carol had proven her address: her password keeps working.
            let carol = try await stack.http.send("POST", "/api/v1/auth/login", json: ["email": "carol@example.com", "password": password])
            #expect(carol.status == 200, "\(carol.text)")

            // Eve's provider does not vouch for her address: no session, no user, no link.
            let browser = BrowserTestClient(baseURL: stack.issuer)
            let callback = try await Self.upstreamCallback(stack, browser, mock: mock, subject: "fed-eve")
            let refused = try await browser.get(callback)
            #expect(refused.status == 400)
            #expect(refused.text.contains("has no verified e-mail address"), "\(refused.text)")
            #expect(browser.cookie("hxb_session") == nil)
            #expect(try await Self.count(stack, "SELECT count(*) AS n FROM users WHERE email = 'eve@example.com'") == 0)
            #expect(try await Self.count(stack, "SELECT count(*) AS n FROM federated_identities") == 2)
            #expect(try await Self.count(stack, "SELECT count(*) AS n FROM audit_events WHERE action = 'auth.login' AND outcome = 'failure' AND details->>'reason' = 'email_not_verified'") == 1)
        }
    }
}
