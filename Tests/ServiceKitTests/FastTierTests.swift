import Contracts
import Foundation
@testable import ServiceKit
import Testing

/// Logic without I/O: trace context, error codes, reconnect backoff, prefixed ids.
@Suite("Trace context")
struct TraceContextTests {
    @Test("a valid traceparent is parsed into trace id, span id and flags")
    func parsesValidHeader() throws {
        let context = try #require(TraceContext(traceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        #expect(context.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(context.spanID == "00f067aa0ba902b7")
        #expect(context.flags == 1)
        #expect(context.traceParent == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    }

    @Test("flags other than sampled survive a round trip")
    func keepsFlags() throws {
        let unsampled = try #require(TraceContext(traceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"))
        #expect(unsampled.flags == 0)
        #expect(unsampled.traceParent.hasSuffix("-00"))
        let high = try #require(TraceContext(traceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-a3"))
        #expect(high.flags == 0xA3)
        #expect(high.traceParent.hasSuffix("-a3"))
    }

    @Test("uppercase hex is accepted and normalised, so what is forwarded is always lowercase")
    func normalisesUppercase() throws {
        let context = try #require(TraceContext(traceParent: "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01"))
        #expect(context.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(context.spanID == "00f067aa0ba902b7")
        #expect(context.traceParent == context.traceParent.lowercased())
    }

    @Test("malformed headers are rejected", arguments: [
        "",
        "garbage",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e47366-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
        "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz",
        "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
        " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    ])
    func rejectsMalformed(header: String) {
        #expect(TraceContext(traceParent: header) == nil)
    }

    @Test("a later version's extra fields are accepted and ignored; junk after the flags is not")
    func laterVersionFields() throws {
        let later = try #require(TraceContext(traceParent: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-ab12-"))
        #expect(later.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(later.traceParent == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        #expect(TraceContext(traceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x") == nil)
        #expect(TraceContext(traceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-zz") == nil)
        #expect(TraceContext(traceParent: "FF-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01") == nil)
    }

    @Test("all-zero trace or span ids are invalid")
    func rejectsAllZeroIDs() {
        #expect(TraceContext(traceParent: "00-00000000000000000000000000000000-00f067aa0ba902b7-01") == nil)
        #expect(TraceContext(traceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01") == nil)
    }

    @Test("only ASCII hex digits are accepted (not fullwidth digits, which Character.isHexDigit allows)")
    func rejectsNonASCIIHexDigits() {
        // U+FF11 FULLWIDTH DIGIT ONE in the trace id, U+FF41 FULLWIDTH LATIN SMALL LETTER A in the span id.
        #expect(TraceContext(traceParent: "00-\u{FF11}bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01") == nil)
        #expect(TraceContext(traceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b\u{FF41}-01") == nil)
    }

    @Test("a new root has well-formed random ids, and a child keeps the trace with a new span")
    func newRootAndChild() throws {
        let root = TraceContext()
        #expect(root.traceID.count == 32)
        #expect(root.spanID.count == 16)
        #expect(root.traceID.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(root.spanID.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(TraceContext(traceParent: root.traceParent) == root)
        #expect(TraceContext().traceID != root.traceID)

        // Ids come from one process-wide generator: many draws, no repeats, all well-formed.
        let many = (0..<10_000).map { _ in RequestID.make() }
        #expect(Set(many).count == many.count)
        #expect(many.allSatisfy { $0.utf8.count == 32 && $0.allSatisfy { "0123456789abcdef".contains($0) } })

        let child = root.child()
        #expect(child.traceID == root.traceID)
        #expect(child.spanID != root.spanID)
        #expect(child.flags == root.flags)
    }
}

@Suite("Service error codes")
struct ServiceErrorCodeTests {
    @Test("every known status maps to its code", arguments: [
        (400, "invalid_argument"), (401, "unauthenticated"), (403, "permission_denied"), (404, "not_found"),
        (405, "method_not_allowed"), (409, "conflict"), (412, "failed_precondition"), (413, "payload_too_large"),
        (422, "unprocessable_entity"), (429, "rate_limited"), (500, "internal"), (503, "unavailable"),
        (504, "deadline_exceeded"),
    ])
    func knownStatuses(status: Int, name: String) {
        let code = ServiceError.Code(status: status)
        #expect(code.status == status)
        #expect(code.name == name)
    }

    @Test("unknown 4xx statuses become invalid_argument, anything else internal", arguments: [
        (418, 400), (499, 400), (402, 400), (200, 500), (0, 500), (-1, 500), (501, 500), (599, 500), (302, 500),
    ])
    func unknownStatuses(status: Int, expected: Int) {
        #expect(ServiceError.Code(status: status).status == expected)
    }

    @Test("wrapping keeps a ServiceError, turns cancellation into 503 and anything else into an opaque 500")
    func wrapping() {
        let original = ServiceError(.notFound, "No such workspace.")
        #expect(ServiceError(wrapping: original).code == .notFound)
        #expect(ServiceError(wrapping: CancellationError()).code == .unavailable)
        let wrapped = ServiceError(wrapping: SecretLeakingError())
        #expect(wrapped.code == .internalError)
        #expect(wrapped.message == "Internal error.")
        #expect(!wrapped.description.contains("hunter2"))
        #expect(wrapped.cause is SecretLeakingError)
    }

    @Test("an error type can declare its RPC meaning")
    func convertible() {
        struct Duplicate: ServiceErrorConvertible {
            var serviceError: ServiceError { ServiceError(.conflict, "Already exists.") }
        }
        #expect(ServiceError(wrapping: Duplicate()).code == .conflict)
    }

    @Test("error replies carry a single-line message header")
    func errorMessageHeadersAreSingleLine() {
        let message = RPCServer.errorMessage(ServiceError(.invalidArgument, "line one\r\nline two"), subject: "_INBOX.x", requestID: "r1")
        #expect(message.headers["Nats-Service-Error"] == "line one  line two")
        #expect(message.headers["Nats-Service-Error-Code"] == "400")
        #expect(message.headers["Hxb-Request-Id"] == "r1")
    }
}

@Suite("RPC client error decoding")
struct RPCClientErrorDecodingTests {
    func reply(headers: [String: String], detail: Hexabase_Common_V1_ErrorDetail? = nil) throws -> NATSMessage {
        NATSMessage(subject: "_INBOX.x", payload: try detail?.serializedBytes() ?? [], headers: headers)
    }

    @Test("the header message wins, and violations come from the ErrorDetail body")
    func headerAndBody() throws {
        var detail = Hexabase_Common_V1_ErrorDetail()
        detail.message = "body message"
        var violation = Hexabase_Common_V1_FieldViolation()
        violation.field = "email"
        violation.description_p = "is not an address"
        detail.fieldViolations = [violation]
        let error = RPCClient.decodeError(codeText: "422", reply: try reply(headers: ["Nats-Service-Error": "header message"], detail: detail))
        #expect(error.code == .unprocessableEntity)
        #expect(error.message == "header message")
        #expect(error.fieldViolations == [ServiceError.FieldViolation(field: "email", description: "is not an address")])
        #expect(error.reason == nil)
    }

    @Test("without a message header, the body's message is used, else a generic one")
    func fallbackMessages() throws {
        var detail = Hexabase_Common_V1_ErrorDetail()
        detail.message = "body message"
        #expect(RPCClient.decodeError(codeText: "404", reply: try reply(headers: [:], detail: detail)).message == "body message")
        let bare = RPCClient.decodeError(codeText: "404", reply: try reply(headers: [:]))
        #expect(bare.code == .notFound)
        #expect(bare.message == "Error 404.")
    }

    @Test("a code that is not a number is a 500")
    func garbageCode() throws {
        #expect(RPCClient.decodeError(codeText: "teapot", reply: try reply(headers: [:])).code == .internalError)
    }

    @Test("a 504 from the callee is a timeout, like the client's own, so the reason does not depend on who noticed first")
    func calleeDeadlineIsTimeout() throws {
        let error = RPCClient.decodeError(codeText: "504", reply: try reply(headers: ["Nats-Service-Error": "The request did not complete before its deadline."]))
        #expect(error.code == .deadlineExceeded)
        #expect(error.reason == .timeout)
        #expect(RPCClient.decodeError(codeText: "503", reply: try reply(headers: [:])).reason == nil, "a service's own 503 is not a no-responders")
    }
}

@Suite("Reconnect policy")
struct ReconnectPolicyTests {
    let policy = ReconnectPolicy(baseDelay: .milliseconds(100), maxDelay: .seconds(5))

    @Test("delays double per attempt from the base delay")
    func growsExponentially() {
        let delays = (1...6).map { policy.delay(afterAttempts: $0, jitter: 0) }
        #expect(delays == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600), .milliseconds(3200)])
    }

    @Test("delays are capped at the maximum, even after very many attempts")
    func isCapped() {
        #expect(policy.delay(afterAttempts: 7, jitter: 0) == .seconds(5))
        #expect(policy.delay(afterAttempts: 64, jitter: 0) == .seconds(5))
        #expect(policy.delay(afterAttempts: 1_000_000, jitter: 0) == .seconds(5))
        #expect(policy.delay(afterAttempts: Int.max, jitter: 0) == .seconds(5))
    }

    @Test("attempt zero or below waits the base delay")
    func zeroAttempts() {
        #expect(policy.delay(afterAttempts: 0, jitter: 0) == .milliseconds(100))
        #expect(policy.delay(afterAttempts: -3, jitter: 0) == .milliseconds(100))
    }

    @Test("jitter adds at most 20 percent")
    func jitter() {
        // Duration × Double rounds: compare within a microsecond.
        func close(_ lhs: Duration, _ rhs: Duration) -> Bool {
            (lhs > rhs ? lhs - rhs : rhs - lhs) < .microseconds(1)
        }
        #expect(close(policy.delay(afterAttempts: 1, jitter: 0.2), .milliseconds(120)))
        #expect(close(policy.delay(afterAttempts: 10, jitter: 0.2), .seconds(6)))
        for attempt in 1...12 {
            let plain = policy.delay(afterAttempts: attempt, jitter: 0)
            let random = policy.delay(afterAttempts: attempt)
            #expect(random >= plain)
            #expect(random <= plain * 1.2 + .microseconds(1))
        }
    }

    @Test("the policy reads its delays from the NATS configuration")
    func fromConfiguration() {
        let configured = ReconnectPolicy(NATSConfiguration(reconnectBaseDelay: .milliseconds(10), maxReconnectDelay: .milliseconds(50), drainTimeout: .seconds(3)))
        #expect(configured.delay(afterAttempts: 1, jitter: 0) == .milliseconds(10))
        #expect(configured.delay(afterAttempts: 4, jitter: 0) == .milliseconds(50))
        #expect(configured.drainTimeout == .seconds(3))
    }

    @Test("durations convert to whole milliseconds for libnats")
    func wholeMilliseconds() {
        #expect(Duration.milliseconds(1500).wholeMilliseconds == 1500)
        #expect(Duration.microseconds(1999).wholeMilliseconds == 1)
        #expect(Duration.seconds(30).wholeMilliseconds == 30_000)
    }
}

@Suite("Prefixed ids")
struct PrefixedIDTests {
    @Test("ids have the prefix, a dash and a lowercase UUID")
    func shape() throws {
        let id = PrefixedID.make("usr")
        #expect(id.hasPrefix("usr-"))
        let uuidText = String(id.dropFirst(4))
        #expect(uuidText.count == 36)
        #expect(uuidText == uuidText.lowercased())
        #expect(UUID(uuidString: uuidText) != nil)
        #expect(PrefixedID.isValid(id, prefix: "usr"))
        #expect(!PrefixedID.isValid(id, prefix: "wsp"))
        #expect(!PrefixedID.isValid("usr-not-a-uuid", prefix: "usr"))
        #expect(!PrefixedID.isValid("usr", prefix: "usr"))
    }

    @Test("the UUID is version 7 with the RFC 9562 variant")
    func versionAndVariant() {
        for _ in 0..<100 {
            let uuidText = String(PrefixedID.make("wsp").dropFirst(4))
            let characters = Array(uuidText)
            #expect(characters[14] == "7", "version nibble of \(uuidText)")
            #expect("89ab".contains(characters[19]), "variant of \(uuidText)")
        }
    }

    @Test("the first 48 bits are the creation time in Unix milliseconds")
    func embedsTimestamp() {
        let date = Date(timeIntervalSince1970: 1_700_000_000.123)
        let uuid = PrefixedID.uuidV7(now: date).uuid
        let bytes = [uuid.0, uuid.1, uuid.2, uuid.3, uuid.4, uuid.5]
        let milliseconds = bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(milliseconds == 1_700_000_000_123)
    }

    @Test("ids made later sort after ids made earlier")
    func timeOrdered() {
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let ids = (0..<200).map { PrefixedID.make("evt", now: start.addingTimeInterval(Double($0) * 0.002)) }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
    }

    @Test("ids made in the same millisecond are still unique")
    func uniqueWithinMillisecond() {
        let now = Date()
        let ids = (0..<1000).map { _ in PrefixedID.make("req", now: now) }
        #expect(Set(ids).count == ids.count)
    }
}
