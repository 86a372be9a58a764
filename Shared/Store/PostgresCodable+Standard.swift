extension String: PostgresCodable {
    /// The string itself (`text`, `varchar`, and any type Postgres casts from text).
    public var postgresText: String? { self }

    /// Any non-NULL column value, as Postgres prints it.
    public static func decode(postgresText text: String?) throws -> String {
        try requireValue(text)
    }
}

extension Int: PostgresCodable {
    /// The decimal form (`bigint`, `integer`, `smallint`).
    public var postgresText: String? { String(self) }

    /// Decodes a decimal integer that fits in `Int`.
    public static func decode(postgresText text: String?) throws -> Int {
        guard let value = Int(try requireValue(text)) else { throw PostgresDecodingFailure.invalidValue }
        return value
    }
}

extension Int64: PostgresCodable {
    /// The decimal form (`bigint`).
    public var postgresText: String? { String(self) }

    /// Decodes a decimal integer that fits in `Int64`.
    public static func decode(postgresText text: String?) throws -> Int64 {
        guard let value = Int64(try requireValue(text)) else { throw PostgresDecodingFailure.invalidValue }
        return value
    }
}

extension Int32: PostgresCodable {
    /// The decimal form (`integer`).
    public var postgresText: String? { String(self) }

    /// Decodes a decimal integer that fits in `Int32`.
    public static func decode(postgresText text: String?) throws -> Int32 {
        guard let value = Int32(try requireValue(text)) else { throw PostgresDecodingFailure.invalidValue }
        return value
    }
}

extension Int16: PostgresCodable {
    /// The decimal form (`smallint`).
    public var postgresText: String? { String(self) }

    /// Decodes a decimal integer that fits in `Int16`.
    public static func decode(postgresText text: String?) throws -> Int16 {
        guard let value = Int16(try requireValue(text)) else { throw PostgresDecodingFailure.invalidValue }
        return value
    }
}

extension Bool: PostgresCodable {
    /// `t` or `f`.
    public var postgresText: String? { self ? "t" : "f" }

    /// Decodes Postgres's `t`/`f` (and `true`/`false`).
    public static func decode(postgresText text: String?) throws -> Bool {
        switch try requireValue(text) {
        case "t", "true": return true
        case "f", "false": return false
        default: throw PostgresDecodingFailure.invalidValue
        }
    }
}

extension Double: PostgresCodable {
    /// The shortest exact decimal form; `Infinity`, `-Infinity` and `NaN` as Postgres spells them.
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return String(self)
    }

    /// Decodes `double precision`, `real` or `numeric` text, including `Infinity` and `NaN`.
    public static func decode(postgresText text: String?) throws -> Double {
        switch try requireValue(text) {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        case let text:
            guard let value = Double(text), value.isFinite else {
                throw PostgresDecodingFailure.invalidValue
            }
            return value
        }
    }
}
