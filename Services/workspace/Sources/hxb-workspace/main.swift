// hxb-workspace: the workspace service process. Configuration: flags, HXB_* environment,
// HXB_CONFIG_FILE (docs/operations.md).
import ServiceKit
import WorkspaceService

let configuration = try WorkspaceConfiguration(reading: try await ConfigurationLoader.load())
let (logger, registry) = ProcessMain.bootstrap(service: "workspace", level: configuration.service.logLevel)
await ProcessMain.run(
    buildWorkspaceService(configuration: configuration, logger: logger, registry: registry),
    settings: configuration.service, logger: logger
)
