/// Converts between instants (microseconds since the Unix epoch, UTC) and the text forms of
/// `timestamptz`, without Foundation's calendars or formatters (locale-free and fast).
enum PostgresTimestamp {
    private static let microsPerDay: Int64 = 86_400_000_000
    private static let utcSuffix = Array("+00:00".utf8)
    private static let bcSuffix = Array(" BC".utf8)

    /// ISO 8601 with microseconds and an explicit offset, e.g. `2026-11-21T16:31:00.123456+00:00`.
    /// Years before 1 are written the way Postgres reads them (`0044-03-15 ... BC`).
    static func format(microseconds: Int64) -> String {
        var bytes: [UInt8] = []
        append(microseconds: microseconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends ``format(microseconds:)``'s text as UTF-8, without intermediate strings (bulk
    /// COPY data writes it straight into its buffer).
    static func append(microseconds: Int64, to bytes: inout [UInt8]) {
        let days = floorDivide(microseconds, microsPerDay)
        let timeOfDay = microseconds - days * microsPerDay
        let (year, month, day) = civil(fromDays: days)
        let isBC = year <= 0
        /// `value` (not negative) in at least `width` digits.
        func digits(_ value: Int64, _ width: Int) {
            var divisor: Int64 = 1
            var count = 1
            while count < width || value / divisor >= 10 {
                divisor *= 10
                count += 1
            }
            var rest = value
            while divisor > 0 {
                bytes.append(0x30 + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        let seconds = timeOfDay / 1_000_000
        digits(isBC ? 1 - year : year, 4)
        bytes.append(0x2D)
        digits(month, 2)
        bytes.append(0x2D)
        digits(day, 2)
        bytes.append(0x54)  // T
        digits(seconds / 3600, 2)
        bytes.append(0x3A)
        digits(seconds / 60 % 60, 2)
        bytes.append(0x3A)
        digits(seconds % 60, 2)
        bytes.append(0x2E)
        digits(timeOfDay % 1_000_000, 6)
        bytes.append(contentsOf: utcSuffix)
        if isBC { bytes.append(contentsOf: bcSuffix) }
    }

    /// Parses Postgres's ISO output, `2026-11-21 16:31:00.123456+00` (fraction optional, offset
    /// `±HH`, `±HH:MM` or `±HH:MM:SS`, optional ` BC`; `T` or space between date and time; no
    /// offset means UTC). Returns `nil` for anything else. `infinity` is not handled here.
    static func parse(_ text: String) -> Int64? {
        var scanner = Scanner(Array(text.utf8))
        guard let year = scanner.number(minDigits: 4, maxDigits: 7), scanner.skip("-"),
            let month = scanner.number(minDigits: 2, maxDigits: 2), (1...12).contains(month), scanner.skip("-"),
            let day = scanner.number(minDigits: 2, maxDigits: 2), (1...31).contains(day),
            scanner.skip(" ") || scanner.skip("T"),
            let hour = scanner.number(minDigits: 2, maxDigits: 2), hour <= 24, scanner.skip(":"),
            let minute = scanner.number(minDigits: 2, maxDigits: 2), minute < 60, scanner.skip(":"),
            let second = scanner.number(minDigits: 2, maxDigits: 2), second < 61
        else { return nil }
        var micros: Int64 = 0
        if scanner.skip(".") {
            let start = scanner.position
            guard let digits = scanner.number(minDigits: 1, maxDigits: 6) else { return nil }
            micros = digits
            for _ in (scanner.position - start)..<6 { micros *= 10 }
        }
        var offsetSeconds: Int64 = 0
        if scanner.peek("+") || scanner.peek("-") {
            let sign: Int64 = scanner.skip("-") ? -1 : 1
            _ = scanner.skip("+")
            guard let hours = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
            var minutes: Int64 = 0
            var seconds: Int64 = 0
            if scanner.skip(":") {
                guard let value = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
                minutes = value
                if scanner.skip(":") {
                    guard let value = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
                    seconds = value
                }
            }
            offsetSeconds = sign * (hours * 3600 + minutes * 60 + seconds)
        }
        let isBC = scanner.skip(" BC")
        guard scanner.isAtEnd else { return nil }
        let days = days(fromCivil: isBC ? 1 - year : year, month, day)
        let localSeconds = days * 86_400 + hour * 3600 + minute * 60 + second
        return (localSeconds - offsetSeconds) * 1_000_000 + micros
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (astronomical year numbering).
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day number since 1970-01-01.
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    /// A cursor over ASCII bytes.
    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var isAtEnd: Bool { position == bytes.count }

        func peek(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard position + count <= bytes.count else { return false }
            return (0..<count).allSatisfy { bytes[position + $0] == literal.utf8Start[$0] }
        }

        mutating func skip(_ literal: StaticString) -> Bool {
            guard peek(literal) else { return false }
            position += literal.utf8CodeUnitCount
            return true
        }

        mutating func number(minDigits: Int, maxDigits: Int) -> Int64? {
            var value: Int64 = 0
            var count = 0
            while count < maxDigits, position < bytes.count, (0x30...0x39).contains(bytes[position]) {
                value = value * 10 + Int64(bytes[position] - 0x30)
                position += 1
                count += 1
            }
            return count >= minDigits ? value : nil
        }
    }
}
