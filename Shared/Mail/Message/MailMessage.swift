/// An e-mail to send: sender, recipients, subject, a plain-text body and optionally an HTML
/// alternative of the same content.
///
/// The values are checked when the message is rendered (see ``MessageRenderer``): every mailer
/// refuses a message with no recipient or with a line break in its subject before anything
/// leaves the process.
public struct MailMessage: Sendable, Hashable {
    /// The author, written in `From:` and used as the SMTP envelope sender.
    public var from: MailAddress
    /// The recipients, written in `To:` and used as the SMTP envelope recipients.
    public var to: [MailAddress]
    /// The subject line: any Unicode text without line breaks or control characters.
    public var subject: String
    /// The plain-text body. Line breaks may be LF, CRLF or CR; they are sent as CRLF.
    public var textBody: String
    /// An HTML rendering of the same content; when set, the mail is `multipart/alternative`.
    public var htmlBody: String?

    /// Creates a message.
    public init(from: MailAddress, to: [MailAddress], subject: String, textBody: String, htmlBody: String? = nil) {
        self.from = from
        self.to = to
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
    }
}
