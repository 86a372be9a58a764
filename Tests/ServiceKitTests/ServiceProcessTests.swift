import Foundation
import Prometheus
import ServiceKit
import Synchronization
import Testing
import TestSupport

/// A whole service process: operations HTTP server, NATS, RPC server.
@Suite("Service process")
struct ServiceProcessTests {
    /// A readiness answer the test switches.
    final class Switch: Sendable {
        private let state = Mutex(true)
        var isOn: Bool {
            get { state.withLock { $0 } }
            set { state.withLock { $0 = newValue } }
        }
    }

    static func json(_ response: HTTPTestClient.Response) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
    }

    @Test("/healthz, /readyz and /metrics answer on the bound ops port, and /readyz follows the readiness checks")
    func operationsEndpoints() async throws {
        let url = try TestNATS.url()
        let probeReady = Switch()
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "hxb", subsystem: "test", metricName: "probe", unitName: "total", helpText: "Counts nothing."
        )).increment()
        let description = ServiceDescription.echo("process")
        let process = ServiceProcess(
            description: description,
            settings: ServiceSettings(nats: NATSConfiguration(servers: url, name: "hxb-test-process"), opsHost: "127.0.0.1", opsPort: 0),
            logger: TestLogging.logger("process"), registry: registry
        ) { _ in
            ServiceComponents(
                endpoints: EchoFixture.endpoints(instanceID: "process"),
                readinessChecks: [ReadinessCheck("probe") { probeReady.isOn }]
            )
        }
        let client = try await TestNATS.connect(url: url, name: "hxb-test-process-client")
        do {
            try await withRunningService(process, logger: TestLogging.logger("process-group"), isReady: { true }) { _ in
                let port = try await withTimeout("the operations port") { await process.operationsPort() }
                #expect(port > 0)
                let http = HTTPTestClient(baseURL: "http://127.0.0.1:\(port)")
                try await withTimeout("the process to be ready") { await process.waitUntilReady() }

                let health = try await http.send("GET", "/healthz")
                #expect(health.status == 200)
                #expect(try Self.json(health)["status"] as? String == "ok")

                var ready = try await http.send("GET", "/readyz")
                try await waitUntil("/readyz to pass") {
                    ready = try await http.send("GET", "/readyz")
                    return ready.status == 200
                }
                let readyBody = try Self.json(ready)
                #expect(readyBody["status"] as? String == "ready")
                #expect(readyBody["checks"] as? [String: String] == ["nats": "ok", "rpc": "ok", "probe": "ok"])

                probeReady.isOn = false
                let notReady = try await http.send("GET", "/readyz")
                #expect(notReady.status == 503)
                let notReadyBody = try Self.json(notReady)
                #expect(notReadyBody["status"] as? String == "not_ready")
                #expect((notReadyBody["checks"] as? [String: String])?["probe"] == "failing")
                #expect((notReadyBody["checks"] as? [String: String])?["nats"] == "ok")

                probeReady.isOn = true
                #expect(try await http.send("GET", "/readyz").status == 200)

                let metrics = try await http.send("GET", "/metrics")
                #expect(metrics.status == 200)
                #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
                #expect(metrics.text.contains("hxb_test_probe_total 1"))

                #expect(try await http.send("GET", "/nothing-here").status == 404)

                // The process serves its endpoints and ADR-32 under its own instance id.
                let response = try await RPCClient(connection: client).call(
                    description.subject(for: "Echo"), EchoFixture.request(payload: "via process"), as: EchoResponse.self, timeout: .seconds(30)
                )
                #expect(response.payload == Data("via process".utf8))
                let ping = try await microResponse(client, subject: "$SRV.PING.\(description.name)", instanceID: process.instanceID)
                #expect(ping["name"] as? String == description.name)
            }
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }
}
