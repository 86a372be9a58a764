import Contracts
import Foundation
import ServiceKit
import Synchronization

/// Log records that reached a test: what a stand-in `hxb.logs.v1.Ingest` received, or what a
/// reader took from JetStream's `HXB_LOGS`.
public final class ReceivedLogRecords: Sendable {
    private struct State {
        var records: [Hexabase_Logs_V1_LogRecord] = []
        var batchSizes: [Int] = []
        var messageIDs: [String] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Keeps the records of one `IngestRequest` (and its `Nats-Msg-Id`, when it has one).
    public func append(_ request: Hexabase_Logs_V1_IngestRequest, messageID: String? = nil) {
        state.withLock { state in
            state.records += request.records
            state.batchSizes.append(request.records.count)
            if let messageID { state.messageIDs.append(messageID) }
        }
    }

    public var records: [Hexabase_Logs_V1_LogRecord] { state.withLock { $0.records } }
    /// The number of records of each request, in arrival order.
    public var batchSizes: [Int] { state.withLock { $0.batchSizes } }
    public var messageIDs: [String] { state.withLock { $0.messageIDs } }

    /// Waits until a record matching `predicate` arrived, and returns it.
    public func first(
        _ what: String, timeout: Duration = .seconds(20), where predicate: (Hexabase_Logs_V1_LogRecord) -> Bool
    ) async throws -> Hexabase_Logs_V1_LogRecord {
        var found: Hexabase_Logs_V1_LogRecord?
        try await waitUntil(what, timeout: timeout) {
            found = records.first(where: predicate)
            return found != nil
        }
        return found!
    }
}

/// Reads every message of `HXB_LOGS` (`hxb.logs.ingest.>`, from the stream's start) on
/// `connection` into a ``ReceivedLogRecords`` while `body` runs, with a durable consumer of its
/// own.
public func withLogStreamReader<Result>(
    connection: NATSConnection, _ body: (ReceivedLogRecords) async throws -> Result
) async throws -> Result {
    let received = ReceivedLogRecords()
    let consumer = EventConsumer(
        connection: connection,
        configuration: EventConsumer.Configuration(
            name: "test-logs-\(UUID().uuidString.prefix(8).lowercased())", subject: "hxb.logs.ingest.>", stream: .logs,
            fetchWait: .milliseconds(200)
        ),
        logger: TestLogging.logger("logs-reader")
    ) { message in
        received.append(try Hexabase_Logs_V1_IngestRequest(serializedBytes: message.payload), messageID: message.headers["Nats-Msg-Id"])
    }
    return try await withRunningService(consumer, logger: TestLogging.logger("logs-reader"), isReady: { true }) { _ in
        try await body(received)
    }
}
