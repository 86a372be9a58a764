import HTTPClientKit

/// Sign-in with GitHub (or GitHub Enterprise Server): OAuth 2.0 authorization code with PKCE,
/// then the REST API for the user and their e-mail addresses. GitHub has no ID token.
///
/// The identity's subject is the numeric user id (logins can be renamed); its e-mail is the
/// address that is both primary and verified; without one, `emailVerified` is false.
public struct GitHubProvider: UpstreamProvider, CustomStringConvertible {
    /// The configured slug (see ``UpstreamProvider/id``).
    public let id: String
    /// The name on the sign-in button.
    public let displayName: String
    /// The web base URL (`https://github.com`): authorization and token endpoints.
    public let webURL: String
    /// The REST API base URL (`https://api.github.com`; `<host>/api/v3` on Enterprise Server).
    public let apiURL: String
    /// The scopes requested.
    public let scopes: [String]
    private let credentials: ClientCredentials
    private let http: UpstreamHTTP

    /// A provider for the OAuth app `clientID` / `clientSecret`.
    public init(
        id: String = "github", displayName: String = "GitHub", clientID: String, clientSecret: String,
        webURL: String = "https://github.com", apiURL: String = "https://api.github.com",
        scopes: [String] = ["read:user", "user:email"], httpClient: any HTTPClient, requestTimeout: Duration = .seconds(10)
    ) {
        self.id = id
        self.displayName = displayName
        self.webURL = webURL
        self.apiURL = apiURL
        self.scopes = scopes
        self.credentials = ClientCredentials(id: clientID, secret: clientSecret)
        self.http = UpstreamHTTP(client: httpClient, providerName: displayName, userAgent: "hexabase-auth", timeout: requestTimeout)
    }

    /// The provider's authorization URL for one login attempt (see ``UpstreamProvider``).
    public func authorizationURL(redirectURI: String, state: String, nonce: String, codeChallenge: String) async throws -> String {
        FormURLEncoding.appending([
            ("client_id", credentials.id), ("redirect_uri", redirectURI), ("scope", scopes.joined(separator: " ")),
            ("state", state), ("code_challenge", codeChallenge), ("code_challenge_method", "S256"),
        ], to: UpstreamURL.join(webURL, "/login/oauth/authorize"))
    }

    /// Redeems the code and returns the verified identity (see the type's documentation).
    public func complete(code: String, redirectURI: String, codeVerifier: String, nonce: String) async throws -> UpstreamIdentity {
        let exchange = OAuthTokenExchange(http: http, credentials: credentials, method: .clientSecretPost)
        let tokens = try await exchange.redeem(
            code: code, redirectURI: redirectURI, codeVerifier: codeVerifier,
            at: UpstreamURL.join(webURL, "/login/oauth/access_token")
        )
        guard let accessToken = tokens.accessToken else { throw http.invalid("token response (no access token)") }
        let headers = [
            "Authorization": "Bearer " + accessToken, "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        ]
        guard let user = try await api(GitHubUser.self, path: "/user", headers: headers, fetching: "user") else {
            throw http.invalid("user")
        }
        let emails = try await api([GitHubEmail].self, path: "/user/emails", headers: headers, fetching: "e-mail addresses") ?? []
        let verified = emails.first { $0.primary && $0.verified }
        return UpstreamIdentity(
            providerID: id, subject: String(user.id), email: verified?.email ?? emails.first { $0.primary }?.email,
            emailVerified: verified != nil, name: user.name.flatMap { $0.isEmpty ? nil : $0 } ?? user.login
        )
    }

    /// Names the provider and client; never shows the secret.
    public var description: String { "GitHubProvider(id: \(id), web: \(webURL), api: \(apiURL), client: \(credentials))" }

    /// GETs an API resource. A 401 means GitHub refused the fresh token (`.tokenRejected`);
    /// 403/404 mean the token lacks the scope for it (nil, e.g. `user:email` not granted).
    private func api<T: Decodable>(_ type: T.Type, path: String, headers: [String: String], fetching what: String) async throws -> T? {
        let response = try await http.send(
            HTTPClientRequest(method: .get, url: UpstreamURL.join(apiURL, path), headers: headers), fetching: what
        )
        if response.status == 401 {
            throw FederationError.tokenRejected(displayName, reason: "GitHub refused the access token")
        }
        if [403, 429].contains(response.status), response.header("x-ratelimit-remaining") == "0" {
            throw http.unavailable(cause: HTTPStatusError(status: response.status, fetching: what))
        }
        if [403, 404].contains(response.status) { return nil }
        try http.requireSuccess(response, fetching: what)
        return try http.decode(type, from: response, fetching: what)
    }
}
