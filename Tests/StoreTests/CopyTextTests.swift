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
}
