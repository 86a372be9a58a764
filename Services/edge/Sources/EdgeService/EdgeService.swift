import AuthKit
import Hummingbird
import Logging
import Prometheus
import ServiceKit
import ServiceLifecycle
import Synchronization

/// The edge's ADR-32 identity (it serves no RPC endpoints, but answers `$SRV.PING.edge`).
public let edgeServiceDescription = ServiceDescription(
    name: "edge", version: "0.1.0", description: "HTTP edge: REST to NATS request/reply."
)

/// Builds the edge process: used by `hxb-edge`'s `main` and by the tests. `onHTTPPort`
/// receives the bound HTTP port once the server listens.
public func buildEdgeService(
    configuration: EdgeConfiguration, logger: Logger, registry: PrometheusCollectorRegistry? = nil,
    onHTTPPort: @escaping @Sendable (Int) -> Void = { _ in }
) -> ServiceProcess {
    ServiceProcess(description: edgeServiceDescription, settings: configuration.service, logger: logger, registry: registry) { connection in
        let client = RPCClient(connection: connection, defaultTimeout: configuration.requestTimeout)
        let verifier = TokenVerifier(
            source: NATSJWKSSource(client: client), issuer: configuration.issuer,
            audience: configuration.audience, logger: logger
        )
        let builder = EdgeApplicationBuilder(configuration: configuration, client: client, verifier: verifier, logger: logger)
        let application = builder.makeApplication(onPort: { port in
            logger.info("edge listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
            onHTTPPort(port)
        })
        return ServiceComponents(services: [application])
    }
}
