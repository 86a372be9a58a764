import CCurl
import Synchronization

/// Whether the task waiting for a libcurl transfer was cancelled. The transfer reads it from its
/// progress callback and stops; the task's cancellation handler sets it from another thread,
/// hence the atomic.
public final class CurlCancellation: Sendable {
    private let cancelled = Atomic<Bool>(false)

    /// A flag that is not set.
    public init() {}

    /// Asks the transfer to stop at libcurl's next progress call.
    public func cancel() {
        cancelled.store(true, ordering: .relaxed)
    }

    /// True once ``cancel()`` was called.
    public var isCancelled: Bool {
        cancelled.load(ordering: .relaxed)
    }

    /// Points `handle`'s progress callback at this flag; `self` must outlive the transfer,
    /// which ``CurlEasyHandle/perform(cancellation:)`` guarantees.
    func install(on handle: UnsafeMutableRawPointer) -> [CURLcode] {
        [
            hxb_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0),
            hxb_curl_setopt_xferinfo_function(handle, Self.progressCallback),
            hxb_curl_setopt_ptr(handle, CURLOPT_XFERINFODATA, Unmanaged.passUnretained(self).toOpaque()),
        ]
    }

    private static let progressCallback: curl_xferinfo_callback = { userdata, _, _, _, _ in
        guard let userdata else { return 0 }
        // A non-zero return aborts the transfer with CURLE_ABORTED_BY_CALLBACK.
        return Unmanaged<CurlCancellation>.fromOpaque(userdata).takeUnretainedValue().isCancelled ? 1 : 0
    }
}
