import Logging
import ServiceKit
import Store

extension OutboxRelay {
    /// A relay that publishes event items (``OutboxItem/eventKind``) through `publisher` and
    /// audit items (``OutboxItem/auditKind``) through `audit` (a publisher into
    /// ``EventStream/logs``), each with its message id, waiting for JetStream's acknowledgment;
    /// any other kind goes to `otherKinds`. A kind with no delivery fails and stays in the outbox.
    public static func events(
        pool: PostgresPool, logger: Logger, publisher: EventPublisher, audit: EventPublisher? = nil,
        otherKinds: (@Sendable (OutboxEntry) async throws -> Void)? = nil
    ) -> OutboxRelay {
        OutboxRelay(pool: pool, logger: logger) { entry in
            let item = entry.item
            if item.kind == OutboxItem.eventKind {
                try await publisher.publish(subject: item.topic, payload: Array(item.payload), messageID: item.messageID)
            } else if item.kind == OutboxItem.auditKind, let audit {
                try await audit.publish(subject: item.topic, payload: Array(item.payload), messageID: item.messageID)
            } else if let otherKinds {
                try await otherKinds(entry)
            } else {
                throw UnknownOutboxKind(kind: item.kind)
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
