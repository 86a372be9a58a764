import Foundation
import ServiceKit

/// Limits on failed logins, per account (the e-mail tried, whether or not it exists) and per
/// source address, and on wrong device user codes per browser session, in fixed windows. When a key has reached its limit, logins for it are
/// refused with 429 and `Retry-After` until its window ends, before any password is checked.
public struct LoginThrottle: Sendable, Equatable {
    /// One counter's state as stored.
    public struct Counter: Sendable, Equatable {
        public var key: String
        public var failures: Int
        public var windowStart: Date
    }

    public var maxFailuresPerAccount: Int
    public var maxFailuresPerAddress: Int
    /// Wrong user codes a browser session may enter on the device page (RFC 8628 §5.1: user
    /// codes are short, so guessing must be rate-limited).
    public var maxDeviceCodeFailuresPerSession: Int
    public var window: Duration

    public init(
        maxFailuresPerAccount: Int = 10, maxFailuresPerAddress: Int = 100, maxDeviceCodeFailuresPerSession: Int = 10,
        window: Duration = .seconds(900)
    ) {
        self.maxFailuresPerAccount = maxFailuresPerAccount
        self.maxFailuresPerAddress = maxFailuresPerAddress
        self.maxDeviceCodeFailuresPerSession = maxDeviceCodeFailuresPerSession
        self.window = window
    }

    /// The counter keys of a login attempt.
    public static func keys(email: String, address: String?) -> [String] {
        ["account:" + email] + (address.map { ["address:" + $0] } ?? [])
    }

    /// The counter key of user-code attempts by one browser session.
    public static func deviceKey(sessionID: String) -> String { "device:" + sessionID }

    func limit(for key: String) -> Int {
        if key.hasPrefix("account:") { return maxFailuresPerAccount }
        if key.hasPrefix("device:") { return maxDeviceCodeFailuresPerSession }
        return maxFailuresPerAddress
    }

    /// How long the attempt must wait (nil: it may proceed), given the stored counters.
    public func retryAfter(_ counters: [Counter], now: Date) -> Duration? {
        var wait: TimeInterval = 0
        for counter in counters {
            let limit = limit(for: counter.key)
            let end = counter.windowStart.addingTimeInterval(window.timeInterval)
            if counter.failures >= limit, end > now { wait = max(wait, end.timeIntervalSince(now)) }
        }
        return wait > 0 ? .seconds(wait.rounded(.up)) : nil
    }
}
