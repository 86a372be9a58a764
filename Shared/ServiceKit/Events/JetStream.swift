import CNATS
import Foundation

/// A JetStream context on a ``NATSConnection``: stream and consumer management and publishing
/// with a server acknowledgment.
///
/// Every call that waits for the server runs on a Dispatch worker thread (``runBlocking(_:)``),
/// never on the Swift cooperative pool. The context keeps its connection alive.
public final class JetStream: @unchecked Sendable {
    // @unchecked: `handle` is a jsCtx*, which libnats guards with its own mutex and allows
    // from any thread; `connection` is Sendable and the rest is immutable.
    let handle: OpaquePointer
    /// Kept so the connection outlives the context, as libnats requires.
    private let connection: NATSConnection
    /// How long a JetStream API request or a publish waits for the server.
    public let timeout: Duration

    /// What the server answered to a publish.
    public struct PublishAck: Sendable, Equatable {
        /// The stream that stored the message.
        public var stream: String
        /// The message's sequence number in the stream.
        public var sequence: UInt64
        /// True when the stream already had a message with the same id within its duplicate
        /// window: this publish stored nothing.
        public var duplicate: Bool
    }

    /// Creates a context; no I/O happens until a call needs the server.
    public init(connection: NATSConnection, timeout: Duration = .seconds(5)) throws(NATSError) {
        var options = jsOptions()
        jsOptions_Init(&options)
        options.Wait = timeout.wholeMilliseconds
        var created: OpaquePointer?
        let status = natsConnection_JetStream(&created, connection.handle, &options)
        guard status == NATS_OK, let created else { throw NATSError(status, "creating a JetStream context") }
        handle = created
        self.connection = connection
        self.timeout = timeout
    }

    deinit {
        jsCtx_Destroy(handle)
    }

    /// Publishes `message` to the stream that captures its subject and waits for the stored
    /// acknowledgment. `messageID` (header `Nats-Msg-Id`) makes a retry within the stream's
    /// duplicate window a no-op, so publishing again after an unknown outcome is safe.
    ///
    /// Throws when no stream captures the subject (no responders), on timeout, or when the
    /// server refuses the message.
    public func publish(_ message: NATSMessage, messageID: String) async throws(NATSError) -> PublishAck {
        let context = UncheckedHandle(handle)
        let wait = timeout.wholeMilliseconds
        let cMessage = UncheckedHandle(try message.makeCMessage())
        let subject = message.subject
        return try await runBlocking { () throws(NATSError) -> PublishAck in
            defer { natsMsg_Destroy(cMessage.pointer) }
            var options = jsPubOptions()
            jsPubOptions_Init(&options)
            options.MaxWait = wait
            var ack: UnsafeMutablePointer<jsPubAck>?
            var code = jsErrCode(rawValue: 0)
            let status = messageID.withCString { id in
                options.MsgId = id
                return js_PublishMsg(&ack, context.pointer, cMessage.pointer, &options, &code)
            }
            guard status == NATS_OK, let ack else { throw NATSError(status, "publishing to JetStream on \(subject)", jetStreamCode: code) }
            defer { jsPubAck_Destroy(ack) }
            return PublishAck(
                stream: ack.pointee.Stream.map { String(cString: $0) } ?? "",
                sequence: ack.pointee.Sequence, duplicate: ack.pointee.Duplicate
            )
        }
    }
}

/// Runs `body` with C strings for `strings` (valid only during the call), as libnats's
/// `const char **` configuration fields expect.
func withCStringArray<R>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>) throws -> R) rethrows -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    var pointers = copies.map { UnsafePointer($0) }
    return try pointers.withUnsafeMutableBufferPointer { try body($0.baseAddress!) }
}
