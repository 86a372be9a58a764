import Foundation

/// Runs blocking libcurl work on a thread of its own.
///
/// `curl_easy_perform` blocks its thread for the whole transfer, so it must never run on Swift's
/// cooperative pool, where a few slow servers would starve every other task.
public enum CurlThread {
    /// Runs `work` on a new thread named `name` and returns its result. Cancelling the calling
    /// task sets the ``CurlCancellation`` handed to `work`, which passes it to
    /// ``CurlEasyHandle/perform(cancellation:)``; the call returns once `work` has.
    public static func run<Value: Sendable>(
        named name: String, _ work: @escaping @Sendable (CurlCancellation) throws -> Value
    ) async throws -> Value {
        let cancellation = CurlCancellation()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                let thread = Thread {
                    continuation.resume(with: Result { try work(cancellation) })
                }
                thread.name = name
                thread.start()
            }
        } onCancel: {
            cancellation.cancel()
        }
    }
}
