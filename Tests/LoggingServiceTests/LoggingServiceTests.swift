import Contracts
import Foundation
@testable import LoggingService
import ServiceKit
import SwiftProtobuf
import Testing
import TestSupport

@Suite("Logging service: ingest, scoping, tail, tokens, retention", .serialized)
struct LoggingServiceTests {
    /// Ingests records as a platform service (no token) and waits until `count` records of
    /// `tier` are visible to `token` through `build`'s query.
    private func ingest(_ stack: LoggingTestStack, _ records: [Hexabase_Logs_V1_LogRecord]) async throws -> Hexabase_Logs_V1_IngestResponse {
        var request = Hexabase_Logs_V1_IngestRequest()
        request.records = records
        return try await stack.logs("Ingest", request, as: Hexabase_Logs_V1_IngestResponse.self, token: nil)
    }

    private func eventually(
        _ stack: LoggingTestStack, _ tier: Hexabase_Logs_V1_Tier, count: Int, token: String,
        _ build: @escaping (inout Hexabase_Logs_V1_QueryLogsRequest) -> Void = { _ in }
    ) async throws -> [Hexabase_Logs_V1_LogRecord] {
        var found: [Hexabase_Logs_V1_LogRecord] = []
        try await waitUntil("\(count) \(tier) records", interval: .milliseconds(50)) {
            found = try await stack.query(tier, token: token, build)
            return found.count >= count
        }
        return found
    }

    @Test("records from several services arrive; system logs are for platform operators only")
    func systemLogs() async throws {
        try await LoggingTestStack.with { stack in
            let alice = try await stack.user("alice")
            var records: [Hexabase_Logs_V1_LogRecord] = []
            for service in ["auth", "workspace", "functions"] {
                for index in 0..<4 {
                    var record = LogFixtures.record("\(service) handled request \(index)", tier: .system, level: index == 3 ? "error" : "info", service: service)
                    record.requestID = "req-\(service)-\(index)"
                    records.append(record)
                }
            }
            let answer = try await ingest(stack, records)
            #expect(answer.accepted == 12)
            let all = try await eventually(stack, .system, count: 12, token: stack.admin.token) { $0.pageSize = 1000 }
            #expect(Set(all.map(\.service)).isSuperset(of: ["auth", "workspace", "functions"]))
            let errors = try await stack.query(.system, token: stack.admin.token) { $0.level = "error"; $0.service = "functions" }
            #expect(errors.map(\.message) == ["functions handled request 3"])
            let byRequest = try await stack.query(.system, token: stack.admin.token) { $0.requestID = "req-auth-2" }
            #expect(byRequest.map(\.message) == ["auth handled request 2"])
            await expectError(.permissionDenied, "a tenant reads system logs") { try await stack.query(.system, token: alice.token) }
            await expectError(.invalidArgument, "system logs with a tenant scope") {
                try await stack.query(.system, token: stack.admin.token) { $0.organizationID = alice.personal }
            }
            // A user's token cannot ingest.
            var request = Hexabase_Logs_V1_IngestRequest()
            request.records = [LogFixtures.record("forged", tier: .audit, organization: alice.personal)]
            await expectError(.permissionDenied, "a user ingests") { try await stack.logs("Ingest", request, as: Hexabase_Logs_V1_IngestResponse.self, token: alice.token) }
            // Workload records do not come through Ingest.
            let workload = try await ingest(stack, [LogFixtures.record("sneaky", tier: .workload, workspace: "ws-x")])
            #expect(workload.accepted == 0 && workload.rejected == 1)
        }
    }

    @Test("a request stored as sent and one that needed normalizing end up alike; a resent body is stored once")
    func ingestAsSentAndNormalized() async throws {
        try await LoggingTestStack.with { stack in
            // Every record complete and of one tier: the body goes into the stream as it came.
            let asSent = (0..<3).map { LogFixtures.record("as sent \($0)", tier: .system, service: "as-sent") }
            #expect(try await ingest(stack, asSent).accepted == 3)
            #expect(try await ingest(stack, asSent).accepted == 3, "a retry after a lost answer")
            // No tier, no id, a NUL, two tiers: encoded again after normalizing.
            var untiered = LogFixtures.record("needs\0work", tier: .unspecified, service: "normalized")
            untiered.id = ""
            let audit = LogFixtures.record("audit one", tier: .audit, service: "normalized")
            #expect(try await ingest(stack, [untiered, audit]).accepted == 2)

            // Each query names its service: other services' records arrive in the same tiers.
            let stored = try await eventually(stack, .system, count: 3, token: stack.admin.token) { $0.service = "as-sent"; $0.pageSize = 100 }
            #expect(Set(stored.map(\.id)) == Set(asSent.map(\.id)), "ids kept")
            let normalized = try #require(try await eventually(stack, .system, count: 1, token: stack.admin.token) { $0.service = "normalized" }.first)
            #expect(normalized.message == "needswork")
            #expect(normalized.id.hasPrefix("log-"))
            let audits = try await eventually(stack, .audit, count: 1, token: stack.admin.token) { $0.service = "normalized" }
            // The resent body was not stored again (its batch is already committed, so a second copy would show by now).
            #expect(try await stack.query(.system, token: stack.admin.token) { $0.service = "as-sent"; $0.pageSize = 100 }.count == 3)
            #expect(audits.map(\.message).contains("audit one"))
        }
    }

    @Test("audit and workload scoping: other organizations and workspaces see nothing, no parameter widens it")
    func scopingMatrix() async throws {
        try await LoggingTestStack.with { stack in
            let owner = try await stack.user("owner")
            let outsider = try await stack.user("outsider")
            let (ws, prj) = try await stack.workspace(in: owner.personal, token: owner.token)
            let (otherWS, otherPrj) = try await stack.workspace(in: outsider.personal, token: outsider.token, name: "other")

            _ = try await ingest(stack, [
                LogFixtures.record("org audit", tier: .audit, organization: owner.personal, service: "fixture", action: "organization.update", actor: owner.id, outcome: "success"),
                LogFixtures.record("ws audit", tier: .audit, organization: owner.personal, workspace: ws, service: "fixture", action: "workspace.update", actor: owner.id, outcome: "success"),
                LogFixtures.record("other audit", tier: .audit, organization: outsider.personal, workspace: otherWS, service: "fixture", action: "workspace.update", actor: outsider.id, outcome: "success"),
            ])
            let orgAudit = try await eventually(stack, .audit, count: 2, token: owner.token) { $0.organizationID = owner.personal; $0.service = "fixture" }
            #expect(Set(orgAudit.map(\.message)) == ["org audit", "ws audit"])
            let wsAudit = try await eventually(stack, .audit, count: 1, token: owner.token) { $0.workspaceID = ws; $0.service = "fixture" }
            #expect(wsAudit.map(\.message) == ["ws audit"])
            let filtered = try await stack.query(.audit, token: owner.token) { $0.organizationID = owner.personal; $0.action = "organization.update"; $0.actorID = owner.id; $0.outcome = "success" }
            #expect(filtered.map(\.message) == ["org audit"])

            // The workspace service's own audit records arrived too (through its outbox).
            let created = try await eventually(stack, .audit, count: 1, token: owner.token) { $0.workspaceID = ws; $0.action = "workspace.create" }
            #expect(created.first?.actorID == owner.id && created.first?.service == "workspace" && created.first?.organizationID == owner.personal)
            let outsiderCreated = try await stack.query(.audit, token: owner.token) { $0.organizationID = owner.personal; $0.action = "workspace.create" }
            #expect(outsiderCreated.allSatisfy { $0.workspaceID != otherWS })

            // Workload records through an ingestion token of owner's workspace; one line claims
            // the outsider's project.
            var create = Hexabase_Logs_V1_CreateIngestionTokenRequest()
            create.workspaceID = ws
            create.name = "vector"
            let token = try await stack.logs("CreateIngestionToken", create, as: Hexabase_Logs_V1_CreateIngestionTokenResponse.self, token: owner.token)
            #expect(token.secret.hasPrefix("hxi_"))
            var lines = Hexabase_Logs_V1_IngestWorkloadRequest()
            lines.token = token.secret
            lines.body = Data("""
                {"message":"app started","timestamp":"2026-11-21T10:00:00.123Z","level":"INFO","kubernetes":{"pod_namespace":"app","pod_name":"web-1","container_name":"web","namespace_labels":{"hexabase.ai/project":"\(prj)"}}}
                {"log":"claims another tenant","time":1795300000.5,"kubernetes":{"namespace_name":"evil","pod_name":"x","container_name":"x","namespace_labels":{"hexabase.ai/project":"\(otherPrj)"}}}
                not json
                """.utf8)
            let ingested = try await stack.logs("IngestWorkload", lines, as: Hexabase_Logs_V1_IngestResponse.self, token: nil)
            #expect(ingested.accepted == 2)
            #expect(ingested.rejected == 1)
            // The shipper resends the same body (its answer was lost): stored once.
            let resent = try await stack.logs("IngestWorkload", lines, as: Hexabase_Logs_V1_IngestResponse.self, token: nil)
            #expect(resent.accepted == 2)
            let workload = try await eventually(stack, .workload, count: 2, token: owner.token) { $0.workspaceID = ws }
            #expect(Set(workload.map(\.message)) == ["app started", "claims another tenant"])
            #expect(workload.allSatisfy { $0.workspaceID == ws && $0.organizationID == owner.personal })
            let started = try #require(workload.first { $0.message == "app started" })
            #expect(started.service == "web" && started.resource == "app/web-1" && started.projectID == prj)
            let projectLogs = try await stack.query(.workload, token: owner.token) { $0.workspaceID = ws; $0.projectID = prj }
            #expect(projectLogs.map(\.message) == ["app started"])

            // The outsider: nothing of owner's, through any parameter.
            await expectError(.notFound, "outsider, org audit") { try await stack.query(.audit, token: outsider.token) { $0.organizationID = owner.personal } }
            await expectError(.notFound, "outsider, ws audit") { try await stack.query(.audit, token: outsider.token) { $0.workspaceID = ws } }
            await expectError(.notFound, "outsider, workload") { try await stack.query(.workload, token: outsider.token) { $0.workspaceID = ws } }
            await expectError(.notFound, "outsider, project") { try await stack.query(.workload, token: outsider.token) { $0.projectID = prj } }
            await expectError(.notFound, "outsider, own workspace + owner's project") {
                try await stack.query(.workload, token: outsider.token) { $0.workspaceID = otherWS; $0.projectID = prj }
            }
            await expectError(.invalidArgument, "org and workspace at once") {
                try await stack.query(.audit, token: outsider.token) { $0.organizationID = outsider.personal; $0.workspaceID = ws }
            }
            await expectError(.permissionDenied, "outsider, platform audit") { try await stack.query(.audit, token: outsider.token) }
            // The outsider's own project: the line that claimed it went to owner's workspace,
            // so the outsider sees none of it.
            let outsiderProject = try await stack.query(.workload, token: outsider.token) { $0.projectID = otherPrj }
            #expect(outsiderProject.isEmpty)
            let outsiderAudit = try await stack.query(.audit, token: outsider.token) { $0.organizationID = outsider.personal }
            #expect(outsiderAudit.allSatisfy { $0.organizationID == outsider.personal })
            // Token management is for workspace admins; the creation was audited.
            var list = Hexabase_Logs_V1_ListIngestionTokensRequest()
            list.workspaceID = ws
            let listed = try await stack.logs("ListIngestionTokens", list, as: Hexabase_Logs_V1_ListIngestionTokensResponse.self, token: owner.token)
            #expect(listed.tokens.map(\.id) == [token.token.id])
            await expectError(.notFound, "outsider lists tokens") { try await stack.logs("ListIngestionTokens", list, as: Hexabase_Logs_V1_ListIngestionTokensResponse.self, token: outsider.token) }
            let tokenAudit = try await eventually(stack, .audit, count: 1, token: owner.token) { $0.workspaceID = ws; $0.action = "logs.ingestion_token.create" }
            #expect(tokenAudit.first?.actorID == owner.id)
            // Revoked: refused.
            var revoke = Hexabase_Logs_V1_RevokeIngestionTokenRequest()
            revoke.workspaceID = ws
            revoke.tokenID = token.token.id
            let revoked = try await stack.logs("RevokeIngestionToken", revoke, as: Hexabase_Logs_V1_IngestionToken.self, token: owner.token)
            #expect(revoked.hasRevokeTime)
            await expectError(.unauthenticated, "a revoked token") { try await stack.logs("IngestWorkload", lines, as: Hexabase_Logs_V1_IngestResponse.self, token: nil) }
        }
    }

    @Test("hostile filter values get results or a 400, never a 500 or a wider result")
    func hostileFilters() async throws {
        try await LoggingTestStack.with { stack in
            let owner = try await stack.user("owner")
            let outsider = try await stack.user("outsider")
            _ = try await ingest(stack, [
                LogFixtures.record("mine", tier: .audit, organization: owner.personal, action: "a"),
                LogFixtures.record("theirs", tier: .audit, organization: outsider.personal, action: "a"),
            ])
            _ = try await eventually(stack, .audit, count: 1, token: owner.token) { $0.organizationID = owner.personal }
            let values = [
                "' OR '1'='1", "\(outsider.personal)' OR organization_id <> '", "'; DROP TABLE logs_audit; --", "\\\\'", "%", "a:*", "!(",
                String(repeating: "é", count: 100), "💥\u{202E}", "$1", "{x:String}", "null",
            ]
            for value in values {
                for field in ["text", "action", "service", "actor_id", "outcome", "resource", "request_id"] {
                    do {
                        let found = try await stack.query(.audit, token: owner.token) { request in
                            request.organizationID = owner.personal
                            switch field {
                            case "text": request.text = value
                            case "action": request.action = value
                            case "service": request.service = value
                            case "actor_id": request.actorID = value
                            case "outcome": request.outcome = value
                            case "resource": request.resource = value
                            default: request.requestID = value
                            }
                        }
                        #expect(!found.contains { $0.message == "theirs" }, "\(field)=\(value) widened the result")
                    } catch let error as ServiceError {
                        #expect(error.code == .invalidArgument, "\(field)=\(value): \(error)")
                    }
                }
                await expectError(.invalidArgument, "organization_id=\(value)") {
                    try await stack.query(.audit, token: owner.token) { $0.organizationID = value }
                }
            }
            await expectError(.invalidArgument, "huge text") { try await stack.query(.audit, token: owner.token) { $0.organizationID = owner.personal; $0.text = String(repeating: "x", count: 100_000) } }
            await expectError(.invalidArgument, "NUL") { try await stack.query(.audit, token: owner.token) { $0.organizationID = owner.personal; $0.action = "a\u{0}b" } }
            await expectError(.invalidArgument, "unknown level") { try await stack.query(.audit, token: owner.token) { $0.organizationID = owner.personal; $0.level = "loud" } }
            await expectError(.invalidArgument, "bad page token") { try await stack.query(.audit, token: owner.token) { $0.organizationID = owner.personal; $0.pageToken = "' OR 1=1" } }
            await expectError(.invalidArgument, "a time before 1970") {
                try await stack.query(.audit, token: owner.token) { $0.organizationID = owner.personal; $0.since.seconds = .min }
            }
            await expectError(.invalidArgument, "a page token from far away") {
                try await stack.query(.audit, token: owner.token) { $0.organizationID = owner.personal; $0.pageToken = LoggingAPI.pageTokenText("v1.999999999999999999.1") }
            }
            await expectError(.invalidArgument, "empty time range") {
                try await stack.query(.audit, token: owner.token) { $0.organizationID = owner.personal; $0.since = .init(date: Date()); $0.until = .init(date: Date().addingTimeInterval(-60)) }
            }
            // Invalid UTF-8 in a string field: the protobuf body does not decode.
            var bytes: [UInt8] = try { var r = Hexabase_Logs_V1_QueryLogsRequest(); r.tier = .audit; r.text = "AAAA"; return try r.serializedBytes() }()
            if let index = bytes.firstIndex(of: UInt8(ascii: "A")) { bytes[index] = 0xFF }
            do {
                _ = try await stack.rpc.callRaw("hxb.logs.v1.QueryLogs", payload: bytes, metadata: .bearer(owner.token))
                Issue.record("invalid UTF-8 was accepted")
            } catch let error as ServiceError {
                #expect(error.code == .invalidArgument)
            }
        }
    }

    @Test("a live tail waits for new records and resumes from its cursor; paging walks every record")
    func tailAndPaging() async throws {
        try await LoggingTestStack.with { stack in
            let owner = try await stack.user("owner")
            func tail(after: Int64, wait: Int32) async throws -> Hexabase_Logs_V1_TailLogsResponse {
                var request = Hexabase_Logs_V1_TailLogsRequest()
                request.query.tier = .audit
                request.query.organizationID = owner.personal
                request.query.service = "fixture"
                request.afterSequence = after
                request.waitMs = wait
                return try await stack.logs("TailLogs", request, as: Hexabase_Logs_V1_TailLogsResponse.self, token: owner.token)
            }
            let start = try await tail(after: 0, wait: 0)
            #expect(start.records.isEmpty)
            async let waiting = tail(after: start.cursor, wait: 5000)
            try await Task.sleep(for: .milliseconds(200))
            _ = try await ingest(stack, (0..<3).map { LogFixtures.record("live \($0)", tier: .audit, organization: owner.personal, service: "fixture") })
            let got = try await waiting
            #expect(!got.records.isEmpty)
            var seen = got.records.map(\.message)
            var cursor = got.cursor
            while seen.count < 3 {
                let next = try await tail(after: cursor, wait: 2000)
                seen += next.records.map(\.message)
                cursor = next.cursor
            }
            #expect(seen == ["live 0", "live 1", "live 2"])
            let quiet = try await tail(after: cursor, wait: 0)
            #expect(quiet.records.isEmpty && quiet.cursor >= cursor)

            _ = try await ingest(stack, (0..<25).map { LogFixtures.record("page \($0)", tier: .audit, organization: owner.personal, action: "paged") })
            _ = try await eventually(stack, .audit, count: 25, token: owner.token) { $0.organizationID = owner.personal; $0.action = "paged"; $0.pageSize = 1000 }
            var pageToken = ""
            var messages: [String] = []
            repeat {
                var request = Hexabase_Logs_V1_QueryLogsRequest()
                request.tier = .audit
                request.organizationID = owner.personal
                request.action = "paged"
                request.pageSize = 10
                request.pageToken = pageToken
                let page = try await stack.logs("QueryLogs", request, as: Hexabase_Logs_V1_QueryLogsResponse.self, token: owner.token)
                messages += page.records.map(\.message)
                pageToken = page.nextPageToken
            } while !pageToken.isEmpty
            #expect(messages.count == 25 && Set(messages).count == 25)
        }
    }

    @Test("retention: members read it, admins change it within the limits, and the change is audited")
    func retention() async throws {
        try await LoggingTestStack.with { stack in
            let owner = try await stack.user("owner")
            let outsider = try await stack.user("outsider")
            var get = Hexabase_Logs_V1_GetRetentionRequest()
            get.organizationID = owner.personal
            let defaults = try await stack.logs("GetRetention", get, as: Hexabase_Logs_V1_Retention.self, token: owner.token)
            #expect(defaults.auditDays == 365 && defaults.workloadDays == 30)
            await expectError(.notFound, "outsider reads") { try await stack.logs("GetRetention", get, as: Hexabase_Logs_V1_Retention.self, token: outsider.token) }
            var update = Hexabase_Logs_V1_UpdateRetentionRequest()
            update.organizationID = owner.personal
            update.workloadDays = 7
            let changed = try await stack.logs("UpdateRetention", update, as: Hexabase_Logs_V1_Retention.self, token: owner.token)
            #expect(changed.workloadDays == 7 && changed.auditDays == 365)
            update.auditDays = 5
            await expectError(.unprocessableEntity, "below the audit minimum") { try await stack.logs("UpdateRetention", update, as: Hexabase_Logs_V1_Retention.self, token: owner.token) }
            await expectError(.notFound, "outsider changes") { try await stack.logs("UpdateRetention", update, as: Hexabase_Logs_V1_Retention.self, token: outsider.token) }
            let audit = try await eventually(stack, .audit, count: 1, token: owner.token) { $0.organizationID = owner.personal; $0.action = "logs.retention.update" }
            #expect(audit.first?.attributes["workload_days"] == "7")
        }
    }
}
