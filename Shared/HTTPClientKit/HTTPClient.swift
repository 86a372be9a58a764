/// Sends one HTTP request and returns the whole response.
///
/// The platform's outbound HTTP goes through this protocol (DESIGN §3: libcurl behind one Shared
/// protocol), so callers can be tested against local stand-ins and the transport can change
/// without touching them. Implementations never follow redirects: a 3xx comes back as a response.
public protocol HTTPClient: Sendable {
    /// Sends `request` and returns the response, whatever its status.
    ///
    /// Throws an ``HTTPClientError`` when no complete response arrived (timeout, connection
    /// failure, a body over the size limit, a malformed response), or `CancellationError`.
    func send(_ request: HTTPClientRequest) async throws -> HTTPClientResponse
}
