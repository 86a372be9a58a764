import Foundation
import Logging
import Mail
import ServiceKit

/// Sends what the outbox holds: events to NATS, mails through the mail sender. At least once:
/// a row is marked sent only after its delivery succeeded; a failure is retried with
/// exponential backoff (capped at 10 minutes).
struct OutboxRelay: Sendable {
    let store: AuthStore
    let publish: @Sendable (String, [UInt8]) throws -> Void
    let mail: any MailSender
    let logger: Logger

    /// One pass over due rows; returns how many were sent.
    @discardableResult
    func runOnce(limit: Int = 50) async throws -> Int {
        let (sent, failed) = try await store.relayOutbox(limit: limit, backoff: Self.backoff) { entry in
            do {
                switch entry.item.kind {
                case .event:
                    try publish(entry.item.topic, Array(entry.item.payload))
                case .mail:
                    try await mail.send(try JSONDecoder().decode(OutgoingMail.self, from: entry.item.payload))
                }
                return nil
            } catch {
                logger.warning("outbox delivery failed", metadata: ["id": "\(entry.id)", "kind": "\(entry.item.kind.rawValue)", "topic": "\(entry.item.topic)", "error": "\(error)"])
                return String(describing: error)
            }
        }
        if failed > 0 { logger.notice("outbox pass", metadata: ["sent": "\(sent)", "failed": "\(failed)"]) }
        return sent
    }

    static func backoff(_ attempt: Int) -> Duration {
        .seconds(min(600, 1 << min(attempt, 10)))
    }
}

/// Delivers the auth service's mails.
public protocol MailSender: Sendable {
    func send(_ mail: OutgoingMail) async throws
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
