import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// The one JSON error shape of the REST API:
/// `{"error":{"code":"conflict","message":"…","details":[{"field":"email","description":"…"}]}}`.
enum ErrorEnvelope {
    static func response(for error: ServiceError, requestID: String) -> Response {
        var headers: HTTPFields = [.contentType: "application/json", .requestID: requestID]
        if error.code == .unauthenticated { headers[.wwwAuthenticate] = #"Bearer realm="hexabase""# }
        if let seconds = error.retryAfterSeconds { headers[.retryAfter] = String(seconds) }
        return Response(
            status: HTTPResponse.Status(code: error.code.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: json(for: error)))
        )
    }

    /// The envelope as compact JSON on one line (also the error event of a stream).
    static func json(for error: ServiceError) -> [UInt8] {
        var body: [String: Any] = ["code": error.code.name, "message": error.message]
        if !error.fieldViolations.isEmpty {
            body["details"] = error.fieldViolations.map { ["field": $0.field, "description": $0.description] }
        }
        let data = (try? JSONSerialization.data(withJSONObject: ["error": body], options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Array(data)
    }

    /// Maps anything thrown while serving a request to a `ServiceError`.
    static func serviceError(from error: any Error) -> ServiceError {
        if let error = error as? ServiceError { return error }
        if let error = error as? any HTTPResponseError {
            // Hummingbird's own errors and NIO's (a body over the limit is NIOTooManyBytesError).
            return serviceError(status: error.status, message: (error as? HTTPError)?.body, cause: error)
        }
        return ServiceError(wrapping: error)
    }

    /// The envelope error for an HTTP status produced by the HTTP layer itself.
    static func serviceError(status: HTTPResponse.Status, message: String? = nil, cause: (any Error)? = nil) -> ServiceError {
        switch status.code {
        case 404: ServiceError(.notFound, "No such route.")
        case 405: ServiceError(.methodNotAllowed, "Method not allowed on this route.")
        case 413: ServiceError(.payloadTooLarge, "The request body is too large.")
        case 400..<500: ServiceError(.invalidArgument, message ?? "Bad request.")
        case 503: ServiceError(.unavailable, "Temporarily unavailable.")
        default: ServiceError(.internalError, "Internal error.", cause: cause)
        }
    }
}

extension HTTPField.Name {
    /// `Hxb-Request-Id`.
    static let requestID = HTTPField.Name(RPCHeader.requestID)!
}
