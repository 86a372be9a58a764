import AuthKit
import Contracts
import Foundation
import ServiceKit

extension LoggingAPI {
    static let defaultPageSize = 100
    static let maxPageSize = 1000
    static let maxFilterLength = 256
    static let maxTextLength = 512
    static let defaultTailLimit = 100
    static let maxTailLimit = 500

    @Sendable func queryLogs(_ request: Hexabase_Logs_V1_QueryLogsRequest, context: RequestContext) async throws -> Hexabase_Logs_V1_QueryLogsResponse {
        var query = try await scopedQuery(request, context: context)
        let size = request.pageSize <= 0 ? Self.defaultPageSize : min(Int(request.pageSize), Self.maxPageSize)
        query.limit = size + 1
        if !request.pageToken.isEmpty { query.before = try Self.cursor(request.pageToken) }
        var found = try await records.query(query)
        var response = Hexabase_Logs_V1_QueryLogsResponse()
        if found.count > size {
            found.removeLast(found.count - size)
            if let last = found.last { response.nextPageToken = Self.pageToken(last) }
        }
        response.records = found
        return response
    }

    /// Records stored after a sequence, waiting up to `wait_ms` for the first. Access is
    /// checked on every call, so a tail stops at the next call once access is gone.
    @Sendable func tailLogs(_ request: Hexabase_Logs_V1_TailLogsRequest, context: RequestContext) async throws -> Hexabase_Logs_V1_TailLogsResponse {
        let query = try await scopedQuery(request.query, context: context)
        guard request.afterSequence >= 0 else { throw ServiceError.invalidField("after_sequence", "must not be negative") }
        let limit = request.limit <= 0 ? Self.defaultTailLimit : min(Int(request.limit), Self.maxTailLimit)
        let wait = min(Duration.milliseconds(max(Int(request.waitMs), 0)), tailMaxWait)
        var after = request.afterSequence
        if after == 0 { after = try await records.end(of: query.tier) }
        let deadline = ContinuousClock.now + wait
        while true {
            let generation = signal.generation
            let page = try await records.tail(query, after: after, limit: limit)
            let remaining = deadline - .now
            if !page.records.isEmpty || remaining <= .zero || Task.isCancelled {
                var response = Hexabase_Logs_V1_TailLogsResponse()
                response.records = page.records
                response.cursor = page.cursor
                return response
            }
            after = page.cursor
            // Rings from other replicas may be lost: read again at least every second.
            await signal.wait(after: generation, upTo: min(remaining, .seconds(1)))
        }
    }

    /// The query a caller may run: its scope decided from the verified identity, its filters
    /// checked. Anything the caller may not read is a 404 (403 for the platform-wide tiers).
    func scopedQuery(_ request: Hexabase_Logs_V1_QueryLogsRequest, context: RequestContext) async throws -> LogQuery {
        let userID = try await context.userIdentity().subject
        let organization = request.organizationID
        let workspace = request.workspaceID
        let project = request.projectID
        let scope: LogScope
        switch request.tier {
        case .system:
            guard organization.isEmpty, workspace.isEmpty, project.isEmpty else {
                throw ServiceError.invalidField("tier", "system logs belong to the platform, not to an organization, workspace or project")
            }
            try await requirePlatformAdmin(userID, context: context)
            scope = .platform
        case .audit:
            guard project.isEmpty else { throw ServiceError.invalidField("project_id", "audit logs are read per organization or workspace") }
            switch (organization.isEmpty, workspace.isEmpty) {
            case (true, true):
                try await requirePlatformAdmin(userID, context: context)
                scope = .platform
            case (false, true):
                let id = try PrefixedID.required(organization, "organization_id", prefix: "org")
                _ = try await access.require("organization.audit.read", on: "organizations/\(id)", userID: userID, context: context)
                scope = .organization(id)
            case (true, false):
                let id = try PrefixedID.required(workspace, "workspace_id", prefix: "ws")
                _ = try await access.require("logs.read", on: "workspaces/\(id)", userID: userID, context: context)
                scope = .workspace(id)
            case (false, false):
                throw ServiceError.invalidField("organization_id", "give an organization or a workspace, not both")
            }
        case .workload:
            guard organization.isEmpty else { throw ServiceError.invalidField("organization_id", "workload logs are read per workspace or project") }
            if !project.isEmpty {
                let projectID = try PrefixedID.required(project, "project_id", prefix: "prj")
                if !workspace.isEmpty { _ = try PrefixedID.required(workspace, "workspace_id", prefix: "ws") }
                let grant = try await access.require("project.read", on: "projects/\(projectID)", userID: userID, context: context)
                guard workspace.isEmpty || workspace == grant.workspaceID else {
                    throw ServiceError(.notFound, "No such project.")
                }
                scope = .project(workspace: grant.workspaceID, project: projectID)
            } else {
                let id = try PrefixedID.required(workspace, "workspace_id", prefix: "ws")
                _ = try await access.require("logs.read", on: "workspaces/\(id)", userID: userID, context: context)
                scope = .workspace(id)
            }
        default:
            throw ServiceError.invalidField("tier", "must be TIER_SYSTEM, TIER_AUDIT or TIER_WORKLOAD")
        }
        return try Self.filters(request, tier: request.tier, scope: scope)
    }

    private func requirePlatformAdmin(_ userID: String, context: RequestContext) async throws {
        guard try await access.isPlatformAdmin(userID, context: context) else {
            throw ServiceError(.permissionDenied, "Only platform operators read platform-wide logs.")
        }
    }

    /// The request's filters, checked: each a value to bind; NUL characters, overlong values,
    /// unknown levels and an empty time range are 400s.
    static func filters(_ request: Hexabase_Logs_V1_QueryLogsRequest, tier: Hexabase_Logs_V1_Tier, scope: LogScope) throws -> LogQuery {
        func filter(_ value: String, _ field: String, limit: Int = maxFilterLength) throws -> String? {
            guard !value.isEmpty else { return nil }
            guard value.utf8.count <= limit else { throw ServiceError.invalidField(field, "is longer than \(limit) bytes") }
            guard !value.utf8.contains(0) else { throw ServiceError.invalidField(field, "must not contain NUL characters") }
            return value
        }
        var query = LogQuery(tier: tier, scope: scope)
        for (field, present, value) in [("since", request.hasSince, request.since), ("until", request.hasUntil, request.until)] where present {
            guard Timestamps.isValid(value) else { throw ServiceError.invalidField(field, "must be between 1970 and 9999") }
        }
        if request.hasSince { query.since = request.since.date }
        if request.hasUntil { query.until = request.until.date }
        if let since = query.since, let until = query.until, since >= until {
            throw ServiceError.invalidField("until", "must be after since")
        }
        if let level = try filter(request.level, "level") {
            guard let parsed = LogLevel(lenient: level) else {
                throw ServiceError.invalidField("level", "must be one of \(LogLevel.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.minimumLevel = parsed
        }
        query.service = try filter(request.service, "service")
        query.resource = try filter(request.resource, "resource")
        query.actorID = try filter(request.actorID, "actor_id")
        query.action = try filter(request.action, "action")
        query.outcome = try filter(request.outcome, "outcome")
        query.requestID = try filter(request.requestID, "request_id")
        query.text = try filter(request.text.trimmingCharacters(in: .whitespacesAndNewlines), "text", limit: maxTextLength)
        return query
    }

    /// `v1.<time in µs>.<sequence>`, base64url.
    static func pageToken(_ record: Hexabase_Logs_V1_LogRecord) -> String {
        pageTokenText("v1.\(Timestamps.microseconds(record.time)).\(record.sequence)")
    }

    static func pageTokenText(_ text: String) -> String {
        Base64URL.encode(Array(text.utf8))
    }

    static func cursor(_ token: String) throws -> LogCursor {
        guard token.utf8.count <= 100, let data = Base64URL.decode(token) else {
            throw ServiceError.invalidField("page_token", "is not a page token of this query")
        }
        let parts = String(decoding: data, as: UTF8.self).split(separator: ".")
        guard parts.count == 3, parts[0] == "v1", let micros = Int64(parts[1]), let sequence = Int64(parts[2]), sequence >= 0,
              Timestamps.validSeconds.contains(micros / 1_000_000), micros >= 0 else {
            throw ServiceError.invalidField("page_token", "is not a page token of this query")
        }
        return LogCursor(time: Timestamps.date(microseconds: micros), sequence: sequence)
    }
}
