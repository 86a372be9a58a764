import Foundation
import Synchronization

/// Per-endpoint counters for `$SRV.STATS` (ADR-32), updated by the RPC server.
final class ServiceStats: Sendable {
    struct Endpoint: Sendable {
        var requests = 0
        var errors = 0
        var lastError = ""
        var processingNanoseconds: Int64 = 0
    }

    private let endpoints: Mutex<[Endpoint]>
    let started = Date()

    init(endpointCount: Int) {
        endpoints = Mutex(Array(repeating: Endpoint(), count: endpointCount))
    }

    func record(endpoint index: Int, duration: Duration, error: String?) {
        let nanoseconds = duration.wholeNanoseconds
        endpoints.withLock { endpoints in
            endpoints[index].requests += 1
            endpoints[index].processingNanoseconds += nanoseconds
            if let error {
                endpoints[index].errors += 1
                endpoints[index].lastError = error
            }
        }
    }

    func snapshot() -> [Endpoint] { endpoints.withLock { $0 } }

    func reset() {
        endpoints.withLock { endpoints in
            endpoints = Array(repeating: Endpoint(), count: endpoints.count)
        }
    }
}
