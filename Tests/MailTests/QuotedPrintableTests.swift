import Mail
import Testing

@Suite("Quoted-printable bodies")
struct QuotedPrintableTests {
    private func body(_ text: String) throws -> String {
        let rendered = try MessageRenderer().render(try message(text: text))
        return String(String(decoding: rendered.bytes, as: UTF8.self).components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n"))
    }

    @Test("escapes '=', non-ASCII bytes and trailing white space")
    func escapes() throws {
        #expect(try body("a=b") == "a=3Db\r\n")
        #expect(try body("é") == "=C3=A9\r\n")
        #expect(try body("end \nnext\t") == "end=20\r\nnext=09\r\n")
        #expect(try body("in the middle ok") == "in the middle ok\r\n")
    }

    @Test("escapes a line starting with 'From ' and leaves dot-stuffing to the transport")
    func fromAndDots() throws {
        #expect(try body("From here\n.\n..x") == "=46rom here\r\n.\r\n..x\r\n")
    }

    @Test("breaks a long line softly at 76 characters, never inside an escape")
    func softBreaks() throws {
        let encoded = try body(String(repeating: "a", count: 74) + "éé")
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines[0] == String(repeating: "a", count: 74) + "=")
        #expect(lines[1] == "=C3=A9=C3=A9")
        #expect(QuotedPrintableDecoder.decode(encoded) == String(repeating: "a", count: 74) + "éé\r\n")
    }

    @Test("keeps a line of exactly 76 characters whole")
    func exactLength() throws {
        let line = String(repeating: "b", count: 76)
        #expect(try body(line) == line + "\r\n")
        let longer = try body(line + "c").components(separatedBy: "\r\n")
        #expect(longer[0].utf8.count == 76 && longer[0].hasSuffix("="))
    }

    @Test("writes an empty body as one empty line")
    func emptyBody() throws {
        #expect(try body("") == "\r\n")
    }
}
