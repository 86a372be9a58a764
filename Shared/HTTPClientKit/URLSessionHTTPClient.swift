import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An ``HTTPClient`` on Foundation's URLSession (libcurl on Linux through FoundationNetworking),
/// so TLS, proxies and CA certificates are the system's.
///
/// Guarantees: redirects are never followed (the 3xx is returned); a body larger than
/// ``Configuration/maximumResponseBodySize`` is refused with `.responseTooLarge` without being
/// read to the end; each exchange ends within its timeout (`.timeout`); no cookies or caches are
/// kept between requests; cancelling the calling task cancels the transfer.
public final class URLSessionHTTPClient: HTTPClient {
    /// Limits applied to every request.
    public struct Configuration: Sendable {
        /// The timeout of a request that sets none itself.
        public var timeout: Duration
        /// The largest response body accepted, in bytes (1 MiB by default).
        public var maximumResponseBodySize: Int

        /// Limits with defaults: 10 s per request, 1 MiB per body.
        public init(timeout: Duration = .seconds(10), maximumResponseBodySize: Int = 1 << 20) {
            self.timeout = timeout
            self.maximumResponseBodySize = maximumResponseBodySize
        }
    }

    /// The limits this client applies.
    public let configuration: Configuration
    private let session: URLSession
    private let delegate: TransferDelegate

    /// A client with its own URLSession (ephemeral: no cookies, no cache, no credential store).
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.httpCookieAcceptPolicy = .never
        sessionConfiguration.httpShouldSetCookies = false
        sessionConfiguration.httpCookieStorage = nil
        sessionConfiguration.urlCache = nil
        sessionConfiguration.urlCredentialStorage = nil
        sessionConfiguration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let delegate = TransferDelegate()
        self.delegate = delegate
        self.session = URLSession(configuration: sessionConfiguration, delegate: delegate, delegateQueue: nil)
    }

    deinit {
        // The session keeps its delegate alive until invalidated.
        session.invalidateAndCancel()
    }

    /// Sends `request` within its timeout (or the configured one); see the type's guarantees.
    public func send(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        let timeout = request.timeout ?? configuration.timeout
        let (timed, origin) = try Self.makeURLRequest(request, timeout: timeout)
        let limit = configuration.maximumResponseBodySize
        // The URLRequest timeout is an idle timeout in libcurl's URLSession; the race below
        // bounds the whole exchange.
        return try await withThrowingTaskGroup(of: HTTPClientResponse.self) { group in
            group.addTask { try await self.transfer(timed, origin: origin, limit: limit) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw HTTPClientError(.timeout, "\(origin) did not answer within \(timeout)")
            }
            defer { group.cancelAll() }
            guard let response = try await group.next() else { throw CancellationError() }
            return response
        }
    }

    private func transfer(_ request: URLRequest, origin: String, limit: Int) async throws -> HTTPClientResponse {
        try Task.checkCancellation()
        let task = session.dataTask(with: request)
        let taskID = task.taskIdentifier
        delegate.register(taskID: taskID, limit: limit, origin: origin)
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    if delegate.attach(continuation, taskID: taskID) {
                        task.resume()
                    } else {
                        continuation.resume(throwing: CancellationError())
                    }
                }
            } onCancel: {
                delegate.cancel(taskID: taskID)
                task.cancel()
            }
        } catch let error as URLError {
            throw Self.translate(error, origin: origin)
        }
    }

    /// The URLRequest for `request` and the origin (`scheme://host:port`) used in messages.
    static func makeURLRequest(_ request: HTTPClientRequest, timeout: Duration) throws -> (URLRequest, String) {
        guard let url = URL(string: request.url), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else {
            throw HTTPClientError(.invalidRequest, "the request URL is not an absolute http(s) URL")
        }
        let origin = "\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = request.method.rawValue
        urlRequest.httpShouldHandleCookies = false
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        urlRequest.timeoutInterval = max(seconds, 0.001)
        for (name, value) in request.headers {
            urlRequest.setValue(value, forHTTPHeaderField: name)
        }
        if let body = request.body {
            urlRequest.httpBody = Data(body)
        }
        return (urlRequest, origin)
    }

    static func translate(_ error: URLError, origin: String) -> HTTPClientError {
        switch error.code {
        case .timedOut:
            return HTTPClientError(.timeout, "\(origin) did not answer in time", cause: error)
        case .cannotFindHost, .cannotConnectToHost, .dnsLookupFailed, .networkConnectionLost,
             .notConnectedToInternet, .cannotLoadFromNetwork, .internationalRoamingOff,
             .callIsActive, .dataNotAllowed:
            return HTTPClientError(.connectionFailed, "could not connect to \(origin) (URLError \(error.code.rawValue))", cause: error)
        case .secureConnectionFailed, .serverCertificateHasBadDate, .serverCertificateUntrusted,
             .serverCertificateHasUnknownRoot, .serverCertificateNotYetValid,
             .clientCertificateRejected, .clientCertificateRequired:
            return HTTPClientError(.connectionFailed, "the TLS connection to \(origin) failed (URLError \(error.code.rawValue))", cause: error)
        default:
            return HTTPClientError(.invalidResponse, "\(origin) sent an invalid response (URLError \(error.code.rawValue))", cause: error)
        }
    }
}
