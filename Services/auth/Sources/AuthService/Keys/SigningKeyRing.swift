import Foundation
import JWTKit
import Logging
import ServiceKit

/// The signing keys of this issuer: signs with the active key, publishes the JWKS, and rotates
/// on the schedule of its ``KeyRotationPolicy``.
///
/// Every replica runs ``rotateIfDue()`` periodically; the rotation takes a Postgres advisory
/// lock, so exactly one replica rotates and the others find the new key on their next load.
/// A replica reloads the active key at most ``KeyRotationPolicy/cacheLifetime`` after it
/// loaded it, and the retention of retired keys covers that lag.
public actor SigningKeyRing: SignerSource {
    private let store: AuthStore
    private let sealer: KeySealer
    public nonisolated let policy: KeyRotationPolicy
    private let logger: Logger
    private var cached: (signer: JWTSigner, loadedAt: ContinuousClock.Instant)?

    init(store: AuthStore, sealer: KeySealer, policy: KeyRotationPolicy, logger: Logger) {
        self.store = store
        self.sealer = sealer
        self.policy = policy
        self.logger = logger
    }

    /// The key to sign with now.
    public func signer() async throws -> JWTSigner {
        if let cached, ContinuousClock.now - cached.loadedAt < policy.cacheLifetime { return cached.signer }
        guard let stored = try await store.activeSigningKey() else {
            _ = try await rotateIfDue()
            return try await signer()
        }
        if let cached, cached.signer.kid == stored.kid {
            self.cached = (cached.signer, .now)
            return cached.signer
        }
        let signer = try await JWTSigner(kid: stored.kid, privateKeyPEM: try privateKeyPEM(of: stored))
        cached = (signer, .now)
        logger.info("signing key loaded", metadata: ["kid": "\(stored.kid)"])
        return signer
    }

    /// The JWKS: the active key and every retired key whose tokens may still be valid.
    public func jwks() async throws -> String {
        SigningKey.jwks(try await store.publishedKeys(retention: policy.retention).map(\.publicJWK))
    }

    /// Creates the first key or rotates the active one when the policy says so; returns the
    /// kid of the key it created, or nil when nothing was due. Also seals any plaintext key
    /// left by an older version.
    @discardableResult
    public func rotateIfDue(now: Date = Date()) async throws -> String? {
        let sealer = self.sealer
        let policy = self.policy
        let created: String? = try await store.withKeyRotationLock { connection in
            for legacy in try await self.store.legacySigningKeys(on: connection) {
                guard let pem = legacy.legacyPEM else { continue }
                try await self.store.sealLegacyKey(kid: legacy.kid, sealed: try sealer.seal(pem, kid: legacy.kid), sealingKeyID: sealer.currentKeyID, on: connection)
            }
            let active = try await self.store.activeSigningKey(on: connection)
            switch policy.action(activeCreatedAt: active?.createdAt, now: now) {
            case .keep:
                return nil
            case .create, .rotate:
                let key = try SigningKey.generate(now: now)
                try await self.store.replaceActiveKey(
                    with: StoredSigningKey(
                        kid: key.kid, publicJWK: key.publicJWK, sealedPrivateKey: try sealer.seal(key.privateKeyPEM, kid: key.kid),
                        sealingKeyID: sealer.currentKeyID, createdAt: key.createdAt
                    ),
                    on: connection
                )
                return key.kid
            }
        }
        if let created {
            cached = nil
            logger.notice("signing key rotated", metadata: ["kid": "\(created)"])
        }
        return created
    }

    private func privateKeyPEM(of stored: StoredSigningKey) throws -> String {
        if let sealed = stored.sealedPrivateKey, let keyID = stored.sealingKeyID {
            return try sealer.open(sealed, keyID: keyID, kid: stored.kid)
        }
        if let pem = stored.legacyPEM { return pem }
        throw KeySealer.Failure(description: "signing key \(stored.kid) has no private key")
    }
}
