import Logging
import ServiceKit
import Store

extension OutboxRelay {
    /// A relay that publishes event items (``OutboxItem/eventKind``) through `publisher` with
    /// their message id and waits for JetStream's acknowledgment, and hands any other kind to
    /// `otherKinds` (without it, other kinds fail and stay in the outbox).
    public static func events(
        pool: PostgresPool, logger: Logger, publisher: EventPublisher,
        otherKinds: (@Sendable (OutboxEntry) async throws -> Void)? = nil
    ) -> OutboxRelay {
        OutboxRelay(pool: pool, logger: logger) { entry in
            if entry.item.kind == OutboxItem.eventKind {
                try await publisher.publish(subject: entry.item.topic, payload: Array(entry.item.payload), messageID: entry.item.messageID)
            } else if let otherKinds {
                try await otherKinds(entry)
            } else {
                throw UnknownOutboxKind(kind: entry.item.kind)
            }
        }
    }
}

/// An outbox row of a kind the relay does not deliver.
public struct UnknownOutboxKind: Error, CustomStringConvertible {
    /// The row's kind.
    public let kind: String

    /// The error for a row of `kind`.
    public init(kind: String) {
        self.kind = kind
    }

    public var description: String { "no delivery for outbox items of kind \(kind)" }
}
