import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The URLSession delegate of ``URLSessionHTTPClient``: collects each task's body up to a limit,
/// refuses redirects, and completes one continuation per task exactly once (on completion,
/// on an over-long body, or on cancellation, whichever comes first).
final class TransferDelegate: NSObject, URLSessionDataDelegate, Sendable {
    typealias Continuation = CheckedContinuation<HTTPClientResponse, any Error>

    private struct Transfer {
        var continuation: Continuation?
        var cancelled = false
        let limit: Int
        let origin: String
        var response: HTTPURLResponse?
        var body: [UInt8] = []
    }

    private let transfers = Mutex<[Int: Transfer]>([:])

    /// Prepares the bookkeeping of a task that has not been resumed yet.
    func register(taskID: Int, limit: Int, origin: String) {
        transfers.withLock { $0[taskID] = Transfer(limit: limit, origin: origin) }
    }

    /// Attaches the waiting continuation; returns false (and leaves it untouched) when the
    /// transfer was cancelled before, so the caller resumes it with `CancellationError`.
    func attach(_ continuation: Continuation, taskID: Int) -> Bool {
        transfers.withLock { transfers in
            guard var transfer = transfers[taskID], !transfer.cancelled else {
                transfers[taskID] = nil
                return false
            }
            transfer.continuation = continuation
            transfers[taskID] = transfer
            return true
        }
    }

    /// Ends the transfer with `CancellationError` now; the task's own completion is then ignored.
    func cancel(taskID: Int) {
        let continuation: Continuation? = transfers.withLock { transfers in
            guard var transfer = transfers[taskID] else { return nil }
            guard let continuation = transfer.continuation else {
                transfer.cancelled = true
                transfers[taskID] = transfer
                return nil
            }
            transfers[taskID] = nil
            return continuation
        }
        continuation?.resume(throwing: CancellationError())
    }

    // MARK: URLSessionDataDelegate

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        let taskID = dataTask.taskIdentifier
        let tooLarge: Bool = transfers.withLock { transfers in
            guard var transfer = transfers[taskID] else { return false }
            transfer.response = response as? HTTPURLResponse
            transfers[taskID] = transfer
            return response.expectedContentLength > Int64(transfer.limit)
        }
        if tooLarge {
            finish(taskID: taskID, with: .failure(tooLargeError(taskID: taskID)))
            completionHandler(.cancel)
        } else {
            completionHandler(.allow)
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let taskID = dataTask.taskIdentifier
        let tooLarge: Bool = transfers.withLock { transfers in
            guard var transfer = transfers[taskID] else { return false }
            guard transfer.body.count + data.count <= transfer.limit else { return true }
            transfer.body.append(contentsOf: data)
            transfers[taskID] = transfer
            return false
        }
        if tooLarge {
            finish(taskID: taskID, with: .failure(tooLargeError(taskID: taskID)))
            dataTask.cancel()
        }
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        // nil: deliver the 3xx itself. A redirect could send credentials to another origin.
        completionHandler(nil)
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
        completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
    ) {
        // A 401 with `WWW-Authenticate` is an answer for the caller, not a prompt for stored
        // credentials (there are none). Without this, FoundationNetworking waits forever.
        completionHandler(.rejectProtectionSpace, nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let taskID = task.taskIdentifier
        if let error {
            finish(taskID: taskID, with: .failure(error))
            return
        }
        let result: Result<HTTPClientResponse, any Error>? = transfers.withLock { transfers in
            guard let transfer = transfers[taskID] else { return nil }
            guard let response = transfer.response ?? (task.response as? HTTPURLResponse) else {
                return .failure(HTTPClientError(.invalidResponse, "\(transfer.origin) sent no HTTP response"))
            }
            return .success(Self.makeResponse(response, body: transfer.body))
        }
        if let result { finish(taskID: taskID, with: result) }
    }

    // MARK: Helpers

    private func finish(taskID: Int, with result: Result<HTTPClientResponse, any Error>) {
        let continuation = transfers.withLock { $0.removeValue(forKey: taskID)?.continuation }
        continuation?.resume(with: result)
    }

    private func tooLargeError(taskID: Int) -> HTTPClientError {
        let (origin, limit) = transfers.withLock { ($0[taskID]?.origin ?? "the server", $0[taskID]?.limit ?? 0) }
        return HTTPClientError(.responseTooLarge, "the response of \(origin) is larger than \(limit) bytes")
    }

    private static func makeResponse(_ response: HTTPURLResponse, body: [UInt8]) -> HTTPClientResponse {
        var headers: [String: String] = [:]
        for (name, value) in response.allHeaderFields {
            headers[String(describing: name)] = String(describing: value)
        }
        return HTTPClientResponse(status: response.statusCode, headers: headers, body: body)
    }
}
