import Contracts
import Foundation
import SwiftProtobuf
import Testing

@testable import LoggingService

/// The ClickHouse store's pure parts: value escaping, text-search words, time formats and
/// sequences (no server).
@Suite struct ClickHouseFormatTests {
    @Test func parameterValuesAreEscapedForTheEscapedFormat() {
        #expect(ClickHouseStatement.escaped("plain 'quoted' {x:String}") == "plain 'quoted' {x:String}")
        #expect(ClickHouseStatement.escaped("a\\b\tc\nd\re\0") == "a\\\\b\\tc\\nd\\re\\0")
        #expect(ClickHouseStatement.escaped("\\N") == "\\\\N")
    }

    @Test func placeholdersAreNumberedAndTyped() throws {
        var statement = ClickHouseStatement()
        #expect(try statement.bind("x") == "{p0:String}")
        #expect(statement.bind(Int64(-5)) == "{p1:Int64}")
        #expect(statement.bind(UInt32(3), as: "UInt8") == "{p2:UInt8}")
        #expect(statement.urlFields.map(\.name) == ["param_p0", "param_p1", "param_p2"])
        #expect(throws: ClickHouseError.self) { try statement.bind(String(repeating: "x", count: ClickHouseStatement.maximumValueBytes + 1)) }
    }

    @Test func rowsCarryExactSecondsAndExpiryDays() throws {
        var record = Hexabase_Logs_V1_LogRecord()
        record.time = Google_Protobuf_Timestamp(seconds: 1_704_164_646, nanos: 1_999)
        record.level = "WARN"
        let expires = Date(timeIntervalSince1970: 4_102_444_799)  // 2099-12-31 23:59:59
        let line = String(decoding: try ClickHouseRow.insertBody([StoredRecord(record: record, expiresAt: expires)][...], firstSequence: 7, batchID: "b#0"), as: UTF8.self)
        // Keys come in any order: a field ends with "," or "}".
        func has(_ text: String, _ field: String) -> Bool { text.contains(field + ",") || text.contains(field + "}") }
        #expect(has(line, "\"time\":1704164646.000001"))
        #expect(has(line, "\"expires_on\":47481"))
        #expect(has(line, "\"level\":4"))
        #expect(has(line, "\"sequence\":7") && has(line, "\"batch_id\":\"b#0\""))

        record.time = Google_Protobuf_Timestamp(seconds: -1, nanos: 999_999_000)
        let early = String(decoding: try ClickHouseRow.insertBody([StoredRecord(record: record, expiresAt: Date(timeIntervalSince1970: -5))][...], firstSequence: 1, batchID: "b"), as: UTF8.self)
        #expect(has(early, "\"time\":-0.000001"))
        #expect(has(early, "\"expires_on\":0"))
    }

    @Test func sequencesIncreaseEvenWhenTheClockStepsBack() {
        let sequencer = ClickHouseSequencer()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let first = sequencer.reserve(3000, now: now)
        #expect(first == 1_800_000_000_000_000 * 1024)
        let second = sequencer.reserve(1, now: now.addingTimeInterval(-10))
        #expect(second == first + 3000)
        let later = sequencer.reserve(1, now: now.addingTimeInterval(1))
        #expect(later == (1_800_000_000_000_000 + 1_000_000) * 1024)
    }

    @Test func theSettledLimitLagsByTheWindow() {
        let sequencer = ClickHouseSequencer()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let taken = sequencer.reserve(1, now: now)
        #expect(sequencer.settledLimit(window: .zero, now: now) >= taken)
        #expect(sequencer.settledLimit(window: .seconds(1), now: now) < taken)
        #expect(sequencer.settledLimit(window: .seconds(1), now: now.addingTimeInterval(1)) >= taken)
    }
}
