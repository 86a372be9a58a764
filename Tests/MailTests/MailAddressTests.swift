import Mail
import Testing

@Suite("MailAddress")
struct MailAddressTests {
    @Test("accepts ordinary addresses", arguments: [
        "alice@example.com", "a.b+tag@sub.example.co", "no-reply@localhost", "o'brien@example.ie", "x_y=z@a-b.example",
    ])
    func acceptsOrdinaryAddresses(_ address: String) throws {
        #expect(try MailAddress(address).address == address)
    }

    @Test("refuses malformed addresses and anything that could break a header", arguments: [
        "", "alice", "@example.com", "alice@", "a..b@example.com", ".a@example.com", "a.@example.com",
        "alice@exa mple.com", "alice@-example.com", "alice@example..com", "\"quoted\"@example.com",
        "alice@[127.0.0.1]", "jörg@example.com", "alice@exämple.com", "alice@example.com\r\nBcc: x@evil.com",
        "alice\n@example.com", "alice@example.com>", "a<b@example.com",
        String(repeating: "a", count: 65) + "@example.com",
    ])
    func refusesMalformedAddresses(_ address: String) {
        #expect(throws: MailError.self) { try MailAddress(address) }
        #expect { try MailAddress(address) } throws: { ($0 as? MailError)?.code == .invalidMessage }
    }

    @Test("parses a display name, quoted or not")
    func parsesDisplayNames() throws {
        let plain = try MailAddress(parsing: "Hexabase <no-reply@localhost>")
        #expect(plain.displayName == "Hexabase")
        #expect(plain.address == "no-reply@localhost")
        let quoted = try MailAddress(parsing: #"  "Example, \"Inc.\"" <a@example.com> "#)
        #expect(quoted.displayName == #"Example, "Inc.""#)
        #expect(quoted.address == "a@example.com")
        let bare = try MailAddress(parsing: " a@example.com ")
        #expect(bare.displayName == nil)
        #expect(try MailAddress(parsing: "<a@example.com>").displayName == nil)
        #expect(try MailAddress(parsing: "Zoë Ünal <z@example.com>").displayName == "Zoë Ünal")
    }

    @Test("refuses a display name with a line break or unbalanced quotes")
    func refusesBadDisplayNames() {
        #expect(throws: MailError.self) { try MailAddress("a@example.com", displayName: "Eve\r\nBcc: x@evil.com") }
        #expect(throws: MailError.self) { try MailAddress("a@example.com", displayName: "Eve\u{0}") }
        #expect(throws: MailError.self) { try MailAddress(parsing: "Eve\" <a@example.com>") }
        #expect(throws: MailError.self) { try MailAddress(parsing: "Eve <a@example.com") }
    }

    @Test("knows its domain")
    func domain() throws {
        #expect(try MailAddress("alice@mail.example.com").domain == "mail.example.com")
    }
}
