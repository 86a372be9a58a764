import Logging
import ServiceKit
import SwiftProtobuf

/// The RPC side of one REST request: the client, the metadata its calls carry (token, trace,
/// request id, deadline) and the edge's per-call timeout.
struct RouteCall: Sendable {
    let client: RPCClient
    /// The metadata of the request; its deadline counts from the request's arrival.
    let metadata: CallMetadata
    /// How long one call may wait for its service (`edge.request.timeout.ms`).
    let timeout: Duration
    /// The edge's logger, with the request id.
    let logger: Logger

    /// Calls `subject` within the request's deadline.
    func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ subject: String, _ request: Request, as response: Response.Type
    ) async throws(ServiceError) -> Response {
        try await client.call(subject, request, as: Response.self, metadata: metadata)
    }

    /// A call made while a streamed response goes on (the next page of an export, the next
    /// wait of a tail): it gets a deadline of its own, the timeout plus `waiting` from now.
    func laterCall<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ subject: String, _ request: Request, as response: Response.Type, waiting: Duration = .zero
    ) async throws(ServiceError) -> Response {
        var metadata = metadata
        metadata.deadline = .now + timeout + waiting
        return try await client.call(subject, request, as: Response.self, metadata: metadata, timeout: timeout + waiting)
    }
}
