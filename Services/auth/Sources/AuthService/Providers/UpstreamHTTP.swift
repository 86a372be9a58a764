import Foundation
import HTTPClientKit

/// The HTTP calls of one provider, with every failure turned into a ``FederationError`` whose
/// message names the provider and what was being fetched, never a URL, token or body.
struct UpstreamHTTP: Sendable {
    let client: any HTTPClient
    /// The provider's display name, for messages.
    let providerName: String
    /// Sent as `User-Agent` on every request (GitHub refuses requests without one).
    let userAgent: String
    let timeout: Duration

    /// Sends `request`; transport failures become `.upstreamUnavailable` or `.invalidResponse`.
    func send(_ request: HTTPClientRequest, fetching what: String) async throws -> HTTPClientResponse {
        var request = request
        request.headers["User-Agent"] = request.headers["User-Agent"] ?? userAgent
        request.timeout = request.timeout ?? timeout
        do {
            return try await client.send(request)
        } catch let error as HTTPClientError {
            if error.code == .timeout || error.code == .connectionFailed {
                throw unavailable(cause: error)
            }
            if error.code == .invalidRequest {
                throw misconfigured("the \(what) URL is invalid", cause: error)
            }
            throw invalid(what, cause: error)
        } catch let error as CancellationError {
            throw error
        } catch {
            // Another HTTPClient implementation's own error: the provider was not reached.
            throw unavailable(cause: error)
        }
    }

    /// GETs `url` and decodes a 2xx JSON body as `T`; 429 and 5xx are `.upstreamUnavailable`,
    /// any other status or an undecodable body `.invalidResponse`.
    func getJSON<T: Decodable>(
        _ type: T.Type, url: String, headers: [String: String] = [:], fetching what: String
    ) async throws -> T {
        var allHeaders = headers
        allHeaders["Accept"] = allHeaders["Accept"] ?? "application/json"
        let response = try await send(HTTPClientRequest(method: .get, url: url, headers: allHeaders), fetching: what)
        try requireSuccess(response, fetching: what)
        return try decode(type, from: response, fetching: what)
    }

    /// Throws unless `response` has a 2xx status.
    func requireSuccess(_ response: HTTPClientResponse, fetching what: String) throws {
        guard !response.isSuccess else { return }
        if response.status == 429 || response.status >= 500 {
            throw unavailable(cause: HTTPStatusError(status: response.status, fetching: what))
        }
        throw invalid(what, cause: HTTPStatusError(status: response.status, fetching: what))
    }

    /// Decodes the body as JSON `T`, or throws `.invalidResponse`.
    func decode<T: Decodable>(_ type: T.Type, from response: HTTPClientResponse, fetching what: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch {
            throw invalid(what, cause: error)
        }
    }

    /// `.upstreamUnavailable` for this provider.
    func unavailable(cause: (any Error)? = nil) -> FederationError {
        FederationError(.upstreamUnavailable, "Sign-in with \(providerName) is temporarily unavailable. Please try again later.", cause: cause)
    }

    /// `.invalidResponse` for this provider, naming what was malformed.
    func invalid(_ what: String, cause: (any Error)? = nil) -> FederationError {
        FederationError(.invalidResponse, "Sign-in with \(providerName) failed: the provider sent an invalid \(what).", cause: cause)
    }

    /// `.misconfigured` for this provider; `detail` is for operators (it is the reason).
    func misconfigured(_ detail: String, cause: (any Error)? = nil) -> FederationError {
        FederationError(.misconfigured, "Sign-in with \(providerName) is not configured correctly.", reason: detail, cause: cause)
    }
}

/// An unexpected HTTP status (the cause of a ``FederationError``, for logs).
struct HTTPStatusError: Error, CustomStringConvertible {
    let status: Int
    let fetching: String
    var description: String { "HTTP \(status) while fetching the \(fetching)" }
}
