import Foundation
import Store

extension AuthStore {
    /// The failure counters of `keys` that exist.
    func throttleCounters(keys: [String]) async throws -> [LoginThrottle.Counter] {
        try await pool.query("SELECT key, failures, window_start FROM login_throttle WHERE key = ANY(\(keys))", prepared: true).map {
            LoginThrottle.Counter(key: try $0.decode(column: "key"), failures: try $0.decode(column: "failures"), windowStart: try $0.decode(column: "window_start"))
        }
    }

    /// Counts one failure for each key, starting a new window where the old one ended.
    func recordLoginFailure(keys: [String], window: Duration) async throws {
        try await pool.execute("""
            INSERT INTO login_throttle AS t (key, failures, window_start)
            SELECT k, 1, now() FROM unnest(\(keys)::text[]) AS k
            ON CONFLICT (key) DO UPDATE SET
                failures = CASE WHEN t.window_start <= now() - make_interval(secs => \(window.timeInterval)) THEN 1 ELSE t.failures + 1 END,
                window_start = CASE WHEN t.window_start <= now() - make_interval(secs => \(window.timeInterval)) THEN now() ELSE t.window_start END
            """)
    }

    /// Forgets the failures of an account after a successful login.
    func clearLoginFailures(key: String) async throws {
        try await pool.execute("DELETE FROM login_throttle WHERE key = \(key)")
    }
}
