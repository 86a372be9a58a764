// hxb-auth: the auth service process. Configuration: flags, HXB_* environment, HXB_CONFIG_FILE.
import AuthService
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceKit
import ServiceLifecycle

let config = try await ConfigurationLoader.load()
let configuration = AuthConfiguration(reading: config)
LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: configuration.service.logLevel) }
let registry = PrometheusCollectorRegistry()
MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
var logger = Logger(label: "hxb-auth")
logger[metadataKey: "service"] = "auth"

let service = buildAuthService(configuration: configuration, logger: logger, registry: registry)
let group = ServiceGroup(
    configuration: .init(
        services: [.init(service: service)],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger
    )
)
do {
    try await group.run()
} catch {
    // A clear last line instead of a crash report: bad configuration, a port in use, …
    logger.critical("stopped on an error", metadata: ["error": "\(error)"])
    exit(1)
}
