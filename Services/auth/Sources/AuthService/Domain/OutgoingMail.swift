import Foundation
import SwiftProtobuf

/// Something to do after a transaction commits: an event to publish on NATS or a mail to
/// send. Written in the same transaction as the change (so it is never lost nor sent for a
/// change that rolled back) and carried out by the outbox relay, at least once.
public struct OutboxItem: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case event
        case mail
    }

    public var kind: Kind
    /// The NATS subject of an event; the template name of a mail.
    public var topic: String
    public var payload: Data

    /// An event: `payload` is the protobuf message published on `subject`.
    public static func event(_ subject: String, _ message: some SwiftProtobuf.Message) throws -> OutboxItem {
        OutboxItem(kind: .event, topic: subject, payload: try message.serializedData())
    }

    /// A mail to one recipient.
    public static func mail(_ mail: OutgoingMail) throws -> OutboxItem {
        OutboxItem(kind: .mail, topic: mail.template, payload: try JSONEncoder().encode(mail))
    }
}

/// A mail the auth service sends (verification and reset links).
public struct OutgoingMail: Sendable, Codable, Equatable {
    /// What kind of mail, for logs and metrics: `email_verification`, `password_reset`.
    public var template: String
    public var to: String
    public var subject: String
    public var text: String
}
