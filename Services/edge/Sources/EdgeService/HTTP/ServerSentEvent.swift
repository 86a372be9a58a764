/// One frame of a `text/event-stream` response (the HTML Living Standard's server-sent events):
/// an event with optional `id` and `event` fields and its data, or a comment.
struct ServerSentEvent: Sendable, Equatable {
    var id: String?
    var event: String?
    var data: [UInt8]
    /// A comment line (`: text`) instead of an event, ignored by clients: keeps proxies and
    /// load balancers from closing an idle stream.
    var comment: String?

    /// An event (compact JSON data is one line; other data is sent as several `data:` lines).
    init(id: String? = nil, event: String? = nil, data: [UInt8]) {
        self.id = id
        self.event = event
        self.data = data
    }

    /// A comment frame.
    static func comment(_ text: String) -> ServerSentEvent {
        var frame = ServerSentEvent(data: [])
        frame.comment = text
        return frame
    }

    /// The frame on the wire, ending with the blank line that dispatches it.
    var bytes: [UInt8] {
        if let comment { return Array(": \(Self.oneLine(comment))\n\n".utf8) }
        var text = ""
        if let id { text += "id: \(Self.oneLine(id))\n" }
        if let event { text += "event: \(Self.oneLine(event))\n" }
        var bytes = Array(text.utf8)
        // A line break inside the data would end the field; every `data:` line is joined again
        // by the client with "\n", so the event's data stays what was sent.
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            bytes += Array("data: ".utf8) + line.filter { $0 != UInt8(ascii: "\r") } + [UInt8(ascii: "\n")]
        }
        return bytes + [UInt8(ascii: "\n")]
    }

    private static func oneLine(_ text: String) -> String {
        String(text.filter { $0 != "\n" && $0 != "\r" })
    }
}
