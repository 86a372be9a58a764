/// One value fetched on demand and kept for `timeToLive`, e.g. a provider's discovery document.
///
/// Concurrent callers that find it missing or stale may each fetch; the last result wins. That
/// is harmless for idempotent GETs and keeps the cache free of shared in-flight tasks.
actor ExpiringCache<Value: Sendable> {
    private let timeToLive: Duration
    private var entry: (value: Value, fetchedAt: ContinuousClock.Instant)?

    init(timeToLive: Duration) {
        self.timeToLive = timeToLive
    }

    /// The cached value while fresh, else the result of `fetch` (which is then cached).
    /// A failed fetch caches nothing and rethrows.
    func value(fetch: @Sendable () async throws -> Value) async throws -> Value {
        let now = ContinuousClock.now
        if let entry, entry.fetchedAt.duration(to: now) < timeToLive {
            return entry.value
        }
        let value = try await fetch()
        entry = (value, now)
        return value
    }

    /// Forgets the value, so the next call fetches.
    func invalidate() {
        entry = nil
    }
}
