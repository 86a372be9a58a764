import Foundation
import Testing
@testable import WorkspaceService

@Suite("Kubernetes connection settings")
struct ProviderKubernetesConnectionTests {
    static let caPEM = "-----BEGIN CERTIFICATE-----\nMIIBdummy\n-----END CERTIFICATE-----\n"

    @Test("a K3s-style kubeconfig: current context, server, CA data and token")
    func kubeconfig() throws {
        let ca = Data(Self.caPEM.utf8).base64EncodedString()
        let text = """
            apiVersion: v1
            clusters:
            - cluster:
                certificate-authority-data: \(ca)
                server: https://127.0.0.1:6443
              name: default
            - cluster:
                server: "https://other:6443"
              name: other
            contexts:
            - context:
                cluster: default
                user: default
              name: default
            current-context: default  # the one K3s writes
            kind: Config
            preferences: {}
            users:
            - name: default
              user:
                token: 'secret-token'
            """
        let connection = try KubernetesConnection.kubeconfig(text: text, relativeTo: URL(fileURLWithPath: "/"))
        #expect(connection.serverURL == "https://127.0.0.1:6443")
        #expect(connection.bearerToken == "secret-token")
        #expect(connection.certificateAuthorityPEM == Self.caPEM)
        #expect(!connection.description.contains("secret-token"))
    }

    @Test("file references are read relative to the kubeconfig; an exec user is refused")
    func files() throws {
        let folder = try RenderingFixtures.temporaryFolder("kubeconfig")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(Self.caPEM.utf8).write(to: folder.appendingPathComponent("ca.crt"))
        try Data("file-token\n".utf8).write(to: folder.appendingPathComponent("token"))
        let path = folder.appendingPathComponent("config").path
        try Data("""
            current-context: c
            contexts:
              - name: c
                context: {cluster: x, user: u}
            """.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ClusterProviderError.self) { try KubernetesConnection.kubeconfig(path: path) }
        try Data("""
            current-context: c
            contexts:
              - name: c
                context:
                  cluster: x
                  user: u
            clusters:
              - name: x
                cluster:
                  server: https://k3s.local:6443/
                  certificate-authority: ca.crt
            users:
              - name: u
                user:
                  tokenFile: token
              - name: e
                user:
                  exec:
                    command: aws
            """.utf8).write(to: URL(fileURLWithPath: path))
        let connection = try KubernetesConnection.kubeconfig(path: path)
        #expect(connection.serverURL == "https://k3s.local:6443")
        #expect(connection.bearerToken == "file-token")
        #expect(connection.certificateAuthorityPEM == Self.caPEM)
        let exec = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "user: u\n", with: "user: e\n")
        let error = #expect(throws: ClusterProviderError.self) { try KubernetesConnection.kubeconfig(text: exec, relativeTo: folder) }
        #expect(error?.code == .configuration)
    }

    @Test("in-cluster: service host and port from the environment, token and CA from the mounted files")
    func inCluster() throws {
        let folder = try RenderingFixtures.temporaryFolder("serviceaccount")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("sa-token\n".utf8).write(to: folder.appendingPathComponent("token"))
        try Data(Self.caPEM.utf8).write(to: folder.appendingPathComponent("ca.crt"))
        let connection = try KubernetesConnection.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "10.43.0.1", "KUBERNETES_SERVICE_PORT": "443"], directory: folder.path
        )
        #expect(connection.serverURL == "https://10.43.0.1:443")
        #expect(connection.bearerToken == "sa-token")
        #expect(connection.certificateAuthorityPEM == Self.caPEM)
        let outside = #expect(throws: ClusterProviderError.self) { try KubernetesConnection.inCluster(environment: [:], directory: folder.path) }
        #expect(outside?.isRetryable == false)
    }
}
