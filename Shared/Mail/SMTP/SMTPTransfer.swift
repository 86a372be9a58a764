import CCurl

/// One SMTP transaction on its own libcurl easy handle, created, performed and cleaned up on
/// the calling thread. `perform` blocks until the server has answered the end of the data.
struct SMTPTransfer {
    let configuration: SMTPConfiguration
    let message: RenderedMessage
    let context: TransferContext

    /// Sends the message; throws a ``MailError``, or `CancellationError` when ``TransferContext``
    /// was cancelled first.
    func perform() throws {
        try CurlRuntime.ensureInitialized()
        guard let handle = curl_easy_init() else {
            throw MailError(code: .other, message: "libcurl could not create a transfer")
        }
        defer { curl_easy_cleanup(handle) }
        var recipients: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(recipients) }
        for address in message.recipients {
            guard let appended = curl_slist_append(recipients, "<\(address)>") else {
                throw MailError(code: .other, message: "out of memory while listing the recipients")
            }
            recipients = appended
        }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code = errorBuffer.withUnsafeMutableBufferPointer { buffer -> CURLcode in
            let setup = configure(handle, recipients: recipients, errorBuffer: buffer.baseAddress!)
            guard setup == CURLE_OK else { return setup }
            return curl_easy_perform(handle)
        }
        guard code != CURLE_OK else { return }
        if code == CURLE_ABORTED_BY_CALLBACK, context.isCancelled { throw CancellationError() }
        var reply = 0
        _ = hxb_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &reply)
        let text = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        throw MailError(
            curlCode: code, smtpStatus: reply > 0 ? reply : nil,
            detail: text.isEmpty ? String(cString: curl_easy_strerror(code)) : text,
            secrets: [configuration.password].compactMap { $0 }
        )
    }

    /// Sets every option; returns the first failure (an option this libcurl lacks, say).
    private func configure(
        _ handle: UnsafeMutableRawPointer, recipients: UnsafeMutablePointer<curl_slist>?,
        errorBuffer: UnsafeMutablePointer<CChar>
    ) -> CURLcode {
        let useSSL: curl_usessl = switch configuration.tls {
        case .none: CURLUSESSL_NONE
        case .opportunistic: CURLUSESSL_TRY
        case .required: CURLUSESSL_ALL
        }
        // libcurl copies string options, so temporaries are fine; the error buffer, the
        // recipient list and the context must outlive curl_easy_perform.
        var results = [
            hxb_curl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, errorBuffer),
            hxb_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1),
            hxb_curl_setopt_str(handle, CURLOPT_URL, configuration.url),
            hxb_curl_setopt_str(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps"),
            hxb_curl_setopt_long(handle, CURLOPT_USE_SSL, Int(useSSL.rawValue)),
            hxb_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(configuration.connectTimeout)),
            hxb_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(configuration.timeout)),
            hxb_curl_setopt_str(handle, CURLOPT_MAIL_FROM, "<\(message.envelopeFrom)>"),
            hxb_curl_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients),
            hxb_curl_setopt_long(handle, CURLOPT_UPLOAD, 1),
            hxb_curl_setopt_read_function(handle, Self.readCallback),
            hxb_curl_setopt_ptr(handle, CURLOPT_READDATA, Unmanaged.passUnretained(context).toOpaque()),
            hxb_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0),
            hxb_curl_setopt_xferinfo_function(handle, Self.progressCallback),
            hxb_curl_setopt_ptr(handle, CURLOPT_XFERINFODATA, Unmanaged.passUnretained(context).toOpaque()),
        ]
        if let caFile = configuration.caFile {
            results.append(hxb_curl_setopt_str(handle, CURLOPT_CAINFO, caFile))
        }
        if let username = configuration.username {
            results.append(hxb_curl_setopt_str(handle, CURLOPT_USERNAME, username))
            results.append(hxb_curl_setopt_str(handle, CURLOPT_PASSWORD, configuration.password ?? ""))
        }
        return results.first { $0 != CURLE_OK } ?? CURLE_OK
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }

    private static let readCallback: curl_read_callback = { buffer, size, count, userdata in
        guard let buffer, let userdata else { return Int(CURL_READFUNC_ABORT) }
        let context = Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue()
        return context.read(into: buffer, capacity: size * count)
    }

    private static let progressCallback: curl_xferinfo_callback = { userdata, _, _, _, _ in
        guard let userdata else { return 0 }
        // A non-zero return aborts the transfer with CURLE_ABORTED_BY_CALLBACK.
        return Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue().isCancelled ? 1 : 0
    }
}
