import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// What every `hxb-*` executable does around its service: process-wide bootstrap (JSON logs,
/// Prometheus metrics) and running the service until SIGTERM/SIGINT, bounded by
/// ``ServiceSettings/shutdownTimeout``. Call these from `main` only: they set global state.
public enum ProcessMain {
    /// Bootstraps swift-log (JSON lines on stdout) and swift-metrics (Prometheus) for the
    /// process; returns the process logger (tagged with the service name) and the registry
    /// that `/metrics` serves.
    public static func bootstrap(service: String, level: Logger.Level) -> (Logger, PrometheusCollectorRegistry) {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var logger = Logger(label: "hxb-\(service)")
        logger[metadataKey: "service"] = "\(service)"
        return (logger, registry)
    }

    /// Runs `service` until a signal asks it to stop, then exits: 0 after a clean shutdown, 1
    /// after an error (logged as one line, e.g. a port in use), instead of a crash report.
    public static func run(_ service: some Service, settings: ServiceSettings, logger: Logger) async -> Never {
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: service)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = settings.shutdownTimeout
        configuration.maximumCancellationDuration = .seconds(5)
        do {
            try await ServiceGroup(configuration: configuration).run()
            exit(0)
        } catch {
            logger.critical("stopped on an error", metadata: ["error": "\(error)"])
            exit(1)
        }
    }
}
