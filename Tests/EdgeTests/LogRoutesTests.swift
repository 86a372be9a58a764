import Contracts
@testable import EdgeService
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ServiceKit
import Synchronization
import Testing
import TestSupport

/// The logging routes through the edge's real responder, against a stand-in logging service on
/// a private nats-server (``LogsStandIn``): the RPC behind each route, its fixed tier, the
/// NDJSON export, the SSE tail and workload ingestion.
@Suite("Log routes through the edge", .serialized)
struct LogRoutesTests {
    /// Runs `body` with the edge in front of a fresh stand-in logging service.
    func withEdge(
        tail: @escaping LogsStandIn.Tail = { _, _, _ in Hexabase_Logs_V1_TailLogsResponse() },
        _ body: @escaping @Sendable (any TestClientProtocol, String, LogsCalls) async throws -> Void
    ) async throws {
        let calls = LogsCalls()
        try await EdgeHarness.run(standIn: { LogsStandIn.make(nats: $0, calls: calls, tail: tail) }) { http, bearer in
            try await body(http, bearer, calls)
        }
    }

    /// Each log path with the tier and the scope the service must receive.
    static let logPaths: [(path: String, tier: Hexabase_Logs_V1_Tier, organization: String, workspace: String, project: String)] = [
        ("/api/v1/logs/system", .system, "", "", ""),
        ("/api/v1/logs/audit", .audit, "", "", ""),
        ("/api/v1/organizations/org-1/audit-logs", .audit, "org-1", "", ""),
        ("/api/v1/workspaces/ws-1/audit-logs", .audit, "", "ws-1", ""),
        ("/api/v1/workspaces/ws-1/logs", .workload, "", "ws-1", ""),
        ("/api/v1/workspaces/ws-1/projects/prj-1/logs", .workload, "", "ws-1", "prj-1"),
    ]

    @Test("each log route calls QueryLogs with its tier and scope and the caller's token; no parameter changes the tier or widens the scope")
    func queryRoutesFixTheTier() async throws {
        try await withEdge { http, bearer, calls in
            for (index, log) in Self.logPaths.enumerated() {
                let page = try await http.send(.get, log.path, bearer)
                #expect(page.status == .ok, "\(log.path): \(page.text)")
                #expect((page.object["records"] as? [[String: Any]])?.count == 2)
                #expect(page.object["next_page_token"] as? String == "p2")
                let request = try #require(calls.requests("QueryLogs", as: Hexabase_Logs_V1_QueryLogsRequest.self).last)
                #expect(calls.calls("QueryLogs").count == index + 1)
                #expect(request.tier == log.tier, "\(log.path)")
                #expect([request.organizationID, request.workspaceID, request.projectID] == [log.organization, log.workspace, log.project], "\(log.path)")
                #expect(calls.calls("QueryLogs").last?.authorization == bearer)

                for override in ["tier=TIER_SYSTEM", "tier=TIER_AUDIT", "tier=2", "Tier=TIER_WORKLOAD"] {
                    for suffix in ["", "/export", "/tail"] {
                        let refused = try await http.send(.get, "\(log.path)\(suffix)?\(override)", bearer)
                        #expect(refused.status == .badRequest, "\(log.path)\(suffix)?\(override)")
                        #expect(refused.errorCode == "invalid_argument")
                        #expect(refused.text.contains("fixed by this operation"), "\(refused.text)")
                    }
                }
            }
            #expect(calls.calls("QueryLogs").count == Self.logPaths.count, "no refused request reached the service")
            #expect(calls.calls("TailLogs").isEmpty)

            // Scope fields the path does not give are not the client's either.
            for (path, parameter) in [
                ("/api/v1/logs/audit", "organization_id=org-2"), ("/api/v1/logs/system", "workspace_id=ws-2"),
                ("/api/v1/organizations/org-1/audit-logs", "workspace_id=ws-2"), ("/api/v1/workspaces/ws-1/audit-logs", "project_id=prj-2"),
                ("/api/v1/workspaces/ws-1/logs", "organization_id=org-2"), ("/api/v1/workspaces/ws-1/logs", "workspace_id=ws-2"),
            ] {
                let refused = try await http.send(.get, "\(path)?\(parameter)", bearer)
                #expect(refused.status == .badRequest, "\(path)?\(parameter): \(refused.text)")
            }
            // A workspace's workload logs narrow to one project with a query parameter.
            let project = try await http.send(.get, "/api/v1/workspaces/ws-1/logs?project_id=prj-7", bearer)
            #expect(project.status == .ok)
            let narrowed = try #require(calls.requests("QueryLogs", as: Hexabase_Logs_V1_QueryLogsRequest.self).last)
            #expect(narrowed.workspaceID == "ws-1")
            #expect(narrowed.projectID == "prj-7")
            #expect(narrowed.tier == .workload)

            let anonymous = try await http.send(.get, "/api/v1/logs/system", nil)
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test("filters are query parameters named after QueryLogsRequest's fields: RFC 3339 times, strings, the page")
    func queryParameters() async throws {
        try await withEdge { http, bearer, calls in
            let query = [
                "since=2026-01-02T03:04:05Z", "until=2026-01-03T00:00:00.250%2B01:00", "level=warning", "service=api",
                "resource=pods%2Fapi-1", "actor_id=usr-9", "action=workspace.create", "outcome=denied",
                "request_id=req-1", "text=disk%20full", "page_size=50", "page_token=abc%3D%3D",
            ].joined(separator: "&")
            let page = try await http.send(.get, "/api/v1/workspaces/ws-1/audit-logs?\(query)", bearer)
            #expect(page.status == .ok, "\(page.text)")
            let request = try #require(calls.requests("QueryLogs", as: Hexabase_Logs_V1_QueryLogsRequest.self).last)
            #expect(request.since.seconds == 1_767_323_045)
            #expect(request.until.seconds == 1_767_394_800)
            #expect(request.until.nanos == 250_000_000)
            #expect([request.level, request.service, request.resource, request.actorID] == ["warning", "api", "pods/api-1", "usr-9"])
            #expect([request.action, request.outcome, request.requestID, request.text] == ["workspace.create", "denied", "req-1", "disk full"])
            #expect(request.pageSize == 50)
            #expect(request.pageToken == "abc==")

            for refused in ["since=yesterday", "page_size=many", "level=info&level=debug", "colour=blue", "attributes=x"] {
                let response = try await http.send(.get, "/api/v1/workspaces/ws-1/audit-logs?\(refused)", bearer)
                #expect(response.status == .badRequest, "\(refused): \(response.text)")
                #expect(response.errorCode == "invalid_argument")
            }
        }
    }

    @Test("an export pages through QueryLogs 1,000 at a time and writes every record as one JSON line")
    func exportPages() async throws {
        try await withEdge { http, bearer, calls in
            let export = try await http.send(.get, "/api/v1/workspaces/ws-1/projects/prj-1/logs/export?level=error", bearer)
            #expect(export.status == .ok, "\(export.text)")
            #expect(export.headers[.contentType] == "application/x-ndjson")
            #expect(export.headers[.contentDisposition] == #"attachment; filename="prj-1-workload-logs.ndjson""#)
            let lines = export.text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.last == "", "the body ends with a line break")
            let records = lines.dropLast().map { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
            }
            #expect(records.map { $0["id"] as? String } == ["log-1", "log-2", "log-3", "log-4", "log-5"])
            #expect(records.first?["message"] as? String == "line 1\nsecond line")
            #expect(records.first?["sequence"] as? String == "1")
            #expect(records.allSatisfy { $0["error"] == nil })

            let pages = calls.requests("QueryLogs", as: Hexabase_Logs_V1_QueryLogsRequest.self)
            #expect(pages.map(\.pageToken) == ["", "p2", "p3"])
            #expect(pages.allSatisfy { $0.pageSize == 1000 && $0.tier == .workload && $0.level == "error" && $0.projectID == "prj-1" })
            #expect(calls.calls("QueryLogs").allSatisfy { $0.authorization == bearer })

            let platform = try await http.send(.get, "/api/v1/logs/audit/export", bearer)
            #expect(platform.headers[.contentDisposition] == #"attachment; filename="platform-audit-logs.ndjson""#)
            for paging in ["page_size=5", "page_token=p3"] {
                let refused = try await http.send(.get, "/api/v1/logs/audit/export?\(paging)", bearer)
                #expect(refused.status == .badRequest, "\(paging)")
            }
        }
    }

    @Test("an export refused before its first byte is the JSON envelope; one failing mid-stream ends with an error line")
    func exportErrors() async throws {
        try await withEdge { http, bearer, _ in
            let refused = try await http.send(.get, "/api/v1/workspaces/ws-1/logs/export?text=refuse", bearer)
            #expect(refused.status == .notFound)
            #expect(refused.headers[.contentType] == "application/json")
            #expect(refused.errorCode == "not_found")

            let cut = try await http.send(.get, "/api/v1/workspaces/ws-1/logs/export?text=fail-later", bearer)
            #expect(cut.status == .ok)
            let lines = cut.text.split(separator: "\n").map { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
            }
            #expect(lines.count == 3)
            #expect(lines.prefix(2).map { $0["id"] as? String } == ["log-1", "log-2"])
            let error = try #require(lines.last?["error"] as? [String: Any])
            #expect(error["code"] as? String == "unavailable")
            #expect(error["message"] as? String == "The log store is unavailable.")
        }
    }

    @Test("a tail writes each record as an SSE event, a keep-alive after an empty wait, resumes from the cursor, and ends with an error event")
    func tailFraming() async throws {
        let tail: LogsStandIn.Tail = { request, index, _ in
            var response = Hexabase_Logs_V1_TailLogsResponse()
            switch index {
            case 0:
                response.records = LogsStandIn.records([4, 5])
                response.cursor = 5
            case 1:
                response.cursor = 7
            case 2:
                response.records = LogsStandIn.records([9])
                response.cursor = 9
            default:
                throw ServiceError(.unauthenticated, "The access token has expired.")
            }
            return response
        }
        try await withEdge(tail: tail) { http, bearer, calls in
            var headers: HTTPFields = [.authorization: bearer, HTTPField.Name("Last-Event-ID")!: "3"]
            headers[.accept] = "text/event-stream"
            let stream = try await http.execute(uri: "/api/v1/workspaces/ws-1/logs/tail?service=api", method: .get, headers: headers, body: nil)
            #expect(stream.status == .ok)
            #expect(stream.headers[.contentType] == "text/event-stream")
            #expect(stream.headers[.cacheControl] == "no-cache")

            let frames = stream.text.components(separatedBy: "\n\n")
            #expect(frames.count == 6, "\(stream.text)")
            #expect(frames.last == "", "every frame ends with a blank line")
            for (frame, sequence) in zip(frames.prefix(2), [4, 5]) {
                let lines = frame.split(separator: "\n")
                #expect(lines.count == 3)
                #expect(lines.first == "id: \(sequence)")
                #expect(lines.dropFirst().first == "event: record")
                let data = try #require(lines.last.map { $0.dropFirst("data: ".count) })
                let record = (try JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any]
                #expect(record?["id"] as? String == "log-\(sequence)")
                #expect(record?["message"] as? String == "line \(sequence)\nsecond line")
            }
            #expect(frames[2] == ": keep-alive")
            #expect(frames[3].hasPrefix("id: 9\nevent: record\ndata: {"))
            #expect(frames[4] == #"event: error"# + "\n" + #"data: {"error":{"code":"unauthenticated","message":"The access token has expired."}}"#)

            let requests = calls.requests("TailLogs", as: Hexabase_Logs_V1_TailLogsRequest.self)
            #expect(requests.map(\.afterSequence) == [3, 5, 7, 9])
            #expect(requests.map(\.waitMs) == [0, 15000, 15000, 15000], "the first call answers at once, the later ones wait")
            #expect(requests.allSatisfy { $0.limit == 500 && $0.query.tier == .workload && $0.query.workspaceID == "ws-1" && $0.query.service == "api" })
            #expect(calls.calls("TailLogs").allSatisfy { $0.authorization == bearer })
        }
    }

    @Test("a tail resumes from Last-Event-ID before ?after=, starts at the newest record without either, and refuses a bad one")
    func tailResumePoint() async throws {
        let tail: LogsStandIn.Tail = { _, _, _ in throw ServiceError(.notFound, "No such workspace.") }
        try await withEdge(tail: tail) { http, bearer, calls in
            let cases: [(HTTPFields, String, Int64?)] = [
                ([HTTPField.Name("Last-Event-ID")!: "42"], "?after=7", 42),
                ([:], "?after=7", 7),
                ([:], "", 0),
                ([HTTPField.Name("Last-Event-ID")!: "x"], "", nil),
                ([:], "?after=-1", nil),
                ([:], "?after=1&after=2", nil),
            ]
            for (extra, query, expected) in cases {
                var headers = extra
                headers[.authorization] = bearer
                let before = calls.calls("TailLogs").count
                let response = try await http.execute(uri: "/api/v1/logs/audit/tail\(query)", method: .get, headers: headers, body: nil)
                if let expected {
                    // The first call is refused: an HTTP error with the envelope, not a stream.
                    #expect(response.status == .notFound, "\(query)")
                    #expect(response.headers[.contentType] == "application/json")
                    #expect(response.errorCode == "not_found")
                    let request = calls.requests("TailLogs", as: Hexabase_Logs_V1_TailLogsRequest.self).last
                    #expect(request?.afterSequence == expected, "\(extra) \(query)")
                    #expect(request?.query.tier == .audit)
                } else {
                    #expect(response.status == .badRequest, "\(extra) \(query)")
                    #expect(calls.calls("TailLogs").count == before)
                }
            }
        }
    }

    @Test("a tail stops when its client goes away, cancelling the pending wait")
    func tailStopsOnDisconnect() async throws {
        let recorder = RecordingLogHandler()
        let calls = LogsCalls()
        // Until released, the second call waits as long as it was asked to.
        let tail = LogsStandIn.recordThenQuiet(holdingUpTo: nil)
        try await EdgeHarness.run(
            standIn: { LogsStandIn.make(nats: $0, calls: calls, tail: tail) }, testing: .live, logger: recorder.logger(label: "hexabase.test.edge")
        ) { http, bearer in
            let port = try #require(http.port)
            let client = try await PythonScript.run(
                PythonScript.path("Fixtures", "sse_client.py"),
                arguments: ["http://localhost:\(port)/api/v1/workspaces/ws-1/logs/tail", bearer, "first-record"], limit: .seconds(60)
            )
            #expect(client.status == 0, "\(client.output)")
            #expect(client.output.contains("record 1"), "\(client.output)")
            try await waitUntil("the tail to end") { recorder.entries.contains { $0.message == "log tail ended" } }
            let ended = recorder.entries.first { $0.message == "log tail ended" }
            #expect(ended?.metadata["reason"] == "client closed", "\(String(describing: ended))")
            #expect(ended?.metadata["records"] == "1")
            calls.release()
        }
    }

    @Test("a tail ends cleanly when the edge shuts down, so that its client reconnects elsewhere")
    func tailEndsOnShutdown() async throws {
        let recorder = RecordingLogHandler()
        let calls = LogsCalls()
        // Short waits, so that the stand-in's own shutdown does not wait long for the last one.
        let tail = LogsStandIn.recordThenQuiet(holdingUpTo: .seconds(2))
        let client = Mutex<Task<PythonScript.Outcome, any Error>?>(nil)
        // A tail that ignored the shutdown would keep the server from stopping: a bound, not a timing.
        try await withTimeout("the edge to shut down", .seconds(60)) {
            try await EdgeHarness.run(
                standIn: { LogsStandIn.make(nats: $0, calls: calls, tail: tail) }, testing: .live, logger: recorder.logger(label: "hexabase.test.edge")
            ) { http, bearer in
                let url = "http://localhost:\(try #require(http.port))/api/v1/logs/system/tail"
                client.withLock { $0 = Task { try await PythonScript.run(PythonScript.path("Fixtures", "sse_client.py"), arguments: [url, bearer, "end"], limit: .seconds(60)) } }
                try await waitUntil("the tail to wait for records") { calls.calls("TailLogs").count >= 2 }
                // Returning shuts the edge down gracefully while the tail waits.
            }
        }
        let outcome = try #require(try await client.withLock { $0 }?.value)
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.contains("record 1"))
        #expect(outcome.output.contains("end of stream"), "the chunked body was ended properly: \(outcome.output)")
        let ended = recorder.entries.first { $0.message == "log tail ended" }
        #expect(ended?.metadata["reason"] == "shutdown", "\(String(describing: ended))")
    }

    @Test("ingestion takes the token from Bearer or Basic, forwards the raw body with it, and never forwards it as Authorization")
    func ingestCredentials() async throws {
        try await withEdge { http, _, calls in
            let body = #"{"message":"a"}"# + "\n" + #"{"message":"b"}"# + "\n"
            let basic = "Basic " + Data("vector:hxi_basic:with-colon".utf8).base64EncodedString()
            for (authorization, token, contentType) in [
                ("Bearer hxi_bearer", "hxi_bearer", "application/x-ndjson"), (basic, "hxi_basic:with-colon", "application/json"),
            ] {
                let response = try await http.execute(
                    uri: "/api/v1/logs/ingest", method: .post,
                    headers: [.authorization: authorization, .contentType: contentType], body: ByteBuffer(string: body)
                )
                #expect(response.status == .ok, "\(response.text)")
                #expect(response.object["accepted"] as? Int == 2)
                let call = try #require(calls.calls("IngestWorkload").last)
                let request = try Hexabase_Logs_V1_IngestWorkloadRequest(serializedBytes: call.request)
                #expect(request.token == token)
                #expect(request.body == Data(body.utf8))
                #expect(call.authorization == nil, "an ingestion token is no JWT to forward")
            }
            for authorization in [nil, "Bearer ", "Basic " + Data("no-colon".utf8).base64EncodedString(), "Basic " + Data("user:".utf8).base64EncodedString(), "Digest abc"] {
                var headers: HTTPFields = [:]
                if let authorization { headers[.authorization] = authorization }
                let refused = try await http.execute(uri: "/api/v1/logs/ingest", method: .post, headers: headers, body: ByteBuffer(string: body))
                #expect(refused.status == .unauthorized, "\(authorization ?? "none")")
                #expect(refused.errorCode == "unauthenticated")
            }
            #expect(calls.calls("IngestWorkload").count == 2)
        }
    }

    @Test("ingestion bodies: at most 900 KiB (413 beyond), gzip undone, a gzip bomb or bad gzip refused")
    func ingestBodies() async throws {
        try await withEdge { http, _, calls in
            func ingest(_ body: [UInt8], encoding: String? = nil) async throws -> TestResponse {
                var headers: HTTPFields = [.authorization: "Bearer hxi_token", .contentType: "application/x-ndjson"]
                if let encoding { headers[.contentEncoding] = encoding }
                return try await http.execute(uri: "/api/v1/logs/ingest", method: .post, headers: headers, body: ByteBuffer(bytes: body))
            }
            let line = Array(#"{"message":"hello from a pod"}"#.utf8) + [UInt8(ascii: "\n")]
            let lines = Array(repeating: line, count: 1000).flatMap { $0 }

            let plainLimit = try await ingest(Array(repeating: UInt8(ascii: " "), count: EdgeRoutes.ingestMaxBytes))
            #expect(plainLimit.status == .ok, "exactly the limit is accepted")
            let oversize = try await ingest(Array(repeating: UInt8(ascii: " "), count: EdgeRoutes.ingestMaxBytes + 1))
            #expect(oversize.status == .contentTooLarge)
            #expect(oversize.errorCode == "payload_too_large")

            let gzipped = try await ingest(try Gzip.compress(lines), encoding: "gzip")
            #expect(gzipped.status == .ok, "\(gzipped.text)")
            #expect(gzipped.object["accepted"] as? Int == 1000)
            let forwarded = try #require(calls.requests("IngestWorkload", as: Hexabase_Logs_V1_IngestWorkloadRequest.self).last)
            #expect(forwarded.body == Data(lines), "the service receives the decompressed body")

            // 16 MiB of zeros is a few KiB gzipped: refused once its output passes the limit.
            let bomb = try Gzip.compress(Array(repeating: 0, count: 16 << 20))
            #expect(bomb.count < EdgeRoutes.ingestMaxBytes / 10)
            let exploded = try await ingest(bomb, encoding: "gzip")
            #expect(exploded.status == .contentTooLarge)
            #expect(exploded.errorCode == "payload_too_large")

            let received = calls.calls("IngestWorkload").count
            let truncated = try Gzip.compress(lines)
            for (body, encoding) in [(Array(truncated.prefix(truncated.count / 2)), "gzip"), (lines, "gzip"), (lines, "br")] {
                let refused = try await ingest(body, encoding: encoding)
                #expect(refused.status == .badRequest, "\(encoding): \(refused.text)")
                #expect(refused.errorCode == "invalid_argument")
            }
            #expect(calls.calls("IngestWorkload").count == received, "no refused body reached the service")
        }
    }

    @Test("ingestion tokens and retention map to their RPCs with the caller's token")
    func tokenAndRetentionRoutes() async throws {
        try await withEdge { http, bearer, calls in
            let created = try await http.send(.post, "/api/v1/workspaces/ws-1/ingestion-tokens", bearer, json: #"{"name":"vector"}"#)
            #expect(created.status == .created, "\(created.text)")
            #expect(created.object["secret"] as? String == "hxi_secret")
            #expect((created.object["token"] as? [String: Any])?["workspace_id"] as? String == "ws-1")

            let listed = try await http.send(.get, "/api/v1/workspaces/ws-1/ingestion-tokens", bearer)
            #expect(listed.status == .ok)
            #expect((listed.object["tokens"] as? [[String: Any]])?.first?["id"] as? String == "itk-1")

            let revoked = try await http.send(.delete, "/api/v1/workspaces/ws-1/ingestion-tokens/itk-1", bearer)
            #expect(revoked.status == .ok)
            #expect(revoked.object["revoke_time"] as? String == "2026-01-01T00:00:00Z")
            let revoke = try #require(calls.requests("RevokeIngestionToken", as: Hexabase_Logs_V1_RevokeIngestionTokenRequest.self).last)
            #expect([revoke.workspaceID, revoke.tokenID] == ["ws-1", "itk-1"])

            let retention = try await http.send(.get, "/api/v1/organizations/org-1/log-retention", bearer)
            #expect(retention.status == .ok)
            #expect(retention.object["audit_days"] as? Int == 90)
            let updated = try await http.send(.patch, "/api/v1/organizations/org-1/log-retention", bearer, json: #"{"audit_days":365}"#)
            #expect(updated.status == .ok, "\(updated.text)")
            #expect(updated.object["organization_id"] as? String == "org-1")
            #expect(updated.object["audit_days"] as? Int == 365)
            let conflicting = try await http.send(.patch, "/api/v1/organizations/org-1/log-retention", bearer, json: #"{"organization_id":"org-2"}"#)
            #expect(conflicting.status == .badRequest)

            for method in ["CreateIngestionToken", "ListIngestionTokens", "RevokeIngestionToken", "GetRetention", "UpdateRetention"] {
                #expect(calls.calls(method).count == 1, "\(method)")
                #expect(calls.calls(method).first?.authorization == bearer, "\(method)")
            }
            let anonymous = try await http.send(.get, "/api/v1/workspaces/ws-1/ingestion-tokens", nil)
            #expect(anonymous.status == .unauthorized)
        }
    }
}

/// gzip through the system's `gzip` program (an independent implementation of the format).
enum Gzip {
    static func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("gzip-\(UUID().uuidString.prefix(8))")
        try Data(bytes).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-c", "-n", input.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let compressed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failed(status: process.terminationStatus) }
        return Array(compressed)
    }

    struct Failed: Error {
        let status: Int32
    }
}
