/// Who an upstream identity provider says the user is.
struct UpstreamIdentity: Sendable, Equatable {
    var provider: String
    var subject: String
    var email: String
    var emailVerified: Bool
    var name: String
}

/// An upstream identity provider (any OIDC issuer, GitHub): builds the URL that sends the
/// browser there and verifies what comes back. The caller generates and stores `state`, the
/// `nonce` and the PKCE verifier.
protocol UpstreamProvider: Sendable {
    var id: String { get }
    var displayName: String { get }
    func authorizationURL(redirectURI: String, state: String, nonce: String, codeChallenge: String) async throws -> String
    func complete(code: String, redirectURI: String, codeVerifier: String, nonce: String) async throws -> UpstreamIdentity
}
