import AuthKit
import Contracts
import Foundation
import JWTKit
import ServiceKit
import Testing
import TestSupport

/// A workspace's vCluster client: registered by a service, ID tokens with `aud` = its client id
/// and `groups` asked of the workspace service, removed with the workspace.
@Suite("Workspace OIDC clients", .serialized)
struct WorkspaceClientTests {
    /// A stand-in for the workspace service's `ListUserGroups` (that service comes with its own
    /// issue): answers fixed groups and records that a service token came with the call.
    static func workspaceStandIn(nats: String, groups: [String]) -> ServiceProcess {
        ServiceProcess.standIn(name: "workspace", nats: nats, endpoints: [
            .unary("ListUserGroups", Hexabase_Workspace_V1_ListUserGroupsRequest.self) { request, context in
                guard context.bearerToken != nil else { throw ServiceError(.unauthenticated, "no token") }
                var response = Hexabase_Workspace_V1_ListUserGroupsResponse()
                response.groups = request.workspaceID == "ws-alpha" ? groups : []
                return response
            },
        ])
    }

    @Test("register a workspace client with a service token; its ID tokens carry aud and groups; deleting it ends its grants")
    func workspaceClientLifecycle() async throws {
        try await SuiteStack.with() { stack in
            let logger = TestLogging.logger("test")
            let connection = try await NATSConnection.connect(configuration: NATSConfiguration(servers: stack.nats.url), logger: logger)
            let rpc = RPCClient(connection: connection)
            // The service identity as a service gets it: client credentials, cached.
            let service = ServiceTokenSource(client: rpc, clientID: "test-service", clientSecret: SuiteStack.serviceSecret)

            var register = Hexabase_Auth_V1_RegisterClientRequest()
            register.name = "Workspace alpha"
            register.workspaceID = "ws-alpha"
            register.redirectUris = ["http://localhost:8000", "http://localhost:18000"]
            register.grantTypes = ["authorization_code", "refresh_token"]
            // Users cannot register clients; services can.
            let (browser, email) = try await OIDCFlowTests.signedInBrowser(stack)
            let userLogin = try await stack.http.send("POST", "/api/v1/auth/login", json: ["email": email, "password": OIDCFlowTests.password])
            let userToken = try #require(userLogin.json["access_token"] as? String)
            do {
                _ = try await rpc.call("hxb.auth.v1.RegisterClient", register, as: Hexabase_Auth_V1_RegisterClientResponse.self, metadata: .bearer(userToken))
                Issue.record("a user registered a client")
            } catch let error as ServiceError {
                #expect(error.code == .permissionDenied)
            }
            let registered = try await rpc.call("hxb.auth.v1.RegisterClient", register, as: Hexabase_Auth_V1_RegisterClientResponse.self, metadata: try await service.metadata())
            let clientID = registered.client.clientID
            #expect(clientID == "hxb-ws-alpha")
            #expect(registered.clientSecret.isEmpty, "a public client has no secret")
            do {
                _ = try await rpc.call("hxb.auth.v1.RegisterClient", register, as: Hexabase_Auth_V1_RegisterClientResponse.self, metadata: try await service.metadata())
                Issue.record("a second client for the same workspace")
            } catch let error as ServiceError {
                #expect(error.code == .conflict)
            }

            // Without the workspace service, no ID token (a token without groups would be wrong).
            let (verifier, challenge) = OIDCFlowTests.pkce()
            let first = try await browser.get(OIDCFlowTests.authorizePath(clientID: clientID, challenge: challenge))
            let firstCode = try #require(first.locationQuery["code"])
            let unavailable = try await OIDCFlowTests.token(stack, [("grant_type", "authorization_code"), ("code", firstCode), ("redirect_uri", "http://localhost:8000"), ("client_id", clientID), ("code_verifier", verifier)])
            #expect(unavailable.status == 503, "\(unavailable.text)")
            #expect(unavailable.json["error"] as? String == "temporarily_unavailable")

            let groups = ["WSAdmins", "WorkspaceMembers"]
            let workspace = Self.workspaceStandIn(nats: stack.nats.url, groups: groups)
            var refreshToken = ""
            try await withRunningService(workspace, logger: logger, isReady: { workspace.isReady }) { _ in
                let (verifier, challenge) = OIDCFlowTests.pkce()
                let authorized = try await browser.get(OIDCFlowTests.authorizePath(clientID: clientID, challenge: challenge))
                let code = try #require(authorized.locationQuery["code"])
                let tokens = try await OIDCFlowTests.token(stack, [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", "http://localhost:8000"), ("client_id", clientID), ("code_verifier", verifier)])
                #expect(tokens.status == 200, "\(tokens.text)")
                let keys = JWTKeyCollection()
                try await keys.add(jwksJSON: try await stack.http.send("GET", "/oauth2/jwks").text)
                let claims = try await keys.verify(try #require(tokens.json["id_token"] as? String), as: TestIDTokenClaims.self)
                #expect(claims.aud == clientID)
                #expect(claims.groups == groups)
                #expect(claims.email == email)
                refreshToken = try #require(tokens.json["refresh_token"] as? String)
            }

            // A refresh that fails for want of the workspace service does not spend the refresh
            // token: once the service is back, the same token works (and is rotated).
            let failed = try await OIDCFlowTests.token(stack, [("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", clientID)])
            #expect(failed.status == 503, "\(failed.text)")
            let back = Self.workspaceStandIn(nats: stack.nats.url, groups: groups)
            try await withRunningService(back, logger: logger, isReady: { back.isReady }) { _ in
                let refreshed = try await OIDCFlowTests.token(stack, [("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", clientID)])
                #expect(refreshed.status == 200, "\(refreshed.text)")
                let successor = try #require(refreshed.json["refresh_token"] as? String)
                #expect(successor != refreshToken)

                var delete = Hexabase_Auth_V1_DeleteClientRequest()
                delete.workspaceID = "ws-alpha"
                _ = try await rpc.call("hxb.auth.v1.DeleteClient", delete, as: Hexabase_Auth_V1_DeleteClientResponse.self, metadata: try await service.metadata())
                let afterDelete = try await OIDCFlowTests.token(stack, [("grant_type", "refresh_token"), ("refresh_token", successor), ("client_id", clientID)])
                #expect(afterDelete.status != 200)
                let (_, challenge) = OIDCFlowTests.pkce()
                let gone = try await browser.get(OIDCFlowTests.authorizePath(clientID: clientID, challenge: challenge))
                #expect(gone.status == 400)
            }
            await connection.close()
        }
    }
}
