import Foundation
import Store
import Testing

@Suite("Value text encoding and decoding (no database)")
struct ValueCodingTests {
    @Test("timestamptz output is parsed with microseconds and offsets")
    func parsesTimestamps() throws {
        let expected = 1_795_278_660.123456
        let utc = try Date.decode(postgresText: "2026-11-21 16:31:00.123456+00")
        #expect(abs(utc.timeIntervalSince1970 - expected) < 1e-6)
        let shifted = try Date.decode(postgresText: "2026-11-21 22:01:00.123456+05:30")
        #expect(abs(shifted.timeIntervalSince1970 - expected) < 1e-6)
        let short = try Date.decode(postgresText: "2026-11-21 16:31:00.12+00")
        #expect(abs(short.timeIntervalSince1970 - 1_795_278_660.12) < 1e-6)
        let whole = try Date.decode(postgresText: "1970-01-01 00:00:00+00")
        #expect(whole.timeIntervalSince1970 == 0)
        let historic = try Date.decode(postgresText: "1900-01-01 00:00:00-00:09:21")
        #expect(historic.timeIntervalSince1970 == -2_208_988_800 + 561)
        #expect(try Date.decode(postgresText: "infinity") == .distantFuture)
        #expect(try Date.decode(postgresText: "-infinity") == .distantPast)
    }

    @Test("timestamps are encoded as ISO 8601 with microseconds and offset")
    func encodesTimestamps() {
        #expect(Date(timeIntervalSince1970: 1_795_278_660.123456).postgresText == "2026-11-21T16:31:00.123456+00:00")
        #expect(Date(timeIntervalSince1970: -0.000001).postgresText == "1969-12-31T23:59:59.999999+00:00")
        #expect(Date(timeIntervalSince1970: 951_782_400).postgresText == "2000-02-29T00:00:00.000000+00:00")
    }

    @Test("encoding then decoding a timestamp keeps it to the microsecond", arguments: [
        -62_135_596_800.0, -1.5, 0, 1_000_000_000.000001, 1_795_278_660.999999, 4_102_444_800,
    ])
    func timestampRoundTrip(seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        let decoded = try Date.decode(postgresText: date.postgresText)
        #expect(abs(decoded.timeIntervalSince1970 - seconds) < 1e-6)
    }

    @Test("malformed timestamps are rejected", arguments: [
        "", "2026-11-21", "2026-13-01 00:00:00+00", "2026-11-21 16:31:00+0", "2026-11-21 16:31:00.+00",
        "yesterday", "2026-11-21 16:31:00+00 trailing",
    ])
    func rejectsBadTimestamps(text: String) {
        #expect(throws: PostgresDecodingFailure.invalidValue) { try Date.decode(postgresText: text) }
    }

    @Test("bytea is sent and read as hex, zero bytes included")
    func byteaHex() throws {
        let data = Data([0x00, 0x01, 0xAB, 0xFF, 0x00])
        #expect(data.postgresText == "\\x0001abff00")
        #expect(try Data.decode(postgresText: "\\x0001abff00") == data)
        #expect(try Data.decode(postgresText: "\\x") == Data())
        #expect(throws: PostgresDecodingFailure.invalidValue) { try Data.decode(postgresText: "\\x0") }
        #expect(throws: PostgresDecodingFailure.invalidValue) { try Data.decode(postgresText: "\\xzz") }
        #expect(throws: PostgresDecodingFailure.invalidValue) { try Data.decode(postgresText: "abc") }
    }

    @Test("NULL decodes into optionals and is refused by non-optionals")
    func nullHandling() throws {
        #expect(try String?.decode(postgresText: nil) == nil)
        #expect(try Int?.decode(postgresText: "7") == 7)
        #expect(throws: PostgresDecodingFailure.unexpectedNull) { try String.decode(postgresText: nil) }
        #expect((nil as Int?).postgresText == nil)
    }

    @Test("numbers and booleans use Postgres's spelling and overflow is rejected")
    func scalars() throws {
        #expect(true.postgresText == "t")
        #expect(try Bool.decode(postgresText: "f") == false)
        #expect(Double.infinity.postgresText == "Infinity")
        #expect(try Double.decode(postgresText: "-Infinity") == -.infinity)
        #expect(try Double.decode(postgresText: "NaN").isNaN)
        #expect(try Double.decode(postgresText: "1e-05") == 0.00001)
        #expect(try Int64.decode(postgresText: "-9223372036854775808") == .min)
        #expect(throws: PostgresDecodingFailure.invalidValue) { try Int32.decode(postgresText: "2147483648") }
        #expect(throws: PostgresDecodingFailure.invalidValue) { try Int.decode(postgresText: "1.5") }
    }

    @Test("arrays are encoded as quoted literals and decoded back")
    func arrays() throws {
        let values: [String?] = ["a b", "quote\"d", "back\\slash", nil, "NULL", ""]
        #expect(values.postgresText == #"{"a b","quote\"d","back\\slash",NULL,"NULL",""}"#)
        #expect(try [String?].decode(postgresText: #"{"a b","quote\"d","back\\slash",NULL,"NULL",""}"#) == values)
        #expect(try [Int].decode(postgresText: "{1,2,3}") == [1, 2, 3])
        #expect(try [Int].decode(postgresText: "{}") == [])
        #expect(throws: PostgresDecodingFailure.invalidValue) { try [Int].decode(postgresText: "{{1,2},{3,4}}") }
    }

    @Test("string-backed enums encode and decode through their raw value")
    func rawRepresentable() throws {
        enum Status: String, PostgresCodable { case active, suspended }
        #expect(Status.suspended.postgresText == "suspended")
        #expect(try Status.decode(postgresText: "active") == .active)
        #expect(throws: PostgresDecodingFailure.invalidValue) { try Status.decode(postgresText: "deleted") }
    }
}
