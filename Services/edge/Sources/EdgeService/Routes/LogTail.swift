import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit
import ServiceLifecycle

/// `<log>/tail`: new records as server-sent events (`text/event-stream`), by long-polling
/// `TailLogs` (each call waits up to 15 s for records) from the `cursor` of the previous answer.
///
/// - Each record is `id: <sequence>` / `event: record` / `data: <LogRecord as proto JSON>`;
///   a call that brought no record is followed by a `: keep-alive` comment.
/// - It starts after the record named by the `Last-Event-ID` header (what an `EventSource` sends
///   when it reconnects) or else the `after` query parameter; from the newest record without
///   either.
/// - The first call answers at once, before the response starts: a refusal (401, 404, a bad
///   filter) is the usual status with the JSON error envelope. A later refusal (the token
///   expired, access was removed) is sent as `event: error` with the envelope as data, and the
///   stream ends.
/// - It ends when the client goes (the pending call is cancelled) and when the edge shuts down
///   (the client reconnects with `Last-Event-ID`, to another replica).
enum LogTail {
    static let subject = "hxb.logs.v1.TailLogs"
    /// How long one call waits for records (the service allows up to 20 s).
    static let wait: Duration = .seconds(15)
    /// Records per call at most (the service's maximum).
    static let limit: Int32 = 500
    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    static func route(_ source: LogSource) -> RESTRoute {
        // A tail does not page.
        let fixed = source.fixed.merging(["page_size": "0", "page_token": ""]) { route, _ in route }
        return .custom(.get, source.path + "/tail", subject: subject, request: Hexabase_Logs_V1_QueryLogsRequest.self,
                       authentication: .bearer, fixed: fixed, ownQueryParameters: ["after"]) { query, input, rpc in
            if query.hasUntil { throw ServiceError.invalidField("until", "does not apply to a tail, which follows new records") }
            var request = Hexabase_Logs_V1_TailLogsRequest()
            request.query = query
            request.afterSequence = try resumePoint(input)
            request.limit = limit
            let first = try await rpc.call(subject, request, as: Hexabase_Logs_V1_TailLogsResponse.self)
            request.waitMs = Int32(wait.components.seconds * 1000)
            return RESTRoute.Rendering(
                contentType: "text/event-stream",
                // No caching, and no buffering by a reverse proxy (nginx honours this header).
                headers: [.cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no"],
                stream: { [request] writer in try await follow(request, from: first, rpc: rpc, to: &writer) }
            )
        }
    }

    /// The sequence to start after: `Last-Event-ID`, else `?after=`, else 0 (the newest).
    static func resumePoint(_ input: RESTRoute.Input) throws(ServiceError) -> Int64 {
        if let header = input.headers[lastEventID], !header.isEmpty {
            return try sequence(header, field: "Last-Event-ID")
        }
        let after = input.query.filter { $0.name == "after" }
        guard after.count <= 1 else { throw ServiceError.invalidField("after", "is given more than once but takes one value") }
        guard let parameter = after.first else { return 0 }
        return try sequence(parameter.value, field: "after")
    }

    private static func sequence(_ text: String, field: String) throws(ServiceError) -> Int64 {
        guard let value = Int64(text.trimmingCharacters(in: .whitespaces)), value >= 0 else {
            throw ServiceError.invalidField(field, "must be the sequence of a log record (a non-negative integer)")
        }
        return value
    }

    /// The frames for one answer: an event per record, or a keep-alive comment.
    static func frames(for response: Hexabase_Logs_V1_TailLogsResponse) throws -> [UInt8] {
        guard !response.records.isEmpty else { return ServerSentEvent.comment("keep-alive").bytes }
        var bytes: [UInt8] = []
        for record in response.records {
            bytes += ServerSentEvent(id: String(record.sequence), event: "record", data: try ProtobufJSON.encode(record)).bytes
        }
        return bytes
    }

    private static func follow(
        _ request: Hexabase_Logs_V1_TailLogsRequest, from first: Hexabase_Logs_V1_TailLogsResponse, rpc: RouteCall,
        to writer: inout any ResponseBodyWriter
    ) async throws {
        var request = request
        var response = first
        var records = 0
        let reason: String
        do {
            while true {
                try await writer.write(ByteBuffer(bytes: frames(for: response)))
                records += response.records.count
                request.afterSequence = response.cursor
                if Task.isShuttingDownGracefully {
                    reason = "shutdown"
                    break
                }
                do {
                    response = try await cancelWhenGracefulShutdown { [request] in
                        try await rpc.laterCall(subject, request, as: Hexabase_Logs_V1_TailLogsResponse.self, waiting: wait)
                    }
                } catch {
                    if Task.isCancelled { throw CancellationError() }
                    if Task.isShuttingDownGracefully {
                        reason = "shutdown"
                        break
                    }
                    let refusal = ServiceError(wrapping: error)
                    try await writer.write(ByteBuffer(bytes: ServerSentEvent(event: "error", data: ErrorEnvelope.json(for: refusal)).bytes))
                    reason = "error \(refusal.code)"
                    break
                }
            }
        } catch {
            rpc.logger.debug("log tail ended", metadata: ["reason": "\(Task.isCancelled ? "client closed" : "write failed")", "records": "\(records)"])
            throw error
        }
        rpc.logger.debug("log tail ended", metadata: ["reason": "\(reason)", "records": "\(records)", "cursor": "\(request.afterSequence)"])
    }
}
