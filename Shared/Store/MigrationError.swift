/// Why migrations could not be parsed or applied.
///
/// `description` names files and versions, never SQL text; a failed migration's database error
/// is in ``underlying``.
public struct MigrationError: Error, CustomStringConvertible, Sendable {
    /// The stable category of a ``MigrationError`` (extensible: `switch` with a `default`).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// A file is not named `<number>_<name>.sql`.
        public static let invalidFileName = Code("invalidFileName")
        /// Two files share a version number.
        public static let duplicateVersion = Code("duplicateVersion")
        /// The version numbers have a gap or do not start at 1.
        public static let missingVersion = Code("missingVersion")
        /// The database records a version under another name than this binary's: an applied
        /// migration was renamed or replaced.
        public static let historyMismatch = Code("historyMismatch")
        /// A migration's SQL failed; nothing of it was applied.
        public static let migrationFailed = Code("migrationFailed")

        /// The code's name.
        public var description: String { name }
    }

    /// The stable category of the error.
    public var code: Code
    /// What went wrong, naming files or versions.
    public var message: String
    /// The error that caused this one (a ``DatabaseError`` for `.migrationFailed`).
    public var underlying: (any Error)?

    /// Creates an error.
    public init(code: Code, message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    /// The code and message, plus the underlying error's own (log-safe) description.
    public var description: String {
        var text = "MigrationError(\(code)): \(message)"
        if let underlying { text += " — \(underlying)" }
        return text
    }
}
