import Contracts
import Dispatch
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Serves a service's endpoints over NATS request/reply (queue group `q`) plus the ADR-32
/// service API, with a bounded number of requests in flight.
///
/// Back-pressure: a libnats delivery thread waits for a free slot before handing a request to
/// Swift, so excess requests queue inside libnats (bounded by the pending limits) instead of
/// becoming unbounded tasks. Graceful shutdown drains the subscriptions, finishes every request
/// already received, and only then returns, so none is lost.
public final class RPCServer: Service, Sendable {
    /// The ADR-32 default queue group shared by all replicas.
    public static let queueGroup = "q"

    public let description: ServiceDescription
    /// This instance's id (ADR-32 `id`), unique per process.
    public let instanceID: String
    private let endpoints: [Endpoint]
    private let connection: NATSConnection
    private let authenticator: (any RequestAuthenticator)?
    private let maxInFlight: Int
    private let logger: Logger
    private let stats: ServiceStats
    private let readiness = Mutex(false)
    private let requestCounter: Counter
    private let errorCounter: Counter
    private let latency: Metrics.Timer
    private let reaper = DeadlineReaper()
    private let drainTimeout: Duration

    /// - Parameters:
    ///   - maxInFlight: how many requests this process handles at once (default 64).
    ///   - drainTimeout: at shutdown, how long the subscriptions may take to hand over what
    ///     libnats already received; past it libnats drops the rest.
    public init(
        description: ServiceDescription, endpoints: [Endpoint], connection: NATSConnection,
        authenticator: (any RequestAuthenticator)?, maxInFlight: Int = 64,
        drainTimeout: Duration = .seconds(30),
        instanceID: String = RPCServer.makeInstanceID(), logger: Logger
    ) {
        self.drainTimeout = drainTimeout
        self.description = description
        self.endpoints = endpoints
        self.connection = connection
        self.authenticator = authenticator
        self.maxInFlight = max(1, maxInFlight)
        self.instanceID = instanceID
        self.logger = logger
        self.stats = ServiceStats(endpointCount: endpoints.count)
        let dimensions = [("service", description.name)]
        requestCounter = Counter(label: "hxb_rpc_requests_total", dimensions: dimensions)
        errorCounter = Counter(label: "hxb_rpc_errors_total", dimensions: dimensions)
        latency = Metrics.Timer(label: "hxb_rpc_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
    }

    /// A random ADR-32 instance id (22 alphanumerics).
    public static func makeInstanceID() -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        return String((0..<22).map { _ in alphabet.randomElement()! })
    }

    /// True once every subscription is registered with the server, false again when draining.
    public var isReady: Bool { readiness.withLock { $0 } }

    /// Subscribes and serves until graceful shutdown (or cancellation), then drains.
    public func run() async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: Incoming.self)
        let slots = DispatchSemaphore(value: maxInFlight)
        let executor = connection.executor
        var subscribed: [NATSSubscription] = []
        do {
            for (index, endpoint) in endpoints.enumerated() {
                let subject = description.subject(for: endpoint.name)
                subscribed.append(try connection.subscribe(subject: subject, queue: Self.queueGroup) { message in
                    slots.wait()
                    // The request's task runs on this (libnats) thread: no wake-up of another.
                    var accepted = true
                    executor.runInline {
                        if case .terminated = continuation.yield(Incoming(endpoint: index, message: message)) { accepted = false }
                    }
                    if !accepted {
                        // The serving loop already ended (cancelled): answer instead of dropping.
                        slots.signal()
                        self.refuseWhileStopping(message)
                    }
                })
            }
            let micro = MicroService(description: description, instanceID: instanceID, endpoints: endpoints, stats: stats)
            let connection = self.connection
            for subject in micro.subjects {
                subscribed.append(try connection.subscribe(subject: subject) { message in
                    guard let reply = message.reply, let body = micro.response(for: message.subject) else { return }
                    try? connection.publish(NATSMessage(subject: reply, payload: body))
                })
            }
            try await connection.flush()
        } catch {
            for subscription in subscribed { subscription.unsubscribe() }
            throw error
        }
        let subscriptions = subscribed
        readiness.withLock { $0 = true }
        logger.info("serving", metadata: [
            "service": "\(description.name)", "instance_id": "\(instanceID)",
            "endpoints": "\(endpoints.map(\.name).joined(separator: ","))", "max_in_flight": "\(maxInFlight)",
        ])

        await withTaskExecutorPreference(executor) {
            await serve(stream: stream, continuation: continuation, subscriptions: subscriptions, slots: slots)
        }
        logger.info("stopped serving; every received request was answered")
    }

    private func serve(
        stream: AsyncStream<Incoming>, continuation: AsyncStream<Incoming>.Continuation,
        subscriptions: [NATSSubscription], slots: DispatchSemaphore
    ) async {
        await withDiscardingTaskGroup { group in
            group.addTask {
                // Waits for graceful shutdown (or cancellation), then stops the intake.
                try? await gracefulShutdown()
                self.readiness.withLock { $0 = false }
                self.logger.info("draining subscriptions")
                await withDiscardingTaskGroup { drains in
                    for subscription in subscriptions {
                        drains.addTask { await subscription.drain(timeout: self.drainTimeout) }
                    }
                }
                continuation.finish()
            }
            for await incoming in stream {
                group.addTask {
                    await self.handle(incoming)
                    slots.signal()
                }
            }
        }
    }

    struct Incoming: Sendable {
        let endpoint: Int
        let message: NATSMessage
    }

    /// Handles one request with its own ``RequestLogContext``; a request that carries shipped
    /// log records is handled with shipping suppressed (no record about storing records).
    private func handle(_ incoming: Incoming) async {
        let suppressed = LogShipper.isSuppressed || incoming.message.headers[RPCHeader.logShipment] != nil
        await RequestLogContext.$current.withValue(RequestLogContext()) {
            await LogShipper.$isSuppressed.withValue(suppressed) { await respond(to: incoming) }
        }
    }

    private func respond(to incoming: Incoming) async {
        let started = ContinuousClock.now
        let message = incoming.message
        let endpoint = endpoints[incoming.endpoint]
        let context = makeContext(for: message, endpoint: endpoint)
        guard let replySubject = message.reply else {
            context.logger.debug("ignoring a message without reply subject")
            return
        }
        let answer = Answer(endpoint: incoming.endpoint, subject: replySubject, started: started, context: context)
        if let deadline = context.deadline, deadline <= .now {
            reply(.failure(ServiceError(.deadlineExceeded, "The request's deadline passed before it was handled.")), answer)
            return
        }
        let payload = message.payload
        let work: () async -> Result<[UInt8], ServiceError> = {
            do {
                return .success(try await endpoint.handle(payload, context))
            } catch {
                return .failure(ServiceError(wrapping: error))
            }
        }
        guard let deadline = context.deadline else {
            reply(await work(), answer)
            return
        }
        // Whichever comes first, the handler's result or its deadline, is answered at once. A late
        // handler is cancelled, and its slot is held until it ends.
        let race = RequestRace()
        let timer = reaper.register(deadline: deadline) {
            if race.expire() {
                self.reply(.failure(ServiceError(.deadlineExceeded, "The request did not complete before its deadline.")), answer)
            }
        }
        let result = await work()
        reaper.cancel(timer)
        if race.finish() { reply(result, answer) }
    }

    /// Answers a request that arrived after the serving loop ended with a 503 (callers may retry
    /// on another replica) instead of leaving them to time out.
    private func refuseWhileStopping(_ message: NATSMessage) {
        guard let reply = message.reply else { return }
        let error = ServiceError(.unavailable, "The service instance is shutting down.")
        try? connection.publish(Self.errorMessage(error, subject: reply, requestID: message.headers[RPCHeader.requestID] ?? ""))
    }

    /// Where and for what an answer goes.
    private struct Answer: Sendable {
        let endpoint: Int
        let subject: String
        let started: ContinuousClock.Instant
        let context: RequestContext
    }

    /// Records the request's statistics (before the reply, so `$SRV.STATS` never lags behind
    /// what a caller saw) and publishes the reply.
    private func reply(_ outcome: Result<[UInt8], ServiceError>, _ answer: Answer) {
        let (subject, context) = (answer.subject, answer.context)
        let response: NATSMessage
        var errorText: String?
        switch outcome {
        case .success(let body):
            response = NATSMessage(subject: subject, payload: body)
        case .failure(let error):
            errorText = "\(error.code.status):\(error.message)"
            errorCounter.increment()
            if error.code.status >= 500 {
                context.logger.error("request failed", metadata: ["code": "\(error.code)", "cause": "\(error.cause.map { "\($0)" } ?? error.message)"])
            } else {
                context.logger.info("request refused", metadata: ["code": "\(error.code)"])
            }
            response = Self.errorMessage(error, subject: subject, requestID: context.requestID)
        }
        let elapsed = ContinuousClock.now - answer.started
        stats.record(endpoint: answer.endpoint, duration: elapsed, error: errorText)
        requestCounter.increment()
        latency.recordNanoseconds(elapsed.wholeNanoseconds)
        do {
            try connection.publish(response)
        } catch {
            context.logger.error("could not publish the reply", metadata: ["error": "\(error)"])
        }
    }

    private func makeContext(for message: NATSMessage, endpoint: Endpoint) -> RequestContext {
        let headers = message.headers
        let requestID = headers[RPCHeader.requestID].flatMap { $0.isEmpty || $0.count > 128 ? nil : $0 } ?? RequestID.make()
        let trace = headers[RPCHeader.traceParent].flatMap(TraceContext.init(traceParent:))?.child() ?? TraceContext()
        let deadline = headers[RPCHeader.deadline].flatMap(Int64.init).map(DeadlineClock.instant(unixMilliseconds:))
        var bearer: String?
        if let authorization = headers[RPCHeader.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { bearer = String(parts[1]).trimmingCharacters(in: .whitespaces) }
        }
        var logger = self.logger
        logger[metadataKey: LogMetadataKey.requestID] = .string(requestID)
        logger[metadataKey: LogMetadataKey.traceID] = .string(trace.traceID)
        logger[metadataKey: "endpoint"] = .string(endpoint.name)
        return RequestContext(
            logger: logger, requestID: requestID, trace: trace, deadline: deadline,
            bearerToken: bearer, headers: headers, authenticator: authenticator
        )
    }

    /// The reply for a failed request: ADR-32 error headers plus an `ErrorDetail` body.
    static func errorMessage(_ error: ServiceError, subject: String, requestID: String) -> NATSMessage {
        var detail = Hexabase_Common_V1_ErrorDetail()
        detail.code = error.code.name
        detail.message = error.message
        detail.requestID = requestID
        detail.fieldViolations = error.fieldViolations.map {
            var violation = Hexabase_Common_V1_FieldViolation()
            violation.field = $0.field
            violation.description_p = $0.description
            return violation
        }
        // Header values must stay on one line.
        let headerMessage = error.message.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        var headers = [
            RPCHeader.serviceError: headerMessage,
            RPCHeader.serviceErrorCode: String(error.code.status),
            RPCHeader.requestID: requestID,
        ]
        if let seconds = error.retryAfterSeconds { headers[RPCHeader.retryAfter] = String(max(seconds, 0)) }
        return NATSMessage(subject: subject, payload: (try? detail.serializedBytes()) ?? [], headers: headers)
    }
}
