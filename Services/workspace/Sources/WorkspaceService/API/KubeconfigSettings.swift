import Foundation
import ServiceKit

/// The kubeconfig renderer as configuration sets it up (server URL template, issuer, CA).
struct KubeconfigSettings: Sendable {
    let renderer: KubeconfigRenderer

    init(configuration: WorkspaceConfiguration) throws {
        var certificateAuthority: String?
        if !configuration.kubeCAFile.isEmpty {
            guard let pem = try? String(contentsOfFile: configuration.kubeCAFile, encoding: .utf8) else {
                throw ConfigurationError("workspace.kube.ca.file \(configuration.kubeCAFile) cannot be read")
            }
            certificateAuthority = pem
        }
        renderer = KubeconfigRenderer(serverURLTemplate: configuration.kubeServerTemplate, issuer: configuration.issuer, certificateAuthorityPEM: certificateAuthority)
    }

    func render(_ workspace: Workspace, userID: String) -> String {
        renderer.render(workspace: workspace, userName: userID)
    }
}
