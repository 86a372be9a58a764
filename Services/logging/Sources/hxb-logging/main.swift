// hxb-logging: the logging service process. Configuration: flags, HXB_* environment,
// HXB_CONFIG_FILE (docs/operations.md).
import LoggingService
import ServiceKit

let configuration = try LoggingConfiguration(reading: try await ConfigurationLoader.load())
let (logger, registry) = ProcessMain.bootstrap(service: "logging", level: configuration.service.logLevel)
await ProcessMain.run(
    buildLoggingService(configuration: configuration, logger: logger, registry: registry),
    settings: configuration.service, logger: logger
)
