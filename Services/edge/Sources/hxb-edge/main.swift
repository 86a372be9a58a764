// hxb-edge: the HTTP edge process. Configuration: flags, HXB_* environment, HXB_CONFIG_FILE
// (docs/operations.md).
import EdgeService
import ServiceKit

let configuration = EdgeConfiguration(reading: try await ConfigurationLoader.load())
let (logger, registry) = ProcessMain.bootstrap(service: "edge", level: configuration.service.logLevel)
await ProcessMain.run(
    buildEdgeService(configuration: configuration, logger: logger, registry: registry),
    settings: configuration.service, logger: logger
)
