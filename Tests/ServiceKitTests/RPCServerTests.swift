import Foundation
import ServiceKit
import Synchronization
import Testing
import TestSupport

/// The RPC server's behaviour under load and at shutdown.
@Suite("RPC server")
struct RPCServerTests {
    @Test("graceful shutdown answers every request already in flight, then the subject has no responders")
    func gracefulShutdownLosesNothing() async throws {
        try await withEchoService { harness in
            let calls = 20
            let outcomes = try await withThrowingTaskGroup(of: Result<EchoResponse, ServiceError>.self) { group in
                for index in 0..<calls {
                    group.addTask {
                        do throws(ServiceError) {
                            return .success(try await harness.echo(EchoFixture.request(payload: "in flight \(index)", delayMs: 300), timeout: .seconds(60)))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                try await waitUntil("all \(calls) requests to be in the handler") { harness.probe.started == calls }
                await harness.running.triggerGracefulShutdown()
                var outcomes: [Result<EchoResponse, ServiceError>] = []
                for try await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            #expect(outcomes.count == calls)
            let payloads = Set(outcomes.compactMap { try? $0.get().payload })
            #expect(payloads == Set((0..<calls).map { Data("in flight \($0)".utf8) }), "every in-flight request got its own reply")
            for case .failure(let error) in outcomes {
                Issue.record("an in-flight request failed during shutdown: \(error)")
            }
            #expect(harness.probe.cancelled == 0, "shutdown must not cancel handlers")

            try await waitUntil("the server to stop") { !harness.server.isReady }
        }
    }

    @Test("after graceful shutdown, a new call gets no-responders")
    func afterShutdownNoResponders() async throws {
        let description = ServiceDescription.echo()
        let client = try await TestNATS.connect()
        let rpc = RPCClient(connection: client)
        try await withEchoService(description) { harness in
            _ = try await harness.echo()
            await harness.running.triggerGracefulShutdown()
            try await waitUntil("the server to stop") { !harness.server.isReady }
        }
        let error = try await expectServiceError { () async throws(ServiceError) in
            _ = try await rpc.call(description.subject(for: "Echo"), EchoFixture.request(), as: EchoResponse.self, timeout: .seconds(60))
        }
        #expect(error.reason == .noResponders)
        await client.close()
    }

    @Test("two replicas in the queue group share the load")
    func replicasShareLoad() async throws {
        let description = ServiceDescription.echo("replicas")
        let url = try TestNATS.url()
        let secondConnection = try await TestNATS.connect(url: url, name: "hxb-test-replica-2")
        let secondID = RPCServer.makeInstanceID()
        let second = RPCServer(
            description: description, endpoints: EchoFixture.endpoints(instanceID: secondID), connection: secondConnection,
            authenticator: nil, instanceID: secondID, logger: TestLogging.logger("replica-2")
        )
        do {
            try await withRunningServer(second) { _ in
                try await withEchoService(description) { harness in
                    let firstID = harness.server.instanceID
                    #expect(firstID != secondID)
                    var counts: [String: Int] = [:]
                    let total = 200
                    for batch in 0..<(total / 20) {
                        let ids = try await withThrowingTaskGroup(of: String.self) { group in
                            for index in 0..<20 {
                                group.addTask {
                                    try await harness.echo(EchoFixture.request(payload: "\(batch)-\(index)")).instanceID
                                }
                            }
                            return try await group.reduce(into: [String]()) { $0.append($1) }
                        }
                        for id in ids { counts[id, default: 0] += 1 }
                    }
                    #expect(Set(counts.keys) == [firstID, secondID])
                    #expect(counts.values.reduce(0, +) == total)
                    for (id, count) in counts {
                        #expect(count > total / 10, "instance \(id) answered only \(count) of \(total)")
                    }
                }
            }
        } catch {
            await secondConnection.close()
            throw error
        }
        await secondConnection.close()
    }

    @Test("maxInFlight bounds how many requests run at once, and every request still succeeds")
    func backPressureBoundsConcurrency() async throws {
        try await withEchoService(maxInFlight: 2) { harness in
            let calls = 20
            let responses = try await withThrowingTaskGroup(of: EchoResponse.self) { group in
                for index in 0..<calls {
                    group.addTask {
                        try await harness.echo(EchoFixture.request(payload: "bp \(index)", delayMs: 50), timeout: .seconds(60))
                    }
                }
                return try await group.reduce(into: [EchoResponse]()) { $0.append($1) }
            }
            #expect(responses.count == calls)
            #expect(Set(responses.map(\.payload)).count == calls)
            #expect(harness.probe.started == calls)
            #expect(harness.probe.maximum <= 2, "observed \(harness.probe.maximum) requests at once")
            #expect(harness.probe.maximum >= 1)
        }
    }
}
