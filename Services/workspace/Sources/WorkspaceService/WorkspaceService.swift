import AuthKit
import Contracts
import Foundation
import HTTPClientKit
import Logging
import Mail
import Prometheus
import ServiceKit
import ServiceStore
import Store

/// The workspace service's description (ADR-32 name `workspace`, subjects `hxb.workspace.v1.*`).
public let workspaceServiceDescription = ServiceDescription(
    name: "workspace", version: "0.1.0",
    description: "Organizations, workspaces (vClusters), projects, members, groups, roles and access checks."
)

/// Builds the workspace process: used by `hxb-workspace`'s `main` and by the tests.
///
/// `provider` replaces the configured cluster provider and `mailer` the configured mail
/// delivery (tests inject failing providers and capture mails with them).
public func buildWorkspaceService(
    configuration: WorkspaceConfiguration, logger: Logger, registry: PrometheusCollectorRegistry? = nil,
    provider: (any ClusterProvider)? = nil, mailer: (any Mailer)? = nil
) -> ServiceProcess {
    ServiceProcess(description: workspaceServiceDescription, settings: configuration.service, logger: logger, registry: registry) { connection in
        let rpc = RPCClient(connection: connection)
        let provider = try provider ?? makeClusterProvider(configuration)
        let kubeconfig = try KubeconfigSettings(configuration: configuration)
        let hncManifests = try configuration.hncManifestsFile.isEmpty ? nil : readHNCManifests(configuration.hncManifestsFile)
        let pool = try await configuration.database.open(service: "workspace", migrations: embeddedSQLFiles, logger: logger)
        do {
            let bell = WakeUpBell()
            let store = WorkspaceStore(pool: pool, taskAttempts: configuration.retry.maxAttempts, taskQueued: {
                bell.ring()
                try? connection.publish(NATSMessage(subject: TaskWorker.queuedSubject, payload: []))
            })
            let access = AccessControl(
                store: store, platformAdmins: configuration.platformAdmins, timeToLive: configuration.accessCacheLifetime, logger: logger,
                broadcast: { try? connection.publish(NATSMessage(subject: AccessControl.invalidationSubject, payload: [])) }
            )
            let invalidations = try connection.subscribe(subject: AccessControl.invalidationSubject) { _ in access.flushLocal() }
            let rings = try connection.subscribe(subject: TaskWorker.queuedSubject) { _ in bell.ring() }
            let verifier = TokenVerifier(source: NATSJWKSSource(client: rpc), issuer: configuration.issuer, audience: configuration.audience, logger: logger)
            let tokens = ServiceTokenSource(client: rpc, clientID: configuration.authClientID, clientSecret: configuration.authClientSecret)
            let api = WorkspaceAPI(
                store: store, access: access, plans: .standard,
                kubeconfig: { kubeconfig.render($0, userID: $1) }, invitationURL: configuration.invitationURL
            )
            let mailer = mailer ?? configuration.mail?.makeMailer(logger: logger) ?? LogMailer(logger: logger)
            let from = try configuration.mail?.from ?? MailAddress(parsing: MailSettings.defaultFrom)
            let relay = OutboxRelay.events(
                pool: pool, logger: logger, publisher: try EventPublisher(connection: connection),
                audit: try EventPublisher(connection: connection, stream: .logs)
            ) { entry in
                let mail = try JSONDecoder().decode(InvitationMail.self, from: entry.item.payload)
                try await mailer.send(MailMessage(from: from, to: [try MailAddress(mail.to)], subject: mail.subject, textBody: mail.text))
            }
            let welcome = UserWelcome(store: store, logger: logger, onAccessChange: { access.invalidate() })
            let worker = TaskWorker(
                store: store, bell: bell, provider: provider, registrar: AuthClientRegistrar(client: rpc, tokens: tokens),
                snapshots: SnapshotBuilder(
                    plans: .standard, issuer: configuration.issuer, usernamePrefix: configuration.usernamePrefix,
                    groupsPrefix: configuration.groupsPrefix, hncManifests: hncManifests
                ),
                retry: configuration.retry,
                settings: TaskWorker.Settings(concurrency: configuration.taskConcurrency, lease: configuration.taskLease),
                logger: logger, onAccessChange: { access.invalidate() }
            )
            return ServiceComponents(
                endpoints: api.endpoints,
                authenticator: verifier,
                readinessChecks: [ReadinessCheck("postgres") { await pool.ping() }],
                services: [
                    worker,
                    EventConsumer(
                        connection: connection,
                        configuration: EventConsumer.Configuration(name: "workspace-user-created", subject: UserWelcome.subject),
                        logger: logger, handler: welcome.handle
                    ),
                    PeriodicJob(name: "outbox", interval: .milliseconds(250), logger: logger) { try await relay.runOnce() },
                    PeriodicJob(name: "maintenance", interval: .seconds(3600), logger: logger) {
                        _ = try await relay.deleteSent(olderThan: .seconds(24 * 3600))
                    },
                ],
                onShutdown: {
                    invalidations.unsubscribe()
                    rings.unsubscribe()
                    await pool.close()
                }
            )
        } catch {
            await pool.close()
            throw error
        }
    }
}

/// HNC's release manifest from `workspace.hnc.manifests.file`; it must name HNC's
/// SubnamespaceAnchor CRD (so a wrong file is refused at start, not in every vCluster).
func readHNCManifests(_ path: String) throws -> String {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw ConfigurationError("workspace.hnc.manifests.file: \(path) is not a readable text file")
    }
    guard text.contains("subnamespaceanchors.hnc.x-k8s.io") else {
        throw ConfigurationError("workspace.hnc.manifests.file: \(path) does not define HNC's SubnamespaceAnchor CRD (subnamespaceanchors.hnc.x-k8s.io)")
    }
    return text
}

/// The configured cluster provider.
func makeClusterProvider(_ configuration: WorkspaceConfiguration) throws -> any ClusterProvider {
    switch configuration.provider {
    case .manifests:
        return ManifestsProvider(configuration: ManifestsProvider.Configuration(
            root: URL(fileURLWithPath: configuration.manifestsDirectory, isDirectory: true), commitsToGit: configuration.manifestsCommit
        ))
    case .kubernetes:
        let connection = configuration.kubeconfigPath.isEmpty
            ? try KubernetesConnection.inCluster()
            : try KubernetesConnection.kubeconfig(path: configuration.kubeconfigPath)
        return KubernetesProvider(connection: connection, http: CurlHTTPClient(configuration: .init(tls: connection.tls)))
    }
}
