import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// The one JSON error shape of the REST API:
/// `{"error":{"code":"conflict","message":"…","details":[{"field":"email","description":"…"}]}}`.
enum ErrorEnvelope {
    static func response(for error: ServiceError, requestID: String) -> Response {
        var body: [String: Any] = ["code": error.code.name, "message": error.message]
        if !error.fieldViolations.isEmpty {
            body["details"] = error.fieldViolations.map { ["field": $0.field, "description": $0.description] }
        }
        let data = (try? JSONSerialization.data(withJSONObject: ["error": body], options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        var headers: HTTPFields = [.contentType: "application/json", .requestID: requestID]
        if error.code == .unauthenticated { headers[.wwwAuthenticate] = #"Bearer realm="hexabase""# }
        return Response(
            status: HTTPResponse.Status(code: error.code.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    /// Maps anything thrown while serving a request to a `ServiceError`.
    static func serviceError(from error: any Error) -> ServiceError {
        if let error = error as? ServiceError { return error }
        if let error = error as? HTTPError {
            switch error.status.code {
            case 404: return ServiceError(.notFound, "No such route.")
            case 405: return ServiceError(.methodNotAllowed, "Method not allowed on this route.")
            case 413: return ServiceError(.payloadTooLarge, "The request body is too large.")
            case 400..<500: return ServiceError(.invalidArgument, error.body ?? "Bad request.")
            default: return ServiceError(.internalError, "Internal error.", cause: error)
            }
        }
        return ServiceError(wrapping: error)
    }
}

extension HTTPField.Name {
    /// `Hxb-Request-Id`.
    static let requestID = HTTPField.Name(RPCHeader.requestID)!
}
