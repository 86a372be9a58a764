import Foundation
import Mail
import Testing

@Suite("MessageRenderer")
struct MessageRendererTests {
    private let renderer = MessageRenderer()
    private let date = Date(timeIntervalSince1970: 1_770_109_500)  // Tue, 03 Feb 2026 09:05:00 UTC

    private func text(_ rendered: RenderedMessage) -> String {
        String(decoding: rendered.bytes, as: UTF8.self)
    }

    private func headers(_ rendered: RenderedMessage) -> String {
        text(rendered).components(separatedBy: "\r\n\r\n")[0]
    }

    @Test("writes the RFC 5322 headers of a plain-text mail")
    func plainTextHeaders() throws {
        let rendered = try renderer.render(try message(to: ["Alice <alice@example.com>"]), date: date, uniqueID: "abc123")
        #expect(text(rendered) == [
            "Date: Tue, 03 Feb 2026 09:05:00 +0000",
            "From: Hexabase <no-reply@hexabase.test>",
            "To: Alice <alice@example.com>",
            "Subject: Hello",
            "Message-ID: <abc123@hexabase.test>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "Hi there.",
            "",
        ].joined(separator: "\r\n"))
        #expect(rendered.envelopeFrom == "no-reply@hexabase.test")
        #expect(rendered.recipients == ["alice@example.com"])
        #expect(rendered.messageID == "<abc123@hexabase.test>")
    }

    @Test("every line ends with CRLF and fits in 78 characters, whatever line breaks the body had")
    func crlfEverywhere() throws {
        let rendered = try renderer.render(try message(text: "one\ntwo\r\nthree\rfour", html: "<p>a</p>\n<p>b</p>"))
        let bytes = rendered.bytes
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            #expect(index > 0 && bytes[index - 1] == 0x0D)
        }
        for (index, byte) in bytes.enumerated() where byte == 0x0D {
            #expect(index + 1 < bytes.count && bytes[index + 1] == 0x0A)
        }
        #expect(bytes.suffix(2) == [0x0D, 0x0A])
        for line in text(rendered).components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 78, "\(line)")
        }
    }

    @Test("encodes a non-ASCII subject and display names as RFC 2047 encoded words")
    func encodedWords() throws {
        let mail = MailMessage(
            from: try MailAddress("a@example.com", displayName: "Zoë"),
            to: [try MailAddress("b@example.com", displayName: "Smith, John")],
            subject: "Grüße", textBody: "x"
        )
        let head = headers(try renderer.render(mail))
        #expect(head.contains("\r\nSubject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n"))
        #expect(head.contains("\r\nFrom: =?UTF-8?B?Wm/Dqw==?= <a@example.com>\r\n"))
        #expect(head.contains("\r\nTo: \"Smith, John\" <b@example.com>\r\n"))
    }

    @Test("folds a long subject into encoded words of at most 75 characters on lines of at most 78")
    func longSubjectFolds() throws {
        let subject = String(repeating: "Réinitialisation du mot de passe 🔑 ", count: 6)
        let head = headers(try renderer.render(try message(subject: subject)))
        let subjectLines = head.components(separatedBy: "\r\n").drop { !$0.hasPrefix("Subject:") }
            .prefix { $0.hasPrefix("Subject:") || $0.hasPrefix(" ") }
        #expect(subjectLines.count > 3)
        for line in subjectLines {
            #expect(line.utf8.count <= 78)
            let word = line.split(separator: " ").last.map(String.init) ?? ""
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?=") && word.utf8.count <= 75)
        }
        let decoded = subjectLines.map { line -> String in
            let word = line.split(separator: " ").last!.dropFirst(10).dropLast(2)
            return String(decoding: Data(base64Encoded: String(word))!, as: UTF8.self)
        }.joined()
        #expect(decoded == subject)
    }

    @Test("keeps every body line within 76 characters and the text recoverable")
    func bodyLinesStayShort() throws {
        let body = String(repeating: "Schöne Grüße = ", count: 40) + "\n\n" + String(repeating: "x", count: 300) + "\t \n"
        let rendered = try renderer.render(try message(text: body))
        let parts = text(rendered).components(separatedBy: "\r\n\r\n")
        let encoded = parts.dropFirst().joined(separator: "\r\n\r\n")
        for line in encoded.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 76)
            #expect(!line.hasSuffix(" ") && !line.hasSuffix("\t"))
        }
        #expect(QuotedPrintableDecoder.decode(encoded) == body.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test("writes text and HTML as a multipart/alternative")
    func multipartAlternative() throws {
        let rendered = try renderer.render(try message(text: "plain", html: "<b>rich</b>"), uniqueID: "u1")
        let output = text(rendered)
        #expect(output.contains("Content-Type: multipart/alternative;\r\n boundary=\"=_hxb_u1\"\r\n"))
        #expect(output.contains("\r\n--=_hxb_u1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nplain\r\n\r\n--=_hxb_u1\r\n"))
        #expect(output.contains("\r\n--=_hxb_u1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<b>rich</b>\r\n\r\n--=_hxb_u1--\r\n"))
    }

    @Test("refuses a subject that would inject a header", arguments: [
        "Hi\r\nBcc: victim@example.com", "Hi\nBcc: victim@example.com", "Hi\rthere", "nul\u{0}", "next line\u{85}x",
    ])
    func refusesHeaderInjection(_ subject: String) async throws {
        let mail = try message(subject: subject)
        await expectMailError(.invalidMessage) { _ = try renderer.render(mail) }
    }

    @Test("refuses a message without recipients")
    func refusesNoRecipient() async throws {
        let mail = try message(to: [])
        await expectMailError(.invalidMessage) { _ = try renderer.render(mail) }
    }

    @Test("lists each envelope recipient once")
    func deduplicatesRecipients() throws {
        let rendered = try renderer.render(try message(to: ["a@example.com", "B <b@example.com>", "Again <a@example.com>"]))
        #expect(rendered.recipients == ["a@example.com", "b@example.com"])
    }

    @Test("makes a new Message-ID at the sender's domain for every rendering")
    func randomMessageIDs() throws {
        let mail = try message()
        let first = try renderer.render(mail).messageID
        let second = try renderer.render(mail).messageID
        #expect(first != second)
        #expect(first.hasPrefix("<") && first.hasSuffix("@hexabase.test>"))
    }
}
