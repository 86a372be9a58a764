import Foundation
import SwiftProtobuf

/// Exact conversions between protobuf timestamps and microseconds since the Unix epoch (the
/// precision Postgres keeps).
enum Timestamps {
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
