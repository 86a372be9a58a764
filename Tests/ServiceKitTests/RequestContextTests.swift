import Foundation
import ServiceKit
import Testing
import TestSupport

/// What reaches a handler's ``RequestContext``: deadline, token, trace context and request id.
@Suite("Request context over NATS")
struct RequestContextTests {
    static func unixMilliseconds(_ offset: Duration) -> String {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let (seconds, attoseconds) = offset.components
        return String(now + seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    @Test("the caller's deadline reaches the handler as context.deadline")
    func deadlineReachesHandler() async throws {
        try await withEchoService { harness in
            let deadline = ContinuousClock.now + .seconds(20)
            _ = try await harness.echo(metadata: CallMetadata(deadline: deadline), timeout: .seconds(60))
            let context = try #require(harness.probe.contexts.first)
            let received = try #require(context.deadline, "the handler must see the deadline")
            // The deadline crosses processes as Unix milliseconds: equal up to rounding and clock reads.
            let difference = received > deadline ? deadline.duration(to: received) : received.duration(to: deadline)
            #expect(difference < .seconds(1), "sent \(deadline), received \(received)")
        }
    }

    @Test("without a deadline in the metadata, the call's timeout is sent as the deadline")
    func timeoutBecomesDeadline() async throws {
        try await withEchoService { harness in
            let before = ContinuousClock.now
            _ = try await harness.echo(timeout: .seconds(40))
            let context = try #require(harness.probe.contexts.first)
            let received = try #require(context.deadline)
            #expect(received > before + .seconds(30))
            #expect(received < before + .seconds(50))
        }
    }

    @Test("a handler that outlives the Hxb-Deadline is cancelled on the server and the reply is a 504")
    func handlerPastDeadlineIsCancelled() async throws {
        try await withEchoService { harness in
            let body = try EchoFixture.request(delayMs: 60_000).serializedBytes() as [UInt8]
            let reply = try await harness.clientConnection.request(
                NATSMessage(subject: harness.subject("Echo"), payload: body, headers: ["Hxb-Deadline": Self.unixMilliseconds(.milliseconds(300))]),
                timeout: .seconds(30)
            )
            #expect(reply.headers["Nats-Service-Error-Code"] == "504")
            #expect(harness.probe.started == 1)
            try await waitUntil("the handler to see its cancellation") { harness.probe.cancelled == 1 }
        }
    }

    @Test("a call whose deadline passes while the handler runs fails with 504")
    func clientCallPastDeadline() async throws {
        try await withEchoService { harness in
            let error = try await expectServiceError { () async throws(ServiceError) in
                _ = try await harness.echo(
                    EchoFixture.request(delayMs: 60_000),
                    metadata: CallMetadata(deadline: .now + .milliseconds(300)), timeout: .seconds(60)
                )
            }
            #expect(error.code == .deadlineExceeded)
            try await waitUntil("the handler to be cancelled at the deadline") { harness.probe.cancelled == 1 }
        }
    }

    @Test("a request whose deadline already passed is answered with 504 and not handled")
    func expiredRequestIsNotHandled() async throws {
        try await withEchoService { harness in
            let body = try EchoFixture.request().serializedBytes() as [UInt8]
            let reply = try await harness.clientConnection.request(
                NATSMessage(subject: harness.subject("Echo"), payload: body, headers: ["Hxb-Deadline": Self.unixMilliseconds(.seconds(-5))]),
                timeout: .seconds(30)
            )
            #expect(reply.headers["Nats-Service-Error-Code"] == "504")
            #expect(harness.probe.started == 0)
            // The server still serves requests that are in time.
            _ = try await harness.echo()
            #expect(harness.probe.started == 1)
        }
    }

    @Test("Authorization, traceparent and Hxb-Request-Id reach the handler's context")
    func headersPropagate() async throws {
        try await withEchoService { harness in
            let trace = try #require(TraceContext(traceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
            let metadata = CallMetadata(authorization: "Bearer token-abc.def.ghi", trace: trace, requestID: "req-propagation-1")
            _ = try await harness.echo(metadata: metadata)
            let context = try #require(harness.probe.contexts.first)
            #expect(context.bearerToken == "token-abc.def.ghi")
            #expect(context.requestID == "req-propagation-1")
            #expect(context.trace.traceID == "4bf92f3577b34da6a3ce929d0e0e4736", "same trace")
            #expect(context.trace.spanID != "00f067aa0ba902b7", "a new span for this hop")
            #expect(context.trace.spanID.count == 16)
            #expect(context.trace.flags == 1)
            #expect(context.headers["Authorization"] == "Bearer token-abc.def.ghi")

            let forwarded = context.forwarded
            #expect(forwarded.authorization == "Bearer token-abc.def.ghi")
            #expect(forwarded.requestID == "req-propagation-1")
            #expect(forwarded.trace?.traceID == trace.traceID)
            #expect(forwarded.deadline == context.deadline)
        }
    }

    @Test("a call without metadata still gets a request id and a fresh trace, and no token")
    func missingHeadersAreGenerated() async throws {
        try await withEchoService { harness in
            _ = try await harness.echo()
            let context = try #require(harness.probe.contexts.first)
            #expect(context.bearerToken == nil)
            #expect(!context.requestID.isEmpty)
            #expect(context.trace.traceID.count == 32)
            #expect(context.trace.traceID != String(repeating: "0", count: 32))
        }
    }

    @Test("a malformed traceparent starts a new trace instead of failing the request")
    func malformedTraceParentStartsNewTrace() async throws {
        try await withEchoService { harness in
            let body = try EchoFixture.request().serializedBytes() as [UInt8]
            let reply = try await harness.clientConnection.request(
                NATSMessage(subject: harness.subject("Echo"), payload: body, headers: ["traceparent": "00-zzzz-not-a-trace", "Authorization": "Basic dXNlcjpwYXNz"]),
                timeout: .seconds(30)
            )
            #expect(reply.headers["Nats-Service-Error-Code"] == nil)
            let context = try #require(harness.probe.contexts.first)
            #expect(context.trace.traceID.count == 32)
            #expect(context.bearerToken == nil, "only a Bearer authorization yields a bearer token")
        }
    }
}
