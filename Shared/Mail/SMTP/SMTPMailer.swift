import CurlSupport
import Foundation
import Logging

/// Sends mail through an SMTP server with libcurl: one connection (easy handle) per message,
/// STARTTLS or implicit TLS per ``SMTPConfiguration``, SMTP AUTH when a user name is set.
///
/// libcurl blocks its thread for the whole SMTP conversation, so every send runs on a thread of
/// its own, never on Swift's cooperative pool; at most
/// ``SMTPConfiguration/maxConcurrentSends`` run at once and further sends wait their turn.
/// Cancelling the sending task abandons a waiting send, or aborts a running one at libcurl's
/// next progress check (about once a second).
public struct SMTPMailer: Mailer {
    /// The server and policy this mailer uses.
    public let configuration: SMTPConfiguration
    private let limiter: SendLimiter
    private let renderer = MessageRenderer()
    private let logger: Logger

    /// Creates a mailer. Warns when credentials would travel without TLS to another machine.
    public init(configuration: SMTPConfiguration, logger: Logger) {
        self.configuration = configuration
        self.limiter = SendLimiter(limit: configuration.maxConcurrentSends)
        self.logger = logger
        if configuration.username != nil, configuration.tls != .required,
            let host = URL(string: configuration.url)?.host, !SMTPConfiguration.isLoopback(host)
        {
            logger.warning(
                "SMTP credentials may be sent without TLS: set mail.smtp.tls to required",
                metadata: ["smtp.url": "\(configuration.url)", "smtp.tls": "\(configuration.tls.rawValue)"]
            )
        }
    }

    /// Renders and submits `message`; see ``Mailer/send(_:)``.
    public func send(_ message: MailMessage) async throws {
        let rendered = try renderer.render(message)
        let transfer = SMTPTransfer(
            configuration: configuration, message: rendered, context: TransferContext(payload: rendered.bytes)
        )
        do {
            try await limiter.withSlot {
                try await CurlThread.run(named: "hxb-smtp-send") { cancellation in
                    try transfer.perform(cancellation: cancellation)
                }
            }
        } catch let error as MailError {
            logger.debug(
                "mail not sent",
                metadata: ["mail.message_id": "\(rendered.messageID)", "error": "\(error)"]
            )
            throw error
        }
        logger.debug(
            "mail sent",
            metadata: ["mail.message_id": "\(rendered.messageID)", "mail.recipients": "\(rendered.recipients.count)"]
        )
    }
}
