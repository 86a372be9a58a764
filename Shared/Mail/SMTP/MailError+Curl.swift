import Foundation
import CCurl
import CurlSupport

extension MailError {
    /// The error for a failed libcurl SMTP transfer. `smtpStatus` is the server's last reply
    /// code; every string of `secrets` is cut out of libcurl's text.
    init(curlCode: CURLcode, smtpStatus: Int?, detail: String, secrets: [String]) {
        var safeDetail = detail
        for secret in secrets where !secret.isEmpty {
            safeDetail = safeDetail.replacingOccurrences(of: secret, with: "<redacted>")
        }
        let (code, message) = Self.classify(curlCode: curlCode, smtpStatus: smtpStatus)
        self.init(code: code, message: message, smtpStatus: smtpStatus, detail: safeDetail)
    }

    private static func classify(curlCode: CURLcode, smtpStatus: Int?) -> (Code, String) {
        // The server's own refusals first: libcurl reports a refused MAIL FROM, RCPT TO or
        // DATA as a send error or a weird reply, with the reply code kept.
        if curlCode == CURLE_LOGIN_DENIED || smtpStatus == 530 || smtpStatus == 535 {
            return (.authenticationFailed, "the SMTP server refused the credentials")
        }
        let kind = CurlFailure.Kind(curlCode)
        if kind == .timeout {
            return (.timeout, "the SMTP server did not answer in time")
        }
        if kind == .tls {
            return (.tlsFailed, "TLS with the SMTP server could not be set up")
        }
        if let smtpStatus, (400..<600).contains(smtpStatus) {
            return (.rejected, "the SMTP server refused the message")
        }
        switch kind {
        case .configuration: return (.invalidConfiguration, "the SMTP settings are not usable")
        case .connection: return (.connectionFailed, "the SMTP server could not be reached")
        default: return (.other, "the mail could not be sent")
        }
    }
}
