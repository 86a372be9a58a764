import AuthKit
import Contracts
import Foundation
import Logging
import Prometheus
import ServiceKit
import ServiceStore
import Store

/// The logging service's description (ADR-32 name `logs`, subjects `hxb.logs.v1.*`).
public let loggingServiceDescription = ServiceDescription(
    name: "logs", version: "0.1.0",
    description: "System, audit and workload logs: durable ingest, tenant-scoped queries, live tail and retention."
)

/// Builds the logging process: used by `hxb-logging`'s `main` and by the tests.
public func buildLoggingService(
    configuration: LoggingConfiguration, logger: Logger, registry: PrometheusCollectorRegistry? = nil
) -> ServiceProcess {
    ServiceProcess(description: loggingServiceDescription, settings: configuration.service, logger: logger, registry: registry) { connection in
        let pool = try await configuration.database.open(service: "logging", migrations: embeddedSQLFiles, logger: logger)
        return ServiceComponents(
            endpoints: [],
            authenticator: nil,
            readinessChecks: [ReadinessCheck("postgres") { await pool.ping() }],
            services: [],
            onShutdown: { await pool.close() }
        )
    }
}
