import Foundation

extension Data: PostgresCodable {
    /// The `bytea` hex form, `\x` followed by two lowercase hex digits per byte.
    public var postgresText: String? { ByteaHex.encode(self) }

    /// Decodes the `bytea` hex form (`\x0001ff`).
    public static func decode(postgresText text: String?) throws -> Data {
        guard let bytes = ByteaHex.decode(try requireValue(text)) else {
            throw PostgresDecodingFailure.invalidValue
        }
        return Data(bytes)
    }
}

extension Date: PostgresCodable {
    /// ISO 8601 with microseconds and offset, e.g. `2026-11-21T16:31:00.123456+00:00`
    /// (`timestamptz`); sub-microsecond precision is rounded. The distant past and future map
    /// to `-infinity` and `infinity`.
    public var postgresText: String? {
        if self == .distantFuture { return "infinity" }
        if self == .distantPast { return "-infinity" }
        let micros = (timeIntervalSince1970 * 1_000_000).rounded()
        // Beyond Int64 microseconds is far outside Postgres's range (4713 BC to 294276 AD);
        // send text the server rejects rather than a wrong instant or a silent NULL.
        guard micros.isFinite, abs(micros) < 9.0e18 else { return "out-of-range" }
        return PostgresTimestamp.format(microseconds: Int64(micros))
    }

    /// Decodes Postgres's `timestamptz` output (`2026-11-21 16:31:00.123456+00`); `infinity`
    /// and `-infinity` become `Date.distantFuture` and `Date.distantPast`.
    public static func decode(postgresText text: String?) throws -> Date {
        let text = try requireValue(text)
        switch text {
        case "infinity": return .distantFuture
        case "-infinity": return .distantPast
        default:
            guard let micros = PostgresTimestamp.parse(text) else {
                throw PostgresDecodingFailure.invalidValue
            }
            return Date(timeIntervalSince1970: Double(micros) / 1_000_000)
        }
    }
}

extension UUID: PostgresCodable {
    /// The canonical hyphenated form (`uuid`).
    public var postgresText: String? { uuidString }

    /// Decodes the hyphenated form Postgres prints.
    public static func decode(postgresText text: String?) throws -> UUID {
        guard let value = UUID(uuidString: try requireValue(text)) else {
            throw PostgresDecodingFailure.invalidValue
        }
        return value
    }
}

/// The `bytea` hex format: `\x` then two hex digits per byte.
enum ByteaHex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: some Collection<UInt8>) -> String {
        var utf8: [UInt8] = [0x5C, 0x78]  // "\x"
        utf8.reserveCapacity(2 + bytes.count * 2)
        for byte in bytes {
            utf8.append(digits[Int(byte >> 4)])
            utf8.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == 0x5C, utf8[1] == 0x78, utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            guard let high = value(of: utf8[index]), let low = value(of: utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: digit - 0x30
        case 0x61...0x66: digit - 0x61 + 10
        case 0x41...0x46: digit - 0x41 + 10
        default: nil
        }
    }
}
