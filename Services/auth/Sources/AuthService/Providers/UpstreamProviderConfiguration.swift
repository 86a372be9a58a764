/// One upstream identity provider as an operator configures it (one entry of a JSON array).
///
/// ```json
/// [{"id": "google", "kind": "oidc", "display_name": "Google",
///   "issuer": "https://accounts.google.com", "client_id": "…", "client_secret_env": "GOOGLE_CLIENT_SECRET"},
///  {"id": "github", "kind": "github", "display_name": "GitHub", "client_id": "…", "client_secret_env": "GITHUB_CLIENT_SECRET"}]
/// ```
/// Load and validate with ``load(json:)``; build the providers with ``makeProviders(_:httpClient:environment:)``.
/// Descriptions never show `client_secret`.
public struct UpstreamProviderConfiguration: Codable, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The protocol a provider speaks.
    public struct Kind: RawRepresentable, Codable, Sendable, Hashable {
        /// The `kind` string of the JSON.
        public var rawValue: String

        /// A kind from its string (checked by ``UpstreamProviderConfiguration/validate()``).
        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// Any OpenID Connect provider with discovery.
        public static let oidc = Kind(rawValue: "oidc")
        /// GitHub or GitHub Enterprise Server (OAuth 2.0 and the REST API).
        public static let github = Kind(rawValue: "github")
        /// Every supported kind.
        public static let all: [Kind] = [.oidc, .github]
    }

    /// The slug, `[a-z0-9-]{1,32}`, unique among providers; used in callback URLs and account links.
    public var id: String
    /// The protocol.
    public var kind: Kind
    /// The name on the sign-in button.
    public var displayName: String
    /// The OIDC issuer URL (`kind` oidc only).
    public var issuer: String?
    /// The OAuth client id registered at the provider.
    public var clientID: String
    /// The client secret itself; prefer ``clientSecretEnvironmentVariable``. Exactly one is set.
    public var clientSecret: String?
    /// The name of the environment variable that holds the client secret.
    public var clientSecretEnvironmentVariable: String?
    /// The scopes to request; nil for the kind's default.
    public var scopes: [String]?
    /// GitHub's web base URL (`kind` github only), default `https://github.com`.
    public var webURL: String?
    /// GitHub's API base URL (`kind` github only), default `https://api.github.com`.
    public var apiURL: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, kind, issuer, scopes
        case displayName = "display_name"
        case clientID = "client_id"
        case clientSecret = "client_secret"
        case clientSecretEnvironmentVariable = "client_secret_env"
        case webURL = "web_url"
        case apiURL = "api_url"
    }

    /// A configuration; check it with ``validate()``.
    public init(
        id: String, kind: Kind, displayName: String, issuer: String? = nil, clientID: String,
        clientSecret: String? = nil, clientSecretEnvironmentVariable: String? = nil, scopes: [String]? = nil,
        webURL: String? = nil, apiURL: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.displayName = displayName
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.clientSecretEnvironmentVariable = clientSecretEnvironmentVariable
        self.scopes = scopes
        self.webURL = webURL
        self.apiURL = apiURL
    }

    /// The configuration with the secret replaced by `<redacted>`.
    public var description: String {
        "UpstreamProviderConfiguration(id: \(id), kind: \(kind.rawValue), issuer: \(issuer ?? "-"), client_id: \(clientID), "
            + "client_secret: \(clientSecret == nil ? "-" : "<redacted>"), client_secret_env: \(clientSecretEnvironmentVariable ?? "-"))"
    }

    /// Same as ``description``.
    public var debugDescription: String { description }
}
