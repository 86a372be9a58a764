import CNATS

/// A JetStream pull subscription bound to a durable consumer it created (or found).
///
/// Destroying it (deinit) does not delete the consumer: the subscription binds to an existing
/// consumer, and since libnats 3.4 only an explicit unsubscribe or drain deletes a consumer the
/// library created. Messages fetched and not acknowledged come back after the ack wait.
final class PullSubscription: @unchecked Sendable {
    // @unchecked: `handle` is a natsSubscription*, which libnats documents as thread-safe;
    // `jetStream` keeps the context (and so the connection) alive.
    private let handle: OpaquePointer
    private let jetStream: JetStream

    /// One fetched message, owned by exactly one task: handed from the fetching thread to the
    /// consumer loop, acknowledged there, then destroyed. Never shared.
    struct Fetched: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// Creates or updates the durable consumer `name` of `stream` (explicit acks, filter
    /// `subject`) and binds a pull subscription to it. Blocking: call from ``runBlocking(_:)``.
    init(jetStream: JetStream, stream: String, name: String, subject: String, ackWait: Duration, maxDeliver: Int) throws(NATSError) {
        let context = jetStream.handle
        var consumer = jsConsumerConfig()
        jsConsumerConfig_Init(&consumer)
        consumer.AckPolicy = js_AckExplicit
        consumer.DeliverPolicy = js_DeliverAll
        consumer.AckWait = ackWait.wholeNanoseconds
        consumer.MaxDeliver = Int64(maxDeliver)
        var created: OpaquePointer?
        let result: (status: natsStatus, code: jsErrCode, operation: String) = stream.withCString { stream in
            name.withCString { name in
                subject.withCString { subject in
                    consumer.Durable = name
                    consumer.FilterSubject = subject
                    var code = jsErrCode(rawValue: 0)
                    var status = js_AddConsumer(nil, context, stream, &consumer, nil, &code)
                    // A consumer of that name with another configuration: make it this one.
                    if status != NATS_OK, code != JSStreamNotFoundErr, code.rawValue != 0 {
                        code = jsErrCode(rawValue: 0)
                        status = js_UpdateConsumer(nil, context, stream, &consumer, nil, &code)
                    }
                    guard status == NATS_OK else { return (status, code, "creating consumer \(String(cString: name))") }
                    var options = jsSubOptions()
                    jsSubOptions_Init(&options)
                    options.Stream = stream
                    options.Consumer = name
                    status = js_PullSubscribe(&created, context, subject, name, nil, &options, &code)
                    return (status, code, "subscribing to consumer \(String(cString: name))")
                }
            }
        }
        guard result.status == NATS_OK, let created else {
            throw NATSError(result.status, result.operation, jetStreamCode: result.code)
        }
        handle = created
        self.jetStream = jetStream
    }

    deinit {
        natsSubscription_Destroy(handle)
    }

    /// Fetches up to `batch` messages, waiting up to `wait` for the first; an empty array when
    /// none came. Runs on a Dispatch worker thread.
    func fetch(batch: Int, wait: Duration) async throws(NATSError) -> [Fetched] {
        let subscription = UncheckedHandle(handle)
        return try await runBlocking { () throws(NATSError) -> [Fetched] in
            var list = natsMsgList()
            var code = jsErrCode(rawValue: 0)
            let status = natsSubscription_Fetch(&list, subscription.pointer, Int32(batch), wait.wholeMilliseconds, &code)
            if status == NATS_TIMEOUT { return [] }
            guard status == NATS_OK else { throw NATSError(status, "fetching messages", jetStreamCode: code) }
            var fetched: [Fetched] = []
            for index in 0..<Int(list.Count) {
                guard let message = list.Msgs[index] else { continue }
                fetched.append(Fetched(pointer: message))
                // The caller owns the message now; the list frees only its array.
                list.Msgs[index] = nil
            }
            natsMsgList_Destroy(&list)
            return fetched
        }
    }
}
