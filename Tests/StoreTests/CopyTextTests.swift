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
}
