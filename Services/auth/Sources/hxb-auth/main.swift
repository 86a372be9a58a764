// hxb-auth: the auth service process. Configuration: flags, HXB_* environment, HXB_CONFIG_FILE
// (docs/operations.md).
import AuthService
import ServiceKit

let configuration = try AuthConfiguration(reading: try await ConfigurationLoader.load())
let (logger, registry) = ProcessMain.bootstrap(service: "auth", level: configuration.service.logLevel)
await ProcessMain.run(
    buildAuthService(configuration: configuration, logger: logger, registry: registry),
    settings: configuration.service, logger: logger
)
