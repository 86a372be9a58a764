import Contracts
import Foundation
import ServiceKit
import ServiceStore

/// The RPC handlers of the logging service: decode, decide the caller's scope, call the store.
struct LoggingAPI: Sendable {
    let records: any LogStore
    let store: LoggingStore
    let access: TenantAccess
    let publisher: IngestPublisher
    let retention: RetentionBook
    let signal: AppendSignal
    let tokens: IngestionTokenCache
    let tailMaxWait: Duration

    var endpoints: [Endpoint] {
        [
            .unaryWithBody("Ingest", Hexabase_Logs_V1_IngestRequest.self, handler: ingest),
            .unary("IngestWorkload", Hexabase_Logs_V1_IngestWorkloadRequest.self, handler: ingestWorkload),
            .unary("QueryLogs", Hexabase_Logs_V1_QueryLogsRequest.self, handler: queryLogs),
            .unary("TailLogs", Hexabase_Logs_V1_TailLogsRequest.self, handler: tailLogs),
            .unary("CreateIngestionToken", Hexabase_Logs_V1_CreateIngestionTokenRequest.self, handler: createIngestionToken),
            .unary("ListIngestionTokens", Hexabase_Logs_V1_ListIngestionTokensRequest.self, handler: listIngestionTokens),
            .unary("RevokeIngestionToken", Hexabase_Logs_V1_RevokeIngestionTokenRequest.self, handler: revokeIngestionToken),
            .unary("GetRetention", Hexabase_Logs_V1_GetRetentionRequest.self, handler: getRetention),
            .unary("UpdateRetention", Hexabase_Logs_V1_UpdateRetentionRequest.self, handler: updateRetention),
        ]
    }

    /// The audit record of a change a user made through this service.
    func auditRecord(
        _ action: String, resource: String, userID: String, organizationID: String, workspaceID: String = "",
        details: [String: String] = [:], context: RequestContext
    ) -> AuditRecord {
        AuditRecord(
            service: "logging", actorID: userID, initiatedBy: .user, action: action, resource: resource,
            organizationID: organizationID, workspaceID: workspaceID, outcome: .success,
            sourceAddress: context.headers[RPCHeader.clientAddress] ?? "", requestID: context.requestID,
            traceID: context.trace.traceID, details: details
        )
    }
}
