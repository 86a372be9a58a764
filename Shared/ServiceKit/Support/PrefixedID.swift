import Foundation

/// Entity ids (DESIGN §6): a type prefix and a UUIDv7, e.g. `usr-0193a5c0-7d1e-7b3c-9f00-3c1d2e4f5a6b`.
/// UUIDv7 puts the creation time first, so ids sort by age and index well.
public enum PrefixedID {
    /// A new id with the given prefix (without the dash), e.g. `make("usr")`.
    public static func make(_ prefix: String, now: Date = Date()) -> String {
        prefix + "-" + uuidV7(now: now).uuidString.lowercased()
    }

    /// A request's id field, checked: missing or malformed is a 400 naming the field.
    public static func required(_ value: String, _ field: String, prefix: String) throws(ServiceError) -> String {
        guard !value.isEmpty else { throw ServiceError.invalidField(field, "is required") }
        guard value.count <= 64, isValid(value, prefix: prefix) else {
            throw ServiceError.invalidField(field, "is not a valid \(prefix)- id")
        }
        return value
    }

    /// True when `id` has the prefix and a well-formed UUID after it.
    public static func isValid(_ id: String, prefix: String) -> Bool {
        guard id.hasPrefix(prefix + "-") else { return false }
        return UUID(uuidString: String(id.dropFirst(prefix.count + 1))) != nil
    }

    /// RFC 9562 UUID version 7: 48-bit Unix milliseconds, version, 74 random bits, variant.
    public static func uuidV7(now: Date = Date()) -> UUID {
        let milliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        var bytes = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in 6..<16 { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index))) }
        bytes[6] = (bytes[6] & 0x0F) | 0x70
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
