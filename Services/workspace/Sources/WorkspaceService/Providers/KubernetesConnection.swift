import Foundation
import HTTPClientKit

/// How to reach and authenticate to the host cluster's API server.
///
/// Credentials are kept out of ``description``. TLS: the API server's certificate must chain to
/// ``certificateAuthorityPEM`` when one is given (the cluster's own CA, as kubeconfigs and
/// service accounts carry it), else to the system's store; a client certificate and key, when
/// given, are presented to the server (``tls`` hands all three to `CurlHTTPClient`).
public struct KubernetesConnection: Sendable, CustomStringConvertible {
    /// `https://host:port`, without a trailing slash.
    public var serverURL: String
    /// A bearer token (service account or static token), if that is the authentication.
    public var bearerToken: String?
    /// The PEM CA bundle that signs the API server's certificate, if not the system's.
    public var certificateAuthorityPEM: String?
    /// A PEM client certificate and key, if that is the authentication.
    public var clientCertificatePEM: String?
    /// The PEM private key of ``clientCertificatePEM``.
    public var clientKeyPEM: String?

    /// The TLS material of this connection, for the HTTP client.
    public var tls: HTTPClientTLS {
        HTTPClientTLS(certificateAuthorityPEM: certificateAuthorityPEM, clientCertificatePEM: clientCertificatePEM, clientKeyPEM: clientKeyPEM)
    }

    /// A connection from its parts.
    public init(
        serverURL: String, bearerToken: String? = nil, certificateAuthorityPEM: String? = nil,
        clientCertificatePEM: String? = nil, clientKeyPEM: String? = nil
    ) {
        self.serverURL = serverURL.hasSuffix("/") ? String(serverURL.dropLast()) : serverURL
        self.bearerToken = bearerToken
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
    }

    /// The server and which kinds of credentials are set, never their values.
    public var description: String {
        "KubernetesConnection(\(serverURL), token: \(bearerToken != nil), ca: \(certificateAuthorityPEM != nil), "
            + "client certificate: \(clientCertificatePEM != nil))"
    }

    /// The in-cluster service account: `KUBERNETES_SERVICE_HOST`/`_PORT` and the token and CA
    /// mounted under `directory`.
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        directory: String = "/var/run/secrets/kubernetes.io/serviceaccount"
    ) throws -> KubernetesConnection {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else {
            throw ClusterProviderError(.configuration, "KUBERNETES_SERVICE_HOST is not set: not running in a cluster", isRetryable: false)
        }
        let port = environment["KUBERNETES_SERVICE_PORT"].flatMap { $0.isEmpty ? nil : $0 } ?? "443"
        let bracketed = host.contains(":") ? "[\(host)]" : host
        guard let token = try? String(contentsOfFile: directory + "/token", encoding: .utf8) else {
            throw ClusterProviderError(.configuration, "the service account token is not readable in \(directory)", isRetryable: false)
        }
        return KubernetesConnection(
            serverURL: "https://\(bracketed):\(port)",
            bearerToken: token.trimmingCharacters(in: .whitespacesAndNewlines),
            certificateAuthorityPEM: try? String(contentsOfFile: directory + "/ca.crt", encoding: .utf8)
        )
    }

    /// The cluster and user of `context` (else the current context) of a kubeconfig file.
    /// Supports `server`, `certificate-authority(-data)`, `token`, `tokenFile`,
    /// `client-certificate(-data)` and `client-key(-data)`; exec and auth-provider plugins are
    /// refused.
    public static func kubeconfig(path: String, context: String? = nil) throws -> KubernetesConnection {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ClusterProviderError(.configuration, "the kubeconfig \(path) is not readable", isRetryable: false)
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        return try kubeconfig(text: text, context: context, relativeTo: folder)
    }

    /// Parses kubeconfig text; relative file paths in it are resolved against `folder`.
    public static func kubeconfig(text: String, context: String? = nil, relativeTo folder: URL) throws -> KubernetesConnection {
        func fail(_ message: String) -> ClusterProviderError {
            ClusterProviderError(.configuration, "kubeconfig: " + message, isRetryable: false)
        }
        guard let config = (try? SimpleYAMLReader.parse(text)) ?? nil else { throw fail("not valid YAML") }
        guard let contextName = context ?? config["current-context"]?.stringValue else { throw fail("no current-context") }
        func entry(_ list: String, _ name: String) -> JSONValue? {
            guard case .array(let entries)? = config[list] else { return nil }
            return entries.first { $0["name"]?.stringValue == name }
        }
        guard let contextEntry = entry("contexts", contextName)?["context"] else { throw fail("no context \(contextName)") }
        guard let clusterName = contextEntry["cluster"]?.stringValue, let cluster = entry("clusters", clusterName)?["cluster"],
              let server = cluster["server"]?.stringValue
        else { throw fail("the context's cluster has no server") }
        let user = contextEntry["user"]?.stringValue.flatMap { entry("users", $0)?["user"] } ?? [:]
        if user["exec"] != nil || user["auth-provider"] != nil {
            throw fail("exec and auth-provider credentials are not supported; use a token or a client certificate")
        }
        func material(_ entry: JSONValue, data: String, file: String) throws -> String? {
            if let encoded = entry[data]?.stringValue {
                guard let decoded = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) else { throw fail("\(data) is not base64") }
                return String(decoding: decoded, as: UTF8.self)
            }
            guard let path = entry[file]?.stringValue else { return nil }
            let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : folder.appendingPathComponent(path)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw fail("\(file) is not readable") }
            return text
        }
        let token = try user["token"]?.stringValue ?? material(user, data: "", file: "tokenFile")?.trimmingCharacters(in: .whitespacesAndNewlines)
        return KubernetesConnection(
            serverURL: server,
            bearerToken: token,
            certificateAuthorityPEM: try material(cluster, data: "certificate-authority-data", file: "certificate-authority"),
            clientCertificatePEM: try material(user, data: "client-certificate-data", file: "client-certificate"),
            clientKeyPEM: try material(user, data: "client-key-data", file: "client-key")
        )
    }
}
