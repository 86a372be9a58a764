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
    static let issuer = "https://edge.test"

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
        let nats = try await NATSTestServer.start()
        let logger = TestLogging.logger("edge")
        let key = try SigningKey.generate()
        let keys = JWTKeyCollection()
        await keys.add(rsa: try Insecure.RSA.PrivateKey(pem: key.privateKeyPEM), digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.kid))
        let now = Date()
        let claims = AccessTokenClaims(
            issuer: Self.issuer, subject: "usr-test", audience: ["hexabase"], issuedAt: now,
            expiresAt: now.addingTimeInterval(600), tokenID: UUID().uuidString, sessionID: "ses-test"
        )
        let token = try await keys.sign(claims, kid: JWKIdentifier(string: key.kid))
        let connection = try await NATSConnection.connect(configuration: NATSConfiguration(servers: nats.url), logger: logger)
        let client = RPCClient(connection: connection)
        let builder = EdgeApplicationBuilder(
            configuration: EdgeConfiguration(service: ServiceSettings(nats: NATSConfiguration(servers: nats.url), opsPort: 0), issuer: Self.issuer),
            client: client,
            verifier: TokenVerifier(source: StaticJWKS(json: SigningKey.jwks([key.publicJWK])), issuer: Self.issuer, logger: logger),
            logger: logger
        )
        let workspace = Self.workspaceStandIn(nats: nats.url)
        do {
            try await withRunningService(workspace, logger: logger, isReady: { workspace.isReady }) { _ in
                try await Application(responder: builder.makeResponder()).test(.router) { http in
                    try await body(http, "Bearer " + token)
                }
            }
        } catch {
            await connection.close()
            await nats.stop()
            throw error
        }
        await connection.close()
        await nats.stop()
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

extension TestClientProtocol {
    /// One request with an optional `Authorization` value and JSON body.
    func send(_ method: HTTPRequest.Method, _ uri: String, _ authorization: String?, json: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let authorization { headers[.authorization] = authorization }
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }
    var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }
}
