import Foundation
import Store

/// A device authorization (RFC 8628) as stored.
struct DeviceAuthorization: Sendable, Equatable {
    enum Status: String, Sendable {
        case pending, approved, denied, consumed
    }

    var userCode: String
    var clientID: String
    var scope: String
    var status: Status
    var sessionID: String?
    var userID: String?
    var pollInterval: Int
    var expiresAt: Date
}

/// What a device-code poll led to.
enum DevicePoll: Sendable, Equatable {
    /// Approved: the grant is now consumed and tokens may be issued for this session.
    case approved(DeviceAuthorization)
    case pending
    /// Polled faster than the interval: the interval grows by 5 s (RFC 8628 §3.5).
    case slowDown
    case denied
    case expired
    case invalid
}

extension AuthStore {
    func insertDeviceAuthorization(deviceCodeHash: Data, _ authorization: DeviceAuthorization) async throws {
        try await pool.execute("""
            INSERT INTO device_authorizations (device_code_hash, user_code, client_id, scope, poll_interval, expires_at)
            VALUES (\(deviceCodeHash), \(authorization.userCode), \(authorization.clientID), \(authorization.scope),
                    \(authorization.pollInterval), \(authorization.expiresAt))
            """)
    }

    /// The pending, unexpired authorization with this user code.
    func pendingDeviceAuthorization(userCode: String) async throws -> DeviceAuthorization? {
        try await pool.query("""
            SELECT user_code, client_id, scope, status, session_id, NULL AS user_id, poll_interval, expires_at
            FROM device_authorizations WHERE user_code = \(userCode) AND status = 'pending' AND expires_at > now()
            """).first.map(Self.deviceAuthorization)
    }

    /// Approves or denies a pending authorization for the user of `sessionID`.
    func decideDeviceAuthorization(userCode: String, approve: Bool, sessionID: String) async throws -> Bool {
        try await pool.execute("""
            UPDATE device_authorizations SET status = \(approve ? "approved" : "denied"), session_id = \(sessionID)
            WHERE user_code = \(userCode) AND status = 'pending' AND expires_at > now()
            """) == 1
    }

    /// One poll of the device: enforces the interval, consumes an approved grant once.
    func pollDeviceAuthorization(deviceCodeHash: Data, clientID: String) async throws -> DevicePoll {
        try await pool.transaction { connection in
            let rows = try await connection.query("""
                SELECT d.user_code, d.client_id, d.scope, d.status, d.session_id, s.user_id, d.poll_interval, d.expires_at,
                       d.last_polled_at > now() - make_interval(secs => d.poll_interval) AS too_fast
                FROM device_authorizations d LEFT JOIN sessions s ON s.id = d.session_id
                WHERE d.device_code_hash = \(deviceCodeHash) FOR UPDATE OF d
                """)
            guard let row = rows.first else { return .invalid }
            let authorization = try Self.deviceAuthorization(row)
            guard authorization.clientID == clientID else { return .invalid }
            if authorization.expiresAt <= Date() { return .expired }
            switch authorization.status {
            case .consumed: return .invalid
            case .denied: return .denied
            case .approved:
                try await connection.execute("UPDATE device_authorizations SET status = 'consumed' WHERE device_code_hash = \(deviceCodeHash)")
                return .approved(authorization)
            case .pending:
                if try row.decode(Bool?.self, column: "too_fast") == true {
                    try await connection.execute("""
                        UPDATE device_authorizations SET poll_interval = poll_interval + 5, last_polled_at = now()
                        WHERE device_code_hash = \(deviceCodeHash)
                        """)
                    return .slowDown
                }
                try await connection.execute("UPDATE device_authorizations SET last_polled_at = now() WHERE device_code_hash = \(deviceCodeHash)")
                return .pending
            }
        }
    }

    private static func deviceAuthorization(_ row: PostgresRow) throws -> DeviceAuthorization {
        DeviceAuthorization(
            userCode: try row.decode(column: "user_code"), clientID: try row.decode(column: "client_id"),
            scope: try row.decode(column: "scope"),
            status: DeviceAuthorization.Status(rawValue: try row.decode(column: "status")) ?? .denied,
            sessionID: try row.decode(String?.self, column: "session_id"), userID: try row.decode(String?.self, column: "user_id"),
            pollInterval: try row.decode(column: "poll_interval"), expiresAt: try row.decode(column: "expires_at")
        )
    }
}
