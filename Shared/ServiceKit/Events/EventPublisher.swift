import CNATS
import Synchronization

/// Publishes events into the ``EventStream`` and waits until JetStream stored them.
///
/// The stream is ensured before the first publish and again after a publish found no stream
/// (the server lost it, or an operator deleted it), so callers never set it up themselves.
/// Pair it with a transactional outbox for at-least-once delivery from a database change:
/// the outbox retries, the message id makes the retries harmless.
public final class EventPublisher: Sendable {
    private let jetStream: JetStream
    private let stream: EventStream
    private let streamReady = Mutex(false)

    /// A publisher on `connection` into `stream`; `timeout` bounds each publish and stream call.
    public init(connection: NATSConnection, stream: EventStream = .events, timeout: Duration = .seconds(5)) throws(NATSError) {
        self.jetStream = try JetStream(connection: connection, timeout: timeout)
        self.stream = stream
    }

    /// Publishes `payload` on `subject` with the deduplication id `messageID` (readable by
    /// consumers in the `Nats-Msg-Id` header) and returns the stream's acknowledgment.
    @discardableResult
    public func publish(
        subject: String, payload: [UInt8], messageID: String, headers: [String: String] = [:]
    ) async throws(NATSError) -> JetStream.PublishAck {
        if !streamReady.withLock({ $0 }) {
            try await stream.ensure(on: jetStream)
            streamReady.withLock { $0 = true }
        }
        do {
            return try await jetStream.publish(NATSMessage(subject: subject, payload: payload, headers: headers), messageID: messageID)
        } catch {
            if error.isNoResponders || error.jetStreamCode == Int(JSStreamNotFoundErr.rawValue) {
                streamReady.withLock { $0 = false }
            }
            throw error
        }
    }
}
