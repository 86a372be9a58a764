@testable import AuthService
import AuthKit
import Crypto
import Foundation
import HTTPClientKit
import TestSupport

/// What the caller of a provider generates and stores per login attempt: state, nonce and the
/// PKCE verifier with its S256 challenge.
struct LoginAttempt {
    let state = "st-" + UUID().uuidString
    let nonce = "n-" + UUID().uuidString
    let codeVerifier = Base64URL.encode(Data((0..<32).map { _ in UInt8.random(in: 0...255) }))
    let redirectURI = "http://127.0.0.1:9/federation/callback"

    var codeChallenge: String { Base64URL.encode(Data(SHA256.hash(data: Data(codeVerifier.utf8)))) }

    /// The provider's authorization URL for this attempt.
    func authorizationURL(_ provider: any UpstreamProvider) async throws -> String {
        try await provider.authorizationURL(redirectURI: redirectURI, state: state, nonce: nonce, codeChallenge: codeChallenge)
    }

    /// Approves the attempt at oidc-provider-mock as `subject`; returns the code (state checked).
    func approveAtMock(_ provider: any UpstreamProvider, subject: String) async throws -> String {
        let callback = try await FederationBrowser.approveAtMock(try await authorizationURL(provider), subject: subject)
        guard callback.state == state else { throw FederationBrowser.BrowserError(description: "the callback's state differs") }
        return callback.code
    }

    /// Completes the attempt with `code`, optionally with a different nonce.
    func complete(_ provider: any UpstreamProvider, code: String, nonce: String? = nil) async throws -> UpstreamIdentity {
        try await provider.complete(code: code, redirectURI: redirectURI, codeVerifier: codeVerifier, nonce: nonce ?? self.nonce)
    }
}

/// Plays the user's browser at an authorization endpoint, without following redirects.
enum FederationBrowser {
    static let client = CurlHTTPClient()

    /// Submits oidc-provider-mock's authorization form for `subject` (its page posts `sub` back
    /// to the same URL) and returns the code and state of the redirect to the callback.
    static func approveAtMock(_ authorizationURL: String, subject: String) async throws -> (code: String, state: String) {
        try callback(of: try await client.send(.form(url: authorizationURL, fields: [("sub", subject)])))
    }

    /// Opens an authorization URL that redirects at once (the GitHub stand-in approves without a page).
    static func open(_ authorizationURL: String) async throws -> (code: String, state: String) {
        try callback(of: try await client.send(HTTPClientRequest(url: authorizationURL)))
    }

    /// The query parameters of a URL.
    static func query(of url: String) -> [String: String] {
        guard let query = url.split(separator: "?", maxSplits: 1).dropFirst().first else { return [:] }
        return Dictionary(FormURLEncoding.decode(query).map { ($0.name, $0.value) }) { first, _ in first }
    }

    private static func callback(of response: HTTPClientResponse) throws -> (code: String, state: String) {
        guard response.status == 302 || response.status == 303, let location = response.header("location") else {
            throw BrowserError(description: "expected a redirect to the callback, got HTTP \(response.status): \(response.text.prefix(300))")
        }
        let parameters = query(of: location)
        guard let code = parameters["code"], let state = parameters["state"] else {
            throw BrowserError(description: "the callback has no code: \(location)")
        }
        return (code, state)
    }

    struct BrowserError: Error, CustomStringConvertible {
        let description: String
    }
}

/// Starts oidc-provider-mock (PyPI) with nonces required and `alice` predefined with a verified
/// address and a name.
func startOIDCProviderMock() async throws -> PythonServer {
    let alice = #"{"sub": "alice", "email": "alice@example.com", "email_verified": true, "name": "Alice Liddell"}"#
    return try await PythonServer.start("oidc-provider-mock", requiredModules: ["oidc_provider_mock"]) { port in
        ["-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", String(port), "--require-nonce", "--user-claims", alice]
    }
}
