import Contracts
import Foundation
import Logging
import Metrics
import Synchronization

/// Ships a process's log records to the logging service (`hxb.logs.v1.Ingest`, DESIGN §4) in
/// batches, from a fixed-capacity buffer.
///
/// - ``enqueue(_:)`` never waits for I/O: it appends under a lock, or drops the record when the
///   buffer is full and counts it (`hxb_log_records_dropped_total`, and a warning line on
///   standard output every ``Configuration/warningInterval`` while records are dropped).
/// - ``run(connection:configuration:)`` sends what is buffered every
///   ``Configuration/interval``, or as soon as a batch is full. A send that fails for a reason
///   that may pass (no responders while the logging service starts, a timeout, a 5xx or 429)
///   keeps its records and is retried after a growing pause; one the service refuses (another
///   4xx) is dropped and counted. ``finish()`` ends it after one last flush bounded by
///   ``Configuration/flushTimeout``.
/// - The shipper's own trouble is reported on standard output only, and nothing logged inside
///   its task (or while a request that carries shipped records is handled, see
///   ``RPCHeader/logShipment``) is shipped: no record ever causes another.
public final class LogShipper: Sendable {
    /// The logging service's ingest subject.
    public static let subject = "hxb.logs.v1.Ingest"
    /// The most bytes of one `Ingest` request (NATS's default max payload is 1 MiB).
    static let maxBatchBytes = 512 * 1024

    /// True inside the shipper's own work and inside the handling of shipped records: log
    /// lines there go to standard output only.
    @TaskLocal public static var isSuppressed = false

    /// The service whose records these are (the records' `service` field).
    public let service: String
    private let state: Mutex<State>
    private let accepting = Atomic<Bool>(true)
    private let bell = WakeUpBell()
    private let output: @Sendable (String) -> Void
    private let droppedCounter: Counter

    private struct State {
        var buffer: [Hexabase_Logs_V1_LogRecord] = []
        /// How many records the last failed send held: the retry sends exactly those again, so
        /// the logging service recognizes the batch (its id is a hash of the records' ids)
        /// even though its first answer was lost.
        var retrying: Int?
        var configuration: Configuration
        var stopping = false
        var dropped = 0
        var droppedSinceWarning = 0
        var lastFailure: String?
    }

    /// A shipper that buffers `service`'s records (within `configuration`'s capacity) until
    /// ``run(connection:configuration:)`` sends them; `output` receives its warnings as JSON
    /// lines (standard output by default).
    public init(
        service: String, configuration: Configuration = Configuration(),
        output: @escaping @Sendable (String) -> Void = JSONLogHandler.standardOutput
    ) {
        self.service = service
        self.state = Mutex(State(configuration: configuration))
        self.output = output
        self.droppedCounter = Counter(label: "hxb_log_records_dropped_total", dimensions: [("service", service)])
        accepting.store(configuration.enabled, ordering: .relaxed)
    }

    /// Whether records are taken at all (false once shipping was configured off).
    public var isAccepting: Bool { accepting.load(ordering: .relaxed) }

    /// Records dropped so far (buffer full, or refused by the logging service).
    public var droppedCount: Int { state.withLock { $0.dropped } }

    /// Records waiting to be sent.
    public var pendingCount: Int { state.withLock { $0.buffer.count } }

    /// Adds a record to the buffer, or drops and counts it when the buffer is full. Never waits
    /// for I/O.
    public func enqueue(_ record: Hexabase_Logs_V1_LogRecord) {
        guard isAccepting else { return }
        let (stored, batchFull) = state.withLock { state -> (Bool, Bool) in
            guard state.buffer.count < state.configuration.capacity else {
                state.dropped += 1
                state.droppedSinceWarning += 1
                return (false, false)
            }
            state.buffer.append(record)
            return (true, state.buffer.count == state.configuration.batchSize)
        }
        if !stored { droppedCounter.increment() }
        if batchFull { bell.ring() }
    }

    /// Asks ``run(connection:configuration:)`` to flush once and return (a send in flight
    /// ends first, within its timeout); called before `run` starts, `run` only flushes.
    public func finish() {
        state.withLock { $0.stopping = true }
        bell.ring()
    }

    /// Sends the buffered records through `connection` until ``finish()`` (then flushes once)
    /// or cancellation. With `configuration.enabled` false it empties the buffer, stops taking
    /// records and returns at once. `configuration` replaces the one given at `init` (a smaller
    /// capacity drops, and counts, the records beyond it).
    public func run(connection: NATSConnection, configuration: Configuration) async {
        guard configure(configuration) else { return }
        let client = RPCClient(connection: connection)
        await Self.$isSuppressed.withValue(true) {
            var failures = 0
            var nextWarning = ContinuousClock.now + configuration.warningInterval
            while !isStopping, !Task.isCancelled {
                if failures > 0 {
                    await pause(for: configuration.retryDelay(afterFailures: failures))
                } else if pendingCount < configuration.batchSize {
                    await bell.wait(upTo: configuration.interval)
                }
                if isStopping || Task.isCancelled { break }
                failures = await sendPending(client, configuration, until: nil) ? 0 : failures + 1
                if ContinuousClock.now >= nextWarning {
                    reportDrops()
                    nextWarning = .now + configuration.warningInterval
                }
            }
            _ = await sendPending(client, configuration, until: .now + configuration.flushTimeout)
            reportDrops()
        }
        // A later run (a restarted process) ships again.
        state.withLock { $0.stopping = false }
    }

    /// Applies `configuration`; false when shipping is off.
    private func configure(_ configuration: Configuration) -> Bool {
        accepting.store(configuration.enabled, ordering: .relaxed)
        let trimmed = state.withLock { state -> Int in
            state.configuration = configuration
            let excess = configuration.enabled ? max(0, state.buffer.count - configuration.capacity) : state.buffer.count
            state.buffer.removeLast(excess)
            if configuration.enabled { state.dropped += excess }
            return configuration.enabled ? excess : 0
        }
        if trimmed > 0 { droppedCounter.increment(by: Int64(trimmed)) }
        return configuration.enabled
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    /// Waits `delay`, or less when ``finish()`` is called meanwhile.
    private func pause(for delay: Duration) async {
        let deadline = ContinuousClock.now + delay
        while !isStopping, !Task.isCancelled, ContinuousClock.now < deadline {
            await bell.wait(upTo: ContinuousClock.now.duration(to: deadline))
        }
    }

    /// Sends what was buffered when it started, batch by batch (what arrives meanwhile waits
    /// for the next pass); false after a send that should be retried. With a deadline, each
    /// call is bounded by it and no call starts after it.
    private func sendPending(_ client: RPCClient, _ configuration: Configuration, until deadline: ContinuousClock.Instant?) async -> Bool {
        let batches = (pendingCount + configuration.batchSize - 1) / configuration.batchSize
        for _ in 0..<batches {
            let candidates = state.withLock { Array($0.buffer.prefix($0.retrying ?? configuration.batchSize)) }
            guard !candidates.isEmpty else { return true }
            var timeout = configuration.sendTimeout
            if let deadline {
                let remaining = ContinuousClock.now.duration(to: deadline)
                guard remaining > .zero else { return false }
                timeout = min(timeout, remaining)
            }
            let (payload, count) = Self.encode(candidates)
            switch await send(payload, client: client, timeout: timeout) {
            case .delivered:
                state.withLock { state in
                    state.buffer.removeFirst(count)
                    state.retrying = nil
                }
            case .refused(let reason):
                state.withLock { state in
                    state.buffer.removeFirst(count)
                    state.retrying = nil
                    state.dropped += count
                    state.droppedSinceWarning += count
                    state.lastFailure = reason
                }
                droppedCounter.increment(by: Int64(count))
            case .failed(let reason):
                state.withLock { state in
                    state.lastFailure = reason
                    state.retrying = count
                }
                return false
            }
        }
        return true
    }

    private enum Outcome {
        case delivered
        case refused(String)
        case failed(String)
    }

    private func send(_ payload: [UInt8], client: RPCClient, timeout: Duration) async -> Outcome {
        do {
            _ = try await client.callRaw(
                Self.subject, payload: payload, metadata: CallMetadata(extraHeaders: [RPCHeader.logShipment: "1"]), timeout: timeout
            )
            return .delivered
        } catch {
            let retryable = error.code.status >= 500 || error.code == .rateLimited
            return retryable ? .failed(error.description) : .refused(error.description)
        }
    }

    /// The `IngestRequest` of the longest prefix of `records` that fits ``maxBatchBytes``
    /// (at least one record), and how many records it holds.
    static func encode(_ records: [Hexabase_Logs_V1_LogRecord]) -> ([UInt8], Int) {
        var count = records.count
        while true {
            var request = Hexabase_Logs_V1_IngestRequest()
            request.records = Array(records.prefix(count))
            // Encoding a message of strings, maps and a timestamp cannot fail.
            let payload = (try? request.serializedBytes()) ?? []
            if payload.count <= maxBatchBytes || count == 1 { return (payload, count) }
            count = max(1, count / 2)
        }
    }

    /// Writes one warning line when records were dropped since the last one.
    private func reportDrops() {
        let (dropped, total, failure, pending) = state.withLock { state in
            defer { state.droppedSinceWarning = 0 }
            return (state.droppedSinceWarning, state.dropped, state.lastFailure, state.buffer.count)
        }
        guard dropped > 0 else { return }
        var metadata: Logger.Metadata = [
            LogMetadataKey.service: "\(service)", "dropped": "\(dropped)", "dropped_total": "\(total)", "pending": "\(pending)",
        ]
        if let failure { metadata["last_error"] = "\(failure)" }
        let event = LogEvent(
            level: .warning, message: "log records dropped: the buffer was full or the logging service refused them",
            metadata: nil, source: nil, file: #fileID, function: #function, line: #line
        )
        if let line = JSONLogHandler.line(event: event, label: "hxb-log-shipper", metadata: metadata, time: Date()) { output(line) }
    }
}
