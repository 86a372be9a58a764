import Contracts
@testable import EdgeService
import Foundation
import ServiceKit
import Testing
import TestSupport

/// The route table and the parameter binding, without I/O; and docs/openapi.yaml against the
/// table.
@Suite("REST route table")
struct RouteTableTests {
    @Test("every path parameter and fixed field sets a field of its route's request; no route is declared twice")
    func pathParametersAreRequestFields() {
        var seen: Set<String> = []
        for route in EdgeRoutes.all {
            for name in route.pathParameterNames {
                #expect(route.requestAccepts(name, "x"), "\(route.method) \(route.path): \(name)")
                #expect(route.fixedFields[name] == nil, "\(route.method) \(route.path): \(name) is in the path and fixed")
            }
            for (name, value) in route.fixedFields {
                #expect(route.requestAccepts(name, value), "\(route.method) \(route.path): fixed \(name)=\(value)")
            }
            #expect(seen.insert("\(route.method) \(route.path)").inserted, "\(route.method) \(route.path) twice")
        }
    }

    @Test("a fixed field is set whatever the query or body says; a query parameter or a different body value naming it is refused")
    func fixedFields() throws {
        let fixed = ["tier": "TIER_AUDIT", "organization_id": ""]
        let query = try ProtobufJSON.request(
            Hexabase_Logs_V1_QueryLogsRequest.self, body: [], path: ["workspace_id": "ws-1"], fixed: fixed, query: [(name: "level", value: "error")]
        )
        #expect(query.tier == .audit)
        #expect(query.workspaceID == "ws-1")
        #expect(query.level == "error")
        for (name, value) in [("tier", "TIER_SYSTEM"), ("tier", "TIER_AUDIT"), ("Tier", "1"), ("organization_id", "org-1"), ("organizationId", "")] {
            do {
                _ = try ProtobufJSON.request(Hexabase_Logs_V1_QueryLogsRequest.self, body: [], path: [:], fixed: fixed, query: [(name: name, value: value)])
                Issue.record("?\(name)=\(value) was accepted")
            } catch {
                #expect(error.code == .invalidArgument)
                #expect(error.message.contains("fixed by this operation"))
            }
        }
        let same = try ProtobufJSON.request(Hexabase_Logs_V1_QueryLogsRequest.self, body: Array(#"{"tier":"TIER_AUDIT"}"#.utf8), path: [:], fixed: fixed, query: [])
        #expect(same.tier == .audit)
        #expect(throws: ServiceError.self) {
            try ProtobufJSON.request(Hexabase_Logs_V1_QueryLogsRequest.self, body: Array(#"{"tier":"TIER_SYSTEM"}"#.utf8), path: [:], fixed: fixed, query: [])
        }
    }

    @Test("query parameters: a repeated field takes several values, a bool takes true, a message field is refused")
    func queryParameterShapes() throws {
        let member = try ProtobufJSON.request(
            Hexabase_Workspace_V1_AddWorkspaceMemberRequest.self, body: [], path: ["workspace_id": "ws-1"],
            query: [(name: "group_ids", value: "grp-a"), (name: "group_ids", value: "grp-b"), (name: "email", value: "a@example.com")]
        )
        #expect(member.workspaceID == "ws-1")
        #expect(member.groupIds == ["grp-a", "grp-b"])
        #expect(member.email == "a@example.com")

        let single = try ProtobufJSON.request(
            Hexabase_Workspace_V1_AddWorkspaceMemberRequest.self, body: [], path: [:], query: [(name: "group_ids", value: "grp-a")]
        )
        #expect(single.groupIds == ["grp-a"])

        let sessions = try ProtobufJSON.request(
            Hexabase_Auth_V1_RevokeAllSessionsRequest.self, body: [], path: [:], query: [(name: "keep_current", value: "true")]
        )
        #expect(sessions.keepCurrent)

        #expect(throws: ServiceError.self) {
            try ProtobufJSON.request(Hexabase_Workspace_V1_CreateProjectRequest.self, body: [], path: [:], query: [(name: "quota", value: "x")])
        }
    }

    @Test("the path wins: a body naming the path's field with another value is refused, in either spelling")
    func pathOverBody() throws {
        let body = Array(#"{"workspace_id":"ws-1","plan_id":"dedicated"}"#.utf8)
        let same = try ProtobufJSON.request(Hexabase_Workspace_V1_UpdateWorkspaceRequest.self, body: body, path: ["workspace_id": "ws-1"], query: [])
        #expect(same.workspaceID == "ws-1")
        #expect(same.planID == "dedicated")
        for other in [#"{"workspace_id":"ws-2"}"#, #"{"workspaceId":"ws-2"}"#] {
            do {
                _ = try ProtobufJSON.request(Hexabase_Workspace_V1_UpdateWorkspaceRequest.self, body: Array(other.utf8), path: ["workspace_id": "ws-1"], query: [])
                Issue.record("\(other) was accepted")
            } catch {
                #expect(error.code == .invalidArgument)
                #expect(error.fieldViolations.first?.field == "workspace_id")
            }
        }
    }

    @Test("docs/openapi.yaml is valid OpenAPI 3.1 and documents every route, with its status and security")
    func openAPIDocumentsEveryRoute() async throws {
        let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml").path
        let routes = EdgeRoutes.all.map { route in
            let authentication = switch route.authentication {
            case .none: "none"
            case .bearer: "bearer"
            case .ingestionToken: "ingestion_token"
            }
            return "\(route.method.rawValue.lowercased()) \(route.path) \(route.successStatus.code) \(authentication)"
        }
        let run = try await PythonScript.run(
            PythonScript.path("Interop", "openapi_document.py"), arguments: [document] + routes,
            requiredModules: ["openapi_spec_validator"]
        )
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("routes documented"), "\(run.output)")
    }
}
