import Contracts
import SwiftProtobuf

/// Typed calls to other services over NATS request/reply.
///
/// Failures always surface as ``ServiceError``: the callee's error headers keep their code;
/// "no responders" is a 503 with reason `.noResponders`; a timeout is a 504 with reason `.timeout`.
public struct RPCClient: Sendable {
    private let connection: NATSConnection
    /// Timeout used when a call gives none (and its metadata has no earlier deadline).
    public var defaultTimeout: Duration

    public init(connection: NATSConnection, defaultTimeout: Duration = .seconds(5)) {
        self.connection = connection
        self.defaultTimeout = defaultTimeout
    }

    /// Calls `hxb.<service>.v1.<method>` and decodes the reply as `Response`.
    public func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ subject: String, _ request: Request, as response: Response.Type = Response.self,
        metadata: CallMetadata = CallMetadata(), timeout: Duration? = nil
    ) async throws(ServiceError) -> Response {
        let body: [UInt8]
        do {
            body = try request.serializedBytes()
        } catch {
            throw ServiceError(.invalidArgument, "The request could not be encoded.", cause: error)
        }
        let reply = try await callRaw(subject, payload: body, metadata: metadata, timeout: timeout)
        do {
            return try Response(serializedBytes: reply)
        } catch {
            throw ServiceError(.internalError, "The service sent a reply that could not be decoded.", cause: error)
        }
    }

    /// Calls a subject with a raw payload; returns the raw reply body.
    public func callRaw(
        _ subject: String, payload: [UInt8], metadata: CallMetadata = CallMetadata(), timeout: Duration? = nil
    ) async throws(ServiceError) -> [UInt8] {
        let now = ContinuousClock.now
        var deadline = now + (timeout ?? defaultTimeout)
        if let callerDeadline = metadata.deadline, callerDeadline < deadline { deadline = callerDeadline }
        let remaining = now.duration(to: deadline)
        guard remaining > .zero else {
            throw ServiceError(.deadlineExceeded, "The deadline passed before \(subject) was called.", reason: .timeout)
        }
        let message = NATSMessage(subject: subject, payload: payload, headers: metadata.headers(deadline: deadline))
        let reply: NATSMessage
        do {
            reply = try await connection.request(message, timeout: remaining)
        } catch let error as NATSError where error.isTimeout {
            throw ServiceError(.deadlineExceeded, "\(subject) did not answer in time.", reason: .timeout, cause: error)
        } catch let error as NATSError {
            throw ServiceError(.unavailable, "Messaging is unavailable.", cause: error)
        } catch {
            throw ServiceError(wrapping: error)
        }
        if reply.isNoResponders {
            throw ServiceError(.unavailable, "No instance of the service for \(subject) is running.", reason: .noResponders)
        }
        if let codeText = reply.headers[RPCHeader.serviceErrorCode] {
            throw Self.decodeError(codeText: codeText, reply: reply)
        }
        return reply.payload
    }

    static func decodeError(codeText: String, reply: NATSMessage) -> ServiceError {
        let code = ServiceError.Code(status: Int(codeText) ?? 500)
        let detail = try? Hexabase_Common_V1_ErrorDetail(serializedBytes: reply.payload)
        let message = reply.headers[RPCHeader.serviceError] ?? detail.flatMap { $0.message.isEmpty ? nil : $0.message } ?? "Error \(code.status)."
        let violations = detail?.fieldViolations.map { ServiceError.FieldViolation(field: $0.field, description: $0.description_p) } ?? []
        return ServiceError(
            code, message, fieldViolations: violations, reason: code == .deadlineExceeded ? .timeout : nil,
            retryAfterSeconds: reply.headers[RPCHeader.retryAfter].flatMap { Int($0) }
        )
    }
}
