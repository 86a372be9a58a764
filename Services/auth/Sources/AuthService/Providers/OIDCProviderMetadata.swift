/// The parts of an OpenID Provider's discovery document this client uses
/// (OpenID Connect Discovery 1.0 §3).
struct OIDCProviderMetadata: Decodable, Sendable, Equatable {
    var issuer: String
    var authorizationEndpoint: String
    var tokenEndpoint: String
    var jwksURI: String
    var userinfoEndpoint: String?
    var tokenEndpointAuthMethodsSupported: [String]?

    enum CodingKeys: String, CodingKey {
        case issuer
        case authorizationEndpoint = "authorization_endpoint"
        case tokenEndpoint = "token_endpoint"
        case jwksURI = "jwks_uri"
        case userinfoEndpoint = "userinfo_endpoint"
        case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
    }

    /// Why this document cannot be used for `expectedIssuer`, or nil when it can: the issuer
    /// must match exactly (Discovery §4.3) and every endpoint must be an acceptable URL.
    func problem(expectedIssuer: String) -> String? {
        guard issuer == expectedIssuer else { return "the discovery document is for another issuer" }
        let endpoints = [("authorization_endpoint", authorizationEndpoint), ("token_endpoint", tokenEndpoint), ("jwks_uri", jwksURI)]
            + (userinfoEndpoint.map { [("userinfo_endpoint", $0)] } ?? [])
        for (name, url) in endpoints where !UpstreamURL.isAcceptable(url) {
            return "\(name) is not an https URL"
        }
        return nil
    }

    /// How to authenticate at the token endpoint: `client_secret_basic` unless the provider
    /// lists methods without it but with `client_secret_post`; nil when it supports neither.
    var clientAuthenticationMethod: ClientCredentials.Method? {
        // Discovery §3: when the list is omitted, the default is client_secret_basic.
        guard let supported = tokenEndpointAuthMethodsSupported else { return .clientSecretBasic }
        if supported.contains(ClientCredentials.Method.clientSecretBasic.rawValue) { return .clientSecretBasic }
        if supported.contains(ClientCredentials.Method.clientSecretPost.rawValue) { return .clientSecretPost }
        return nil
    }
}
