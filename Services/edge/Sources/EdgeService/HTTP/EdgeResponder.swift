import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceKit

/// Wraps the router: assigns the request id, turns every error (including unknown routes)
/// into the JSON error envelope, stamps `Hxb-Request-Id` on every response, logs each request.
struct EdgeResponder<Wrapped: HTTPResponder>: HTTPResponder where Wrapped.Context == EdgeRequestContext {
    let wrapped: Wrapped
    let logger: Logger

    func respond(to request: Request, context: EdgeRequestContext) async throws -> Response {
        var context = context
        let incoming = request.headers[.requestID] ?? ""
        context.requestID = Self.isAcceptableRequestID(incoming) ? incoming : RequestID.make()
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await wrapped.respond(to: request, context: context)
            if response.status.code >= 400, response.headers[.contentType] == nil {
                // The router's own answers (unmatched route, a body over the limit, …) carry no
                // body: give them the JSON envelope too.
                throw ErrorEnvelope.serviceError(status: response.status)
            }
            response.headers[.requestID] = context.requestID
        } catch {
            let serviceError = ErrorEnvelope.serviceError(from: error)
            if serviceError.code.status >= 500 {
                logger.error("request failed", metadata: [
                    "request_id": "\(context.requestID)", "code": "\(serviceError.code)",
                    "cause": "\(serviceError.cause.map { "\($0)" } ?? serviceError.message)",
                ])
            }
            response = ErrorEnvelope.response(for: serviceError, requestID: context.requestID)
        }
        let elapsed = ContinuousClock.now - started
        logger.debug("http request", metadata: [
            "request_id": "\(context.requestID)", "method": "\(request.method)", "path": "\(request.uri.path)",
            "status": "\(response.status.code)", "duration_us": "\(elapsed.components.attoseconds / 1_000_000_000_000 + elapsed.components.seconds * 1_000_000)",
        ])
        return response
    }

    static func isAcceptableRequestID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64 && id.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }
    }
}
