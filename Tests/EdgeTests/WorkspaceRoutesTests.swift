import AuthKit
import AuthService
import Contracts
import EdgeService
import Foundation
import Hummingbird
import HummingbirdTesting
import JWTKit
import ServiceKit
import Testing
import TestSupport

/// The workspace routes at router level: the edge's real responder, a private nats-server and a
/// stand-in workspace service that echoes what it received.
@Suite("Workspace routes through the edge", .serialized)
struct WorkspaceRoutesTests {
    /// Answers a few workspace methods with what the request carried.
    static func workspaceStandIn(nats: String) -> ServiceProcess {
        ServiceProcess.standIn(name: "workspace", nats: nats, endpoints: [
            .unary("ListWorkspaces", Hexabase_Workspace_V1_ListWorkspacesRequest.self) { request, _ in
                var response = Hexabase_Workspace_V1_ListWorkspacesResponse()
                response.nextPageToken = "\(request.organizationID)|\(request.pageSize)|\(request.pageToken)"
                return response
            },
            .unary("CreateWorkspace", Hexabase_Workspace_V1_CreateWorkspaceRequest.self) { request, _ in
                var workspace = Hexabase_Workspace_V1_Workspace()
                workspace.id = "ws-new"
                workspace.organizationID = request.organizationID
                workspace.name = request.name
                workspace.planID = request.planID
                workspace.state = "pending"
                return workspace
            },
            .unary("CreateGroup", Hexabase_Workspace_V1_CreateGroupRequest.self) { request, _ in
                var group = Hexabase_Workspace_V1_Group()
                group.id = "grp-new"
                group.workspaceID = request.workspaceID
                group.name = request.name
                return group
            },
            .unary("RemoveGroupMember", Hexabase_Workspace_V1_RemoveGroupMemberRequest.self) { request, _ in
                guard request.workspaceID == "ws-1", request.groupID == "grp-2", request.userID == "usr-3" else {
                    throw ServiceError(.notFound, "wrong ids: \(request.workspaceID) \(request.groupID) \(request.userID)")
                }
                return Hexabase_Workspace_V1_RemoveGroupMemberResponse()
            },
            .unary("GetKubeconfig", Hexabase_Workspace_V1_GetKubeconfigRequest.self) { request, _ in
                var response = Hexabase_Workspace_V1_GetKubeconfigResponse()
                response.kubeconfig = "apiVersion: v1\nkind: Config\ncurrent-context: \(request.workspaceID)\n"
                return response
            },
        ])
    }

    /// Runs `body` with a test client of the edge's responder, a valid bearer token, and the
    /// stand-in workspace service behind it.
    func withEdge(_ body: @escaping @Sendable (any TestClientProtocol, String) async throws -> Void) async throws {
        try await EdgeHarness.run(standIn: Self.workspaceStandIn, body)
    }

    @Test("path parameters set the request's fields; creations answer 201, workspace changes 202")
    func pathParametersAndStatuses() async throws {
        try await withEdge { http, bearer in
            let created = try await http.send(.post, "/api/v1/organizations/org-1/workspaces", bearer, json: #"{"name":"alpha","plan_id":"shared"}"#)
            #expect(created.status == .accepted)
            #expect(created.object["organization_id"] as? String == "org-1")
            #expect(created.object["name"] as? String == "alpha")
            #expect(created.object["plan_id"] as? String == "shared")

            let group = try await http.send(.post, "/api/v1/workspaces/ws-1/groups", bearer, json: #"{"name":"devs"}"#)
            #expect(group.status == .created)
            #expect(group.object["workspace_id"] as? String == "ws-1")

            let removed = try await http.send(.delete, "/api/v1/workspaces/ws-1/groups/grp-2/members/usr-3", bearer)
            #expect(removed.status == .ok, "\(removed.text)")
            #expect(removed.text == "{}")

            let anonymous = try await http.send(.get, "/api/v1/workspaces/ws-1/kubeconfig", nil)
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test("a body field that differs from the path is a 400; the same value is accepted")
    func bodyConflictingWithPath() async throws {
        try await withEdge { http, bearer in
            for body in [#"{"organization_id":"org-2","name":"alpha"}"#, #"{"organizationId":"org-2","name":"alpha"}"#] {
                let refused = try await http.send(.post, "/api/v1/organizations/org-1/workspaces", bearer, json: body)
                #expect(refused.status == .badRequest, "\(body)")
                #expect(refused.errorCode == "invalid_argument")
                #expect(refused.text.contains("organization_id"))
            }
            let same = try await http.send(.post, "/api/v1/organizations/org-1/workspaces", bearer, json: #"{"organization_id":"org-1","name":"alpha"}"#)
            #expect(same.status == .accepted)
        }
    }

    @Test("query parameters set page_size and page_token; unknown, repeated or invalid ones are a 400")
    func queryParameters() async throws {
        try await withEdge { http, bearer in
            let page = try await http.send(.get, "/api/v1/organizations/org-1/workspaces?page_size=20&page_token=abc%3D%3D", bearer)
            #expect(page.status == .ok, "\(page.text)")
            #expect(page.object["next_page_token"] as? String == "org-1|20|abc==")

            let refusals = [
                "?colour=blue", "?page_size=1&page_size=2", "?page_size=many", "?organization_id=org-2",
            ]
            for query in refusals {
                let refused = try await http.send(.get, "/api/v1/organizations/org-1/workspaces" + query, bearer)
                #expect(refused.status == .badRequest, "\(query): \(refused.text)")
                #expect(refused.errorCode == "invalid_argument", "\(query)")
            }
            let unknown = try await http.send(.get, "/api/v1/organizations/org-1/workspaces?colour=blue", bearer)
            #expect(unknown.text.contains("colour"))
            let onPost = try await http.send(.post, "/api/v1/organizations/org-1/workspaces?page_size=1", bearer, json: #"{"name":"alpha"}"#)
            #expect(onPost.status == .badRequest)
        }
    }

    @Test("the kubeconfig route answers the YAML itself as an attachment")
    func kubeconfig() async throws {
        try await withEdge { http, bearer in
            let response = try await http.send(.get, "/api/v1/workspaces/ws-1/kubeconfig", bearer)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/yaml")
            #expect(response.headers[.contentDisposition] == #"attachment; filename="ws-1.kubeconfig""#)
            #expect(response.text == "apiVersion: v1\nkind: Config\ncurrent-context: ws-1\n")
        }
    }
}
