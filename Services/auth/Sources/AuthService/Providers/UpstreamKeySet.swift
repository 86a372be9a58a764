import Foundation
import JWTKit

/// A provider's signing keys (its JWKS at `jwks_uri`), cached, and the signature check of its
/// ID tokens.
///
/// Keys are refetched when older than `maximumAge`, when the JWKS URL changes, and once per
/// verification on an unknown key id (a key rotation), at most once per
/// `minimumRefreshInterval` so forged key ids cannot make us hammer the provider.
actor UpstreamKeySet {
    private let http: UpstreamHTTP
    private let maximumAge: Duration
    private let minimumRefreshInterval: Duration
    private var keys: [JWK] = []
    private var fetched: (url: String, at: ContinuousClock.Instant)?

    init(http: UpstreamHTTP, maximumAge: Duration = .seconds(3600), minimumRefreshInterval: Duration = .seconds(30)) {
        self.http = http
        self.maximumAge = maximumAge
        self.minimumRefreshInterval = minimumRefreshInterval
    }

    /// Verifies the signature of `token` (whose header is `header`) with the provider's key and
    /// returns its claims, unchecked. Throws `.tokenRejected` for an unknown key or a bad signature.
    func verify(_ token: String, header: IDTokenHeader, jwksURL: String) async throws -> UpstreamIDTokenClaims {
        let isFresh = fetched.map { $0.url == jwksURL && $0.at.duration(to: .now) < maximumAge } ?? false
        if !isFresh { try await refresh(from: jwksURL) }
        var key = Self.select(from: keys, for: header)
        if key == nil, isFresh, let fetched, fetched.at.duration(to: .now) >= minimumRefreshInterval {
            try await refresh(from: jwksURL)
            key = Self.select(from: keys, for: header)
        }
        guard var key else {
            throw FederationError.tokenRejected(http.providerName, reason: "the ID token was signed with an unknown key")
        }
        // Pin the algorithm: the key verifies only the one the header names, which it allows.
        key.algorithm = JWK.Algorithm(rawValue: header.algorithm.rawValue)
        if key.keyIdentifier == nil { key.keyIdentifier = JWKIdentifier(string: "upstream") }
        let collection = JWTKeyCollection()
        do {
            try await collection.add(jwk: key)
        } catch {
            throw http.invalid("key set", cause: error)
        }
        do {
            return try await collection.verify(token, as: UpstreamIDTokenClaims.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw FederationError.tokenRejected(http.providerName, reason: "the ID token's signature is invalid", cause: error)
        } catch {
            throw FederationError.tokenRejected(http.providerName, reason: "the ID token's claims are malformed", cause: error)
        }
    }

    private func refresh(from url: String) async throws {
        let response = try await http.send(
            .init(method: .get, url: url, headers: ["Accept": "application/json"]), fetching: "key set"
        )
        try http.requireSuccess(response, fetching: "key set")
        guard let parsed = Self.parse(response.body) else { throw http.invalid("key set") }
        keys = parsed
        fetched = (url, .now)
    }

    /// The public signature keys of a JWKS document (RFC 7517 §5); keys this client cannot use
    /// (encryption keys, unknown types, private parts) are skipped. Nil when it is no JWKS.
    static func parse(_ body: [UInt8]) -> [JWK]? {
        guard let document = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let entries = document["keys"] as? [Any]
        else { return nil }
        var keys: [JWK] = []
        for case let entry as [String: Any] in entries {
            if let use = entry["use"] as? String, use != "sig" { continue }
            guard entry["d"] == nil, let data = try? JSONSerialization.data(withJSONObject: entry),
                  let key = try? JSONDecoder().decode(JWK.self, from: data)
            else { continue }
            keys.append(key)
        }
        return keys
    }

    /// The key for `header`: same key id (or the only candidate when the token names none),
    /// a key type and curve fitting the algorithm, and no different `alg` pinned by the provider.
    static func select(from keys: [JWK], for header: IDTokenHeader) -> JWK? {
        let algorithm = header.algorithm
        let candidates = keys.filter { key in
            key.keyType == algorithm.keyType
                && (key.algorithm == nil || key.algorithm?.rawValue == algorithm.rawValue)
                && (algorithm.curve == nil || key.curve?.rawValue == algorithm.curve)
        }
        guard let keyID = header.keyID else { return candidates.count == 1 ? candidates[0] : nil }
        return candidates.first { $0.keyIdentifier?.string == keyID }
    }
}
