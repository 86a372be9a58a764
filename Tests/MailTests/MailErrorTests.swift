import CCurl
@testable import Mail
import Testing

@Suite("MailError")
struct MailErrorTests {
    @Test("classifies libcurl failures by code and SMTP reply", arguments: [
        (CURLE_COULDNT_CONNECT, nil, MailError.Code.connectionFailed, true),
        (CURLE_COULDNT_RESOLVE_HOST, nil, .connectionFailed, true),
        (CURLE_OPERATION_TIMEDOUT, nil, .timeout, true),
        (CURLE_LOGIN_DENIED, 535, .authenticationFailed, false),
        (CURLE_SEND_ERROR, 530, .authenticationFailed, false),
        (CURLE_SEND_ERROR, 550, .rejected, false),
        (CURLE_SEND_ERROR, 451, .rejected, true),
        (CURLE_WEIRD_SERVER_REPLY, 554, .rejected, false),
        (CURLE_USE_SSL_FAILED, 250, .tlsFailed, false),
        (CURLE_PEER_FAILED_VERIFICATION, nil, .tlsFailed, false),
        (CURLE_URL_MALFORMAT, nil, .invalidConfiguration, false),
        (CURLE_OUT_OF_MEMORY, nil, .other, false),
    ] as [(CURLcode, Int?, MailError.Code, Bool)])
    func classifies(curlCode: CURLcode, smtpStatus: Int?, expected: MailError.Code, retryable: Bool) {
        let error = MailError(curlCode: curlCode, smtpStatus: smtpStatus, detail: "x", secrets: [])
        #expect(error.code == expected)
        #expect(error.isRetryable == retryable)
    }

    @Test("cuts the password out of libcurl's text")
    func scrubsSecrets() {
        let error = MailError(curlCode: CURLE_LOGIN_DENIED, smtpStatus: 535, detail: "denied for hunter2!", secrets: ["hunter2"])
        #expect(!"\(error)".contains("hunter2"))
        #expect("\(error)".contains("denied for <redacted>!"))
    }
}
