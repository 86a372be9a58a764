import CNATS

/// A NATS message copied out of libnats, so it can cross threads and outlive the C object.
public struct NATSMessage: Sendable {
    /// The subject the message was published on.
    public var subject: String
    /// The reply subject, when the sender expects an answer.
    public var reply: String?
    /// The payload.
    public var payload: [UInt8]
    /// Headers (NATS 2.2+); a key that occurs several times keeps its first value.
    public var headers: [String: String]
    /// True for the status-503 message the server sends when a request found no subscriber.
    public var isNoResponders: Bool

    /// Creates a message to publish.
    public init(subject: String, reply: String? = nil, payload: [UInt8] = [], headers: [String: String] = [:]) {
        self.subject = subject
        self.reply = reply
        self.payload = payload
        self.headers = headers
        self.isNoResponders = false
    }

    /// Copies a libnats message. Does not destroy it.
    init(copying message: OpaquePointer) {
        subject = String(cString: natsMsg_GetSubject(message))
        reply = natsMsg_GetReply(message).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        let length = Int(natsMsg_GetDataLength(message))
        if length > 0, let data = natsMsg_GetData(message) {
            payload = data.withMemoryRebound(to: UInt8.self, capacity: length) {
                Array(UnsafeBufferPointer(start: $0, count: length))
            }
        } else {
            payload = []
        }
        var headers: [String: String] = [:]
        var keys: UnsafeMutablePointer<UnsafePointer<CChar>?>?
        var count: Int32 = 0
        if natsMsgHeader_Keys(message, &keys, &count) == NATS_OK, let keys {
            for index in 0..<Int(count) {
                guard let key = keys[index] else { continue }
                var value: UnsafePointer<CChar>?
                if natsMsgHeader_Get(message, key, &value) == NATS_OK, let value {
                    headers[String(cString: key)] = String(cString: value)
                }
            }
            free(UnsafeMutableRawPointer(mutating: keys))
        }
        self.headers = headers
        isNoResponders = natsMsg_IsNoResponders(message)
    }

    /// Builds a libnats message for publishing; the caller destroys it.
    func makeCMessage() throws(NATSError) -> OpaquePointer {
        var message: OpaquePointer?
        let status = payload.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                natsMsg_Create(&message, subject, reply, $0.baseAddress, Int32($0.count))
            }
        }
        guard status == NATS_OK, let message else { throw NATSError(status, "creating a message") }
        for (key, value) in headers {
            let status = natsMsgHeader_Set(message, key, value)
            guard status == NATS_OK else {
                natsMsg_Destroy(message)
                throw NATSError(status, "setting header \(key)")
            }
        }
        return message
    }
}
