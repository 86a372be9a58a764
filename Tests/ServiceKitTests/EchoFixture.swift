import Contracts
import Foundation
import Logging
import ServiceKit
import Synchronization
import Testing
import TestSupport

typealias EchoRequest = Hexabase_Diagnostics_V1_EchoRequest
typealias EchoResponse = Hexabase_Diagnostics_V1_EchoResponse
typealias ErrorDetail = Hexabase_Common_V1_ErrorDetail

/// An error whose text must never reach a caller.
struct SecretLeakingError: Error, CustomStringConvertible {
    static let secret = "password=hunter2 host=db.internal"
    var description: String { "connection failed: \(Self.secret)" }
}

/// What the echo handlers saw: contexts, concurrency, cancellations.
final class Probe: Sendable {
    struct State {
        var contexts: [RequestContext] = []
        var started = 0
        var current = 0
        var maximum = 0
        var cancelled = 0
    }

    let state = Mutex(State())

    func entered(_ context: RequestContext) {
        state.withLock { state in
            state.contexts.append(context)
            state.started += 1
            state.current += 1
            state.maximum = max(state.maximum, state.current)
        }
    }

    func left() { state.withLock { $0.current -= 1 } }
    func sawCancellation() { state.withLock { $0.cancelled += 1 } }

    var started: Int { state.withLock { $0.started } }
    var maximum: Int { state.withLock { $0.maximum } }
    var cancelled: Int { state.withLock { $0.cancelled } }
    var contexts: [RequestContext] { state.withLock { $0.contexts } }
}

/// The diagnostics echo service used by the ServiceKit integration tests.
///
/// - `Echo`: sleeps `delay_ms`, fails with `fail_with_code` when set, else returns the payload and
///   the instance id of the server that answered.
/// - `Conflict`: throws a 409 with field violations.
/// - `Crash`: throws an arbitrary Swift error whose text contains a secret.
enum EchoFixture {
    static let conflictMessage = "That name is already taken."
    static let conflictViolations = [
        ServiceError.FieldViolation(field: "name", description: "must be unique"),
        ServiceError.FieldViolation(field: "slug", description: "already used by another workspace"),
    ]

    static func endpoints(instanceID: String, probe: Probe = Probe()) -> [Endpoint] {
        [
            .unary("Echo", EchoRequest.self) { request, context in
                probe.entered(context)
                defer { probe.left() }
                if request.delayMs > 0 {
                    do {
                        try await Task.sleep(for: .milliseconds(Int(request.delayMs)))
                    } catch {
                        probe.sawCancellation()
                        throw error
                    }
                }
                if request.failWithCode != 0 {
                    throw ServiceError(ServiceError.Code(status: Int(request.failWithCode)), "Echo failed with \(request.failWithCode) as asked.")
                }
                var response = EchoResponse()
                response.payload = request.payload
                response.instanceID = instanceID
                return response
            },
            .unary("Conflict", EchoRequest.self) { (_: EchoRequest, _: RequestContext) async throws -> EchoResponse in
                throw ServiceError(.conflict, conflictMessage, fieldViolations: conflictViolations)
            },
            .unary("Crash", EchoRequest.self) { (_: EchoRequest, _: RequestContext) async throws -> EchoResponse in
                throw SecretLeakingError()
            },
        ]
    }

    static func request(payload: String = "hello", delayMs: UInt32 = 0, failWithCode: UInt32 = 0) -> EchoRequest {
        var request = EchoRequest()
        request.payload = Data(payload.utf8)
        request.delayMs = delayMs
        request.failWithCode = failWithCode
        return request
    }
}

/// One running echo server with its own connection, and a client on another connection.
struct EchoHarness {
    let description: ServiceDescription
    let server: RPCServer
    let serverConnection: NATSConnection
    let clientConnection: NATSConnection
    let client: RPCClient
    let probe: Probe
    let running: RunningService

    func subject(_ method: String) -> String { description.subject(for: method) }

    /// Calls `Echo` with a generous timeout.
    func echo(_ request: EchoRequest = EchoFixture.request(), metadata: CallMetadata = CallMetadata(), timeout: Duration = .seconds(30)) async throws(ServiceError) -> EchoResponse {
        try await client.call(subject("Echo"), request, as: EchoResponse.self, metadata: metadata, timeout: timeout)
    }
}

extension ServiceDescription {
    static func echo(_ prefix: String = "echo") -> ServiceDescription {
        ServiceDescription(
            name: TestNATS.uniqueServiceName(prefix), version: "1.2.3",
            description: "Echoes requests for the ServiceKit tests", metadata: ["team": "platform", "tier": "test"]
        )
    }
}

/// Connects to the harness's nats-server, runs an echo server until `body` returns, and closes
/// both connections.
func withEchoService<Result>(
    _ description: ServiceDescription = .echo(), maxInFlight: Int = 64,
    _ body: (EchoHarness) async throws -> Result
) async throws -> Result {
    let url = try TestNATS.url()
    let serverConnection = try await TestNATS.connect(url: url, name: "hxb-test-server")
    let clientConnection: NATSConnection
    do {
        clientConnection = try await TestNATS.connect(url: url, name: "hxb-test-client")
    } catch {
        await serverConnection.close()
        throw error
    }
    let probe = Probe()
    let instanceID = RPCServer.makeInstanceID()
    let server = RPCServer(
        description: description, endpoints: EchoFixture.endpoints(instanceID: instanceID, probe: probe),
        connection: serverConnection, authenticator: nil, maxInFlight: maxInFlight,
        instanceID: instanceID, logger: TestLogging.logger("rpc-server")
    )
    do {
        let result = try await withRunningServer(server) { running in
            try await body(EchoHarness(
                description: description, server: server, serverConnection: serverConnection,
                clientConnection: clientConnection, client: RPCClient(connection: clientConnection),
                probe: probe, running: running
            ))
        }
        await clientConnection.close()
        await serverConnection.close()
        return result
    } catch {
        await clientConnection.close()
        await serverConnection.close()
        throw error
    }
}

/// Expects `body` to throw a ``ServiceError`` and returns it.
func expectServiceError(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws(ServiceError) -> Void
) async throws -> ServiceError {
    do {
        try await body()
    } catch {
        return error
    }
    Issue.record("expected a ServiceError, but the call succeeded", sourceLocation: sourceLocation)
    throw ExpectedFailure()
}

struct ExpectedFailure: Error {}
