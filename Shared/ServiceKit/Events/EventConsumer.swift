import CNATS
import Logging
import ServiceLifecycle

/// A durable JetStream pull consumer of the ``EventStream``: at-least-once delivery of events
/// to an async handler, shared by every replica that runs it under the same name.
///
/// - Events published while no replica runs wait in the stream (within its max age).
/// - Replicas with the same ``Configuration/name`` share one durable consumer: each event goes
///   to one of them.
/// - The handler's success acknowledges the event; a thrown error asks for redelivery after
///   a delay that doubles per attempt (``Configuration/retryDelay`` up to
///   ``Configuration/maxRetryDelay``); after ``Configuration/maxDeliver`` attempts it is logged
///   and dropped. A handler running longer than ``Configuration/ackWait`` may see its event
///   delivered again elsewhere. Handlers must be idempotent: read the publisher's id from the
///   `Nats-Msg-Id` header (the event id, for events from an outbox).
/// - Graceful shutdown finishes the event in hand, hands the rest of the fetched batch back
///   at once, and returns; the durable consumer stays on the server.
///
/// libnats's blocking fetch runs on a Dispatch worker thread, never on the cooperative pool.
public struct EventConsumer: Service {
    /// What to consume and how.
    public struct Configuration: Sendable {
        /// The durable consumer's name, shared by the replicas, e.g. `workspace-user-created`
        /// (no dots).
        public var name: String
        /// The subject filter, e.g. `hxb.events.auth.user.created` or `hxb.events.auth.>`.
        public var subject: String
        /// The stream to consume (ensured at start).
        public var stream: EventStream
        /// Messages fetched per request.
        public var batchSize: Int
        /// How long a fetch waits for messages; also the longest a shutdown waits for a fetch.
        public var fetchWait: Duration
        /// How long the server waits for an acknowledgment before delivering again.
        public var ackWait: Duration
        /// Deliveries of one event before it is dropped.
        public var maxDeliver: Int
        /// The delay before the first redelivery after a failure; doubles per attempt.
        public var retryDelay: Duration
        /// The longest delay before a redelivery.
        public var maxRetryDelay: Duration

        /// A configuration with defaults suited to event handlers that touch a database.
        public init(
            name: String, subject: String, stream: EventStream = .events, batchSize: Int = 16,
            fetchWait: Duration = .seconds(1), ackWait: Duration = .seconds(30), maxDeliver: Int = 10,
            retryDelay: Duration = .seconds(1), maxRetryDelay: Duration = .seconds(300)
        ) {
            self.name = name
            self.subject = subject
            self.stream = stream
            self.batchSize = batchSize
            self.fetchWait = fetchWait
            self.ackWait = ackWait
            self.maxDeliver = maxDeliver
            self.retryDelay = retryDelay
            self.maxRetryDelay = maxRetryDelay
        }

        /// The delay before delivery number `delivered + 1`, after `delivered` failed ones.
        public func redeliveryDelay(afterDeliveries delivered: Int) -> Duration {
            let doublings = min(max(delivered - 1, 0), 20)
            return min(retryDelay * (1 << doublings), maxRetryDelay)
        }
    }

    private let connection: NATSConnection
    private let configuration: Configuration
    private let logger: Logger
    private let handler: @Sendable ([NATSMessage]) async throws -> Void
    private let batched: Bool

    /// A consumer on `connection`; `handler` runs once per delivery, one event at a time.
    public init(
        connection: NATSConnection, configuration: Configuration, logger: Logger,
        handler: @escaping @Sendable (NATSMessage) async throws -> Void
    ) {
        self.connection = connection
        self.configuration = configuration
        self.logger = logger
        self.handler = { messages in for message in messages { try await handler(message) } }
        batched = false
    }

    /// A consumer whose `handler` takes each fetched batch whole (up to
    /// ``Configuration/batchSize`` messages): all of them are acknowledged when it returns, and
    /// all delivered again later when it throws. For handlers that gain from doing many
    /// messages' work at once (one database transaction for many log batches).
    public init(
        connection: NATSConnection, configuration: Configuration, logger: Logger,
        batchHandler: @escaping @Sendable ([NATSMessage]) async throws -> Void
    ) {
        self.connection = connection
        self.configuration = configuration
        self.logger = logger
        self.handler = batchHandler
        batched = true
    }

    /// Consumes until graceful shutdown or cancellation. Setting up the stream and the consumer
    /// and fetching are retried while NATS is unreachable; they never end the service.
    public func run() async throws {
        let jetStream = try JetStream(connection: connection)
        var subscription: PullSubscription?
        while !Self.stopping {
            do {
                let active: PullSubscription
                if let subscription {
                    active = subscription
                } else {
                    active = try await subscribe(jetStream)
                    subscription = active
                }
                await handle(try await active.fetch(batch: configuration.batchSize, wait: configuration.fetchWait))
            } catch {
                logger.warning("event consumer: NATS call failed, retrying", metadata: ["consumer": "\(configuration.name)", "error": "\(error)"])
                // Set up again: the stream or the consumer may be what went missing.
                subscription = nil
                try? await Task.sleep(for: configuration.fetchWait)
            }
        }
    }

    private static var stopping: Bool { Task.isShuttingDownGracefully || Task.isCancelled }

    private func subscribe(_ jetStream: JetStream) async throws -> PullSubscription {
        try await configuration.stream.ensure(on: jetStream)
        let configuration = configuration
        let subscription = try await runBlocking { () throws(NATSError) in
            try PullSubscription(
                jetStream: jetStream, stream: configuration.stream.name, name: configuration.name, subject: configuration.subject,
                ackWait: configuration.ackWait, maxDeliver: configuration.maxDeliver
            )
        }
        logger.info("event consumer ready", metadata: ["consumer": "\(configuration.name)", "subject": "\(configuration.subject)"])
        return subscription
    }

    private func handle(_ batch: [PullSubscription.Fetched]) async {
        guard batched else { return await handleOneByOne(batch) }
        defer { batch.forEach { natsMsg_Destroy($0.pointer) } }
        guard !batch.isEmpty else { return }
        if Self.stopping {
            batch.forEach { natsMsg_Nak($0.pointer, nil) }
            return
        }
        let messages = batch.map { NATSMessage(copying: $0.pointer) }
        do {
            try await handler(messages)
            for (fetched, message) in zip(batch, messages) where natsMsg_Ack(fetched.pointer, nil) != NATS_OK {
                logger.warning("event consumer: ack failed; the event will come again", metadata: metadata(message, [:]))
            }
        } catch {
            for (fetched, message) in zip(batch, messages) { settleFailure(fetched, message, error) }
        }
    }

    private func settleFailure(_ fetched: PullSubscription.Fetched, _ message: NATSMessage, _ error: any Error) {
        let delivered = Self.deliveries(fetched.pointer)
        if delivered >= configuration.maxDeliver {
            logger.error("event consumer: giving up on an event", metadata: metadata(message, ["deliveries": "\(delivered)", "error": "\(error)"]))
            natsMsg_Term(fetched.pointer, nil)
        } else {
            let delay = configuration.redeliveryDelay(afterDeliveries: delivered)
            logger.warning("event consumer: handler failed; redelivery later", metadata: metadata(message, ["deliveries": "\(delivered)", "retry_in_ms": "\(delay.wholeMilliseconds)", "error": "\(error)"]))
            natsMsg_NakWithDelay(fetched.pointer, delay.wholeMilliseconds, nil)
        }
    }

    private func handleOneByOne(_ batch: [PullSubscription.Fetched]) async {
        for fetched in batch {
            defer { natsMsg_Destroy(fetched.pointer) }
            if Self.stopping {
                // Another replica (or the next start) takes it at once, not after the ack wait.
                natsMsg_Nak(fetched.pointer, nil)
                continue
            }
            let message = NATSMessage(copying: fetched.pointer)
            do {
                try await handler([message])
                let status = natsMsg_Ack(fetched.pointer, nil)
                if status != NATS_OK {
                    logger.warning("event consumer: ack failed; the event will come again", metadata: metadata(message, ["error": "\(NATSError(status, "acknowledging"))"]))
                }
            } catch {
                settleFailure(fetched, message, error)
            }
        }
    }

    private func metadata(_ message: NATSMessage, _ extra: Logger.Metadata) -> Logger.Metadata {
        extra.merging([
            "consumer": "\(configuration.name)", "subject": "\(message.subject)",
            "message_id": "\(message.headers["Nats-Msg-Id"] ?? "")",
        ]) { current, _ in current }
    }

    /// How many times the server delivered this message (1 the first time).
    private static func deliveries(_ message: OpaquePointer) -> Int {
        var metadata: UnsafeMutablePointer<jsMsgMetaData>?
        guard natsMsg_GetMetaData(&metadata, message) == NATS_OK, let metadata else { return 1 }
        defer { jsMsgMetaData_Destroy(metadata) }
        return Int(metadata.pointee.NumDelivered)
    }
}
