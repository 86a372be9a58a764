import CCurl

/// Collects a response from libcurl's write and header callbacks: the body, up to a limit, and
/// the header fields of the final response (libcurl also reports those of a `100 Continue` or of
/// a proxy's answer to `CONNECT`, which come first).
///
/// Used only on the transfer's own thread, by the callbacks and then by ``HTTPTransfer``.
final class ResponseCollector {
    /// The largest body accepted, in bytes.
    let limit: Int
    /// The body received so far.
    private(set) var body: [UInt8] = []
    /// Header fields, names lower-cased, repeated fields joined with ", ".
    private(set) var headers: [String: String] = [:]
    /// True once the body went over ``limit``; the transfer was then aborted.
    private(set) var exceededLimit = false
    private var lastName: String?

    init(limit: Int) {
        self.limit = limit
    }

    /// Points `handle`'s write and header callbacks at this collector; `self` must outlive the
    /// transfer.
    func install(on handle: UnsafeMutableRawPointer) -> [CURLcode] {
        let opaque = Unmanaged.passUnretained(self).toOpaque()
        return [
            hxb_curl_setopt_write_function(handle, CURLOPT_WRITEFUNCTION, Self.bodyCallback),
            hxb_curl_setopt_ptr(handle, CURLOPT_WRITEDATA, opaque),
            hxb_curl_setopt_write_function(handle, CURLOPT_HEADERFUNCTION, Self.headerCallback),
            hxb_curl_setopt_ptr(handle, CURLOPT_HEADERDATA, opaque),
        ]
    }

    /// Appends `bytes` to the body; false (and nothing appended) when that would pass the limit.
    private func appendBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count <= limit - body.count else {
            exceededLimit = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// Takes one header line as libcurl delivers it: a status line, a field, a continuation of
    /// the previous field (obsolete line folding) or the empty line that ends the headers.
    private func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        let isBlank = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        guard let first = bytes.firstIndex(where: { !isBlank($0) }) else { return }
        let last = bytes.lastIndex(where: { !isBlank($0) })!
        let line = String(decoding: bytes[first...last], as: UTF8.self)
        if isBlank(bytes[0]) {
            if let lastName { headers[lastName, default: ""] += " " + line }
        } else if line.hasPrefix("HTTP/") {
            // A new response begins: only the final one's fields are kept.
            headers = [:]
            lastName = nil
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].lowercased()
            let value = String(line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" })
            headers[name] = headers[name].map { $0 + ", " + value } ?? value
            lastName = name
        }
    }

    private static let bodyCallback: curl_write_callback = { buffer, size, count, userdata in
        guard let userdata else { return 0 }
        let collector = Unmanaged<ResponseCollector>.fromOpaque(userdata).takeUnretainedValue()
        let bytes = UnsafeRawBufferPointer(start: buffer, count: buffer == nil ? 0 : size * count)
        // Returning fewer bytes than given aborts the transfer with CURLE_WRITE_ERROR.
        return collector.appendBody(bytes) ? bytes.count : 0
    }

    private static let headerCallback: curl_write_callback = { buffer, size, count, userdata in
        guard let userdata, let buffer else { return 0 }
        let bytes = UnsafeRawBufferPointer(start: buffer, count: size * count)
        Unmanaged<ResponseCollector>.fromOpaque(userdata).takeUnretainedValue().receiveHeaderLine(bytes)
        return bytes.count
    }
}
