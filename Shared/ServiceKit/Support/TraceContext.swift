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
    /// Later versions may append fields (`-…`), which are checked for hex and ignored.
    public init?(traceParent header: String) {
        var header = header
        let parsed: (traceID: String, spanID: String, flags: UInt8)? = header.withUTF8 { bytes in
            // "vv-" + 32 + "-" + 16 + "-" + "ff" = 55 bytes.
            guard bytes.count >= 55, bytes[2] == 0x2D, bytes[35] == 0x2D, bytes[52] == 0x2D,
                  let version = Self.hexByte(bytes[0], bytes[1]), version != 0xFF,
                  let flags = Self.hexByte(bytes[53], bytes[54])
            else { return nil }
            if bytes.count > 55 {
                guard bytes[55] == 0x2D, bytes[56...].allSatisfy({ $0 == 0x2D || Self.hexValue($0) != nil }) else { return nil }
            }
            guard let traceID = Self.lowercasedHex(bytes[3..<35]), let spanID = Self.lowercasedHex(bytes[36..<52]) else { return nil }
            return (traceID, spanID, flags)
        }
        guard let parsed else { return nil }
        traceID = parsed.traceID
        spanID = parsed.spanID
        flags = parsed.flags
    }

    /// The hex digits in lowercase; nil when one is not a hex digit or all are zero.
    private static func lowercasedHex(_ digits: Slice<UnsafeBufferPointer<UInt8>>) -> String? {
        var allZero = true
        for digit in digits {
            guard hexValue(digit) != nil else { return nil }
            if digit != 0x30 { allZero = false }
        }
        guard !allZero else { return nil }
        return String(unsafeUninitializedCapacity: digits.count) { output in
            for (index, digit) in digits.enumerated() {
                output[index] = digit >= 0x41 && digit <= 0x46 ? digit + 0x20 : digit
            }
            return digits.count
        }
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: digit - 0x30
        case 0x61...0x66: digit - 0x61 + 10
        case 0x41...0x46: digit - 0x41 + 10
        default: nil
        }
    }

    private static func hexByte(_ high: UInt8, _ low: UInt8) -> UInt8? {
        guard let high = hexValue(high), let low = hexValue(low) else { return nil }
        return high << 4 | low
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
