import Foundation

/// Renders the kubeconfig a member downloads for a workspace: the vCluster's API server and an
/// exec credential plugin (kubelogin, `kubectl oidc-login`) that signs the member in through
/// the platform's OIDC issuer. It never contains a credential: tokens are fetched and cached by
/// the plugin on the member's machine.
public struct KubeconfigRenderer: Sendable {
    /// The server URL, with `{workspace_id}` and `{workspace_name}` replaced, e.g.
    /// `https://{workspace_id}.k.example.com`.
    public var serverURLTemplate: String
    /// The PEM CA bundle of the virtual API servers' certificates, if not publicly trusted.
    public var certificateAuthorityPEM: String?
    /// The OIDC issuer URL (auth's public issuer).
    public var issuer: String

    /// A renderer for one platform.
    public init(serverURLTemplate: String, issuer: String, certificateAuthorityPEM: String? = nil) {
        self.serverURLTemplate = serverURLTemplate
        self.issuer = issuer
        self.certificateAuthorityPEM = certificateAuthorityPEM
    }

    /// The server URL of `workspace`.
    public func serverURL(for workspace: Workspace) -> String {
        serverURLTemplate
            .replacing("{workspace_id}", with: workspace.id)
            .replacing("{workspace_name}", with: workspace.name)
    }

    /// The kubeconfig YAML for `userName` (names the user entry only) and `workspace`.
    public func render(workspace: Workspace, userName: String) -> String {
        let contextName = workspace.name
        let userEntry = "\(userName)@\(workspace.name)"
        var cluster: [String: JSONValue] = ["server": .string(serverURL(for: workspace))]
        if let certificateAuthorityPEM {
            cluster["certificate-authority-data"] = .string(Data(certificateAuthorityPEM.utf8).base64EncodedString())
        }
        let exec: JSONValue = [
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": "kubectl",
            "args": .strings([
                "oidc-login", "get-token",
                "--oidc-issuer-url=" + issuer,
                "--oidc-client-id=" + workspace.oidcClientID,
                "--oidc-extra-scope=email",
                "--oidc-extra-scope=groups",
            ]),
            "interactiveMode": "IfAvailable",
            "provideClusterInfo": false,
        ]
        return YAMLWriter.document([
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [["name": .string(contextName), "cluster": .object(cluster)]],
            "users": [["name": .string(userEntry), "user": ["exec": exec]]],
            "contexts": [["name": .string(contextName), "context": ["cluster": .string(contextName), "user": .string(userEntry)]]],
            "current-context": .string(contextName),
            "preferences": [:],
        ])
    }
}
