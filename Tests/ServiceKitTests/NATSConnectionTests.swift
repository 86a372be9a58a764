import Foundation
import ServiceKit
import Synchronization
import Testing
import TestSupport

/// The libnats wrapper against real nats-server processes.
@Suite("NATS connection")
struct NATSConnectionTests {
    @Test("publish, subscribe and request round-trip with headers")
    func requestReplyWithHeaders() async throws {
        let connection = try await TestNATS.connect()
        let subject = "hxb.test.\(UUID().uuidString.lowercased()).headers"
        let subscription = try connection.subscribe(subject: subject) { message in
            guard let reply = message.reply else { return }
            var headers = message.headers
            headers["X-Seen"] = "yes"
            try? connection.publish(NATSMessage(subject: reply, payload: message.payload.reversed(), headers: headers))
        }
        try await connection.flush()
        let reply = try await connection.request(
            NATSMessage(subject: subject, payload: Array("abc".utf8), headers: ["X-Test": "value 1"]), timeout: .seconds(30)
        )
        #expect(reply.payload == Array("cba".utf8))
        #expect(reply.headers["X-Test"] == "value 1")
        #expect(reply.headers["X-Seen"] == "yes")
        #expect(!reply.isNoResponders)
        await subscription.drain()
        await connection.close()
    }

    @Test("a request to a subject without subscribers reports no responders")
    func requestWithoutSubscribers() async throws {
        let connection = try await TestNATS.connect()
        let reply = try await connection.request(NATSMessage(subject: "hxb.test.\(UUID().uuidString.lowercased()).nobody"), timeout: .seconds(60))
        #expect(reply.isNoResponders)
        await connection.close()
    }

    @Test("a request nobody answers times out with a NATSError timeout")
    func requestTimesOut() async throws {
        let connection = try await TestNATS.connect()
        let subject = "hxb.test.\(UUID().uuidString.lowercased()).silent"
        let subscription = try connection.subscribe(subject: subject) { _ in }
        try await connection.flush()
        do {
            _ = try await connection.request(NATSMessage(subject: subject), timeout: .milliseconds(100))
            Issue.record("the request should have timed out")
        } catch let error as NATSError {
            #expect(error.isTimeout)
        }
        subscription.unsubscribe()
        await connection.close()
    }

    @Test("closing a connection twice returns both times")
    func closeIsIdempotent() async throws {
        let connection = try await TestNATS.connect()
        await connection.close()
        await connection.close()
        #expect(!connection.isConnected)
    }

    @Test("a connection comes back after its server restarts, with its subscriptions")
    func reconnectsAfterServerRestart() async throws {
        let server = try await NATSTestServer.start()
        do {
            let connection = try await TestNATS.connect(url: server.url, name: "hxb-test-reconnect")
            let subject = "hxb.test.reconnect"
            let subscription = try connection.subscribe(subject: subject) { message in
                guard let reply = message.reply else { return }
                try? connection.publish(NATSMessage(subject: reply, payload: message.payload))
            }
            try await connection.flush()
            let first = try await connection.request(NATSMessage(subject: subject, payload: [1]), timeout: .seconds(10))
            #expect(first.payload == [1])

            await server.stop()
            try await waitUntil("the connection to notice the server is gone", timeout: .seconds(30)) { !connection.isConnected }

            try await server.restart()
            try await waitUntil("the connection to reconnect", timeout: .seconds(60)) { connection.isConnected }

            // The subscription made before the restart is live again: a round trip works.
            try await connection.flush(timeout: .seconds(10))
            let second = try await connection.request(NATSMessage(subject: subject, payload: [2]), timeout: .seconds(10))
            #expect(second.payload == [2])
            #expect(!second.isNoResponders)

            subscription.unsubscribe()
            await connection.close(timeout: .seconds(5))
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test("an RPC server keeps serving after its server restarts")
    func rpcServerSurvivesRestart() async throws {
        let server = try await NATSTestServer.start()
        do {
            let serverConnection = try await TestNATS.connect(url: server.url, name: "hxb-test-rpc")
            let clientConnection = try await TestNATS.connect(url: server.url, name: "hxb-test-rpc-client")
            let description = ServiceDescription.echo("restart")
            let instanceID = RPCServer.makeInstanceID()
            let rpcServer = RPCServer(
                description: description, endpoints: EchoFixture.endpoints(instanceID: instanceID),
                connection: serverConnection, authenticator: nil, instanceID: instanceID, logger: TestLogging.logger("rpc")
            )
            let client = RPCClient(connection: clientConnection)
            try await withRunningServer(rpcServer) { _ in
                let before = try await client.call(description.subject(for: "Echo"), EchoFixture.request(), as: EchoResponse.self, timeout: .seconds(10))
                #expect(before.instanceID == instanceID)
                await server.stop()
                try await waitUntil("both connections to notice", timeout: .seconds(30)) {
                    !serverConnection.isConnected && !clientConnection.isConnected
                }
                try await server.restart()
                try await waitUntil("both connections to reconnect", timeout: .seconds(60)) {
                    serverConnection.isConnected && clientConnection.isConnected
                }
                try await serverConnection.flush(timeout: .seconds(10))
                let after = try await client.call(description.subject(for: "Echo"), EchoFixture.request(payload: "after"), as: EchoResponse.self, timeout: .seconds(10))
                #expect(after.payload == Data("after".utf8))
            }
            await clientConnection.close(timeout: .seconds(5))
            await serverConnection.close(timeout: .seconds(5))
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
