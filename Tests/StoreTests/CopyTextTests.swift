import Foundation
import Store
import Testing

@Suite("COPY text format lines (no database)")
struct CopyTextTests {
    @Test("special characters are escaped and NULL is \\N")
    func escapes() {
        #expect(CopyText.line(["a\tb", "line\nbreak", "back\\slash", nil, ""]) == "a\\tb\tline\\nbreak\tback\\\\slash\t\\N\t")
    }

    @Test("a line splits back into the fields it was built from")
    func roundTrip() {
        let fields: [String?] = ["tab\there", nil, "carriage\r\nreturn", "\\N literally", "ünïcödé 🌍", ""]
        #expect(CopyText.fields(of: CopyText.line(fields)) == fields)
    }

    @Test func theWriterWritesWhatLineWrites() {
        let rows: [[String?]] = [["a\tb", "line\nbreak", "back\\slash", nil, ""], ["ünï\r", "plain", "tab\t\t"], [nil]]
        var writer = CopyText.Writer()
        for row in rows {
            for field in row { writer.field(field) }
            writer.endRow()
        }
        #expect(String(decoding: writer.data, as: UTF8.self) == rows.map { CopyText.line($0) + "\n" }.joined())
    }

    @Test("a timestamp field is written as text Postgres reads, in every range", arguments: [
        (Int64(0), "1970-01-01T00:00:00.000000+00:00"),
        (1_763_778_000_123_456, "2025-11-22T02:20:00.123456+00:00"),
        (253_402_300_799_999_999, "9999-12-31T23:59:59.999999+00:00"),
        (-62_135_596_800_000_000, "0001-01-01T00:00:00.000000+00:00"),
        (-62_135_683_200_000_000, "0001-12-31T00:00:00.000000+00:00 BC"),
        (1_000_000_000_000_000_000, "33658-09-27T01:46:40.000000+00:00"),
        (951_782_400_000_001, "2000-02-29T00:00:00.000001+00:00"),
        (-1, "1969-12-31T23:59:59.999999+00:00"),
    ])
    func timestampField(microseconds: Int64, expected: String) {
        var writer = CopyText.Writer()
        writer.field(timestampMicroseconds: microseconds)
        writer.null()
        writer.endRow()
        #expect(String(decoding: writer.data, as: UTF8.self) == expected + "\t\\N\n")
    }
}
