import Configuration
import Foundation
import Mail
import ServiceKit
import ServiceStore

/// Everything the workspace process is configured with (docs/operations.md lists the keys).
public struct WorkspaceConfiguration: Sendable {
    /// Which cluster provider applies the desired state.
    public enum ProviderKind: String, Sendable {
        /// YAML into a directory per workspace (optionally a git repository for Flux).
        case manifests
        /// Server-side apply to the host K3s API.
        case kubernetes
    }

    public var service: ServiceSettings
    public var database: DatabaseSettings
    /// auth's public issuer URL: what the vClusters trust and what tokens are checked against.
    public var issuer: String
    public var audience: String
    /// This service's client-credentials client at auth (`HXB_AUTH_SERVICE_CLIENTS` there).
    public var authClientID: String
    public var authClientSecret: String
    /// User ids with every right on the platform.
    public var platformAdmins: Set<String>
    public var provider: ProviderKind
    /// Where the manifests provider writes, and whether it commits to git there.
    public var manifestsDirectory: String
    public var manifestsCommit: Bool
    /// The kubernetes provider's kubeconfig (empty: the in-cluster service account).
    public var kubeconfigPath: String
    /// HNC's release manifest (`default.yaml` of a hierarchical-namespaces release), installed
    /// in every vCluster so that sub-projects are HNC sub-namespaces (empty: plain namespaces).
    public var hncManifestsFile: String
    /// The URL of a workspace's API server in downloaded kubeconfigs: `{workspace_id}` and
    /// `{workspace_name}` are replaced.
    public var kubeServerTemplate: String
    /// PEM CA bundle of those API servers, for the kubeconfigs (empty: the system's CAs).
    public var kubeCAFile: String
    public var usernamePrefix: String
    public var groupsPrefix: String
    /// Where people accept invitations (the token is appended as `?token=`).
    public var invitationURL: String
    public var accessCacheLifetime: Duration
    var retry: RetryPolicy
    public var taskConcurrency: Int
    public var taskLease: Duration
    /// `mail.*`: SMTP, or the log when no SMTP server is set (nil: the log).
    public var mail: MailSettings?

    /// A configuration with the defaults of ``init(reading:)`` (tests and embedders).
    public init(service: ServiceSettings, database: DatabaseSettings, issuer: String, authClientSecret: String, manifestsDirectory: String = "manifests") {
        self.service = service
        self.database = database
        self.issuer = issuer
        audience = "hexabase"
        authClientID = "workspace"
        self.authClientSecret = authClientSecret
        platformAdmins = []
        provider = .manifests
        self.manifestsDirectory = manifestsDirectory
        manifestsCommit = false
        kubeconfigPath = ""
        hncManifestsFile = ""
        kubeServerTemplate = "https://{workspace_id}.kube.localhost:8443"
        kubeCAFile = ""
        usernamePrefix = "hxb:"
        groupsPrefix = "hxb:"
        invitationURL = issuer + "/invitations/accept"
        accessCacheLifetime = .seconds(5)
        retry = RetryPolicy()
        taskConcurrency = 4
        taskLease = .seconds(30)
        mail = nil
    }

    public init(reading config: ConfigReader) throws {
        func milliseconds(_ key: String, _ fallback: Int) -> Duration { .milliseconds(config.int(forKey: ConfigKey(key), default: fallback)) }
        service = ServiceSettings(reading: config, service: "workspace", defaultOpsPort: 9102)
        database = DatabaseSettings(reading: config, defaultSchema: "workspace")
        issuer = config.string(forKey: "issuer", default: "http://127.0.0.1:8080")
        audience = config.string(forKey: "audience", default: "hexabase")
        authClientID = config.string(forKey: "workspace.auth.client.id", default: "workspace")
        authClientSecret = config.string(forKey: "workspace.auth.client.secret", isSecret: true, default: "")
        platformAdmins = Set(config.string(forKey: "workspace.platform.admins", default: "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        let providerName = config.string(forKey: "workspace.provider", default: "manifests")
        guard let provider = ProviderKind(rawValue: providerName) else {
            throw ConfigurationError("workspace.provider must be manifests or kubernetes, not \(providerName)")
        }
        self.provider = provider
        manifestsDirectory = config.string(forKey: "workspace.manifests.dir", default: "manifests")
        manifestsCommit = config.bool(forKey: "workspace.manifests.git.commit", default: false)
        kubeconfigPath = config.string(forKey: "workspace.kubernetes.kubeconfig", default: "")
        hncManifestsFile = config.string(forKey: "workspace.hnc.manifests.file", default: "")
        kubeServerTemplate = config.string(forKey: "workspace.kube.server.template", default: "https://{workspace_id}.kube.localhost:8443")
        kubeCAFile = config.string(forKey: "workspace.kube.ca.file", default: "")
        usernamePrefix = config.string(forKey: "workspace.oidc.username.prefix", default: "hxb:")
        groupsPrefix = config.string(forKey: "workspace.oidc.groups.prefix", default: "hxb:")
        invitationURL = config.string(forKey: "workspace.invitation.url", default: issuer + "/invitations/accept")
        accessCacheLifetime = milliseconds("workspace.access.cache.ms", 5000)
        retry = RetryPolicy(
            maxAttempts: max(1, config.int(forKey: "workspace.tasks.max.attempts", default: 5)),
            baseDelay: milliseconds("workspace.tasks.retry.base.ms", 2000),
            maxDelay: milliseconds("workspace.tasks.retry.max.ms", 300_000),
            pollInterval: milliseconds("workspace.tasks.poll.ms", 2000)
        )
        taskConcurrency = max(1, config.int(forKey: "workspace.tasks.concurrency", default: 4))
        taskLease = milliseconds("workspace.tasks.lease.ms", 30_000)
        mail = try MailSettings(reading: config)
        guard !authClientSecret.isEmpty else {
            throw ConfigurationError("workspace.auth.client.secret (HXB_WORKSPACE_AUTH_CLIENT_SECRET) is required: the client secret auth knows this service by")
        }
    }
}
