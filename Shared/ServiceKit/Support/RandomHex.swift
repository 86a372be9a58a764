/// Random identifiers (trace ids, span ids, request ids) without per-byte system calls:
/// one `getrandom` per 8 bytes, hex-encoded through a table. Not for secrets.
enum RandomHex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// `count` random bytes as 2 × `count` lowercase hex characters.
    static func make(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var output = [UInt8]()
        output.reserveCapacity(count * 2)
        var remaining = count
        while remaining > 0 {
            var word = generator.next()
            for _ in 0..<min(8, remaining) {
                let byte = UInt8(truncatingIfNeeded: word)
                output.append(digits[Int(byte >> 4)])
                output.append(digits[Int(byte & 0x0F)])
                word >>= 8
            }
            remaining -= 8
        }
        return String(decoding: output, as: UTF8.self)
    }
}
