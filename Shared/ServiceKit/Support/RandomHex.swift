import Synchronization

/// Random identifiers (trace ids, span ids, request ids) without a system call each: SplitMix64
/// over one process-wide counter that starts at a seed from the system generator. Unique and
/// well spread, but predictable to whoever sees enough of them: never for secrets or tokens.
enum RandomHex {
    private static let digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66)
    private static let state: Atomic<UInt64> = {
        var system = SystemRandomNumberGenerator()
        return Atomic(system.next())
    }()

    /// The next 64 pseudo-random bits.
    static func next() -> UInt64 {
        var z = state.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` random bytes as 2 × `count` lowercase hex characters.
    static func make(bytes count: Int) -> String {
        String(unsafeUninitializedCapacity: count * 2) { output in
            withUnsafeBytes(of: digits) { digits in
                var written = 0
                var word: UInt64 = 0
                for index in 0..<count {
                    if index % 8 == 0 { word = next() }
                    let byte = UInt8(truncatingIfNeeded: word)
                    word >>= 8
                    output[written] = digits[Int(byte >> 4)]
                    output[written + 1] = digits[Int(byte & 0x0F)]
                    written += 2
                }
                return written
            }
        }
    }
}
