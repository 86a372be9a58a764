import Contracts
import Foundation
@testable import LoggingService
import ServiceKit
import Store
import Synchronization
import Testing
import TestSupport

/// hxb-logging as its own process, SIGKILLed while producers keep ingesting: every batch it
/// acknowledged is stored exactly once after a new process takes over.
@Suite(.serialized) struct IngestCrashTests {
    @Test func aKillMidIngestLosesNothingAcknowledged() async throws {
        let nats = try await NATSTestServer.start()
        let database = try await TestDatabase.create(prefix: "lgcrash")
        let logger = TestLogging.logger("crash")
        let environment = [
            "HXB_NATS_URL": nats.url, "HXB_ISSUER": "http://127.0.0.1:1", "HXB_LOG_LEVEL": "info",
            "HXB_DATABASE_URL": database.url, "HXB_DATABASE_SCHEMA": database.schema,
            "HXB_LOGGING_AUTH_CLIENT_SECRET": "unused-here",
            // What the dead process held comes back to the new one after this.
            "HXB_LOGGING_INGEST_ACK_WAIT_MS": "2000",
        ]
        func launch() throws -> LaunchedProcess {
            try LaunchedProcess.start("hxb-logging", environment: environment.merging(["HXB_OPS_PORT": String(try NATSTestServer.freeTCPPort())]) { _, new in new })
        }
        var processes = [try launch()]
        let connection = try await NATSConnection.connect(configuration: NATSConfiguration(servers: nats.url), logger: logger)
        let rpc = RPCClient(connection: connection, defaultTimeout: .seconds(3))
        let acknowledged = Acknowledged()
        // Sends batch `number` until it is acknowledged (the same ids each time, as a shipper
        // retries), and remembers its ids.
        let send: @Sendable (Int) async -> Void = { number in
            var request = Hexabase_Logs_V1_IngestRequest()
            request.records = (0..<50).map { index in
                var record = LogFixtures.record("batch \(number) record \(index)", tier: .system, service: "producer")
                record.id = "log-crash-\(number)-\(index)"
                return record
            }
            while !Task.isCancelled {
                do {
                    let answer = try await rpc.call("hxb.logs.v1.Ingest", request, as: Hexabase_Logs_V1_IngestResponse.self)
                    if answer.accepted == 50 {
                        acknowledged.ids.withLock { $0 += request.records.map(\.id) }
                        return
                    }
                } catch {
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
        }
        do {
            // Two producers; the process dies after the 15th acknowledged batch, while both
            // keep sending; a new one starts; 40 batches in all.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for producer in 0..<2 {
                    group.addTask { for number in stride(from: producer, to: 40, by: 2) { await send(number) } }
                }
                try await waitUntil("15 acknowledged batches", timeout: .seconds(60)) { acknowledged.ids.withLock { $0.count } >= 15 * 50 }
                await processes[0].kill()
                processes.append(try launch())
                try await group.waitForAll()
            }
            let expected = Set(acknowledged.ids.withLock { $0 })
            #expect(expected.count == 40 * 50)
            let pool = PostgresPool(configuration: database.configuration(), logger: logger)
            defer { Task { await pool.close() } }
            try await waitUntil("every acknowledged record stored", timeout: .seconds(60), interval: .milliseconds(100)) {
                let rows = try await pool.query("SELECT count(DISTINCT id) AS n FROM logs_system WHERE service = 'producer'")
                return try rows[0].decode(Int.self, column: "n") >= expected.count
            }
            let stored = try await pool.query("SELECT id, count(*) AS copies FROM logs_system WHERE service = 'producer' GROUP BY id")
            let ids = try Set(stored.map { try $0.decode(String.self, column: "id") })
            #expect(ids == expected)
            #expect(try stored.allSatisfy { try $0.decode(Int.self, column: "copies") == 1 }, "a record was stored twice")
        } catch {
            for process in processes { print(((try? String(contentsOf: process.logURL, encoding: .utf8)) ?? "").suffix(4000)) }
            for process in processes { await process.terminate() }
            await connection.close()
            await nats.stop()
            try? await database.drop()
            throw error
        }
        for process in processes { await process.terminate() }
        await connection.close()
        await nats.stop()
        try? await database.drop()
    }
}

private final class Acknowledged: Sendable {
    let ids = Mutex<[String]>([])
}
