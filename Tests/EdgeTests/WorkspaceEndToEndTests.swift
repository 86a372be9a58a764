import Foundation
import Testing
import TestSupport

/// The tenancy slice through real processes and HTTP only: client → hxb-edge → NATS →
/// hxb-auth and hxb-workspace (manifests provider) → Postgres.
@Suite("Workspaces end to end through the edge", .serialized)
struct WorkspaceEndToEndTests {
    static let password = "correct horse battery staple"

    @Test("a user signs up, gets a personal organization, creates an organization and a workspace that provisions, works in it, downloads its kubeconfig and deletes it; an outsider sees nothing")
    func workspaceThroughTheEdge() async throws {
        try await SuiteStack.with(workspace: true) { stack in
            let http = stack.http
            let alice = try await Self.signedIn(http, "alice")
            let personal = try await Self.waitForPersonalOrganization(http, token: alice.token)
            #expect(personal.hasPrefix("org-"))

            let organization = try await http.send("POST", "/api/v1/organizations", json: ["name": "Acme"], headers: alice.headers)
            #expect(organization.status == 201, "\(organization.text)")
            let organizationID = try #require(organization.json["id"] as? String)
            #expect(organization.json["caller_role"] as? String == "owner")

            // A name Kubernetes would refuse: the service's 422 in the one JSON error shape.
            let badName = try await http.send("POST", "/api/v1/organizations/\(organizationID)/workspaces", json: ["name": "Bad_Name"], headers: alice.headers)
            #expect(badName.status == 422)
            #expect(badName.headers["content-type"] == "application/json")
            let error = try #require(badName.json["error"] as? [String: Any], "\(badName.text)")
            #expect(error["code"] as? String == "unprocessable_entity")
            #expect((error["message"] as? String)?.isEmpty == false)
            #expect((error["details"] as? [[String: Any]])?.first?["field"] as? String == "name")

            let created = try await http.send(
                "POST", "/api/v1/organizations/\(organizationID)/workspaces", json: ["name": "prod", "plan_id": "shared"], headers: alice.headers
            )
            #expect(created.status == 202, "\(created.text)")
            let workspaceID = try #require(created.json["id"] as? String)
            #expect(workspaceID.hasPrefix("ws-"))
            #expect(created.json["organization_id"] as? String == organizationID)
            let running = try await Self.waitForWorkspace(http, workspaceID, token: alice.token) { $0.status == 200 && $0.json["state"] as? String == "running" }
            #expect((running.json["task"] as? [String: Any])?["state"] as? String == "succeeded")
            let listed = try await http.send("GET", "/api/v1/organizations/\(organizationID)/workspaces", headers: alice.headers)
            #expect((listed.json["workspaces"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [workspaceID])
            let manifests = try #require(stack.workspace?.manifests.appendingPathComponent(workspaceID))
            #expect(FileManager.default.fileExists(atPath: manifests.appendingPathComponent("kustomization.yaml").path), "the manifests provider rendered the workspace")

            let project = try await http.send("POST", "/api/v1/workspaces/\(workspaceID)/projects", json: ["name": "web"], headers: alice.headers)
            #expect(project.status == 201, "\(project.text)")
            #expect((project.json["id"] as? String)?.hasPrefix("prj-") == true)

            let groups = try await http.send("GET", "/api/v1/workspaces/\(workspaceID)/groups", headers: alice.headers)
            let defaultGroups = groups.json["groups"] as? [[String: Any]] ?? []
            #expect(Set(defaultGroups.compactMap { $0["name"] as? String }) == ["WorkspaceMembers", "WSAdmins", "WSUsers"], "\(groups.text)")
            let root = try #require(defaultGroups.first { $0["name"] as? String == "WorkspaceMembers" }?["id"] as? String)
            let admins = try #require(defaultGroups.first { $0["name"] as? String == "WSAdmins" }?["id"] as? String)
            let group = try await http.send("POST", "/api/v1/workspaces/\(workspaceID)/groups", json: ["name": "sre", "parent_id": root], headers: alice.headers)
            #expect(group.status == 201, "\(group.text)")
            #expect(group.json["parent_id"] as? String == root)

            let members = try await http.send("GET", "/api/v1/workspaces/\(workspaceID)/members", headers: alice.headers)
            #expect(members.status == 200, "\(members.text)")
            let memberList = members.json["members"] as? [[String: Any]] ?? []
            #expect(memberList.compactMap { $0["user_id"] as? String } == [alice.id])
            #expect((memberList.first?["group_ids"] as? [String])?.contains(admins) == true, "the creator is in WSAdmins")

            let kubeconfig = try await http.send("GET", "/api/v1/workspaces/\(workspaceID)/kubeconfig", headers: alice.headers)
            #expect(kubeconfig.status == 200, "\(kubeconfig.text)")
            #expect(kubeconfig.headers["content-type"] == "application/yaml")
            #expect(kubeconfig.headers["content-disposition"]?.contains("\(workspaceID).kubeconfig") == true)
            #expect(kubeconfig.text.contains("oidc-login"))
            #expect(kubeconfig.text.contains("--oidc-issuer-url=\(stack.issuer)"))
            #expect(kubeconfig.text.contains("--oidc-client-id=hxb-\(workspaceID)"))
            for credential in ["token:", "client-secret", "id-token", "refresh-token", "password", alice.token] {
                #expect(!kubeconfig.text.contains(credential), "the kubeconfig carries \(credential.prefix(20))")
            }

            // Someone outside the organization cannot tell the workspace exists.
            let outsider = try await Self.signedIn(http, "mallory")
            _ = try await Self.waitForPersonalOrganization(http, token: outsider.token)
            for path in ["/api/v1/workspaces/\(workspaceID)", "/api/v1/workspaces/\(workspaceID)/kubeconfig", "/api/v1/workspaces/\(workspaceID)/members"] {
                let refused = try await http.send("GET", path, headers: outsider.headers)
                #expect(refused.status == 404, "\(path): \(refused.text)")
                #expect(refused.errorCode == "not_found")
            }
            let outsiderDelete = try await http.send("DELETE", "/api/v1/workspaces/\(workspaceID)", headers: outsider.headers)
            #expect(outsiderDelete.status == 404)

            let deleting = try await http.send("DELETE", "/api/v1/workspaces/\(workspaceID)", headers: alice.headers)
            #expect(deleting.status == 202, "\(deleting.text)")
            let gone = try await Self.waitForWorkspace(http, workspaceID, token: alice.token) { $0.status == 404 }
            #expect(gone.errorCode == "not_found")
            let after = try await http.send("GET", "/api/v1/organizations/\(organizationID)/workspaces", headers: alice.headers)
            #expect(after.status == 200)
            #expect((after.json["workspaces"] as? [[String: Any]] ?? []).isEmpty, "\(after.text)")
            #expect(!FileManager.default.fileExists(atPath: manifests.path), "the workspace's manifests were removed")
        }
    }

    struct SignedIn {
        let id: String
        let token: String
        var headers: [String: String] { ["Authorization": "Bearer \(token)"] }
    }

    /// Signs a new user up and in through /api/v1/auth.
    static func signedIn(_ http: HTTPTestClient, _ name: String) async throws -> SignedIn {
        let email = "\(name)-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let signUp = try await http.send("POST", "/api/v1/auth/signup", json: ["email": email, "password": password, "display_name": name])
        #expect(signUp.status == 201, "\(signUp.text)")
        let login = try await http.send("POST", "/api/v1/auth/login", json: ["email": email, "password": password])
        let token = try #require(login.json["access_token"] as? String, "\(login.text)")
        let id = try #require((login.json["user"] as? [String: Any])?["id"] as? String, "\(login.text)")
        return SignedIn(id: id, token: token)
    }

    /// Waits until the workspace service gave the user their personal organization (it learns
    /// of the sign-up from auth's event); returns its id.
    static func waitForPersonalOrganization(_ http: HTTPTestClient, token: String) async throws -> String {
        var personal: String?
        try await waitUntil("the personal organization", timeout: .seconds(30), interval: .milliseconds(100)) {
            let list = try await http.send("GET", "/api/v1/organizations", headers: ["Authorization": "Bearer \(token)"])
            personal = (list.json["organizations"] as? [[String: Any]])?.first { $0["personal"] as? Bool == true }?["id"] as? String
            return personal != nil
        }
        return personal!
    }

    /// Polls GET /api/v1/workspaces/{id} until `done` holds for the answer; returns it.
    static func waitForWorkspace(
        _ http: HTTPTestClient, _ id: String, token: String, _ done: (HTTPTestClient.Response) -> Bool
    ) async throws -> HTTPTestClient.Response {
        var last: HTTPTestClient.Response?
        do {
            try await waitUntil("workspace \(id)", timeout: .seconds(30), interval: .milliseconds(100)) {
                last = try await http.send("GET", "/api/v1/workspaces/\(id)", headers: ["Authorization": "Bearer \(token)"])
                return last.map(done) ?? false
            }
        } catch {
            Issue.record("last answer: \(last?.status ?? 0) \(last?.text ?? "")")
            throw error
        }
        return last!
    }
}
