import Contracts
import Foundation
import Logging
import ServiceKit
import Synchronization
import Testing
import TestSupport

/// Lines a handler or shipper wrote to its stand-in standard output.
final class CapturedLines: Sendable {
    private let lines = Mutex<[String]>([])
    func write(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
    /// The JSON objects of the lines.
    var objects: [[String: Any]] {
        all.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}

/// A stand-in for the logging service's `hxb.logs.v1.Ingest` on a private nats-server: keeps
/// what arrives and answers as told (accept, stay silent, refuse with a 400).
final class IngestStandIn: Sendable {
    enum Mode { case accept, silent, refuse }

    let received = ReceivedLogRecords()
    private let mode: Mutex<Mode>
    private let seen = Mutex<[[String: String]]>([])

    init(_ mode: Mode = .accept) {
        self.mode = Mutex(mode)
    }

    func set(_ mode: Mode) { self.mode.withLock { $0 = mode } }
    /// The headers of every request that arrived (answered or not).
    var requestHeaders: [[String: String]] { seen.withLock { $0 } }

    func subscribe(on connection: NATSConnection) throws -> NATSSubscription {
        try connection.subscribe(subject: LogShipper.subject) { message in
            self.seen.withLock { $0.append(message.headers) }
            guard let reply = message.reply, let request = try? Hexabase_Logs_V1_IngestRequest(serializedBytes: message.payload) else { return }
            switch self.mode.withLock({ $0 }) {
            case .silent:
                return
            case .refuse:
                try? connection.publish(NATSMessage(subject: reply, payload: [], headers: [
                    RPCHeader.serviceError: "Refused by the stand-in.", RPCHeader.serviceErrorCode: "400",
                ]))
            case .accept:
                self.received.append(request)
                var response = Hexabase_Logs_V1_IngestResponse()
                response.accepted = Int32(request.records.count)
                try? connection.publish(NATSMessage(subject: reply, payload: (try? response.serializedBytes()) ?? []))
            }
        }
    }
}

/// Answers every token with the same verified user.
struct FixedAuthenticator: RequestAuthenticator {
    let userID: String
    func authenticate(bearerToken: String) async throws -> Identity {
        Identity(subject: userID, kind: .user, sessionID: nil, expiresAt: Date().addingTimeInterval(600), tokenID: nil)
    }
}

/// The shipping log handler and its shipper against a private nats-server, with a stand-in for
/// the logging service's Ingest endpoint.
@Suite("Log shipping to hxb.logs.v1.Ingest")
struct LogShippingTests {
    /// Quick settings for tests: small batches, short pauses, a long send timeout unless told.
    static func configuration(capacity: Int = 1_000, batchSize: Int = 5, sendTimeout: Duration = .seconds(30)) -> LogShipper.Configuration {
        LogShipper.Configuration(
            capacity: capacity, batchSize: batchSize, interval: .milliseconds(50), sendTimeout: sendTimeout,
            maxRetryDelay: .milliseconds(200), flushTimeout: .seconds(5), warningInterval: .milliseconds(50)
        )
    }

    /// A private nats-server, a connection to it, and a shipper (with its handler's logger and
    /// captured stdout) running on it while `body` runs; the shipper is finished afterwards.
    static func withShipper(
        _ configuration: LogShipper.Configuration = configuration(),
        _ body: (NATSConnection, LogShipper, Logger, CapturedLines) async throws -> Void
    ) async throws {
        try await withPrivateNATS { connection, _ in try await withShipper(configuration, on: connection, body) }
    }

    private static func withShipper(
        _ configuration: LogShipper.Configuration, on connection: NATSConnection,
        _ body: (NATSConnection, LogShipper, Logger, CapturedLines) async throws -> Void
    ) async throws {
        let stdout = CapturedLines()
        let shipper = LogShipper(service: "shiptest", configuration: configuration, output: stdout.write)
        var logger = Logger(label: "hxb-shiptest") { label in
            JSONLogHandler(label: label, level: .debug, metadataProvider: RequestLogContext.metadataProvider, shipper: shipper, sink: stdout.write)
        }
        logger[metadataKey: "service"] = "shiptest"
        let outcome = await withTaskGroup(of: Void.self) { group -> Result<Void, any Error> in
            group.addTask { await shipper.run(connection: connection, configuration: configuration) }
            defer { shipper.finish() }
            do {
                try await body(connection, shipper, logger, stdout)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try outcome.get()
    }

    @Test("records are shipped in batches of at most the batch size, as system records with the line's fields; stdout still gets every JSON line")
    func shipsBatches() async throws {
        try await Self.withShipper { connection, _, logger, stdout in
            let standIn = IngestStandIn()
            let subscription = try standIn.subscribe(on: connection)
            defer { subscription.unsubscribe() }
            for index in 0..<12 {
                logger.notice("line \(index)", metadata: ["index": "\(index)", "nested": ["key": "value"], "list": ["a", "b"]])
            }
            try await waitUntil("12 records arrive") { standIn.received.records.count == 12 }
            #expect(standIn.received.batchSizes.allSatisfy { $0 >= 1 && $0 <= 5 })
            #expect(standIn.received.records.map(\.message) == (0..<12).map { "line \($0)" }, "in order")
            let record = standIn.received.records[3]
            #expect(record.tier == .system)
            #expect(record.service == "shiptest")
            #expect(record.level == "notice")
            #expect(record.id.hasPrefix("log-"))
            #expect(record.hasTime)
            #expect(record.attributes == ["index": "3", "nested.key": "value", "list": "[a, b]", "logger": "hxb-shiptest"])
            #expect(standIn.requestHeaders.allSatisfy { $0[RPCHeader.logShipment] == "1" })

            let lines = stdout.objects.filter { ($0["msg"] as? String)?.hasPrefix("line ") == true }
            #expect(lines.count == 12)
            #expect(lines.first?["level"] as? String == "notice")
            #expect(lines.first?["service"] as? String == "shiptest")
            #expect(lines.first?["logger"] as? String == "hxb-shiptest")
        }
    }

    @Test("a request's records carry its request id and trace id, the user once identity() verified the token, and the tenant it tagged; a request carrying shipped records ships nothing")
    func enrichesRequestRecords() async throws {
        try await Self.withShipper { connection, _, logger, _ in
            let standIn = IngestStandIn()
            let subscription = try standIn.subscribe(on: connection)
            defer { subscription.unsubscribe() }
            let description = ServiceDescription.echo("shipping")
            let endpoint = Endpoint.unary("Work", EchoRequest.self) { (request: EchoRequest, context: RequestContext) async throws -> EchoResponse in
                let mark = String(decoding: request.payload, as: UTF8.self)
                context.logger.info("before identity \(mark)")
                _ = try await context.identity()
                RequestLogContext.current?.tagTenant(organizationID: "org-1", workspaceID: "ws-1", projectID: "prj-1")
                context.logger.info("after identity \(mark)", metadata: ["step": "2"])
                return EchoResponse()
            }
            let server = RPCServer(
                description: description, endpoints: [endpoint], connection: connection,
                authenticator: FixedAuthenticator(userID: "usr-shipped"), logger: logger
            )
            try await withRunningServer(server) { _ in
                let client = RPCClient(connection: connection)
                var request = EchoRequest()
                request.payload = Data("shipment".utf8)
                var shipment = CallMetadata.bearer("token")
                shipment.extraHeaders[RPCHeader.logShipment] = "1"
                _ = try await client.call(description.subject(for: "Work"), request, as: EchoResponse.self, metadata: shipment)

                request.payload = Data("plain".utf8)
                let trace = TraceContext()
                var metadata = CallMetadata.bearer("token")
                metadata.requestID = "req-shipping-test"
                metadata.trace = trace
                _ = try await client.call(description.subject(for: "Work"), request, as: EchoResponse.self, metadata: metadata)

                let after = try await standIn.received.first("the record after identity()") { $0.message == "after identity plain" }
                #expect(after.requestID == "req-shipping-test")
                #expect(after.traceID == trace.traceID)
                #expect(after.userID == "usr-shipped")
                #expect(after.organizationID == "org-1")
                #expect(after.workspaceID == "ws-1")
                #expect(after.projectID == "prj-1")
                #expect(after.attributes["step"] == "2")
                #expect(after.attributes["endpoint"] == "Work")
                #expect(after.attributes["request_id"] == nil, "promoted to a field, not repeated as an attribute")

                let before = try #require(standIn.received.records.first { $0.message == "before identity plain" })
                #expect(before.requestID == "req-shipping-test")
                #expect(before.userID.isEmpty, "written before the token was verified")
                #expect(before.organizationID.isEmpty)
                // Records are shipped in order: anything of the first request would have come first.
                #expect(!standIn.received.records.contains { $0.message.hasSuffix("shipment") })
            }
        }
    }

    @Test("while nobody answers, log calls still complete: the buffer holds its capacity, the rest is dropped and counted and reported on stdout; once a responder appears, the held records are delivered")
    func boundedBufferThenRetryDelivers() async throws {
        try await Self.withShipper(Self.configuration(capacity: 10, batchSize: 4)) { connection, shipper, logger, stdout in
            for index in 0..<25 { logger.info("held \(index)") }
            // Every call returned, with no responder: nothing waited for the network.
            #expect(shipper.pendingCount == 10)
            #expect(shipper.droppedCount == 15)
            #expect(stdout.objects.filter { ($0["msg"] as? String)?.hasPrefix("held ") == true }.count == 25)
            try await waitUntil("warnings about the dropped records") {
                let warnings = stdout.objects.filter { ($0["msg"] as? String)?.hasPrefix("log records dropped") == true }
                return warnings.compactMap { ($0["dropped"] as? String).flatMap(Int.init) }.reduce(0, +) == 15
            }

            let standIn = IngestStandIn()
            let subscription = try standIn.subscribe(on: connection)
            defer { subscription.unsubscribe() }
            try await waitUntil("the held records are delivered after the retries") { standIn.received.records.count == 10 }
            #expect(standIn.received.records.map(\.message) == (0..<10).map { "held \($0)" })
            // The last answer may still be on its way back to the shipper.
            try await waitUntil("the buffer is empty") { shipper.pendingCount == 0 }
        }
    }

    @Test("log calls complete while a send is stuck on a responder that does not answer; what does not fit is dropped and counted")
    func loggingNeverWaitsForASend() async throws {
        try await Self.withShipper(Self.configuration(capacity: 20, batchSize: 5, sendTimeout: .seconds(2))) { connection, shipper, logger, _ in
            let standIn = IngestStandIn(.silent)
            let subscription = try standIn.subscribe(on: connection)
            defer { subscription.unsubscribe() }
            logger.info("first")
            try await waitUntil("the shipper is inside a send") { !standIn.requestHeaders.isEmpty }
            // An unanswered send keeps its records in the buffer (and so does each retry).
            for index in 0..<100 { logger.info("while stuck \(index)") }
            #expect(shipper.pendingCount == 20)
            #expect(shipper.droppedCount == 81)
        }
    }

    @Test("a batch the logging service refuses (4xx) is dropped and counted, not retried")
    func refusedBatchIsDropped() async throws {
        try await Self.withShipper(Self.configuration(batchSize: 3)) { connection, shipper, logger, _ in
            let standIn = IngestStandIn(.refuse)
            let subscription = try standIn.subscribe(on: connection)
            defer { subscription.unsubscribe() }
            for index in 0..<3 { logger.info("refused \(index)") }
            try await waitUntil("the refused batch is dropped") { shipper.droppedCount == 3 }
            #expect(shipper.pendingCount == 0)
            standIn.set(.accept)
            logger.info("accepted")
            _ = try await standIn.received.first("the next record") { $0.message == "accepted" }
            #expect(standIn.received.records.count == 1)
        }
    }

    @Test("finish() flushes what is buffered once before run returns; lines logged inside the shipper's own work are not shipped")
    func finishFlushes() async throws {
        try await withPrivateNATS { connection, _ in
            let standIn = IngestStandIn()
            let subscription = try standIn.subscribe(on: connection)
            var settings = Self.configuration()
            settings.interval = .seconds(3600)
            let configuration = settings
            let shipper = LogShipper(service: "shiptest", configuration: configuration, output: { _ in })
            let logger = Logger(label: "hxb-shiptest") { JSONLogHandler(label: $0, shipper: shipper, sink: { _ in }) }
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await shipper.run(connection: connection, configuration: configuration) }
                logger.info("one")
                LogShipper.$isSuppressed.withValue(true) { logger.info("suppressed") }
                logger.info("two")
                shipper.finish()
            }
            #expect(standIn.received.records.map(\.message) == ["one", "two"])
            subscription.unsubscribe()
        }
    }

    @Test("a ServiceProcess whose logger ships runs the shipper on its own NATS connection, with the log.ship settings")
    func serviceProcessShipsItsLogs() async throws {
        try await withPrivateNATS { connection, server in
            let standIn = IngestStandIn()
            let subscription = try standIn.subscribe(on: connection)
            let shipper = LogShipper(service: "processtest", output: { _ in })
            let logger = Logger(label: "hxb-processtest") { JSONLogHandler(label: $0, shipper: shipper, sink: { _ in }) }
            let description = ServiceDescription.echo("process-shipping")
            let process = ServiceProcess(
                description: description,
                settings: ServiceSettings(nats: NATSConfiguration(servers: server.url), opsPort: 0, logShipping: Self.configuration()),
                logger: logger, registry: nil
            ) { _ in ServiceComponents(endpoints: EchoFixture.endpoints(instanceID: "process")) }
            try await withRunningService(process, logger: TestLogging.logger("process-group"), isReady: { process.isReady }) { _ in
                let serving = try await standIn.received.first("the process's own 'serving' line") { $0.message == "serving" }
                #expect(serving.service == "processtest")
                #expect(serving.attributes["endpoints"] == "Echo,Conflict,Crash")
            }
            // The last lines (written while stopping) are flushed before NATS closes.
            _ = try await standIn.received.first("the 'shut down cleanly' line") { $0.message == "shut down cleanly" }
            subscription.unsubscribe()
        }
    }

    @Test("configured off, the shipper empties its buffer and takes no more records; lines still go to stdout")
    func disabledShipsNothing() async throws {
        try await withPrivateNATS { connection, _ in
            let stdout = CapturedLines()
            let shipper = LogShipper(service: "shiptest", output: stdout.write)
            let logger = Logger(label: "hxb-shiptest") { JSONLogHandler(label: $0, shipper: shipper, sink: stdout.write) }
            logger.info("before")
            #expect(shipper.pendingCount == 1)
            var configuration = Self.configuration()
            configuration.enabled = false
            await shipper.run(connection: connection, configuration: configuration)
            logger.info("after")
            #expect(!shipper.isAccepting)
            #expect(shipper.pendingCount == 0)
            #expect(shipper.droppedCount == 0)
            #expect(stdout.objects.compactMap { $0["msg"] as? String } == ["before", "after"])
        }
    }
}
