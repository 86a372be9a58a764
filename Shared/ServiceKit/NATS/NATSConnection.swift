import CNATS
import Foundation
import Dispatch
import Logging
import Metrics
import Synchronization

/// A connection to NATS over libnats, safe to share between tasks.
///
/// It publishes with `SendAsap` (no 1 ms coalescing delay per reply), reconnects forever with
/// exponential backoff and jitter, logs and counts every state change, and drains on ``close()``.
/// libnats delivers messages on its own threads; nothing here blocks the Swift cooperative pool.
public final class NATSConnection: @unchecked Sendable {
    // @unchecked: `handle` is a natsConnection*, which libnats documents as safe to use from
    // any thread; every other stored property is immutable or itself Sendable.
    let handle: OpaquePointer
    private let events: ConnectionEvents
    private let eventsPointer: UnsafeMutableRawPointer
    private let options: OpaquePointer
    /// The shared reply-inbox multiplexer used by ``request(_:timeout:)``.
    private let mux: Mutex<RequestMux?> = Mutex(nil)
    /// Runs the tasks of this connection's RPC server and, inline on the libnats thread that
    /// received a reply, the tasks that awaited it, when those tasks prefer this executor
    /// (`withTaskExecutorPreference(connection.executor)`). See ``ThreadPoolExecutor``.
    public let executor: ThreadPoolExecutor
    /// Destroys the messages this connection sent and received, a batch at a time.
    let reclaimer = MessageReclaimer()

    private init(handle: OpaquePointer, options: OpaquePointer, events: ConnectionEvents, eventsPointer: UnsafeMutableRawPointer, executorThreads: Int) {
        self.executor = ThreadPoolExecutor(name: "nats", threadCount: executorThreads)
        self.handle = handle
        self.options = options
        self.events = events
        self.eventsPointer = eventsPointer
    }

    deinit {
        executor.shutdown()
        // Closes the connection if close() was not called; libnats then still calls the close
        // callback, which releases `events` (see makeOptions), so no callback sees freed memory.
        natsConnection_Destroy(handle)
        natsOptions_Destroy(options)
    }

    /// Connects, retrying with backoff until it succeeds or the task is cancelled.
    public static func connect(configuration: NATSConfiguration, logger: Logger) async throws -> NATSConnection {
        var attempt = 0
        while true {
            do {
                return try await connectOnce(configuration: configuration, logger: logger)
            } catch {
                attempt += 1
                let delay = ReconnectPolicy(configuration).delay(afterAttempts: attempt)
                logger.warning(
                    "NATS not reachable, retrying",
                    metadata: ["servers": "\(configuration.servers)", "attempt": "\(attempt)", "error": "\(error)", "retry_in_ms": "\(delay.wholeMilliseconds)"]
                )
                try await Task.sleep(for: delay)
            }
        }
    }

    /// Makes exactly one connection attempt.
    public static func connectOnce(configuration: NATSConfiguration, logger: Logger) async throws(NATSError) -> NATSConnection {
        openLibrary(lockSpinCount: configuration.lockSpinCount)
        let events = ConnectionEvents(logger: logger, policy: ReconnectPolicy(configuration))
        let eventsPointer = Unmanaged.passRetained(events).toOpaque()
        let options: OpaquePointer
        do {
            options = try makeOptions(configuration, eventsPointer: eventsPointer)
        } catch {
            Unmanaged<ConnectionEvents>.fromOpaque(eventsPointer).release()
            throw error
        }
        let optionsHandle = UncheckedHandle(options)
        let connected: Result<UncheckedHandle, NATSError> = await runBlocking {
            var connection: OpaquePointer?
            let status = natsConnection_Connect(&connection, optionsHandle.pointer)
            guard status == NATS_OK, let connection else { return .failure(NATSError(status, "connecting")) }
            return .success(UncheckedHandle(connection))
        }
        switch connected {
        case .success(let connection):
            let handle = connection.pointer
            events.markConnected()
            logger.info("NATS connected", metadata: ["servers": "\(configuration.servers)"])
            return NATSConnection(
                handle: handle, options: options, events: events, eventsPointer: eventsPointer,
                executorThreads: configuration.executorThreads
            )
        case .failure(let error):
            natsOptions_Destroy(options)
            Unmanaged<ConnectionEvents>.fromOpaque(eventsPointer).release()
            throw error
        }
    }

    /// Initializes libnats once per process (before the first connection, or the first message
    /// created or destroyed). Process-wide: the first call's setting wins (see
    /// NATSConfiguration.lockSpinCount).
    static func openLibrary(lockSpinCount: Int64) {
        libraryOpened.withLock { opened in
            guard !opened else { return }
            _ = nats_Open(lockSpinCount)
            opened = true
        }
    }

    /// True while the connection is up (not reconnecting, draining or closed).
    public var isConnected: Bool { natsConnection_Status(handle) == NATS_CONN_STATUS_CONNECTED }

    /// Publishes a message (with headers, if any). Returns once libnats has buffered it.
    public func publish(_ message: NATSMessage) throws(NATSError) {
        let status: natsStatus
        if message.headers.isEmpty {
            // Without headers libnats needs no message object (nothing to destroy afterwards).
            status = message.payload.withUnsafeBytes { bytes in
                if let reply = message.reply {
                    natsConnection_PublishRequest(handle, message.subject, reply, bytes.baseAddress, Int32(bytes.count))
                } else {
                    natsConnection_Publish(handle, message.subject, bytes.baseAddress, Int32(bytes.count))
                }
            }
        } else {
            let cMessage = try message.makeCMessage()
            defer { reclaimer.destroy(cMessage) }
            status = natsConnection_PublishMsg(handle, cMessage)
        }
        guard status == NATS_OK else { throw NATSError(status, "publishing to \(message.subject)") }
    }

    /// Subscribes; `handler` runs on a libnats delivery thread, one message at a time per
    /// subscription, and may block that thread (which is how back-pressure reaches NATS).
    public func subscribe(
        subject: String, queue: String? = nil,
        handler: @escaping @Sendable (NATSMessage) -> Void
    ) throws(NATSError) -> NATSSubscription {
        try NATSSubscription(connection: self, subject: subject, queue: queue, handler: handler)
    }

    /// Waits until the server has processed everything sent so far.
    public func flush(timeout: Duration = .seconds(5)) async throws(NATSError) {
        let handle = UncheckedHandle(handle)
        let status = await runBlocking { natsConnection_FlushTimeout(handle.pointer, timeout.wholeMilliseconds) }
        guard status == NATS_OK else { throw NATSError(status, "flushing") }
    }

    /// Sends a request and waits for its reply; the reply may be a no-responders status message.
    public func request(_ message: NATSMessage, timeout: Duration) async throws -> NATSMessage {
        let mux = try mux.withLock { mux throws(NATSError) -> RequestMux in
            if let mux { return mux }
            let created = try RequestMux(connection: self)
            mux = created
            return created
        }
        return try await mux.request(message, timeout: timeout)
    }

    /// Drains (pending messages are delivered, buffered publishes flushed) and closes.
    /// Returns once the connection is closed; idempotent.
    public func close(timeout: Duration? = nil) async {
        events.markClosing()
        let status = natsConnection_DrainTimeout(handle, (timeout ?? events.policy.drainTimeout).wholeMilliseconds)
        // Already draining (a concurrent close) or closed: wait for that one instead of cutting it short.
        if status != NATS_OK, status != NATS_DRAINING, status != NATS_CONNECTION_CLOSED {
            natsConnection_Close(handle)
        }
        await events.waitUntilClosed()
    }

    private static func makeOptions(_ configuration: NATSConfiguration, eventsPointer: UnsafeMutableRawPointer) throws(NATSError) -> OpaquePointer {
        var created: OpaquePointer?
        let status = natsOptions_Create(&created)
        guard status == NATS_OK, let options = created else { throw NATSError(status, "creating options") }
        func check(_ status: natsStatus, _ what: String) throws(NATSError) {
            guard status == NATS_OK else {
                natsOptions_Destroy(options)
                throw NATSError(status, what)
            }
        }
        try check(natsOptions_SetURL(options, configuration.servers), "setting the server URLs")
        try check(natsOptions_SetName(options, configuration.name), "setting the client name")
        try check(natsOptions_SetSendAsap(options, true), "enabling SendAsap")
        try check(natsOptions_SetTimeout(options, configuration.connectTimeout.wholeMilliseconds), "setting the connect timeout")
        try check(natsOptions_SetMaxReconnect(options, -1), "setting unlimited reconnects")
        try check(natsOptions_SetCustomReconnectDelay(options, { _, attempts, closure in
            let events = Unmanaged<ConnectionEvents>.fromOpaque(closure!).takeUnretainedValue()
            return events.policy.delay(afterAttempts: Int(attempts)).wholeMilliseconds
        }, eventsPointer), "setting the reconnect delay")
        try check(natsOptions_SetDisconnectedCB(options, { _, closure in
            Unmanaged<ConnectionEvents>.fromOpaque(closure!).takeUnretainedValue().disconnected()
        }, eventsPointer), "setting the disconnect callback")
        try check(natsOptions_SetReconnectedCB(options, { _, closure in
            Unmanaged<ConnectionEvents>.fromOpaque(closure!).takeUnretainedValue().reconnected()
        }, eventsPointer), "setting the reconnect callback")
        try check(natsOptions_SetClosedCB(options, { _, closure in
            // The last callback libnats makes for a connection: it owns the retain of `events`.
            let events = Unmanaged<ConnectionEvents>.fromOpaque(closure!)
            events.takeUnretainedValue().closed()
            events.release()
        }, eventsPointer), "setting the close callback")
        try check(natsOptions_SetErrorHandler(options, { _, _, error, closure in
            Unmanaged<ConnectionEvents>.fromOpaque(closure!).takeUnretainedValue().asyncError(error)
        }, eventsPointer), "setting the error handler")
        if let token = configuration.token {
            try check(natsOptions_SetToken(options, token), "setting the token")
        }
        if let credentials = configuration.credentialsFile {
            try check(natsOptions_SetUserCredentialsFromFiles(options, credentials, nil), "loading the credentials file")
        }
        if configuration.tlsRequired || configuration.tlsCAFile != nil || configuration.servers.contains("tls://") {
            try check(natsOptions_SetSecure(options, true), "enabling TLS")
        }
        if let caFile = configuration.tlsCAFile {
            try check(natsOptions_LoadCATrustedCertificates(options, caFile), "loading the CA file")
        }
        if let certificate = configuration.tlsCertificateFile, let key = configuration.tlsKeyFile {
            try check(natsOptions_LoadCertificatesChain(options, certificate, key), "loading the client certificate")
        }
        return options
    }
}

/// Whether `nats_Open` ran (it must precede the first connection and not run concurrently).
private let libraryOpened = Mutex(false)

/// A C pointer carried into a `@Sendable` closure. Only for handles libnats documents as thread-safe.
struct UncheckedHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}
