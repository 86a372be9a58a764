import Foundation
import ServiceKit
import SwiftProtobuf

/// Something to do after a transaction commits: an event to publish, or a service-specific
/// job (the auth service's mails). Written by ``Outbox/enqueue(_:on:)`` in the same transaction
/// as the change it follows, so it is never lost nor done for a change that rolled back, and
/// carried out at least once by an ``OutboxRelay``.
public struct OutboxItem: Sendable, Equatable {
    /// The kind of an event item (``event(_:_:id:)``); ``OutboxRelay/events(pool:logger:publisher:audit:otherKinds:)``
    /// publishes these.
    public static let eventKind = "event"

    /// What the relay does with it: ``eventKind``, ``auditKind``, or a kind of the service's own
    /// (e.g. `mail`).
    public var kind: String
    /// The NATS subject of an event; for other kinds, whatever the service's relay expects.
    public var topic: String
    /// The body: the serialized protobuf of an event.
    public var payload: Data
    /// A unique id: an event's JetStream deduplication id (`Nats-Msg-Id`), so a delivery
    /// retried after an unknown outcome does not publish twice.
    public var messageID: String

    /// An item of any kind; without `messageID`, a fresh `msg-<UUIDv7>`.
    public init(kind: String, topic: String, payload: Data, messageID: String = PrefixedID.make("msg")) {
        self.kind = kind
        self.topic = topic
        self.payload = payload
        self.messageID = messageID
    }

    /// An event: `message` serialized, to be published on `subject` with message id `id`
    /// (the event's own id, e.g. its `event_id` field, so consumers can deduplicate on either).
    public static func event(_ subject: String, _ message: some SwiftProtobuf.Message, id: String) throws -> OutboxItem {
        OutboxItem(kind: eventKind, topic: subject, payload: try message.serializedData(), messageID: id)
    }
}

/// A claimed outbox row, handed to the relay's delivery.
public struct OutboxEntry: Sendable {
    /// The row's id (ascending in insertion order).
    public var id: Int64
    public var item: OutboxItem
    /// Failed deliveries so far.
    public var attempts: Int
}
