import Foundation
import CCurl

extension MailError {
    private static let connectionCodes: Set<CURLcode> = [
        CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT,
        CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE,
    ]

    private static let tlsCodes: Set<CURLcode> = [
        CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_USE_SSL_FAILED,
        CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND,
        CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CRL_BADFILE,
        CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
        CURLE_SSL_SHUTDOWN_FAILED,
    ]

    private static let configurationCodes: Set<CURLcode> = [
        CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_NOT_BUILT_IN, CURLE_UNKNOWN_OPTION,
        CURLE_BAD_FUNCTION_ARGUMENT,
    ]

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
        if curlCode == CURLE_OPERATION_TIMEDOUT {
            return (.timeout, "the SMTP server did not answer in time")
        }
        if tlsCodes.contains(curlCode) {
            return (.tlsFailed, "TLS with the SMTP server could not be set up")
        }
        if let smtpStatus, (400..<600).contains(smtpStatus) {
            return (.rejected, "the SMTP server refused the message")
        }
        if configurationCodes.contains(curlCode) {
            return (.invalidConfiguration, "the SMTP settings are not usable")
        }
        if connectionCodes.contains(curlCode) {
            return (.connectionFailed, "the SMTP server could not be reached")
        }
        return (.other, "the mail could not be sent")
    }
}
