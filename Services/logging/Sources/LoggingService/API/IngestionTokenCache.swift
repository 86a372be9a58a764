import Foundation
import Synchronization

/// Resolves ingestion token secrets to their workspace, remembering answers (found or not)
/// for ``lifetime``, so a shipper's steady stream of requests costs no query each. A revoked
/// token is therefore refused within ``lifetime`` on every replica (at once on the one that
/// revoked it). `last_used_at` is written at most once per ``touchInterval`` per token.
final class IngestionTokenCache: Sendable {
    static let secretPrefix = "hxi_"

    private let store: LoggingStore
    private let lifetime: Duration
    private let touchInterval: Duration
    private struct Entry {
        var owner: LoggingStore.TokenOwner?
        var until: ContinuousClock.Instant
    }
    private let entries = Mutex<[Data: Entry]>([:])
    private let touched = Mutex<[String: ContinuousClock.Instant]>([:])

    init(store: LoggingStore, lifetime: Duration = .seconds(10), touchInterval: Duration = .seconds(60)) {
        self.store = store
        self.lifetime = lifetime
        self.touchInterval = touchInterval
    }

    /// The owner of an active token, or nil.
    func owner(of secret: String) async throws -> LoggingStore.TokenOwner? {
        guard secret.hasPrefix(Self.secretPrefix), (20...200).contains(secret.utf8.count) else { return nil }
        let key = LoggingStore.hash(secret)
        let now = ContinuousClock.now
        let owner: LoggingStore.TokenOwner?
        if let entry = entries.withLock({ $0[key] }), now < entry.until {
            owner = entry.owner
        } else {
            owner = try await store.tokenOwner(secret: secret)
            entries.withLock { entries in
                if entries.count > 10_000 { entries.removeAll() }
                entries[key] = Entry(owner: owner, until: now + lifetime)
            }
        }
        if let owner {
            let due = touched.withLock { touched in
                if let last = touched[owner.tokenID], now < last + touchInterval { return false }
                touched[owner.tokenID] = now
                return true
            }
            if due { try? await store.touchToken(id: owner.tokenID) }
        }
        return owner
    }

    /// Forgets every answer (after a revocation on this replica).
    func flush() {
        entries.withLock { $0.removeAll() }
    }
}
