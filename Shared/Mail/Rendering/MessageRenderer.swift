import Foundation

/// Turns a ``MailMessage`` into an RFC 5322 / MIME message (``RenderedMessage``).
///
/// The output has `Date`, `Message-ID` (random, at the sender's domain), `From`, `To`,
/// `Subject` (RFC 2047 encoded words when needed), `MIME-Version`, and either one UTF-8
/// `text/plain` part or a `multipart/alternative` of text and HTML, both quoted-printable.
/// Lines end with CRLF and stay within 78 characters (76 in bodies). A message that could
/// inject a header (a line break in the subject) or that has no recipient is refused.
public struct MessageRenderer: Sendable {
    /// The most recipients one message may have.
    public static let maxRecipients = 100

    /// Creates a renderer.
    public init() {}

    /// Renders `message`; `date` and the random parts (Message-ID, MIME boundary) can be fixed
    /// for tests. Throws ``MailError/Code/invalidMessage`` when the message is not valid.
    public func render(
        _ message: MailMessage, date: Date = Date(), uniqueID: String? = nil
    ) throws(MailError) -> RenderedMessage {
        try validate(message)
        let unique = uniqueID ?? Self.randomHex()
        guard !unique.isEmpty, unique.unicodeScalars.allSatisfy({ $0.isASCII && $0.properties.isAlphabetic || ("0"..."9").contains($0) }) else {
            throw .invalidMessage("the unique id must be ASCII letters and digits")
        }
        let messageID = "<\(unique)@\(message.from.domain)>"
        var head = [
            "Date: \(RFC5322Date.format(date))",
            "From: \(HeaderEncoding.mailbox(message.from))",
            "To: \(HeaderEncoding.mailboxList(message.to))",
            "Subject: \(HeaderEncoding.unstructured(message.subject))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
        ]
        var body: [UInt8] = []
        if let html = message.htmlBody {
            let boundary = "=_hxb_\(unique)"
            head.append("Content-Type: multipart/alternative;\r\n boundary=\"\(boundary)\"")
            body += Self.crlfLines(["This is a multipart message in MIME format.", "", "--\(boundary)"])
            // The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1): the empty
            // line keeps each part's own final line break.
            body += Self.part(message.textBody, subtype: "plain", withHeaders: true)
            body += Self.crlfLines(["", "--\(boundary)"])
            body += Self.part(html, subtype: "html", withHeaders: true)
            body += Self.crlfLines(["", "--\(boundary)--"])
        } else {
            body += Self.part(message.textBody, subtype: "plain", withHeaders: false)
            head += Self.partHeaders(subtype: "plain")
        }
        var recipients: [String] = []
        for address in message.to.map(\.address) where !recipients.contains(address) {
            recipients.append(address)
        }
        return RenderedMessage(
            envelopeFrom: message.from.address, recipients: recipients, messageID: messageID,
            bytes: Self.crlfLines(head + [""]) + body
        )
    }

    private func validate(_ message: MailMessage) throws(MailError) {
        guard !message.to.isEmpty else { throw .invalidMessage("the message has no recipient") }
        guard message.to.count <= Self.maxRecipients else {
            throw .invalidMessage("the message has more than \(Self.maxRecipients) recipients")
        }
        if message.subject.unicodeScalars.contains(where: MailAddress.isControl) {
            throw .invalidMessage("the subject contains a line break or a control character")
        }
    }

    private static func partHeaders(subtype: String) -> [String] {
        ["Content-Type: text/\(subtype); charset=utf-8", "Content-Transfer-Encoding: quoted-printable"]
    }

    private static func part(_ text: String, subtype: String, withHeaders: Bool) -> [UInt8] {
        (withHeaders ? crlfLines(partHeaders(subtype: subtype) + [""]) : []) + QuotedPrintable.encode(text)
    }

    private static func crlfLines(_ lines: [String]) -> [UInt8] {
        lines.flatMap { Array($0.utf8) + [0x0D, 0x0A] }
    }

    /// 128 random bits as 32 hex digits: unique enough for a Message-ID and a MIME boundary.
    private static func randomHex() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}
