import Foundation

/// Comparisons of secrets (client secrets, CSRF tokens, PKCE challenges, nonces) whose duration
/// does not depend on where the two values first differ. Only the lengths can leak.
enum ConstantTime {
    /// True when `a` and `b` have the same UTF-8 bytes.
    static func equal(_ a: String, _ b: String) -> Bool {
        equal(Data(a.utf8), Data(b.utf8))
    }

    /// True when `a` and `b` are the same bytes.
    static func equal(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
