/// One numbered schema change of a service: a SQL script applied once, in order, and recorded
/// in `<schema>.schema_migrations`. Never edit a migration once it has been applied anywhere;
/// add a new one.
public struct Migration: Sendable, Hashable {
    /// The position in the sequence, starting at 1, without gaps.
    public let version: Int
    /// A short description, from the file name (`create_users` for `0001_create_users.sql`).
    public let name: String
    /// The script; it may hold several statements. It runs inside a transaction, so it must not
    /// contain `BEGIN`/`COMMIT` or statements that cannot run in one (`CREATE INDEX CONCURRENTLY`).
    public let sql: String

    /// Creates a migration.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Builds the migration sequence from SQL files named `<number>_<name>.sql` (for instance
    /// `0001_create_users.sql`; the name uses letters, digits, `_` and `-`), in any order.
    ///
    /// Throws ``MigrationError`` for a malformed file name, two files with the same number, or
    /// numbers that do not run 1, 2, 3, ... without gaps.
    public static func parse(files: [(name: String, sql: String)]) throws -> [Migration] {
        var migrations: [Migration] = []
        for file in files {
            guard let (version, name) = parseFileName(file.name) else {
                throw MigrationError(
                    code: .invalidFileName,
                    message: "migration file \"\(file.name)\" is not named <number>_<name>.sql"
                )
            }
            migrations.append(Migration(version: version, name: name, sql: file.sql))
        }
        migrations.sort { $0.version < $1.version }
        for (index, migration) in migrations.enumerated() {
            let expected = index + 1
            if migration.version < expected {
                throw MigrationError(code: .duplicateVersion, message: "two migrations have version \(migration.version)")
            }
            if migration.version > expected {
                throw MigrationError(code: .missingVersion, message: "migration version \(expected) is missing")
            }
        }
        return migrations
    }

    /// `(1, "create_users")` for `0001_create_users.sql`; `nil` for any other shape.
    private static func parseFileName(_ fileName: String) -> (Int, String)? {
        guard fileName.hasSuffix(".sql") else { return nil }
        let stem = fileName.dropLast(4)
        let digits = stem.prefix { $0.isASCII && $0.isNumber }
        let rest = stem.dropFirst(digits.count)
        guard !digits.isEmpty, digits.count <= 9, let version = Int(digits), version > 0,
            rest.first == "_", rest.count > 1
        else { return nil }
        let name = rest.dropFirst()
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-")
        }
        return allowed ? (version, String(name)) : nil
    }
}
