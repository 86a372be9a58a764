import Logging
import ServiceKit

/// Where a request came from: for audit records, session rows and throttling.
struct RequestOrigin: Sendable {
    var requestID: String?
    var sourceAddress: String?
    var userAgent: String?
    var logger: Logger

    init(requestID: String?, sourceAddress: String?, userAgent: String?, logger: Logger) {
        self.requestID = requestID
        self.sourceAddress = sourceAddress.flatMap { $0.isEmpty ? nil : String($0.prefix(64)) }
        self.userAgent = userAgent.map { String($0.prefix(512)) }
        self.logger = logger
    }

    /// The origin of an RPC, from the headers the edge set.
    init(_ context: RequestContext) {
        self.init(
            requestID: context.requestID, sourceAddress: context.headers[RPCHeader.clientAddress],
            userAgent: context.headers[RPCHeader.userAgent], logger: context.logger
        )
    }

    var signInOrigin: SignInOrigin { SignInOrigin(sourceAddress: sourceAddress, userAgent: userAgent) }
}

/// Writes audit records. A failure to write one is logged, never turned into a failed request.
struct AuditTrail: Sendable {
    let store: AuthStore

    func record(_ event: AuditEvent, _ origin: RequestOrigin) async {
        var event = event
        event.requestID = event.requestID ?? origin.requestID
        event.sourceAddress = event.sourceAddress ?? origin.sourceAddress
        do {
            try await store.recordAudit(event)
        } catch {
            origin.logger.error("could not record an audit event", metadata: ["action": "\(event.action)", "error": "\(error)"])
        }
    }
}
