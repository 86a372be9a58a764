import AuthKit
import Contracts
import Foundation
import HTTPClientKit
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
///
/// Records flow: `Ingest`/`IngestWorkload` (or another service's outbox) → JetStream
/// `HXB_LOGS` → ``IngestConsumer`` → the ``LogStore``. Reads go to the store directly.
public func buildLoggingService(
    configuration: LoggingConfiguration, logger: Logger, registry: PrometheusCollectorRegistry? = nil
) -> ServiceProcess {
    ServiceProcess(description: loggingServiceDescription, settings: configuration.service, logger: logger, registry: registry) { connection in
        let rpc = RPCClient(connection: connection)
        let pool = try await configuration.database.open(service: "logging", migrations: embeddedSQLFiles, logger: logger)
        do {
            let records = try makeLogStore(configuration, pool: pool, logger: logger)
            try await records.prepare()
            let state = LoggingStore(pool: pool)
            let retention = RetentionBook(pool: pool, configuration: configuration)
            let signal = AppendSignal()
            let appended = try connection.subscribe(subject: AppendSignal.subject) { _ in signal.ring() }
            let publisher = IngestPublisher(publisher: try EventPublisher(connection: connection, stream: .logs))
            let consumer = IngestConsumer(
                store: records, retention: retention, signal: signal,
                broadcast: { try? connection.publish(NATSMessage(subject: AppendSignal.subject, payload: [])) },
                logger: logger
            )
            let api = LoggingAPI(
                records: records, store: state,
                access: TenantAccess(
                    client: rpc,
                    tokens: ServiceTokenSource(client: rpc, clientID: configuration.authClientID, clientSecret: configuration.authClientSecret)
                ),
                publisher: publisher, retention: retention, signal: signal,
                tokens: IngestionTokenCache(store: state), tailMaxWait: configuration.tailMaxWait
            )
            let relay = OutboxRelay.events(
                pool: pool, logger: logger, publisher: try EventPublisher(connection: connection),
                audit: try EventPublisher(connection: connection, stream: .logs)
            )
            let verifier = TokenVerifier(source: NATSJWKSSource(client: rpc), issuer: configuration.issuer, audience: configuration.audience, logger: logger)
            return ServiceComponents(
                endpoints: api.endpoints,
                authenticator: verifier,
                readinessChecks: [ReadinessCheck("postgres") { await pool.ping() }],
                services: [
                    EventConsumer(
                        connection: connection, configuration: IngestConsumer.configuration(batch: configuration.ingestBatchMessages, ackWait: configuration.ingestAckWait),
                        logger: logger, batchHandler: { messages in
                            // What storing logs logs is not shipped back into the stream it reads.
                            try await LogShipper.$isSuppressed.withValue(true) { try await consumer.handle(messages) }
                        }
                    ),
                    PeriodicJob(name: "outbox", interval: .milliseconds(250), logger: logger) { try await relay.runOnce() },
                    PeriodicJob(name: "retention", interval: configuration.retentionInterval, logger: logger) {
                        let dropped = try await records.dropExpired(now: Date())
                        if !dropped.isEmpty { logger.info("retention: dropped expired records", metadata: ["dropped": "\(dropped.joined(separator: ","))"]) }
                        let purged = try await retention.purgeShortened(records, now: Date())
                        if purged > 0 { logger.info("retention: deleted records beyond a shortened retention", metadata: ["records": "\(purged)"]) }
                        // Batch ids are needed only while the stream may redeliver (7 days).
                        _ = try await LoggingStore.pruneBatches(pool: pool, olderThan: .seconds(8 * 24 * 3600))
                        _ = try await relay.deleteSent(olderThan: .seconds(24 * 3600))
                    },
                ] + records.workers,
                onShutdown: {
                    appended.unsubscribe()
                    await pool.close()
                }
            )
        } catch {
            await pool.close()
            throw error
        }
    }
}

/// The configured record store.
func makeLogStore(_ configuration: LoggingConfiguration, pool: PostgresPool, logger: Logger) throws -> any LogStore {
    switch configuration.storage {
    case .postgres:
        return PostgresLogStore(pool: pool, logger: logger)
    case .clickhouse:
        guard let settings = configuration.clickHouse else {
            throw ConfigurationError("logging.storage is clickhouse but logging.clickhouse.url is not set")
        }
        // A page of 1,000 records of up to 32 KiB messages: well over the default 1 MiB.
        let http = CurlHTTPClient(configuration: .init(timeout: .seconds(30), maximumResponseBodySize: 64 << 20))
        return ClickHouseLogStore(settings: settings, http: http, logger: logger)
    }
}
