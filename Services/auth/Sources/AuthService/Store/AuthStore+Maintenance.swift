import Foundation
import Store

extension AuthStore {
    /// Deletes what has served its purpose: expired codes, states, tokens and throttle
    /// windows. Returns the number of rows deleted. (Sent outbox rows: `OutboxRelay.deleteSent`.)
    func deleteExpired() async throws -> Int {
        var deleted = 0
        for statement: PostgresQuery in [
            "DELETE FROM authorization_codes WHERE expires_at < now() - interval '1 hour'",
            "DELETE FROM device_authorizations WHERE expires_at < now() - interval '1 hour'",
            "DELETE FROM federation_states WHERE expires_at < now()",
            "DELETE FROM account_tokens WHERE expires_at < now() - interval '1 day'",
            "DELETE FROM refresh_tokens WHERE expires_at < now()",
            "DELETE FROM login_throttle WHERE window_start < now() - interval '1 day'",
            "DELETE FROM sessions WHERE expires_at < now() - interval '30 days'",
        ] {
            deleted += try await pool.execute(statement)
        }
        return deleted
    }
}
