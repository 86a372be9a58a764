/// An upstream identity provider users can sign in with (an OpenID Connect issuer, GitHub, …).
///
/// The caller runs the browser flow: it generates `state`, `nonce` and the PKCE code verifier,
/// stores them with the login attempt, sends the browser to ``authorizationURL(redirectURI:state:nonce:codeChallenge:)``,
/// checks `state` on the callback, then calls ``complete(code:redirectURI:codeVerifier:nonce:)``.
/// Providers build URLs and verify what the upstream returns; they keep no per-login state.
public protocol UpstreamProvider: Sendable {
    /// The configured slug, e.g. `google`; stable, used in callback URLs and account links.
    var id: String { get }
    /// The name shown on the sign-in button, e.g. `Google`.
    var displayName: String { get }

    /// The URL to send the browser to. `codeChallenge` is the S256 PKCE challenge
    /// (base64url of SHA-256 of the verifier). May fetch provider metadata (OIDC discovery).
    func authorizationURL(redirectURI: String, state: String, nonce: String, codeChallenge: String) async throws -> String

    /// Exchanges the authorization `code` and returns the verified identity, or throws a
    /// ``FederationError``. `redirectURI` must be the one used for the authorization URL;
    /// `nonce` the one stored with the attempt (providers without ID tokens ignore it).
    func complete(code: String, redirectURI: String, codeVerifier: String, nonce: String) async throws -> UpstreamIdentity
}
