import Contracts
import Foundation
@testable import LoggingService
import Logging
import ServiceKit
import ServiceStore
import Store
import TestSupport

/// Records and stores for the logging tests.
enum LogFixtures {
    static func record(
        _ message: String, tier: Hexabase_Logs_V1_Tier = .workload, time: Date = Date(), level: String = "info",
        organization: String = "", workspace: String = "", project: String = "", service: String = "app",
        action: String = "", actor: String = "", outcome: String = ""
    ) -> Hexabase_Logs_V1_LogRecord {
        var record = Hexabase_Logs_V1_LogRecord()
        record.id = PrefixedID.make("log")
        record.tier = tier
        record.time = .init(date: time)
        record.level = level
        record.message = message
        record.organizationID = organization
        record.workspaceID = workspace
        record.projectID = project
        record.service = service
        record.action = action
        record.actorID = actor
        record.outcome = outcome
        return record
    }

    static func stored(_ record: Hexabase_Logs_V1_LogRecord, days: Int = 30) -> StoredRecord {
        StoredRecord(record: record, expiresAt: IngestConsumer.startOfDay(record.time.date).addingTimeInterval(TimeInterval(days) * 86_400))
    }

    /// A fresh `logging` schema with the service's migrations and a Postgres store on it.
    static func withStore(_ body: (PostgresLogStore, PostgresPool, TestDatabase) async throws -> Void) async throws {
        try await TestDatabase.withTemporary(prefix: "logs") { database in
            let logger = Logger(label: "logging-tests")
            let settings = DatabaseSettings(url: database.url, schema: database.schema, poolSize: 4)
            let pool = try await settings.open(service: "logging", migrations: embeddedSQLFiles, logger: logger)
            do {
                try await body(PostgresLogStore(pool: pool, logger: logger), pool, database)
            } catch {
                await pool.close()
                throw error
            }
            await pool.close()
        }
    }
}
