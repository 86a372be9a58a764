import Logging
import ServiceKit
import ServiceStore

/// Where a request came from: for audit records, session rows and throttling.
struct RequestOrigin: Sendable {
    var requestID: String?
    var traceID: String?
    var sourceAddress: String?
    var userAgent: String?
    var logger: Logger

    init(requestID: String?, traceID: String? = nil, sourceAddress: String?, userAgent: String?, logger: Logger) {
        self.requestID = requestID
        self.traceID = traceID
        self.sourceAddress = sourceAddress.flatMap { $0.isEmpty ? nil : String($0.prefix(64)) }
        self.userAgent = userAgent.map { String($0.prefix(512)) }
        self.logger = logger
    }

    /// The origin of an RPC, from the headers the edge set.
    init(_ context: RequestContext) {
        self.init(
            requestID: context.requestID, traceID: context.trace.traceID, sourceAddress: context.headers[RPCHeader.clientAddress],
            userAgent: context.headers[RPCHeader.userAgent], logger: context.logger
        )
    }

    /// The origin of the service's own work (no request).
    static func service(logger: Logger) -> RequestOrigin {
        RequestOrigin(requestID: nil, sourceAddress: nil, userAgent: nil, logger: logger)
    }

    var signInOrigin: SignInOrigin { SignInOrigin(sourceAddress: sourceAddress, userAgent: userAgent) }
}

/// Writes audit records: each event into the service's own `audit_events` and, as an
/// ``AuditRecord``, into the outbox for the logging service, in one transaction. A failure to
/// write one is logged, never turned into a failed request.
struct AuditTrail: Sendable {
    let store: AuthStore

    func record(_ event: AuditEvent, _ origin: RequestOrigin) async {
        var event = event
        event.requestID = event.requestID ?? origin.requestID
        event.sourceAddress = event.sourceAddress ?? origin.sourceAddress
        await store.recordAudit(event, event.auditRecord(traceID: origin.traceID), logger: origin.logger)
    }
}

extension AuditEvent {
    /// The event as the logging service's audit record: the subject (e-mail, session or client
    /// id) in `details`, a `workspace_id` detail as the record's workspace.
    func auditRecord(traceID: String?) -> AuditRecord {
        var details = self.details
        if let subject { details["subject"] = subject }
        let workspaceID = details.removeValue(forKey: "workspace_id") ?? ""
        return AuditRecord(
            service: authServiceDescription.name, actorID: actorID ?? "", initiatedBy: initiatedBy, action: action,
            resource: resource, workspaceID: workspaceID, outcome: outcome == .success ? .success : .failure,
            sourceAddress: sourceAddress ?? "", requestID: requestID ?? "", traceID: traceID ?? "", details: details
        )
    }
}
