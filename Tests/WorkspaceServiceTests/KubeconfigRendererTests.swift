import Foundation
import Testing
@testable import WorkspaceService

@Suite("Kubeconfig for a workspace")
struct KubeconfigRendererTests {
    let workspace = RenderingFixtures.workspace()

    @Test("server from the template, kubelogin exec plugin, CA data, and no credential")
    func kubeconfig() async throws {
        let renderer = KubeconfigRenderer(
            serverURLTemplate: "https://{workspace_id}.k.hexabase.test:6443/{workspace_name}", issuer: "https://auth.hexabase.test",
            certificateAuthorityPEM: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        )
        let text = renderer.render(workspace: workspace, userName: "alice")
        let config = try #require(try await RenderingFixtures.readWithPyYAML(text).first)
        #expect(config["apiVersion"] == "v1")
        #expect(config["kind"] == "Config")
        #expect(config["current-context"] == "team-a")
        guard case .array(let clusters)? = config["clusters"], case .array(let users)? = config["users"],
              case .array(let contexts)? = config["contexts"]
        else { throw RenderingFixtures.FixtureFailure(output: text) }
        #expect(clusters.first?.value(at: ["cluster", "server"]) == .string("https://\(workspace.id).k.hexabase.test:6443/team-a"))
        let caData = try #require(clusters.first?.value(at: ["cluster", "certificate-authority-data"])?.stringValue)
        #expect(Data(base64Encoded: caData).map { String(decoding: $0, as: UTF8.self) } == renderer.certificateAuthorityPEM)
        #expect(contexts.first?.value(at: ["context", "user"]) == users.first?["name"])
        let exec = try #require(users.first?.value(at: ["user", "exec"]))
        #expect(exec["apiVersion"] == "client.authentication.k8s.io/v1")
        #expect(exec["command"] == "kubectl")
        #expect(exec["interactiveMode"] == "IfAvailable")
        #expect(exec["args"] == .strings([
            "oidc-login", "get-token", "--oidc-issuer-url=https://auth.hexabase.test", "--oidc-client-id=hxb-\(workspace.id)",
            "--oidc-extra-scope=email", "--oidc-extra-scope=groups",
        ]))
        #expect(users.first?["user"]?.objectValue?.keys.sorted() == ["exec"], "no token, password or key")
    }

    @Test("without a CA the cluster entry has no certificate-authority-data")
    func withoutCA() {
        let text = KubeconfigRenderer(serverURLTemplate: "https://{workspace_name}.example", issuer: "https://i").render(workspace: workspace, userName: "bob")
        #expect(!text.contains("certificate-authority"))
        #expect(text.contains("server: https://team-a.example"))
    }
}
