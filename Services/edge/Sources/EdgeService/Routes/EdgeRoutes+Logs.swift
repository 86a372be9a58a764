import Contracts
import Foundation
import Hummingbird
import SwiftProtobuf

extension EdgeRoutes {
    /// The logging service's routes (ADR-32 name `logs`, subjects `hxb.logs.v1.*`). Reading
    /// forwards the caller's bearer token and the scope of the path; the service decides what the
    /// caller may read (404 for what it may not). Each log is a query, an NDJSON export and an
    /// SSE tail; the tier is fixed by the route.
    public static let logs: [RESTRoute] = LogSource.all.flatMap(\.routes) + [
        // Workload logs from tenant clusters' shippers, with a workspace's ingestion token
        logsIngest,
        // Ingestion tokens (workspace admins)
        logsRPC(.post, "/api/v1/workspaces/{workspace_id}/ingestion-tokens", "CreateIngestionToken",
                Hexabase_Logs_V1_CreateIngestionTokenRequest.self, Hexabase_Logs_V1_CreateIngestionTokenResponse.self, .created),
        logsRPC(.get, "/api/v1/workspaces/{workspace_id}/ingestion-tokens", "ListIngestionTokens",
                Hexabase_Logs_V1_ListIngestionTokensRequest.self, Hexabase_Logs_V1_ListIngestionTokensResponse.self),
        logsRPC(.delete, "/api/v1/workspaces/{workspace_id}/ingestion-tokens/{token_id}", "RevokeIngestionToken",
                Hexabase_Logs_V1_RevokeIngestionTokenRequest.self, Hexabase_Logs_V1_IngestionToken.self),
        // Retention (organization admins; members may read it)
        logsRPC(.get, "/api/v1/organizations/{organization_id}/log-retention", "GetRetention",
                Hexabase_Logs_V1_GetRetentionRequest.self, Hexabase_Logs_V1_Retention.self),
        logsRPC(.patch, "/api/v1/organizations/{organization_id}/log-retention", "UpdateRetention",
                Hexabase_Logs_V1_UpdateRetentionRequest.self, Hexabase_Logs_V1_Retention.self),
    ]

    /// The largest ingestion body, before and after `Content-Encoding: gzip` is undone (the
    /// contract's limit for `IngestWorkloadRequest.body`, under NATS's 1 MiB payload).
    public static let ingestMaxBytes = 900 * 1024

    /// `POST /api/v1/logs/ingest`: the shipper's body, as it is, and its ingestion token go to
    /// `IngestWorkload`; the reply says how many lines were accepted.
    static let logsIngest = RESTRoute.custom(
        .post, "/api/v1/logs/ingest", subject: "hxb.logs.v1.IngestWorkload", request: Hexabase_Logs_V1_IngestWorkloadRequest.self,
        authentication: .ingestionToken, bodyFormat: .opaque(maxBytes: ingestMaxBytes)
    ) { _, input, rpc in
        var request = Hexabase_Logs_V1_IngestWorkloadRequest()
        request.token = input.credential ?? ""
        request.body = Data(input.body)
        return try .json(try await rpc.call("hxb.logs.v1.IngestWorkload", request, as: Hexabase_Logs_V1_IngestResponse.self))
    }

    /// `hxb.logs.v1.<name>` behind a bearer token.
    private static func logsRPC<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: HTTPRequest.Method, _ path: String, _ name: String, _ request: Request.Type, _ response: Response.Type,
        _ successStatus: HTTPResponse.Status = .ok
    ) -> RESTRoute {
        .rpc(method, path, subject: "hxb.logs.v1.\(name)", request: request, response: response,
             authentication: .bearer, successStatus: successStatus)
    }
}

/// A log a caller can read: one tier in one scope, at `path` (a `QueryLogs` page), with
/// `path/export` (``LogExport``) and `path/tail` (``LogTail``).
struct LogSource: Sendable {
    let path: String
    /// The tier, fixed: no query parameter changes it.
    let tier: Hexabase_Logs_V1_Tier
    /// The scope fields of `QueryLogsRequest` that the path does not set and nobody may: fixed
    /// empty (a platform-wide route names no organization; a workspace route no organization).
    let unscoped: [String]

    static let all: [LogSource] = [
        LogSource(path: "/api/v1/logs/system", tier: .system, unscoped: ["organization_id", "workspace_id", "project_id"]),
        LogSource(path: "/api/v1/logs/audit", tier: .audit, unscoped: ["organization_id", "workspace_id", "project_id"]),
        LogSource(path: "/api/v1/organizations/{organization_id}/audit-logs", tier: .audit, unscoped: ["workspace_id", "project_id"]),
        LogSource(path: "/api/v1/workspaces/{workspace_id}/audit-logs", tier: .audit, unscoped: ["organization_id", "project_id"]),
        // `?project_id=` narrows it to one project.
        LogSource(path: "/api/v1/workspaces/{workspace_id}/logs", tier: .workload, unscoped: ["organization_id"]),
        LogSource(path: "/api/v1/workspaces/{workspace_id}/projects/{project_id}/logs", tier: .workload, unscoped: ["organization_id"]),
    ]

    static let querySubject = "hxb.logs.v1.QueryLogs"

    /// The fields the route sets: the tier and the empty scope fields.
    var fixed: [String: String] {
        var fields = ["tier": tierName]
        for name in unscoped { fields[name] = "" }
        return fields
    }

    /// The tier's proto enum name, as a path parameter would give it.
    var tierName: String {
        switch tier {
        case .system: "TIER_SYSTEM"
        case .audit: "TIER_AUDIT"
        case .workload: "TIER_WORKLOAD"
        case .unspecified, .UNRECOGNIZED: "TIER_UNSPECIFIED"
        }
    }

    var routes: [RESTRoute] {
        [
            .rpc(.get, path, subject: Self.querySubject, request: Hexabase_Logs_V1_QueryLogsRequest.self,
                 response: Hexabase_Logs_V1_QueryLogsResponse.self, authentication: .bearer, fixed: fixed),
            LogExport.route(self),
            LogTail.route(self),
        ]
    }
}
