import Contracts
import Foundation
import ServiceKit
import ServiceStore
import Store
import Testing
import TestSupport

/// Audit records: their log-record form, their outbox rows, and their delivery into HXB_LOGS.
@Suite("Audit records through the outbox")
struct AuditLogTests {
    static func record(_ action: String = "workspace.create", outcome: AuditRecord.Outcome = .success) -> AuditRecord {
        AuditRecord(
            service: "workspace", actorID: "usr-1", initiatedBy: .user, action: action, resource: "workspaces/ws-1",
            organizationID: "org-1", workspaceID: "ws-1", outcome: outcome, sourceAddress: "203.0.113.7", requestID: "req-1",
            traceID: "trace-1", details: ["name": "dev"]
        )
    }

    @Test("an audit record becomes a TIER_AUDIT log record with every field, a readable message and a level by outcome")
    func logRecordForm() {
        let record = Self.record().logRecord
        #expect(record.tier == .audit)
        #expect(PrefixedID.isValid(record.id, prefix: "log"))
        #expect(record.level == "info")
        #expect(record.message == "usr-1 workspace.create workspaces/ws-1 success")
        #expect(record.service == "workspace")
        #expect([record.actorID, record.userID, record.initiatedBy, record.onBehalfOf] == ["usr-1", "usr-1", "user", ""])
        #expect([record.action, record.resource, record.outcome] == ["workspace.create", "workspaces/ws-1", "success"])
        #expect([record.organizationID, record.workspaceID, record.projectID] == ["org-1", "ws-1", ""])
        #expect([record.sourceAddress, record.requestID, record.traceID] == ["203.0.113.7", "req-1", "trace-1"])
        #expect(record.attributes == ["name": "dev"])
        #expect(Self.record(outcome: .failure).logRecord.level == "notice")
        #expect(Self.record(outcome: .denied).logRecord.level == "warning")

        var agent = Self.record()
        agent.actorID = "agent-7"
        agent.initiatedBy = .aiAgent
        agent.onBehalfOf = "usr-2"
        #expect(agent.logRecord.initiatedBy == "ai_agent")
        #expect(agent.logRecord.userID == "usr-2", "the person the agent acted for")
        #expect(AuditRecord(service: "auth", actorID: "", initiatedBy: .service, action: "auth.key.rotate", resource: "", outcome: .success).message
            == "- auth.key.rotate - success")
    }

    @Test("in a transaction, the record's outbox row exists exactly when the transaction committed")
    func inTransaction() async throws {
        try await OutboxRelayTests.withOutbox { pool, database in
            let committed = Self.record()
            try await pool.transaction { try await AuditLog.record([committed], on: $0) }
            struct Rollback: Error {}
            await #expect(throws: Rollback.self) {
                try await pool.transaction { connection in
                    try await AuditLog.record([Self.record("workspace.delete")], on: connection)
                    throw Rollback()
                }
            }
            let rows = try await database.query("SELECT kind, topic, message_id, payload FROM outbox")
            #expect(rows.count == 1)
            #expect(try rows[0].decode(String.self, column: "kind") == "audit")
            #expect(try rows[0].decode(String.self, column: "topic") == "hxb.logs.ingest.audit")
            #expect(try rows[0].decode(String.self, column: "message_id") == committed.id)
            let request = try Hexabase_Logs_V1_IngestRequest(serializedBytes: try rows[0].decode(Data.self, column: "payload"))
            #expect(request.records == [committed.logRecord])
        }
    }

    @Test("outside a transaction, the record and what goes alongside are written together; a failure is logged, never thrown, and leaves nothing")
    func onItsOwn() async throws {
        try await OutboxRelayTests.withOutbox { pool, database in
            try await pool.withConnection { try await $0.simpleQuery("CREATE TABLE local_trail (action text NOT NULL)") }
            let denied = Self.record("workspace.update", outcome: .denied)
            await AuditLog.record(denied, pool: pool, logger: TestLogging.logger("audit")) { connection in
                try await connection.execute("INSERT INTO local_trail (action) VALUES (\(denied.action))")
            }
            struct LocalWriteFailed: Error {}
            await AuditLog.record(Self.record("workspace.delete", outcome: .denied), pool: pool, logger: TestLogging.logger("audit")) { _ in
                throw LocalWriteFailed()
            }
            let rows = try await database.query("SELECT message_id FROM outbox")
            #expect(try rows.map { try $0.decode(String.self, column: "message_id") } == [denied.id])
            #expect(try await database.query("SELECT action FROM local_trail").count == 1)
        }
    }

    @Test("the relay publishes audit rows into HXB_LOGS with the record id as message id, events still into HXB_EVENTS; without an audit publisher audit rows wait")
    func relayDeliversIntoTheLogsStream() async throws {
        try await OutboxRelayTests.withOutbox { pool, database in
            try await withPrivateNATS { connection, _ in
                let audit = Self.record()
                let event = try OutboxRelayTests.event("alongside")
                try await pool.transaction { connection in
                    try await AuditLog.record([audit], on: connection)
                    try await Outbox.enqueue([event], on: connection)
                }
                let events = try EventPublisher(connection: connection)
                let withoutAudit = OutboxRelay.events(pool: pool, logger: TestLogging.logger("relay"), publisher: events)
                #expect(try await withoutAudit.runOnce() == OutboxRelay.Pass(sent: 0, failed: 1), "no delivery for the audit kind")
                #expect(try await database.query("SELECT 1 FROM outbox WHERE sent_at IS NULL").count == 2)
                _ = try await database.query("UPDATE outbox SET next_attempt_at = now()")

                let relay = OutboxRelay.events(
                    pool: pool, logger: TestLogging.logger("relay"), publisher: events,
                    audit: try EventPublisher(connection: connection, stream: .logs)
                )
                #expect(try await relay.runOnce() == OutboxRelay.Pass(sent: 2, failed: 0))
                try await withLogStreamReader(connection: connection) { received in
                    let delivered = try await received.first("the audit record in HXB_LOGS") { $0.id == audit.id }
                    #expect(delivered == audit.logRecord)
                    #expect(received.messageIDs == [audit.id])
                }
                let jetStream = try JetStream(connection: connection)
                let again = try await jetStream.publish(NATSMessage(subject: AuditLog.subject, payload: []), messageID: audit.id)
                #expect(again.stream == "HXB_LOGS")
                #expect(again.duplicate, "a redelivered audit row is dropped by the stream")
            }
        }
    }
}
