import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// What every `hxb-*` executable does around its service: process-wide bootstrap (JSON logs,
/// Prometheus metrics) and running the service until SIGTERM/SIGINT, bounded by
/// ``ServiceSettings/shutdownTimeout``. Call these from `main` only: they set global state.
public enum ProcessMain {
    /// Bootstraps swift-metrics (Prometheus) and swift-log for the process: JSON lines on
    /// stdout, also shipped to the logging service (``JSONLogHandler`` with a ``LogShipper``; the
    /// ``ServiceProcess`` run with the returned logger sends them over its NATS connection,
    /// configured by ``ServiceSettings/logShipping``), each carrying the request's user and
    /// tenant (``RequestLogContext``). Returns the process logger (tagged with the service
    /// name) and the registry that `/metrics` serves.
    public static func bootstrap(service: String, level: Logger.Level) -> (Logger, PrometheusCollectorRegistry) {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        // After the metrics bootstrap: the shipper's drop counter must reach the registry.
        let shipper = LogShipper(service: service)
        LoggingSystem.bootstrap({ label, provider in
            JSONLogHandler(label: label, level: level, metadataProvider: provider, shipper: shipper)
        }, metadataProvider: RequestLogContext.metadataProvider)
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
