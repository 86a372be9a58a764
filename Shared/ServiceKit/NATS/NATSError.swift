import CNATS

/// A failure reported by libnats.
public struct NATSError: Error, CustomStringConvertible, Sendable {
    /// The libnats status code (`natsStatus`).
    public let status: UInt32
    /// What the process was doing.
    public let operation: String
    /// libnats's text for the status, plus its last error detail when it has one.
    public let text: String
    /// The JetStream API error code (`jsErrCode`, e.g. 10059 "stream not found"), or 0.
    public let jetStreamCode: Int

    init(_ status: natsStatus, _ operation: String, jetStreamCode: jsErrCode = jsErrCode(rawValue: 0)) {
        self.status = status.rawValue
        self.operation = operation
        self.jetStreamCode = Int(jetStreamCode.rawValue)
        var text = String(cString: natsStatus_GetText(status))
        var last = NATS_OK
        if let detail = nats_GetLastError(&last), last == status {
            let detail = String(cString: detail)
            if !detail.isEmpty, detail != text { text += ": " + detail }
        }
        self.text = text
    }

    /// True when the server had no subscriber for a request's subject.
    public var isNoResponders: Bool { status == NATS_NO_RESPONDERS.rawValue }
    /// True when the operation timed out.
    public var isTimeout: Bool { status == NATS_TIMEOUT.rawValue }

    public var description: String {
        let code = jetStreamCode == 0 ? "" : " (JetStream error \(jetStreamCode))"
        return "NATS error while \(operation): \(text)\(code)"
    }
}
