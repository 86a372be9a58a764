import Foundation

/// Builds and splits lines of Postgres's COPY text format: fields separated by tabs, `\N` for
/// NULL, and backslash escapes for backslash, tab, newline and carriage return.
public enum CopyText {
    /// One COPY line (without terminator) from field texts; `nil` is NULL. Pair it with
    /// `PostgresEncodable.postgresText` to copy typed values.
    public static func line(_ fields: [String?]) -> String {
        var line = String.UnicodeScalarView()
        for (index, field) in fields.enumerated() {
            if index > 0 { line.append("\t") }
            guard let field else {
                line.append(contentsOf: "\\N".unicodeScalars)
                continue
            }
            for scalar in field.unicodeScalars {
                switch scalar {
                case "\\": line.append(contentsOf: "\\\\".unicodeScalars)
                case "\t": line.append(contentsOf: "\\t".unicodeScalars)
                case "\n": line.append(contentsOf: "\\n".unicodeScalars)
                case "\r": line.append(contentsOf: "\\r".unicodeScalars)
                default: line.append(scalar)
                }
            }
        }
        return String(line)
    }

    /// The fields of a COPY text line (as returned by `copyOut`); `nil` is NULL.
    public static func fields(of line: String) -> [String?] {
        var fields: [String?] = []
        var current = String.UnicodeScalarView()
        var isNull = false
        var iterator = line.unicodeScalars.makeIterator()
        while let scalar = iterator.next() {
            switch scalar {
            case "\t":
                fields.append(isNull ? nil : String(current))
                current = String.UnicodeScalarView()
                isNull = false
            case "\\":
                guard let escaped = iterator.next() else { continue }
                switch escaped {
                case "N": isNull = true
                case "t": current.append("\t")
                case "n": current.append("\n")
                case "r": current.append("\r")
                case "b": current.append("\u{08}")
                case "f": current.append("\u{0C}")
                case "v": current.append("\u{0B}")
                default: current.append(escaped)
                }
            default:
                current.append(scalar)
            }
        }
        fields.append(isNull ? nil : String(current))
        return fields
    }
}

extension CopyText {
    /// Builds COPY text-format data straight into bytes (no intermediate strings): for bulk
    /// loads where building each line as a `String` would cost more than the database's work.
    /// Pass ``data`` to `PostgresConnection.copyIn(_:chunks:)`.
    public struct Writer: Sendable {
        private var bytes: [UInt8] = []
        private var fieldsInRow = 0

        public init(reservingCapacity capacity: Int = 0) {
            bytes.reserveCapacity(capacity)
        }

        /// The rows written so far.
        public var data: Data { Data(bytes) }

        /// Appends a field to the current row; `nil` is NULL.
        public mutating func field(_ value: String?) {
            guard var text = value else {
                null()
                return
            }
            text.withUTF8 { field(utf8: $0) }
        }

        /// Appends a field given as UTF-8 bytes.
        public mutating func field(utf8 text: UnsafeBufferPointer<UInt8>) {
            separate()
            var start = 0
            for index in 0..<text.count {
                let escape: UInt8
                switch text[index] {
                case 0x5C: escape = 0x5C  // \\
                case 0x09: escape = 0x74  // \t
                case 0x0A: escape = 0x6E  // \n
                case 0x0D: escape = 0x72  // \r
                default: continue
                }
                if index > start { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<index])) }
                bytes.append(0x5C)
                bytes.append(escape)
                start = index + 1
            }
            if text.count > start { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<text.count])) }
        }

        /// Appends a `timestamptz` field: microseconds since 1970 (UTC), written the way
        /// `Date.postgresText` writes it, without building a string.
        public mutating func field(timestampMicroseconds microseconds: Int64) {
            separate()
            PostgresTimestamp.append(microseconds: microseconds, to: &bytes)
        }

        /// Appends a NULL field.
        public mutating func null() {
            separate()
            bytes.append(0x5C)  // \N
            bytes.append(0x4E)
        }

        /// Ends the current row.
        public mutating func endRow() {
            bytes.append(0x0A)
            fieldsInRow = 0
        }

        private mutating func separate() {
            if fieldsInRow > 0 { bytes.append(0x09) }
            fieldsInRow += 1
        }
    }
}
