import Logging
import ServiceLifecycle

/// A long-lived worker that runs `work` every `interval` (with up to 10 % jitter, so replicas
/// drift apart) until graceful shutdown. A failing run is logged and the next one happens on
/// schedule. Put it in ``ServiceComponents/services``.
public struct PeriodicJob: Service {
    public let name: String
    public let interval: Duration
    private let logger: Logger
    private let work: @Sendable () async throws -> Void

    public init(name: String, interval: Duration, logger: Logger, work: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.interval = interval
        self.logger = logger
        self.work = work
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await work()
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("periodic job failed", metadata: ["job": "\(name)", "error": "\(error)"])
                }
                let jitter = Double.random(in: 0...0.1)
                do {
                    try await Task.sleep(for: interval + interval * jitter)
                } catch {
                    return
                }
            }
        }
    }
}
