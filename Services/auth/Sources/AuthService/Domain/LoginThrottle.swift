import Foundation
import ServiceKit

/// Limits on failed logins, per account (the e-mail tried, whether or not it exists) and per
/// source address, in fixed windows. When a key has reached its limit, logins for it are
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
    public var window: Duration

    public init(maxFailuresPerAccount: Int = 10, maxFailuresPerAddress: Int = 100, window: Duration = .seconds(900)) {
        self.maxFailuresPerAccount = maxFailuresPerAccount
        self.maxFailuresPerAddress = maxFailuresPerAddress
        self.window = window
    }

    /// The counter keys of a login attempt.
    public static func keys(email: String, address: String?) -> [String] {
        ["account:" + email] + (address.map { ["address:" + $0] } ?? [])
    }

    /// How long the attempt must wait (nil: it may proceed), given the stored counters.
    public func retryAfter(_ counters: [Counter], now: Date) -> Duration? {
        var wait: TimeInterval = 0
        for counter in counters {
            let limit = counter.key.hasPrefix("account:") ? maxFailuresPerAccount : maxFailuresPerAddress
            let end = counter.windowStart.addingTimeInterval(window.timeInterval)
            if counter.failures >= limit, end > now { wait = max(wait, end.timeIntervalSince(now)) }
        }
        return wait > 0 ? .seconds(wait.rounded(.up)) : nil
    }
}
