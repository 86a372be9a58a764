import Foundation
import HTTPClientKit
import Logging

/// Sign-in through any OpenID Connect provider (Google, Keycloak, Dex, …) with the
/// authorization-code flow, PKCE (S256) and a nonce.
///
/// The provider's metadata comes from `<issuer>/.well-known/openid-configuration` (cached for
/// `discoveryTimeToLive`; its `issuer` must equal the configured one exactly). ``complete(code:redirectURI:codeVerifier:nonce:)``
/// redeems the code at the token endpoint and accepts the ID token only if it is signed by a key
/// of the provider's JWKS with an allowed algorithm and carries the right issuer, audience,
/// authorized party, lifetime and nonce.
public struct OIDCUpstreamProvider: UpstreamProvider, CustomStringConvertible {
    /// The configured slug (see ``UpstreamProvider/id``).
    public let id: String
    /// The name on the sign-in button.
    public let displayName: String
    /// The issuer identifier, e.g. `https://accounts.google.com`.
    public let issuer: String
    /// The scopes requested; always include `openid`.
    public let scopes: [String]
    private let credentials: ClientCredentials
    private let http: UpstreamHTTP
    private let validator: IDTokenValidator
    private let discovery: ExpiringCache<OIDCProviderMetadata>
    private let keySet: UpstreamKeySet
    private let logger: Logger

    /// A provider for `issuer` with client `clientID` / `clientSecret`.
    ///
    /// - Parameters:
    ///   - leeway: tolerated clock skew for `exp`, `iat` and `nbf`.
    ///   - keyRefreshInterval: the least time between two JWKS fetches caused by unknown key ids.
    public init(
        id: String, displayName: String, issuer: String, clientID: String, clientSecret: String,
        scopes: [String] = ["openid", "email", "profile"], httpClient: any HTTPClient,
        requestTimeout: Duration = .seconds(10), discoveryTimeToLive: Duration = .seconds(3600),
        keyRefreshInterval: Duration = .seconds(30), leeway: Duration = .seconds(60),
        logger: Logger = Logger(label: "hexabase.auth.federation")
    ) {
        self.id = id
        self.displayName = displayName
        self.issuer = issuer
        self.scopes = scopes.contains("openid") ? scopes : ["openid"] + scopes
        self.credentials = ClientCredentials(id: clientID, secret: clientSecret)
        let http = UpstreamHTTP(client: httpClient, providerName: displayName, userAgent: "hexabase-auth", timeout: requestTimeout)
        self.http = http
        self.validator = IDTokenValidator(issuer: issuer, clientID: clientID, leeway: leeway, maximumAge: .seconds(3600))
        self.discovery = ExpiringCache(timeToLive: discoveryTimeToLive)
        self.keySet = UpstreamKeySet(http: http, minimumRefreshInterval: keyRefreshInterval)
        self.logger = logger
    }

    /// The provider's authorization URL for one login attempt (see ``UpstreamProvider``).
    public func authorizationURL(redirectURI: String, state: String, nonce: String, codeChallenge: String) async throws -> String {
        let metadata = try await metadata()
        return FormURLEncoding.appending([
            ("response_type", "code"), ("client_id", credentials.id), ("redirect_uri", redirectURI),
            ("scope", scopes.joined(separator: " ")), ("state", state), ("nonce", nonce),
            ("code_challenge", codeChallenge), ("code_challenge_method", "S256"),
        ], to: metadata.authorizationEndpoint)
    }

    /// Redeems the code and returns the verified identity (see the type's documentation).
    public func complete(code: String, redirectURI: String, codeVerifier: String, nonce: String) async throws -> UpstreamIdentity {
        let metadata = try await metadata()
        guard let method = metadata.clientAuthenticationMethod else {
            throw http.misconfigured("the provider supports neither client_secret_basic nor client_secret_post")
        }
        let exchange = OAuthTokenExchange(http: http, credentials: credentials, method: method)
        let tokens = try await exchange.redeem(code: code, redirectURI: redirectURI, codeVerifier: codeVerifier, at: metadata.tokenEndpoint)
        guard let idToken = tokens.idToken, let accessToken = tokens.accessToken else {
            throw http.invalid("token response (no ID token)")
        }
        let claims = try await verifiedClaims(idToken, nonce: nonce, metadata: metadata)
        var identity = UpstreamIdentity(
            providerID: id, subject: claims.sub, email: claims.email,
            emailVerified: claims.emailVerified?.value ?? false, name: claims.name
        )
        if identity.email == nil, let endpoint = metadata.userinfoEndpoint {
            let info = try await http.getJSON(
                OIDCUserInfo.self, url: endpoint, headers: ["Authorization": "Bearer " + accessToken], fetching: "user info"
            )
            // OIDC Core §5.3.4: a UserInfo answer about someone else must not be used.
            guard info.sub == claims.sub else {
                throw FederationError.tokenRejected(displayName, reason: "the user info is about another subject")
            }
            identity = UpstreamIdentity(
                providerID: id, subject: claims.sub, email: info.email,
                emailVerified: info.emailVerified?.value ?? false, name: identity.name ?? info.name
            )
        }
        return identity
    }

    /// Forgets the cached discovery document (the keys stay until they age out).
    public func invalidateMetadata() async {
        await discovery.invalidate()
    }

    /// Names the provider and client; never shows the secret.
    public var description: String { "OIDCUpstreamProvider(id: \(id), issuer: \(issuer), client: \(credentials))" }

    private func verifiedClaims(_ idToken: String, nonce: String, metadata: OIDCProviderMetadata) async throws -> UpstreamIDTokenClaims {
        do {
            let header = try IDTokenHeader.parse(idToken)
            let claims = try await keySet.verify(idToken, header: header, jwksURL: metadata.jwksURI)
            try validator.validate(claims, nonce: nonce, now: Date())
            return claims
        } catch let rejection as IDTokenRejection {
            logger.notice("upstream ID token rejected", metadata: ["provider": "\(id)", "reason": "\(rejection.reason)"])
            throw FederationError.tokenRejected(displayName, reason: rejection.reason)
        } catch let error as FederationError {
            logger.notice("upstream ID token rejected", metadata: ["provider": "\(id)", "reason": "\(error.reason ?? error.message)"])
            throw error
        }
    }

    private func metadata() async throws -> OIDCProviderMetadata {
        let (http, issuer) = (self.http, self.issuer)
        return try await discovery.value {
            let url = UpstreamURL.join(issuer, "/.well-known/openid-configuration")
            let metadata = try await http.getJSON(OIDCProviderMetadata.self, url: url, fetching: "discovery document")
            if let problem = metadata.problem(expectedIssuer: issuer) {
                throw http.misconfigured(problem)
            }
            return metadata
        }
    }
}
