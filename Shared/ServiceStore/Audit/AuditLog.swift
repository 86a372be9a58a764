import Contracts
import Logging
import ServiceKit
import Store

/// Writes ``AuditRecord``s durably, through the service's transactional outbox: an
/// ``OutboxRelay`` built with an audit publisher (``OutboxRelay/events(pool:logger:publisher:audit:otherKinds:)``)
/// delivers each one into JetStream's `HXB_LOGS` on ``subject``, with the record's id as
/// `Nats-Msg-Id`, as a `hexabase.logs.v1.IngestRequest` of that one record. The service's
/// `outbox` table must accept the kind ``OutboxItem/auditKind``.
public enum AuditLog {
    /// The JetStream subject of audit records (stream ``EventStream/logs``).
    public static let subject = EventStream.logsSubject(.audit)

    /// Writes `records` in the transaction of the change they record (`connection` is that
    /// transaction's): they exist exactly when the change committed. A failure throws, so the
    /// change rolls back with its records.
    public static func record(_ records: [AuditRecord], on connection: PostgresConnection) async throws {
        try await Outbox.enqueue(try records.map(OutboxItem.audit), on: connection)
    }

    /// Writes `record` in a transaction of its own, for events outside any change (a denied
    /// access, a failed login), together with whatever `alongside` writes on the same
    /// connection (a service's own copy of its trail). Never throws: a failure is logged with
    /// the record's summary, and the request it belongs to is answered as if it had worked.
    public static func record(
        _ record: AuditRecord, pool: PostgresPool, logger: Logger,
        alongside: nonisolated(nonsending) (PostgresConnection) async throws -> Void = { _ in }
    ) async {
        do {
            try await pool.transaction { connection in
                try await alongside(connection)
                try await Self.record([record], on: connection)
            }
        } catch {
            logger.error("could not record an audit record", metadata: [
                "audit_id": "\(record.id)", "audit": "\(record.message)", "error": "\(error)",
            ])
        }
    }
}

extension OutboxItem {
    /// The kind of an audit item (``audit(_:)``): delivered into `HXB_LOGS`.
    public static let auditKind = "audit"

    /// The outbox item of an audit record: an `IngestRequest` holding its log record, on
    /// ``AuditLog/subject``, with the record's id as message id.
    public static func audit(_ record: AuditRecord) throws -> OutboxItem {
        var request = Hexabase_Logs_V1_IngestRequest()
        request.records = [record.logRecord]
        return OutboxItem(kind: auditKind, topic: AuditLog.subject, payload: try request.serializedData(), messageID: record.id)
    }
}
