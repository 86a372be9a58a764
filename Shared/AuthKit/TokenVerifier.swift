import Foundation
import JWTKit
import Logging
import ServiceKit
import Synchronization

/// Verifies platform access tokens: RS256 only, a known `kid`, a valid signature, the expected
/// issuer and audience, and an unexpired `exp` (with a small leeway for clock skew).
///
/// Keys come from a ``JWKSSource`` and are cached; a token with an unknown `kid` triggers one
/// refresh (at most once per `minimumRefreshInterval`, so forged kids cannot flood auth).
/// Any failure is a 401 ``ServiceError`` whose message does not say which check failed.
public final class TokenVerifier: RequestAuthenticator, Sendable {
    public let issuer: String
    public let audience: String
    private let source: any JWKSSource
    private let leeway: Duration
    private let minimumRefreshInterval: Duration
    private let maximumKeyAge: Duration
    private let logger: Logger
    private let cache = Mutex<Cache>(Cache())

    private struct Cache {
        var keys: JWTKeyCollection?
        var kids: Set<String> = []
        var fetchedAt: ContinuousClock.Instant?
    }

    public init(
        source: any JWKSSource, issuer: String, audience: String = "hexabase",
        leeway: Duration = .seconds(10), minimumRefreshInterval: Duration = .seconds(5),
        maximumKeyAge: Duration = .seconds(300), logger: Logger
    ) {
        self.source = source
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.minimumRefreshInterval = minimumRefreshInterval
        self.maximumKeyAge = maximumKeyAge
        self.logger = logger
    }

    public func authenticate(bearerToken: String) async throws -> Identity {
        let claims = try await verify(bearerToken)
        return Identity(
            subject: claims.sub.value, kind: claims.kind == "service" ? .service : .user,
            sessionID: claims.sid, expiresAt: claims.exp.value, tokenID: claims.jti.value
        )
    }

    /// Verifies a token and returns its claims, or throws a 401.
    public func verify(_ token: String) async throws -> AccessTokenClaims {
        let header = try Self.parseHeader(token)
        let keys = try await keys(for: header.kid)
        let claims: AccessTokenClaims
        do {
            claims = try await keys.verify(token, as: AccessTokenClaims.self)
        } catch {
            throw Self.unauthenticated(reason: "signature", error)
        }
        guard claims.iss.value == issuer else { throw Self.unauthenticated(reason: "issuer") }
        guard claims.aud.value.contains(audience) else { throw Self.unauthenticated(reason: "audience") }
        let now = Date()
        let leewaySeconds = Double(leeway.components.seconds)
        guard claims.exp.value.addingTimeInterval(leewaySeconds) > now else { throw Self.unauthenticated(reason: "expired") }
        guard claims.iat.value.addingTimeInterval(-leewaySeconds) <= now else { throw Self.unauthenticated(reason: "issued in the future") }
        return claims
    }

    /// Drops the cached keys (tests; key rotation notices).
    public func invalidate() {
        cache.withLock { $0 = Cache() }
    }

    private func keys(for kid: String) async throws -> JWTKeyCollection {
        let now = ContinuousClock.now
        let (cached, stale, mayRefresh) = cache.withLock { cache in
            let age = cache.fetchedAt.map { $0.duration(to: now) }
            return (
                cache.kids.contains(kid) ? cache.keys : nil,
                age.map { $0 > maximumKeyAge } ?? true,
                age.map { $0 >= minimumRefreshInterval } ?? true
            )
        }
        if let cached, !stale { return cached }
        guard mayRefresh else {
            if let cached { return cached }
            throw Self.unauthenticated(reason: "unknown kid (refresh throttled)")
        }
        let json: String
        do {
            json = try await source.fetchJWKS()
        } catch {
            logger.warning("could not fetch the JWKS", metadata: ["error": "\(error)"])
            if let cached { return cached }
            throw ServiceError(.unavailable, "Token verification is temporarily unavailable.", cause: error)
        }
        let (collection, kids) = try await Self.makeCollection(json)
        cache.withLock { $0 = Cache(keys: collection, kids: kids, fetchedAt: now) }
        guard kids.contains(kid) else { throw Self.unauthenticated(reason: "unknown kid") }
        return collection
    }

    /// Builds a key collection holding only the RS256 keys of a JWKS.
    static func makeCollection(_ json: String) async throws -> (JWTKeyCollection, Set<String>) {
        let jwks: JWKS
        do {
            jwks = try JSONDecoder().decode(JWKS.self, from: Data(json.utf8))
        } catch {
            throw ServiceError(.unavailable, "Token verification is temporarily unavailable.", cause: error)
        }
        let collection = JWTKeyCollection()
        var kids: Set<String> = []
        for key in jwks.keys {
            // Only RSA keys for RS256: an HMAC or "none" key in the set could never verify anything.
            guard key.keyType == .rsa, key.algorithm == nil || key.algorithm == .rs256, let kid = key.keyIdentifier else { continue }
            do {
                try await collection.add(jwk: key)
                kids.insert(kid.string)
            } catch {
                continue
            }
        }
        return (collection, kids)
    }

    struct Header: Decodable {
        let alg: String
        let kid: String?
    }

    /// Checks the header before any key lookup: only `RS256` with a `kid`. This is what rejects
    /// `alg: none` and HMAC tokens signed with a public key, whatever the library would do.
    static func parseHeader(_ token: String) throws -> (alg: String, kid: String) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, token.utf8.count <= 16_384, let data = Base64URL.decode(parts[0]),
              let header = try? JSONDecoder().decode(Header.self, from: data)
        else { throw unauthenticated(reason: "malformed") }
        guard header.alg == "RS256" else { throw unauthenticated(reason: "algorithm \(header.alg)") }
        guard let kid = header.kid, !kid.isEmpty else { throw unauthenticated(reason: "no kid") }
        return (header.alg, kid)
    }

    static func unauthenticated(reason: String, _ cause: (any Error)? = nil) -> ServiceError {
        ServiceError(.unauthenticated, "The access token is invalid or expired.", cause: cause ?? ConfigurationError("token rejected: \(reason)"))
    }
}

/// Base64url without padding (RFC 7515 §2).
public enum Base64URL {
    public static func decode(_ text: some StringProtocol) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }

    public static func encode(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
