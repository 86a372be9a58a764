/// A W3C trace context (`traceparent: 00-<trace-id>-<parent-id>-<flags>`).
public struct TraceContext: Sendable, Equatable {
    /// 32 lowercase hex digits; never all zeros.
    public let traceID: String
    /// 16 lowercase hex digits of this hop's span.
    public let spanID: String
    /// Trace flags (bit 0: sampled).
    public let flags: UInt8

    /// A new trace root.
    public init() {
        traceID = Self.randomHex(bytes: 16)
        spanID = Self.randomHex(bytes: 8)
        flags = 1
    }

    /// Parses a `traceparent` header; nil when it is malformed (then start a new trace).
    public init?(traceParent header: String) {
        let parts = header.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].count == 2, parts[0] != "ff",
              parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isHexDigit } }),
              parts[1] != String(repeating: "0", count: 32), parts[2] != String(repeating: "0", count: 16),
              let flags = UInt8(parts[3], radix: 16)
        else { return nil }
        traceID = parts[1].lowercased()
        spanID = parts[2].lowercased()
        self.flags = flags
    }

    private init(traceID: String, spanID: String, flags: UInt8) {
        self.traceID = traceID
        self.spanID = spanID
        self.flags = flags
    }

    /// The context of a new span in the same trace (what to send to the next hop).
    public func child() -> TraceContext {
        TraceContext(traceID: traceID, spanID: Self.randomHex(bytes: 8), flags: flags)
    }

    /// The header value.
    public var traceParent: String {
        "00-\(traceID)-\(spanID)-" + (flags < 16 ? "0" : "") + String(flags, radix: 16)
    }

    static func randomHex(bytes: Int) -> String {
        RandomHex.make(bytes: bytes)
    }
}
