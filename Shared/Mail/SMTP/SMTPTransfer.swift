import CCurl
import CurlSupport

/// One SMTP transaction on its own libcurl easy handle, created, performed and cleaned up on
/// the calling thread. `perform` blocks until the server has answered the end of the data.
struct SMTPTransfer {
    let configuration: SMTPConfiguration
    let message: RenderedMessage
    let context: TransferContext

    /// Sends the message; throws a ``MailError``, or `CancellationError` when `cancellation`
    /// was cancelled first.
    func perform(cancellation: CurlCancellation) throws {
        do {
            var handle = try CurlEasyHandle()
            try handle.setList(CURLOPT_MAIL_RCPT, message.recipients.map { "<\($0)>" })
            try handle.check(configure(handle.raw))
            try handle.perform(cancellation: cancellation)
        } catch let failure as CurlFailure {
            throw MailError(
                curlCode: failure.code, smtpStatus: failure.responseCode, detail: failure.detail,
                secrets: [configuration.password].compactMap { $0 }
            )
        }
    }

    /// Sets every option; the results go to ``CurlEasyHandle/check(_:)``.
    private func configure(_ handle: UnsafeMutableRawPointer) -> [CURLcode] {
        let useSSL: curl_usessl = switch configuration.tls {
        case .none: CURLUSESSL_NONE
        case .opportunistic: CURLUSESSL_TRY
        case .required: CURLUSESSL_ALL
        }
        // libcurl copies string options, so temporaries are fine; the context must outlive
        // curl_easy_perform (the transfer holds it).
        var results = [
            hxb_curl_setopt_str(handle, CURLOPT_URL, configuration.url),
            hxb_curl_setopt_str(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps"),
            hxb_curl_setopt_long(handle, CURLOPT_USE_SSL, Int(useSSL.rawValue)),
            hxb_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeout.curlMilliseconds),
            hxb_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, configuration.timeout.curlMilliseconds),
            hxb_curl_setopt_str(handle, CURLOPT_MAIL_FROM, "<\(message.envelopeFrom)>"),
            hxb_curl_setopt_long(handle, CURLOPT_UPLOAD, 1),
            hxb_curl_setopt_read_function(handle, Self.readCallback),
            hxb_curl_setopt_ptr(handle, CURLOPT_READDATA, Unmanaged.passUnretained(context).toOpaque()),
        ]
        if let caFile = configuration.caFile {
            results.append(hxb_curl_setopt_str(handle, CURLOPT_CAINFO, caFile))
        }
        if let username = configuration.username {
            results.append(hxb_curl_setopt_str(handle, CURLOPT_USERNAME, username))
            results.append(hxb_curl_setopt_str(handle, CURLOPT_PASSWORD, configuration.password ?? ""))
        }
        return results
    }

    private static let readCallback: curl_read_callback = { buffer, size, count, userdata in
        guard let buffer, let userdata else { return Int(CURL_READFUNC_ABORT) }
        let context = Unmanaged<TransferContext>.fromOpaque(userdata).takeUnretainedValue()
        return context.read(into: buffer, capacity: size * count)
    }
}
