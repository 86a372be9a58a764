import CCurl

/// One libcurl easy handle, owned: `init` creates it (after libcurl's one-time global setup) and
/// it is cleaned up when the value goes away.
///
/// Noncopyable and not `Sendable`: create, configure and perform it on one thread (see
/// ``CurlThread``), which is all libcurl asks of an easy handle. Signals are off
/// (`CURLOPT_NOSIGNAL`) and libcurl's error text is captured for ``CurlFailure/detail``.
public struct CurlEasyHandle: ~Copyable {
    /// The handle, for the `hxb_curl_setopt_*` and `hxb_curl_getinfo_*` wrappers; valid while
    /// `self` lives.
    public let raw: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var lists: [UnsafeMutablePointer<curl_slist>] = []

    /// The result of the one `curl_global_init` call. A static `let` is initialized once, under
    /// a lock, by whichever thread gets there first: libcurl asks for exactly that before any
    /// thread uses it (its global setup is not thread-safe below 7.84).
    private static let globalInitialization: CURLcode = hxb_curl_global_init()

    /// A new easy handle; throws when libcurl could not be set up or had no memory.
    public init() throws(CurlFailure) {
        let initialization = Self.globalInitialization
        guard initialization == CURLE_OK else {
            throw CurlFailure(code: initialization, detail: "libcurl could not be initialized")
        }
        guard let raw = curl_easy_init() else {
            throw CurlFailure(code: CURLE_FAILED_INIT, detail: "libcurl could not create a transfer")
        }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        // Before `self` is complete, so a failure here cleans up by hand rather than in deinit.
        let setup = hxb_curl_setopt_ptr(raw, CURLOPT_ERRORBUFFER, errorBuffer)
        let signals = hxb_curl_setopt_long(raw, CURLOPT_NOSIGNAL, 1)
        guard setup == CURLE_OK, signals == CURLE_OK else {
            curl_easy_cleanup(raw)
            errorBuffer.deallocate()
            throw CurlFailure(code: setup == CURLE_OK ? signals : setup, detail: "libcurl refused a basic option")
        }
        self.raw = raw
        self.errorBuffer = errorBuffer
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
        lists.forEach { curl_slist_free_all($0) }
    }

    /// Sets a string-list option (`CURLOPT_HTTPHEADER`, `CURLOPT_MAIL_RCPT`) to copies of
    /// `strings`, in order. libcurl reads the list during the transfer, so the handle keeps it
    /// until it is cleaned up.
    public mutating func setList(_ option: CURLoption, _ strings: [String]) throws(CurlFailure) {
        var list: UnsafeMutablePointer<curl_slist>?
        for string in strings {
            guard let appended = curl_slist_append(list, string) else {
                curl_slist_free_all(list)
                throw CurlFailure(code: CURLE_OUT_OF_MEMORY, detail: "out of memory while building a list")
            }
            list = appended
        }
        if let list { lists.append(list) }
        try check([hxb_curl_setopt_slist(raw, option, list)])
    }

    /// Throws the first failure among the results of `hxb_curl_setopt_*` calls (an option this
    /// libcurl lacks, say).
    public func check(_ results: [CURLcode]) throws(CurlFailure) {
        guard let failed = results.first(where: { $0 != CURLE_OK }) else { return }
        throw CurlFailure(code: failed, detail: String(cString: curl_easy_strerror(failed)))
    }

    /// Runs the transfer, blocking the calling thread until it ends.
    ///
    /// After `cancellation` is cancelled, the transfer stops at libcurl's next progress call
    /// (at least about once a second) and this throws `CancellationError`; any other failure
    /// is a ``CurlFailure``.
    public func perform(cancellation: CurlCancellation) throws {
        try check(cancellation.install(on: raw))
        errorBuffer[0] = 0
        let code = curl_easy_perform(raw)
        guard code != CURLE_OK else { return }
        if code == CURLE_ABORTED_BY_CALLBACK, cancellation.isCancelled { throw CancellationError() }
        let text = String(cString: errorBuffer)
        throw CurlFailure(
            code: code, detail: text.isEmpty ? String(cString: curl_easy_strerror(code)) : text,
            responseCode: responseCode
        )
    }

    /// `CURLINFO_RESPONSE_CODE`: the last HTTP status or SMTP reply code, nil when none came.
    public var responseCode: Int? {
        var code = 0
        return hxb_curl_getinfo_long(raw, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code > 0 ? code : nil
    }
}

extension Duration {
    /// The duration in whole milliseconds, at least 1, for libcurl's `*_MS` timeout options
    /// (where 0 would mean "no timeout").
    public var curlMilliseconds: Int {
        let (seconds, attoseconds) = components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
