import Contracts
import Foundation
import ServiceKit
import SwiftProtobuf

/// What a test does as a user over NATS, whether auth and workspace run in-process
/// or as their own processes (the workspace and logging tests' stacks).
public protocol WorkspaceCaller {
    /// A client on the stack's nats-server.
    var rpc: RPCClient { get }
}

extension WorkspaceCaller {
    /// Signs a new user up and in; waits until the workspace service gave them their personal
    /// organization. Returns (token, user id, personal organization id).
    public func user(_ name: String) async throws -> (token: String, id: String, personal: String) {
        let email = "\(name)-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        var signUp = Hexabase_Auth_V1_SignUpRequest()
        signUp.email = email
        signUp.password = "correct horse battery staple 42"
        signUp.displayName = name
        _ = try await rpc.call("hxb.auth.v1.SignUp", signUp, as: Hexabase_Auth_V1_SignUpResponse.self)
        var login = Hexabase_Auth_V1_LoginRequest()
        login.email = email
        login.password = signUp.password
        let session = try await rpc.call("hxb.auth.v1.Login", login, as: Hexabase_Auth_V1_LoginResponse.self)
        var personal = ""
        try await waitUntil("the personal organization of \(name)") {
            let list = try await call("ListOrganizations", Hexabase_Workspace_V1_ListOrganizationsRequest(), as: Hexabase_Workspace_V1_ListOrganizationsResponse.self, token: session.accessToken)
            personal = list.organizations.first(where: \.personal)?.id ?? ""
            return !personal.isEmpty
        }
        return (session.accessToken, session.user.id, personal)
    }

    /// Calls `hxb.workspace.v1.<method>` as the user whose access token is `token`.
    public func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String, _ request: Request, as: Response.Type = Response.self, token: String
    ) async throws -> Response {
        try await rpc.call("hxb.workspace.v1.\(method)", request, as: Response.self, metadata: .bearer(token))
    }

    /// Waits until the workspace reaches `state`; returns it.
    public func waitForState(_ id: String, _ state: String, token: String, timeout: Duration = .seconds(30)) async throws -> Hexabase_Workspace_V1_Workspace {
        var request = Hexabase_Workspace_V1_GetWorkspaceRequest()
        request.workspaceID = id
        var last = Hexabase_Workspace_V1_Workspace()
        try await waitUntil("workspace \(id) to be \(state)", timeout: timeout) {
            do {
                last = try await call("GetWorkspace", request, as: Hexabase_Workspace_V1_Workspace.self, token: token)
            } catch let error as ServiceError where error.code == .notFound && state == "deleted" {
                last.state = "deleted"
            }
            return last.state == state
        }
        return last
    }
}
