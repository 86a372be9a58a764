@testable import AuthService
import Foundation
import HTTPClientKit
import TestSupport
import Testing

/// GitHubProvider against Tests/Fixtures/github_stand_in.py, a local stand-in following GitHub's
/// documented OAuth app flow and REST API (GitHub itself is unreachable from the test machines).
@Suite("Federation: GitHub provider against a GitHub stand-in")
struct FederationGitHubTests {
    static let users = #"""
    [{"login": "octocat", "id": 583231, "name": "The Octocat", "emails": [
        {"email": "octocat@github.com", "primary": true, "verified": true, "visibility": "public"},
        {"email": "octo@old.example", "primary": false, "verified": false, "visibility": null}]},
     {"login": "newbie", "id": 9000001, "name": null, "emails": [
        {"email": "newbie@example.com", "primary": true, "verified": false, "visibility": "private"},
        {"email": "newbie@work.example", "primary": false, "verified": true, "visibility": null}]}]
    """#

    private func startStandIn() async throws -> PythonServer {
        try await PythonServer.start("github-stand-in") { port in
            [PythonServer.fixture("github_stand_in.py"), "--port", String(port), "--client-id", "Iv1.hexabase",
             "--client-secret", "gh-secret", "--users", Self.users]
        }
    }

    private func provider(_ github: PythonServer, secret: String = "gh-secret", apiPath: String = "",
                          scopes: [String] = ["read:user", "user:email"]) -> GitHubProvider {
        GitHubProvider(
            clientID: "Iv1.hexabase", clientSecret: secret, webURL: github.baseURL, apiURL: github.baseURL + apiPath,
            scopes: scopes, httpClient: CurlHTTPClient()
        )
    }

    /// Opens the authorization URL as `login` and returns the callback's code (checking state).
    private func authorize(_ provider: GitHubProvider, _ attempt: LoginAttempt, as login: String) async throws -> String {
        let url = try await attempt.authorizationURL(provider) + "&login=" + login
        let callback = try await FederationBrowser.open(url)
        #expect(callback.state == attempt.state)
        return callback.code
    }

    @Test("the authorization URL carries client id, redirect URI, scopes, state and the S256 challenge")
    func authorizationURL() async throws {
        let provider = GitHubProvider(clientID: "Iv1.hexabase", clientSecret: "x", httpClient: CurlHTTPClient())
        let attempt = LoginAttempt()
        let url = try await attempt.authorizationURL(provider)
        #expect(url.hasPrefix("https://github.com/login/oauth/authorize?"))
        let query = FederationBrowser.query(of: url)
        #expect(query == [
            "client_id": "Iv1.hexabase", "redirect_uri": attempt.redirectURI, "scope": "read:user user:email",
            "state": attempt.state, "code_challenge": attempt.codeChallenge, "code_challenge_method": "S256",
        ])
    }

    @Test("a primary verified address gives a verified identity keyed by the numeric id")
    func verifiedPrimary() async throws {
        try await startStandIn().use { github in
            let provider = provider(github)
            let attempt = LoginAttempt()
            let code = try await authorize(provider, attempt, as: "octocat")
            let identity = try await attempt.complete(provider, code: code)
            #expect(identity == UpstreamIdentity(
                providerID: "github", subject: "583231", email: "octocat@github.com", emailVerified: true, name: "The Octocat"
            ))
        }
    }

    @Test("an unverified primary address gives emailVerified false even if another address is verified")
    func unverifiedPrimary() async throws {
        try await startStandIn().use { github in
            // Enterprise Server layout: the API under /api/v3.
            let provider = provider(github, apiPath: "/api/v3")
            let attempt = LoginAttempt()
            let identity = try await attempt.complete(provider, code: try await authorize(provider, attempt, as: "newbie"))
            #expect(identity == UpstreamIdentity(
                providerID: "github", subject: "9000001", email: "newbie@example.com", emailVerified: false, name: "newbie"
            ))
        }
    }

    @Test("without the user:email scope the addresses are unknown and nothing is verified")
    func missingEmailScope() async throws {
        try await startStandIn().use { github in
            let provider = provider(github, scopes: ["read:user"])
            let attempt = LoginAttempt()
            let identity = try await attempt.complete(provider, code: try await authorize(provider, attempt, as: "octocat"))
            #expect(identity.subject == "583231")
            #expect(identity.email == nil)
            #expect(identity.emailVerified == false)
        }
    }

    @Test("token errors, which GitHub sends with status 200, are refused with stable codes")
    func tokenErrors() async throws {
        try await startStandIn().use { github in
            let good = provider(github)
            let attempt = LoginAttempt()
            let code = try await authorize(good, attempt, as: "octocat")

            let badSecret = await #expect(throws: FederationError.self) {
                try await attempt.complete(provider(github, secret: "wrong-secret"), code: code)
            }
            #expect(badSecret?.code == .misconfigured)
            #expect(badSecret?.reason == "the provider refused the client (incorrect_client_credentials)")

            let badCode = await #expect(throws: FederationError.self) { try await attempt.complete(good, code: "not-a-code") }
            #expect(badCode?.code == .tokenRejected)
            #expect(badCode?.reason == "the provider refused the authorization code (bad_verification_code)")

            let wrongVerifier = await #expect(throws: FederationError.self) {
                try await good.complete(code: code, redirectURI: attempt.redirectURI, codeVerifier: "other-verifier", nonce: attempt.nonce)
            }
            #expect(wrongVerifier?.code == .tokenRejected)
            for error in [badSecret, badCode, wrongVerifier] {
                let text = error.map { "\($0)" } ?? ""
                #expect(!text.contains("gh-secret") && !text.contains("wrong-secret") && !text.contains(code))
            }
        }
    }
}
