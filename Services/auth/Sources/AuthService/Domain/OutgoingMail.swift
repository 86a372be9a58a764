import Foundation
import ServiceStore

/// A mail the auth service sends (verification and reset links).
public struct OutgoingMail: Sendable, Codable, Equatable {
    /// What kind of mail, for logs and metrics: `email_verification`, `password_reset`.
    public var template: String
    public var to: String
    public var subject: String
    public var text: String
}

extension OutboxItem {
    /// The outbox kind of the auth service's mails (delivered by its ``MailSender``).
    static let mailKind = "mail"

    /// A mail to one recipient: its template name as topic, the mail as JSON.
    static func mail(_ mail: OutgoingMail) throws -> OutboxItem {
        OutboxItem(kind: mailKind, topic: mail.template, payload: try JSONEncoder().encode(mail))
    }
}
