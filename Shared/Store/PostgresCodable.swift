/// A value that can be sent to Postgres as a bind parameter, in Postgres's text format.
public protocol PostgresEncodable: Sendable {
    /// The text Postgres parses as this value (for instance `t`, `42`, `\x00ff`), or `nil` for
    /// SQL NULL.
    var postgresText: String? { get }
}

/// A value that can be read from a Postgres result column, in Postgres's text format.
public protocol PostgresDecodable: Sendable {
    /// Decodes a column value; `text` is `nil` when the value is SQL NULL.
    ///
    /// Throws ``PostgresDecodingFailure`` when the value is NULL and the type has no NULL, or
    /// when the text is not a valid value of the type. Callers wrap it into a
    /// ``DatabaseError`` that names the column.
    static func decode(postgresText text: String?) throws -> Self
}

/// A value that travels both ways.
public typealias PostgresCodable = PostgresEncodable & PostgresDecodable

/// Why a column value could not be decoded; carries no data value.
public enum PostgresDecodingFailure: Error, Sendable, Equatable {
    /// The value is SQL NULL but the requested type is not optional.
    case unexpectedNull
    /// The text is not a valid value of the requested type.
    case invalidValue
}

extension PostgresDecodable {
    /// Returns `text`, or throws ``PostgresDecodingFailure/unexpectedNull`` when it is `nil`.
    /// A helper for conformances of non-optional types.
    public static func requireValue(_ text: String?) throws -> String {
        guard let text else { throw PostgresDecodingFailure.unexpectedNull }
        return text
    }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    /// The wrapped value's text, or `nil` (SQL NULL) for `.none`.
    public var postgresText: String? {
        switch self {
        case .some(let value): value.postgresText
        case .none: nil
        }
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    /// `nil` for SQL NULL, the decoded wrapped value otherwise.
    public static func decode(postgresText text: String?) throws -> Wrapped? {
        guard let text else { return nil }
        return try Wrapped.decode(postgresText: text)
    }
}

extension PostgresEncodable where Self: RawRepresentable, RawValue: PostgresEncodable {
    /// The raw value's text: a `String`- or `Int`-backed enum only needs to declare conformance.
    public var postgresText: String? { rawValue.postgresText }
}

extension PostgresDecodable where Self: RawRepresentable, RawValue: PostgresDecodable {
    /// Decodes the raw value, then the case; an unknown raw value is an invalid value.
    public static func decode(postgresText text: String?) throws -> Self {
        let raw = try RawValue.decode(postgresText: text)
        guard let value = Self(rawValue: raw) else { throw PostgresDecodingFailure.invalidValue }
        return value
    }
}
