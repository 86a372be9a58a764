import Foundation
import SwiftProtobuf

/// Exact conversions between protobuf timestamps and microseconds since the Unix epoch (the
/// precision Postgres keeps).
enum Timestamps {
    /// Seconds since the epoch that a record, a filter or a cursor may name: 1970 up to the
    /// end of 9999 (what proto JSON and Postgres both handle; beyond it conversions trap).
    static let validSeconds: ClosedRange<Int64> = 0...253_402_300_799

    /// Whether a timestamp is within ``validSeconds``.
    static func isValid(_ timestamp: Google_Protobuf_Timestamp) -> Bool {
        validSeconds.contains(timestamp.seconds) && (0..<1_000_000_000).contains(timestamp.nanos)
    }

    static func timestamp(microseconds: Int64) -> Google_Protobuf_Timestamp {
        var seconds = microseconds / 1_000_000
        var micros = microseconds % 1_000_000
        if micros < 0 {
            seconds -= 1
            micros += 1_000_000
        }
        return Google_Protobuf_Timestamp(seconds: seconds, nanos: Int32(micros * 1000))
    }

    static func microseconds(_ timestamp: Google_Protobuf_Timestamp) -> Int64 {
        timestamp.seconds * 1_000_000 + Int64(timestamp.nanos / 1000)
    }

    static func date(microseconds: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(microseconds) / 1_000_000)
    }

    static func microseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }
}
