import Foundation
import HTTPClientKit
import ServiceKit
import ServiceStore
import Testing
import TestSupport
@testable import WorkspaceService

/// The configured Kubernetes provider (`makeClusterProvider` from a kubeconfig file, as
/// `hxb-workspace` builds it) against `Tests/Fixtures/fake_kube_apiserver.py` serving TLS with
/// a certificate of its own CA, as a K3s API server does: the kubeconfig's CA is trusted and
/// the system store is not, and a client certificate authenticates without a token.
@Suite("Kubernetes provider over TLS")
struct ProviderKubernetesTLSTests {
    static let token = ProviderKubernetesTests.token

    /// A fake API server on TLS with `certificate` (which also signs accepted client certificates).
    private static func withTLSServer(_ certificate: SelfSignedCertificate, _ body: (PythonServer) async throws -> Void) async throws {
        try await ProviderKubernetesTests.withFakeAPIServer(arguments: [
            "--cert", certificate.certificateFile, "--key", certificate.keyFile, "--client-ca", certificate.certificateFile,
        ], body)
    }

    /// The provider `hxb-workspace` would build from a kubeconfig with `cluster` and `user` entries.
    private static func provider(cluster: [String: String], user: [String: String]) throws -> any ClusterProvider {
        let folder = try RenderingFixtures.temporaryFolder("kubeconfig-tls")
        let path = folder.appendingPathComponent("config").path
        func block(_ entries: [String: String]) -> String {
            entries.sorted { $0.key < $1.key }.map { "      \($0.key): '\($0.value)'" }.joined(separator: "\n")
        }
        try """
            apiVersion: v1
            kind: Config
            current-context: host
            clusters:
              - name: host
                cluster:
            \(block(cluster))
            users:
              - name: hexabase
                user:
            \(block(user))
            contexts:
              - name: host
                context:
                  cluster: host
                  user: hexabase
            """.write(toFile: path, atomically: true, encoding: .utf8)
        var configuration = WorkspaceConfiguration(
            service: ServiceSettings(nats: NATSConfiguration(servers: "nats://127.0.0.1:4222")),
            database: DatabaseSettings(url: "postgresql://unused", schema: "unused", poolSize: 1),
            issuer: "https://hexabase.test", authClientSecret: "unused"
        )
        configuration.provider = .kubernetes
        configuration.kubeconfigPath = path
        defer { try? FileManager.default.removeItem(at: folder) }
        return try makeClusterProvider(configuration)
    }

    private static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    @Test("the kubeconfig's CA is trusted: apply over TLS with a token; another CA is refused")
    func certificateAuthorityFromKubeconfig() async throws {
        let certificate = try SelfSignedCertificate.make()
        defer { certificate.remove() }
        try await Self.withTLSServer(certificate) { server in
            let url = "https://127.0.0.1:\(server.port)"
            let provider = try Self.provider(
                cluster: ["server": url, "certificate-authority-data": Self.base64(certificate.certificatePEM)], user: ["token": Self.token]
            )
            try await provider.apply(DesiredStateRenderer.render(RenderingFixtures.snapshot()))

            let other = try SelfSignedCertificate.make()
            defer { other.remove() }
            let untrusting = try Self.provider(
                cluster: ["server": url, "certificate-authority-data": Self.base64(other.certificatePEM)], user: ["token": Self.token]
            )
            await #expect(throws: ClusterProviderError.self) {
                try await untrusting.apply(DesiredStateRenderer.render(RenderingFixtures.snapshot()))
            }
        }
    }

    @Test("a client certificate from the kubeconfig authenticates without a token; none is a 401")
    func clientCertificate() async throws {
        let certificate = try SelfSignedCertificate.make()
        defer { certificate.remove() }
        let client = try certificate.issueClientCertificate(commonName: "system:hexabase-workspace")
        try await Self.withTLSServer(certificate) { server in
            let url = "https://127.0.0.1:\(server.port)"
            let ca = Self.base64(certificate.certificatePEM)
            let provider = try Self.provider(
                cluster: ["server": url, "certificate-authority-data": ca],
                user: ["client-certificate-data": Self.base64(client.certificatePEM), "client-key-data": Self.base64(client.keyPEM)]
            )
            try await provider.apply(DesiredStateRenderer.render(RenderingFixtures.snapshot()))

            let anonymous = try Self.provider(cluster: ["server": url, "certificate-authority-data": ca], user: ["token": "wrong-token"])
            let error = await #expect(throws: ClusterProviderError.self) {
                try await anonymous.apply(DesiredStateRenderer.render(RenderingFixtures.snapshot()))
            }
            #expect(error?.isRetryable == false, "a refused credential is permanent")
        }
    }
}
