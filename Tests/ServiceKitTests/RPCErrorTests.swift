import Foundation
import ServiceKit
import Testing
import TestSupport

/// How failures travel over NATS (DESIGN §4): ADR-32 error headers plus an `ErrorDetail` body,
/// and how the RPC client turns them (and transport failures) into ``ServiceError``s.
@Suite("RPC errors")
struct RPCErrorTests {
    @Test("a handler's ServiceError becomes Nats-Service-Error headers and an ErrorDetail body with the violations")
    func serviceErrorTravelsAsHeadersAndBody() async throws {
        try await withEchoService { harness in
            let request = try EchoFixture.request().serializedBytes() as [UInt8]
            let reply = try await harness.clientConnection.request(
                NATSMessage(subject: harness.subject("Conflict"), payload: request, headers: ["Hxb-Request-Id": "req-conflict-1"]),
                timeout: .seconds(30)
            )
            #expect(reply.headers["Nats-Service-Error-Code"] == "409")
            #expect(reply.headers["Nats-Service-Error"] == EchoFixture.conflictMessage)
            #expect(reply.headers["Hxb-Request-Id"] == "req-conflict-1")
            let detail = try ErrorDetail(serializedBytes: reply.payload)
            #expect(detail.code == "conflict")
            #expect(detail.message == EchoFixture.conflictMessage)
            #expect(detail.requestID == "req-conflict-1")
            #expect(detail.fieldViolations.map(\.field) == ["name", "slug"])
            #expect(detail.fieldViolations.map(\.description_p) == ["must be unique", "already used by another workspace"])
        }
    }

    @Test("the RPC client surfaces the callee's code, message and field violations")
    func clientSurfacesServiceError() async throws {
        try await withEchoService { harness in
            let error = try await expectServiceError { () async throws(ServiceError) in
                _ = try await harness.client.call(harness.subject("Conflict"), EchoFixture.request(), as: EchoResponse.self, timeout: .seconds(30))
            }
            #expect(error.code == .conflict)
            #expect(error.code.status == 409)
            #expect(error.code.name == "conflict")
            #expect(error.message == EchoFixture.conflictMessage)
            #expect(error.fieldViolations == EchoFixture.conflictViolations)
            #expect(error.reason == nil)
        }
    }

    @Test("any status a handler throws reaches the caller with the same code", arguments: [400, 401, 403, 404, 412, 422, 429, 503])
    func statusCodesRoundTrip(status: Int) async throws {
        try await withEchoService { harness in
            let error = try await expectServiceError { () async throws(ServiceError) in
                _ = try await harness.echo(EchoFixture.request(failWithCode: UInt32(status)))
            }
            #expect(error.code.status == status)
            #expect(error.message == "Echo failed with \(status) as asked.")
            #expect(error.reason == nil, "a 503 sent by a service is not a no-responders")
        }
    }

    @Test("an arbitrary Swift error becomes a 500 'Internal error.' that leaks nothing of the original")
    func arbitraryErrorBecomesOpaque500() async throws {
        try await withEchoService { harness in
            let request = try EchoFixture.request().serializedBytes() as [UInt8]
            let reply = try await harness.clientConnection.request(
                NATSMessage(subject: harness.subject("Crash"), payload: request), timeout: .seconds(30)
            )
            #expect(reply.headers["Nats-Service-Error-Code"] == "500")
            #expect(reply.headers["Nats-Service-Error"] == "Internal error.")
            let detail = try ErrorDetail(serializedBytes: reply.payload)
            #expect(detail.code == "internal")
            #expect(detail.message == "Internal error.")
            #expect(detail.fieldViolations.isEmpty)
            let everything = String(decoding: reply.payload, as: UTF8.self) + reply.headers.values.joined(separator: "\n")
            #expect(!everything.contains("hunter2"))
            #expect(!everything.contains("db.internal"))
            #expect(!everything.contains("SecretLeakingError"))

            let error = try await expectServiceError { () async throws(ServiceError) in
                _ = try await harness.client.call(harness.subject("Crash"), EchoFixture.request(), as: EchoResponse.self, timeout: .seconds(30))
            }
            #expect(error.code == .internalError)
            #expect(error.message == "Internal error.")
            #expect(!"\(error)".contains("hunter2"))
        }
    }

    @Test("a body that is not valid protobuf is a 400, and the server keeps serving")
    func invalidProtobufIsBadRequest() async throws {
        try await withEchoService { harness in
            let reply = try await harness.clientConnection.request(
                NATSMessage(subject: harness.subject("Echo"), payload: [0xFF, 0xFF, 0xFF]), timeout: .seconds(30)
            )
            #expect(reply.headers["Nats-Service-Error-Code"] == "400")
            let message = try #require(reply.headers["Nats-Service-Error"])
            #expect(message.contains("hexabase.diagnostics.v1.EchoRequest"))
            #expect(harness.probe.started == 0, "the handler must not run for an undecodable body")

            let error = try await expectServiceError { () async throws(ServiceError) in
                _ = try await harness.client.callRaw(harness.subject("Echo"), payload: [0xFF, 0xFF, 0xFF], timeout: .seconds(30))
            }
            #expect(error.code == .invalidArgument)

            let response = try await harness.echo(EchoFixture.request(payload: "still alive"))
            #expect(response.payload == Data("still alive".utf8))
            #expect(response.instanceID == harness.server.instanceID)
        }
    }

    @Test("a subject nobody serves fails at once with 503 no-responders, not after the timeout")
    func noRespondersIsNotATimeout() async throws {
        let connection = try await TestNATS.connect()
        let client = RPCClient(connection: connection)
        let subject = "hxb.\(TestNATS.uniqueServiceName("nobody")).v1.Echo"
        // With a timeout this long, a timeout would end the test run long before the expectation;
        // only a no-responders answer comes back at all.
        let error = try await expectServiceError { () async throws(ServiceError) in
            _ = try await client.call(subject, EchoFixture.request(), as: EchoResponse.self, timeout: .seconds(120))
        }
        #expect(error.code == .unavailable)
        #expect(error.code.status == 503)
        #expect(error.reason == .noResponders)
        await connection.close()
    }

    @Test("a handler slower than the call's timeout makes the call fail with 504 timeout")
    func slowHandlerIsATimeout() async throws {
        try await withEchoService { harness in
            let error = try await expectServiceError { () async throws(ServiceError) in
                _ = try await harness.echo(EchoFixture.request(delayMs: 5_000), timeout: .milliseconds(200))
            }
            #expect(error.code == .deadlineExceeded)
            #expect(error.code.status == 504)
            #expect(error.reason == .timeout)
        }
    }

    @Test("a deadline already passed on the caller's side fails before anything is sent")
    func callerSideDeadlinePassed() async throws {
        try await withEchoService { harness in
            let error = try await expectServiceError { () async throws(ServiceError) in
                _ = try await harness.echo(metadata: CallMetadata(deadline: .now - .seconds(1)))
            }
            #expect(error.code == .deadlineExceeded)
            #expect(error.reason == .timeout)
            #expect(harness.probe.started == 0)
        }
    }
}
