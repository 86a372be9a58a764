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
///
/// A token that verified is remembered (by its exact text, for at most `verifiedLifetime`), so
/// a client that sends the same token with every request pays for the RSA signature check
/// once: a remembered token is still refused once expired, and when its key is no longer among
/// the cached keys (removed at a refresh, or ``invalidate()``), or the keys are due a refresh,
/// it is verified again in full.
public final class TokenVerifier: RequestAuthenticator, Sendable {
    public let issuer: String
    public let audience: String
    private let source: any JWKSSource
    private let leeway: Duration
    private let minimumRefreshInterval: Duration
    private let maximumKeyAge: Duration
    private let logger: Logger
    private let cache = Mutex<Cache>(Cache())
    private let verified = Mutex<[String: VerifiedToken]>([:])
    private let verifiedLifetime: Duration
    /// Remembered tokens at most; the memory is emptied when full.
    private static let verifiedCapacity = 10_000

    private struct VerifiedToken {
        var claims: AccessTokenClaims
        var kid: String
        var until: ContinuousClock.Instant
    }

    private struct Cache {
        var keys: JWTKeyCollection?
        var kids: Set<String> = []
        var fetchedAt: ContinuousClock.Instant?
        var fetching = false
        var lastFetchFailed = false
        /// Counts completed refreshes (a cancelled fetch does not count).
        var generation = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    public init(
        source: any JWKSSource, issuer: String, audience: String = "hexabase",
        leeway: Duration = .seconds(10), minimumRefreshInterval: Duration = .seconds(5),
        maximumKeyAge: Duration = .seconds(300), verifiedLifetime: Duration = .seconds(60), logger: Logger
    ) {
        self.verifiedLifetime = verifiedLifetime
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
        let now = ContinuousClock.now
        if let known = verified.withLock({ $0[token] }), known.until > now, isCurrent(kid: known.kid, at: now) {
            try checkTimes(known.claims)
            return known.claims
        }
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
        try checkTimes(claims)
        verified.withLock { verified in
            if verified.count >= Self.verifiedCapacity { verified.removeAll(keepingCapacity: true) }
            verified[token] = VerifiedToken(claims: claims, kid: header.kid, until: now + verifiedLifetime)
        }
        return claims
    }

    /// Expiry and issue time, with the leeway for clock skew.
    private func checkTimes(_ claims: AccessTokenClaims) throws {
        let now = Date()
        let leewaySeconds = Double(leeway.components.seconds)
        guard claims.exp.value.addingTimeInterval(leewaySeconds) > now else { throw Self.unauthenticated(reason: "expired") }
        guard claims.iat.value.addingTimeInterval(-leewaySeconds) <= now else { throw Self.unauthenticated(reason: "issued in the future") }
    }

    /// Whether `kid` is among the cached keys and they are not due a refresh.
    private func isCurrent(kid: String, at now: ContinuousClock.Instant) -> Bool {
        cache.withLock { cache in
            guard cache.keys != nil, cache.kids.contains(kid), let fetchedAt = cache.fetchedAt else { return false }
            return fetchedAt.duration(to: now) <= maximumKeyAge
        }
    }

    /// Drops the cached keys and the remembered tokens (tests; key rotation notices).
    public func invalidate() {
        verified.withLock { $0.removeAll() }
        cache.withLock { cache in
            cache.keys = nil
            cache.kids = []
            cache.fetchedAt = nil
        }
    }

    private func keys(for kid: String) async throws -> JWTKeyCollection {
        // Set once this request saw a refresh finish (its own or another's): after that, an
        // unknown kid is refused instead of fetching again.
        var sawRefresh = false
        while true {
            let now = ContinuousClock.now
            enum Step {
                case use(JWTKeyCollection)
                case wait(generation: Int)
                case fetch
                /// Refuse: 401, or 503 when the keys could not be fetched (not the token's fault).
                case reject(unavailable: Bool)
            }
            let step: Step = cache.withLock { cache in
                let age = cache.fetchedAt.map { $0.duration(to: now) }
                let stale = age.map { $0 > maximumKeyAge } ?? true
                if let keys = cache.keys, cache.kids.contains(kid), !stale || sawRefresh { return .use(keys) }
                if cache.fetching { return .wait(generation: cache.generation) }
                let unavailable = cache.keys == nil || cache.lastFetchFailed
                if sawRefresh { return .reject(unavailable: unavailable) }
                guard age.map({ $0 >= minimumRefreshInterval }) ?? true else {
                    // Refreshed moments ago: an unknown kid now is a forgery or a typo, not a rotation.
                    if let keys = cache.keys, cache.kids.contains(kid) { return .use(keys) }
                    return .reject(unavailable: unavailable)
                }
                cache.fetching = true
                return .fetch
            }
            switch step {
            case .use(let keys):
                return keys
            case .reject(let unavailable):
                if unavailable { throw ServiceError(.unavailable, "Token verification is temporarily unavailable.") }
                throw Self.unauthenticated(reason: "unknown kid (refresh throttled)")
            case .wait(let generation):
                // Another request is fetching; wait for it instead of fetching again.
                await withCheckedContinuation { continuation in
                    let fetching = cache.withLock { cache in
                        if cache.fetching { cache.waiters.append(continuation) }
                        return cache.fetching
                    }
                    if !fetching { continuation.resume() }
                }
                sawRefresh = cache.withLock { $0.generation != generation }
            case .fetch:
                try await refresh(at: now)
                sawRefresh = true
            }
        }
    }

    /// Fetches the JWKS once and wakes every request that waited for it. A failed fetch keeps
    /// the previous keys and still counts as a refresh, so failures do not cause a fetch storm.
    private func refresh(at now: ContinuousClock.Instant) async throws {
        var collection: (JWTKeyCollection, Set<String>)?
        var failure: (any Error)?
        do {
            collection = try await Self.makeCollection(try await source.fetchJWKS())
        } catch {
            failure = error
        }
        // A fetch cut short by this request's own cancellation says nothing about the keys:
        // it does not count as a refresh, and a waiter will fetch again.
        let cancelled = failure != nil && (failure is CancellationError || Task.isCancelled)
        if let failure, !cancelled {
            logger.warning("could not fetch the JWKS", metadata: ["error": "\(failure)"])
        }
        let (waiters, hasKeys) = cache.withLock { cache in
            if let (keys, kids) = collection {
                cache.keys = keys
                cache.kids = kids
            }
            if !cancelled {
                cache.fetchedAt = now
                cache.lastFetchFailed = failure != nil
                cache.generation += 1
            }
            cache.fetching = false
            defer { cache.waiters = [] }
            return (cache.waiters, cache.keys != nil)
        }
        for waiter in waiters { waiter.resume() }
        if cancelled { throw CancellationError() }
        if let failure, !hasKeys {
            throw ServiceError(.unavailable, "Token verification is temporarily unavailable.", cause: failure)
        }
    }

    /// Builds a key collection holding only the RS256 keys of a JWKS. Keys of other types or
    /// algorithms are skipped (RFC 7517 §5: a key set may hold keys a party does not understand).
    static func makeCollection(_ json: String) async throws -> (JWTKeyCollection, Set<String>) {
        guard let document = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let keys = document["keys"] as? [Any]
        else {
            throw ServiceError(.unavailable, "Token verification is temporarily unavailable.", cause: ConfigurationError("the JWKS is not a JSON key set"))
        }
        let collection = JWTKeyCollection()
        var kids: Set<String> = []
        for case let key as [String: Any] in keys {
            // Only RSA keys for RS256: an HMAC or "none" key in the set could never verify anything.
            guard key["kty"] as? String == "RSA", (key["alg"] as? String).map({ $0 == "RS256" }) ?? true,
                  (key["use"] as? String).map({ $0 == "sig" }) ?? true,
                  let kid = key["kid"] as? String, !kid.isEmpty,
                  let data = try? JSONSerialization.data(withJSONObject: key),
                  let jwk = try? JSONDecoder().decode(JWK.self, from: data)
            else { continue }
            do {
                try await collection.add(jwk: jwk)
                kids.insert(kid)
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
