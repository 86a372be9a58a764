import Foundation
import Testing
import TestSupport

/// Logging through real processes and HTTP only: client → hxb-edge → NATS → hxb-logging (and
/// hxb-auth, hxb-workspace for identities, access checks and audit records) → Postgres.
@Suite("Logs end to end through the edge", .serialized)
struct LoggingEndToEndTests {
    @Test("a workspace's audit trail and a shipper's workload logs reach their owner through the edge, and nobody else")
    func logsThroughTheEdge() async throws {
        try await SuiteStack.with(workspace: true, logging: true) { stack in
            let http = stack.http
            let alice = try await WorkspaceEndToEndTests.signedIn(http, "alice")
            let mallory = try await WorkspaceEndToEndTests.signedIn(http, "mallory")
            let personal = try await WorkspaceEndToEndTests.waitForPersonalOrganization(http, token: alice.token)
            let created = try await http.send("POST", "/api/v1/organizations/\(personal)/workspaces", json: ["name": "shop"], headers: alice.headers)
            #expect(created.status == 202, "\(created.text)")
            let workspaceID = try #require(created.json["id"] as? String)
            _ = try await WorkspaceEndToEndTests.waitForWorkspace(http, workspaceID, token: alice.token) { $0.json["state"] as? String == "running" }
            let project = try await http.send("POST", "/api/v1/workspaces/\(workspaceID)/projects", json: ["name": "checkout"], headers: alice.headers)
            let projectID = try #require(project.json["id"] as? String)

            // The workspace service's audit record of the creation, read by the organization's owner.
            var audit: [[String: Any]] = []
            try await waitUntil("the workspace.create audit record", timeout: .seconds(30), interval: .milliseconds(200)) {
                let page = try await http.send("GET", "/api/v1/organizations/\(personal)/audit-logs?action=workspace.create", headers: alice.headers)
                audit = page.json["records"] as? [[String: Any]] ?? []
                return !audit.isEmpty
            }
            #expect(audit.first?["workspace_id"] as? String == workspaceID)
            #expect(audit.first?["actor_id"] as? String == alice.id)

            // A shipper with the workspace's ingestion token.
            let token = try await http.send("POST", "/api/v1/workspaces/\(workspaceID)/ingestion-tokens", json: ["name": "vector"], headers: alice.headers)
            #expect(token.status == 201, "\(token.text)")
            let secret = try #require(token.json["secret"] as? String)
            let lines = """
                {"message":"checkout failed: card declined","timestamp":"2026-11-21T10:00:00Z","level":"error","kubernetes":{"pod_namespace":"checkout","pod_name":"api-1","container_name":"api","namespace_labels":{"hexabase.ai/project":"\(projectID)"}}}
                {"message":"checkout ok","kubernetes":{"pod_namespace":"checkout","pod_name":"api-1","container_name":"api","namespace_labels":{"hexabase.ai/project":"\(projectID)"}}}
                """
            let shipped = try await http.send("POST", "/api/v1/logs/ingest", raw: lines, headers: ["Authorization": "Bearer \(secret)"], contentType: "application/x-ndjson")
            #expect(shipped.status == 200, "\(shipped.text)")
            #expect(shipped.json["accepted"] as? Int == 2)
            let refused = try await http.send("POST", "/api/v1/logs/ingest", raw: lines, headers: ["Authorization": "Bearer hxi_not-a-token-at-all-xxxxxx"], contentType: "application/x-ndjson")
            #expect(refused.status == 401)

            var found: [[String: Any]] = []
            try await waitUntil("the workload records", timeout: .seconds(30), interval: .milliseconds(200)) {
                let page = try await http.send("GET", "/api/v1/workspaces/\(workspaceID)/projects/\(projectID)/logs?text=card%20declined&level=warning", headers: alice.headers)
                found = page.json["records"] as? [[String: Any]] ?? []
                return !found.isEmpty
            }
            #expect(found.count == 1)
            #expect(found.first?["message"] as? String == "checkout failed: card declined")
            #expect(found.first?["project_id"] as? String == projectID)

            let export = try await http.send("GET", "/api/v1/workspaces/\(workspaceID)/logs/export", headers: alice.headers)
            #expect(export.status == 200)
            #expect(export.headers["content-type"]?.hasPrefix("application/x-ndjson") == true)
            let exported = export.text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(exported.count == 2 && exported.allSatisfy { $0["workspace_id"] as? String == workspaceID })

            // Mallory: nothing, whatever she asks.
            for path in [
                "/api/v1/workspaces/\(workspaceID)/logs", "/api/v1/workspaces/\(workspaceID)/projects/\(projectID)/logs",
                "/api/v1/workspaces/\(workspaceID)/audit-logs", "/api/v1/organizations/\(personal)/audit-logs",
                "/api/v1/workspaces/\(workspaceID)/logs/export",
            ] {
                let response = try await http.send("GET", path, headers: mallory.headers)
                #expect(response.status == 404, "\(path): \(response.status) \(response.text)")
            }
            let system = try await http.send("GET", "/api/v1/logs/system", headers: mallory.headers)
            #expect(system.status == 403)
        }
    }
}
