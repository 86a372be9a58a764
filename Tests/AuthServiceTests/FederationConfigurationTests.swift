@testable import AuthService
import HTTPClientKit
import Testing

@Suite("Federation: provider configuration (no I/O)")
struct FederationConfigurationTests {
    static let example = """
    [
      {"id": "google", "kind": "oidc", "display_name": "Google", "issuer": "https://accounts.google.com",
       "client_id": "123.apps.googleusercontent.com", "client_secret_env": "GOOGLE_CLIENT_SECRET"},
      {"id": "github", "kind": "github", "display_name": "GitHub", "client_id": "Iv1.abc", "client_secret": "literal-secret"},
      {"id": "ghes", "kind": "github", "display_name": "GitHub Enterprise", "client_id": "Iv1.def",
       "client_secret_env": "GHES_SECRET", "web_url": "https://ghe.example.com", "api_url": "https://ghe.example.com/api/v3",
       "scopes": ["read:user", "user:email"]},
      {"id": "dev-idp", "kind": "oidc", "display_name": "Local IdP", "issuer": "http://127.0.0.1:9400",
       "client_id": "dev", "client_secret": "dev", "scopes": ["openid", "email"]}
    ]
    """

    @Test("the example loads and builds one provider per entry, secrets read from the environment")
    func loadsAndBuilds() throws {
        let configurations = try UpstreamProviderConfiguration.load(json: Self.example)
        #expect(configurations.map(\.id) == ["google", "github", "ghes", "dev-idp"])
        #expect(configurations[2].apiURL == "https://ghe.example.com/api/v3")
        let providers = try UpstreamProviderConfiguration.makeProviders(
            configurations, httpClient: CurlHTTPClient(),
            environment: ["GOOGLE_CLIENT_SECRET": "google-secret", "GHES_SECRET": "ghes-secret"]
        )
        #expect(providers.map(\.id) == ["google", "github", "ghes", "dev-idp"])
        #expect(providers.map(\.displayName) == ["Google", "GitHub", "GitHub Enterprise", "Local IdP"])
        let google = try #require(providers[0] as? OIDCUpstreamProvider)
        #expect(google.issuer == "https://accounts.google.com")
        #expect(google.scopes == ["openid", "email", "profile"])
        let ghes = try #require(providers[2] as? GitHubProvider)
        #expect(ghes.webURL == "https://ghe.example.com")
        #expect((providers[1] as? GitHubProvider)?.apiURL == "https://api.github.com")
        for provider in providers {
            let text = "\(provider)"
            #expect(!text.contains("secret-") && !text.contains("literal-secret") && !text.contains("google-secret"), "\(text)")
        }
        #expect(!"\(configurations[1])".contains("literal-secret"))
    }

    @Test("a missing secret variable is a misconfiguration naming the variable")
    func missingEnvironmentVariable() throws {
        let configurations = try UpstreamProviderConfiguration.load(json: Self.example)
        let error = #expect(throws: FederationError.self) {
            try UpstreamProviderConfiguration.makeProviders(configurations, httpClient: CurlHTTPClient(), environment: [:])
        }
        #expect(error?.code == .misconfigured)
        #expect(error?.reason == "google: the environment variable GOOGLE_CLIENT_SECRET (client_secret_env) is not set")
    }

    @Test("invalid entries are refused with a message naming the entry and the field", arguments: [
        (#"{"id": "x"}"#, "the provider list must be a JSON array of objects"),
        ("[1]", "providers[0] must be a JSON object"),
        (#"[{"id": "a", "kind": "oidc", "display_name": "A", "client_id": "c", "client_secret": "s", "issuer": "https://a.example", "clientId": "c"}]"#,
         #"providers[0]: unknown field "clientId""#),
        (#"[{"id": "a", "kind": "oidc", "display_name": "A", "client_secret": "s", "issuer": "https://a.example"}]"#,
         "providers[0]: client_id is required"),
        (#"[{"id": "a", "kind": "oidc", "display_name": "A", "client_id": 7, "client_secret": "s"}]"#,
         "providers[0].client_id has the wrong type"),
        (#"[{"id": "Google!", "kind": "oidc", "display_name": "A", "client_id": "c", "client_secret": "s", "issuer": "https://a.example"}]"#,
         "providers[0] (Google!): id must be 1 to 32 characters of a-z, 0-9 and -"),
        (#"[{"id": "a", "kind": "saml", "display_name": "A", "client_id": "c", "client_secret": "s"}]"#,
         #"providers[0] (a): kind "saml" is not supported (use "oidc" or "github")"#),
        (#"[{"id": "a", "kind": "oidc", "display_name": "A", "client_id": "c", "client_secret": "s"}]"#,
         "providers[0] (a): issuer is required for kind oidc"),
        (#"[{"id": "a", "kind": "oidc", "display_name": "A", "client_id": "c", "client_secret": "s", "issuer": "http://idp.example.com"}]"#,
         "providers[0] (a): issuer must be an https URL without query (http only on 127.0.0.1 or localhost)"),
        (#"[{"id": "a", "kind": "oidc", "display_name": "A", "client_id": "c", "issuer": "https://a.example"}]"#,
         "providers[0] (a): client_secret or client_secret_env is required"),
        (#"[{"id": "a", "kind": "github", "display_name": "A", "client_id": "c", "client_secret": "s", "client_secret_env": "S"}]"#,
         "providers[0] (a): set only one of client_secret and client_secret_env"),
        (#"[{"id": "a", "kind": "github", "display_name": "A", "client_id": "c", "client_secret_env": "MY SECRET"}]"#,
         "providers[0] (a): client_secret_env must be an environment variable name"),
        (#"[{"id": "a", "kind": "github", "display_name": "A", "client_id": "c", "client_secret": "s", "issuer": "https://a.example"}]"#,
         "providers[0] (a): issuer applies to kind oidc only"),
        (#"[{"id": "a", "kind": "oidc", "display_name": "A", "client_id": "c", "client_secret": "s", "issuer": "https://a.example", "scopes": ["email"]}]"#,
         "providers[0] (a): scopes must include openid"),
        (#"[{"id": "a", "kind": "github", "display_name": "A", "client_id": "c", "client_secret": "s"}, {"id": "a", "kind": "github", "display_name": "B", "client_id": "d", "client_secret": "t"}]"#,
         #"providers[1]: the id "a" is used twice"#),
    ])
    func refusesInvalidEntries(json: String, reason: String) {
        let error = #expect(throws: FederationError.self) { try UpstreamProviderConfiguration.load(json: json) }
        #expect(error?.code == .misconfigured)
        #expect(error?.reason == reason)
    }

    @Test("a secret given with the wrong type is not quoted in the error")
    func secretNotQuoted() {
        let json = #"[{"id": "a", "kind": "github", "display_name": "A", "client_id": "c", "client_secret": ["hunter2-secret"]}]"#
        let error = #expect(throws: FederationError.self) { try UpstreamProviderConfiguration.load(json: json) }
        #expect(error.map { !"\($0)".contains("hunter2") } == true)
    }
}
