import Foundation
import Synchronization

/// Record sequences for a store without sequences: `microseconds since 1970 × 1024 + n`, taken
/// when an insert is sent, and strictly increasing within the process (a block that would not
/// be, for a clock step back or more than 1,024 records in a microsecond, continues after the
/// last one instead).
///
/// Across replicas, sequences follow the clocks, not the commit order: a replica whose insert
/// takes longer can commit lower sequences after a reader has passed them. Readers of "what came
/// after sequence s" therefore stop at ``settledLimit(window:now:)``: sequences taken at least a
/// settle window ago, by which time every insert that took them is expected to have committed.
/// Int64 holds these sequences until the year 2255.
final class ClickHouseSequencer: Sendable {
    /// Sequences per microsecond.
    static let perMicrosecond: Int64 = 1024

    private let last = Mutex<Int64>(0)

    /// The first of `count` consecutive sequences, all higher than any handed out before.
    func reserve(_ count: Int, now: Date = Date()) -> Int64 {
        let stamp = Timestamps.microseconds(now) * Self.perMicrosecond
        return last.withLock { last in
            let first = max(stamp, last + 1)
            last = first + Int64(max(count, 1)) - 1
            return first
        }
    }

    /// The highest sequence taken at least `window` before `now`.
    func settledLimit(window: Duration, now: Date = Date()) -> Int64 {
        let windowMicroseconds = window.components.seconds * 1_000_000 + window.components.attoseconds / 1_000_000_000_000
        return (Timestamps.microseconds(now) - windowMicroseconds + 1) * Self.perMicrosecond - 1
    }
}
