import Foundation
import Mail
import ServiceStore

/// Delivers the auth service's mails.
public protocol MailSender: Sendable {
    func send(_ mail: OutgoingMail) async throws
}

extension MailSender {
    /// Delivers a mail item of the outbox (``OutboxItem/mailKind``).
    func deliver(_ entry: OutboxEntry) async throws {
        guard entry.item.kind == OutboxItem.mailKind else { throw UnknownOutboxKind(kind: entry.item.kind) }
        try await send(try JSONDecoder().decode(OutgoingMail.self, from: entry.item.payload))
    }
}

/// Sends the auth service's mails through the shared `Mail` module (SMTP, or the log when
/// no SMTP server is configured, so a person can still follow a link in a local run).
struct MailerSender: MailSender {
    let mailer: any Mailer
    let from: MailAddress

    func send(_ mail: OutgoingMail) async throws {
        try await mailer.send(MailMessage(from: from, to: [try MailAddress(mail.to)], subject: mail.subject, textBody: mail.text))
    }
}
