/// A message ready for the wire: the SMTP envelope and the RFC 5322 bytes.
public struct RenderedMessage: Sendable {
    /// The envelope sender (`MAIL FROM`), a bare address.
    public let envelopeFrom: String
    /// The envelope recipients (`RCPT TO`), bare addresses without duplicates, in message order.
    public let recipients: [String]
    /// The `Message-ID` value, angle brackets included, e.g. `<3f…@example.com>`.
    public let messageID: String
    /// The message: headers and body, CRLF line endings, not dot-stuffed.
    public let bytes: [UInt8]
}
