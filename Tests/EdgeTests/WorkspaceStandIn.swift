import ServiceKit
import TestSupport

/// A stand-in for the workspace service (that service comes with its own issue): a
/// `ServiceProcess` named `workspace` on `nats`, answering only `endpoints`.
enum WorkspaceStandIn {
    static func process(nats: String, endpoints: [Endpoint]) -> ServiceProcess {
        ServiceProcess(
            description: ServiceDescription(name: "workspace", version: "0.0.0-test", description: "stand-in"),
            settings: ServiceSettings(nats: NATSConfiguration(servers: nats), opsPort: 0),
            logger: TestLogging.logger("workspace"), registry: nil
        ) { _ in
            ServiceComponents(endpoints: endpoints)
        }
    }
}
