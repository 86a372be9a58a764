import Foundation
import Hummingbird
import Logging
import Prometheus
import Synchronization

/// A named readiness probe: true when the dependency it checks is usable.
public struct ReadinessCheck: Sendable {
    public let name: String
    public let check: @Sendable () async -> Bool
    public init(_ name: String, check: @escaping @Sendable () async -> Bool) {
        self.name = name
        self.check = check
    }
}

/// The operations HTTP server of a service process: `/healthz` (the process is alive),
/// `/readyz` (every readiness check passes: NATS connected, Postgres reachable, migrations
/// done, subscriptions live) and `/metrics` (Prometheus text format).
public enum OperationsServer {
    static func makeRouter(
        checks: @escaping @Sendable () -> [ReadinessCheck], registry: PrometheusCollectorRegistry?
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in
            jsonResponse(.ok, ["status": "ok"])
        }
        router.get("/readyz") { _, _ in
            var results: [String: String] = [:]
            for check in checks() {
                results[check.name] = await check.check() ? "ok" : "failing"
            }
            let ready = !results.isEmpty && results.values.allSatisfy { $0 == "ok" }
            return jsonResponse(ready ? .ok : .serviceUnavailable, ["status": ready ? "ready" : "not_ready", "checks": results])
        }
        router.get("/metrics") { _, _ in
            let bytes = registry?.emitToBuffer() ?? []
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes))
            )
        }
        return router
    }

    /// A JSON response from a dictionary (keys sorted, so output is stable); also used by the edge.
    public static func jsonResponse(_ status: HTTPResponse.Status, _ object: [String: any Sendable]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
