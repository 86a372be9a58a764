import CCurl

/// libcurl's process-wide setup (`curl_global_init`), done exactly once.
enum CurlRuntime {
    /// The result of the one `curl_global_init` call. A Swift global `let` is initialized
    /// once, under a lock, on first use, whichever thread gets there first: libcurl asks for
    /// exactly that before any thread uses it (not thread-safe below 7.84).
    private static let initialization: CURLcode = hxb_curl_global_init()

    /// Initializes libcurl on first use; throws when that failed.
    static func ensureInitialized() throws(MailError) {
        guard initialization == CURLE_OK else {
            throw MailError(
                code: .other, message: "libcurl could not be initialized",
                detail: String(cString: curl_easy_strerror(initialization))
            )
        }
    }
}
