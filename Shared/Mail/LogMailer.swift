import Logging

/// A mailer for local runs without an SMTP server: it checks the message like any mailer, then
/// writes it to the log at `notice` level instead of sending it, so a person can finish a flow
/// (open the verification or reset link) from the log.
///
/// Each entry starts with ``marker``, followed by From, To, Subject and the plain-text body;
/// the same values are in the metadata (`mail.to`, `mail.subject`, `mail.message_id`).
/// Links and tokens in the body end up in the log: use it for local runs only.
public struct LogMailer: Mailer {
    /// The text every logged mail starts with; search the log for it.
    public static let marker = "MAIL NOT SENT (no SMTP server configured, mail.smtp.url is empty), written here instead:"

    private let logger: Logger
    private let renderer = MessageRenderer()

    /// Creates a mailer writing to `logger`.
    public init(logger: Logger) {
        self.logger = logger
    }

    /// Validates `message` (throwing ``MailError`` as ``SMTPMailer`` would) and logs it.
    public func send(_ message: MailMessage) async throws {
        let rendered = try renderer.render(message)
        let recipients = message.to.map(\.description).joined(separator: ", ")
        var text = "\(Self.marker)\nFrom: \(message.from)\nTo: \(recipients)\nSubject: \(message.subject)\n\n"
        text += message.textBody
        if !message.textBody.hasSuffix("\n") { text += "\n" }
        text += "-- end of mail \(rendered.messageID) --"
        logger.notice(
            "\(text)",
            metadata: [
                "mail.to": "\(recipients)", "mail.subject": "\(message.subject)",
                "mail.message_id": "\(rendered.messageID)",
            ]
        )
    }
}
