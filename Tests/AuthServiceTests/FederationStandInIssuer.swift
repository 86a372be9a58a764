@testable import AuthService
import AuthKit
import Foundation
import HTTPClientKit
import JWTKit
import TestSupport
import Testing

/// An OpenID provider played by the scripted HTTP stand-in, for the cases a real provider never
/// produces: forged, tampered or mis-addressed ID tokens. The test signs tokens with its own ES256
/// keys and sets what discovery, JWKS, token and userinfo endpoints answer.
struct StandInIssuer {
    let server: ScriptedHTTPServer
    let clientID = "hexabase-test"
    let clientSecret = "s3cr3t+/=&"
    let keys = JWTKeyCollection()
    private(set) var publicKeys: [String: [String: Any]] = [:]

    var issuer: String { server.baseURL }

    /// The ID-token claims a test signs; defaults make a valid token for `nonce`.
    struct Claims: JWTPayload {
        var iss: String
        var sub = "user-1"
        var aud: [String]
        var exp = Int(Date().timeIntervalSince1970) + 300
        var iat = Int(Date().timeIntervalSince1970)
        var nonce: String?
        var azp: String?
        var email: String? = "user1@example.com"
        var email_verified: Bool? = true
        var name: String? = "User One"

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// Serves a discovery document (issuer overridable), the JWKS of `keyIDs` and nothing else yet.
    static func start(_ server: ScriptedHTTPServer, keyIDs: [String] = ["k1"], discoveredIssuer: String? = nil,
                      authMethods: [String]? = nil) async throws -> StandInIssuer {
        var issuer = StandInIssuer(server: server)
        for keyID in keyIDs { try await issuer.addKey(keyID) }
        var document: [String: Any] = [
            "issuer": discoveredIssuer ?? server.baseURL, "authorization_endpoint": server.baseURL + "/authorize",
            "token_endpoint": server.baseURL + "/token", "jwks_uri": server.baseURL + "/jwks",
            "userinfo_endpoint": server.baseURL + "/userinfo",
        ]
        if let authMethods { document["token_endpoint_auth_methods_supported"] = authMethods }
        try await server.route("GET", "/.well-known/openid-configuration", ["json": document])
        try await issuer.publishKeys()
        return issuer
    }

    /// Creates an ES256 key `keyID` (not yet published).
    mutating func addKey(_ keyID: String) async throws {
        let key = ES256PrivateKey()
        await keys.add(ecdsa: key, kid: JWKIdentifier(string: keyID))
        let (x, y) = try #require(key.publicKey.parameters)
        publicKeys[keyID] = ["kty": "EC", "crv": "P-256", "x": x, "y": y, "kid": keyID, "use": "sig", "alg": "ES256"]
    }

    /// Serves the JWKS with the public keys of `keyIDs` (default: all).
    func publishKeys(_ keyIDs: [String]? = nil) async throws {
        let selected = (keyIDs ?? publicKeys.keys.sorted()).compactMap { publicKeys[$0] }
        try await server.route("GET", "/jwks", ["json": ["keys": selected]])
    }

    /// Valid claims for `nonce`, to be changed by the test.
    func claims(nonce: String) -> Claims {
        Claims(iss: issuer, aud: [clientID], nonce: nonce)
    }

    /// `claims` signed with key `keyID`.
    func sign(_ claims: Claims, keyID: String = "k1") async throws -> String {
        try await keys.sign(claims, kid: JWKIdentifier(string: keyID))
    }

    /// Makes the token endpoint answer with `idToken` (and an access token).
    func serveToken(_ idToken: String?, status: Int = 200) async throws {
        var body: [String: Any] = ["access_token": "at-standin", "token_type": "Bearer", "expires_in": 300]
        if let idToken { body["id_token"] = idToken }
        try await server.route("POST", "/token", ["status": status, "json": body])
    }

    /// A provider for this issuer that refetches keys on every unknown key id.
    func provider() -> OIDCUpstreamProvider {
        OIDCUpstreamProvider(
            id: "standin", displayName: "Stand-in", issuer: issuer, clientID: clientID, clientSecret: clientSecret,
            httpClient: CurlHTTPClient(), keyRefreshInterval: .zero
        )
    }

    /// A token with `header` (a JSON object) over valid claims and the given signature part.
    func unsigned(header: String, nonce: String, signature: String = "") throws -> String {
        let payload = try JSONEncoder().encode(claims(nonce: nonce))
        return Base64URL.encode(Data(header.utf8)) + "." + Base64URL.encode(payload) + "." + signature
    }
}
