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

    @Test("a timestamp field is written as Date.postgresText writes it, in every range", arguments: [
        0.0, 1_763_778_000.123456, 253_402_300_799.999999, -62_135_596_800.0, -62_135_596_800.5, 1e11, -1e11, 951_782_400.000001,
    ])
    func timestampField(seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        let micros = Int64((seconds * 1_000_000).rounded())
        var writer = CopyText.Writer()
        writer.field(timestampMicroseconds: micros)
        writer.null()
        writer.endRow()
        let expected = try #require(date.postgresText)
        #expect(String(decoding: writer.data, as: UTF8.self) == expected + "\t\\N\n")
    }
}
