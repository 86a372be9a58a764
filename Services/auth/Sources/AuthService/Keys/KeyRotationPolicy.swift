import Foundation
import ServiceKit

/// When to rotate the signing key, and how long a retired key stays in the JWKS. Pure: the
/// key ring asks it and acts on the answer.
public struct KeyRotationPolicy: Sendable, Equatable {
    /// What the key ring should do now.
    public enum Action: Sendable, Equatable {
        /// No active key exists (first start): create one.
        case create
        /// The active key is older than the rotation interval: retire it and create the next.
        case rotate
        /// The active key is good until `until`.
        case keep(until: Date)
    }

    /// How long a key signs before its successor replaces it.
    public var rotationInterval: Duration
    /// The longest lifetime of anything signed (access and ID tokens).
    public var maximumTokenLifetime: Duration
    /// How long a replica may keep signing with a key it cached before it learns of a rotation.
    public var cacheLifetime: Duration
    /// Clock difference tolerated between this service and verifiers.
    public var clockSkew: Duration = .seconds(60)

    public init(rotationInterval: Duration, maximumTokenLifetime: Duration, cacheLifetime: Duration) {
        self.rotationInterval = rotationInterval
        self.maximumTokenLifetime = maximumTokenLifetime
        self.cacheLifetime = cacheLifetime
    }

    /// The decision for an active key created at `activeCreatedAt` (nil: there is none).
    public func action(activeCreatedAt: Date?, now: Date) -> Action {
        guard let created = activeCreatedAt else { return .create }
        let due = created.addingTimeInterval(rotationInterval.timeInterval)
        return now >= due ? .rotate : .keep(until: due)
    }

    /// How long after retirement a key stays published: a token it signed just before (or, on
    /// a replica whose cache is stale, just after) the rotation must still verify until it
    /// expires. Rotation therefore never invalidates a live token.
    public var retention: Duration { maximumTokenLifetime + cacheLifetime + clockSkew }
}
