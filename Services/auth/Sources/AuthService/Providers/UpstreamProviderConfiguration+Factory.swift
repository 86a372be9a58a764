import Foundation
import HTTPClientKit
import Logging

extension UpstreamProviderConfiguration {
    /// Builds the providers of `configurations` (already loaded and validated), in order, all
    /// sending their requests through `httpClient`. Secrets named by `client_secret_env` are read
    /// from `environment`; a missing or empty variable is a `.misconfigured` error naming it.
    public static func makeProviders(
        _ configurations: [UpstreamProviderConfiguration], httpClient: any HTTPClient,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "hexabase.auth.federation")
    ) throws -> [any UpstreamProvider] {
        try configurations.map { try $0.makeProvider(httpClient: httpClient, environment: environment, logger: logger) }
    }

    /// Builds the provider of this configuration; see ``makeProviders(_:httpClient:environment:logger:)``.
    public func makeProvider(
        httpClient: any HTTPClient, environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "hexabase.auth.federation")
    ) throws -> any UpstreamProvider {
        try validate()
        let secret = try resolvedClientSecret(environment: environment)
        if kind == .github {
            return GitHubProvider(
                id: id, displayName: displayName, clientID: clientID, clientSecret: secret,
                webURL: webURL ?? "https://github.com", apiURL: apiURL ?? "https://api.github.com",
                scopes: scopes ?? ["read:user", "user:email"], httpClient: httpClient
            )
        }
        return OIDCUpstreamProvider(
            id: id, displayName: displayName, issuer: issuer ?? "", clientID: clientID, clientSecret: secret,
            scopes: scopes ?? ["openid", "email", "profile"], httpClient: httpClient, logger: logger
        )
    }

    /// The client secret: ``clientSecret``, or the value of ``clientSecretEnvironmentVariable``.
    public func resolvedClientSecret(environment: [String: String]) throws -> String {
        if let clientSecret { return clientSecret }
        guard let name = clientSecretEnvironmentVariable, let value = environment[name], !value.isEmpty else {
            throw Self.invalid("\(id): the environment variable \(clientSecretEnvironmentVariable ?? "") (client_secret_env) is not set")
        }
        return value
    }
}
