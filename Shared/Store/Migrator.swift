import Logging

/// Applies a service's migrations to its schema at start, safely with several replicas.
///
/// `migrate(on:)` takes a session-level advisory lock keyed on the schema name, so replicas
/// starting together run one after the other: the first applies what is pending, the next ones
/// find nothing to do. Each migration runs in its own transaction together with the insert of
/// its `<schema>.schema_migrations` row, so a failing migration leaves no trace.
public struct Migrator: Sendable {
    /// The schema the migrations build; created if missing (when the role may).
    public let schema: String
    /// The migrations, in version order.
    public let migrations: [Migration]
    private let logger: Logger

    /// Creates a migrator for `schema`; `migrations` usually comes from `Migration.parse(files:)`.
    public init(schema: String, migrations: [Migration], logger: Logger) {
        self.schema = schema
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.logger = logger
    }

    /// Applies the pending migrations and returns their versions (empty when the schema was up
    /// to date).
    ///
    /// Versions recorded in the database but unknown to this binary are logged as a warning and
    /// otherwise ignored (a newer replica migrated first). A known version recorded under a
    /// different name throws `MigrationError.Code.historyMismatch`; a failing migration throws
    /// `.migrationFailed`, after the migrations before it were committed. The statement timeout
    /// is lifted while migrating and restored afterwards.
    public func migrate(on pool: PostgresPool) async throws -> [Int] {
        try await pool.withConnection { connection in
            let previousTimeout = try await connection
                .query("SELECT current_setting('statement_timeout')")[0]
                .decode(String.self, at: 0)
            try await connection.execute("SET statement_timeout TO 0")
            do {
                _ = try await connection.query("SELECT pg_advisory_lock(\(lockKey))")
            } catch {
                await restore(statementTimeout: previousTimeout, on: connection)
                throw error
            }
            let result: Result<[Int], any Error>
            do {
                result = .success(try await applyPending(on: connection))
            } catch {
                result = .failure(error)
            }
            do {
                try await connection.uncancellableQuery("SELECT pg_advisory_unlock(\(lockKey))")
            } catch {
                // The lock goes with the session: a connection that cannot unlock is broken and
                // will be closed by the pool, which releases it.
                logger.warning("could not release the migration lock", metadata: ["error": "\(error)"])
            }
            await restore(statementTimeout: previousTimeout, on: connection)
            return try result.get()
        }
    }

    /// The advisory lock key: a 64-bit FNV-1a hash of the schema name, the same in every process.
    var lockKey: Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "hexabase.schema_migrations.\(schema)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    private func applyPending(on connection: PostgresConnection) async throws -> [Int] {
        let table = "\(PostgresQuery.quoteIdentifier(schema)).schema_migrations"
        let schemaExists = try await connection
            .query("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = \(schema))")[0]
            .decode(Bool.self, at: 0)
        if !schemaExists {
            try await connection.execute("CREATE SCHEMA \(identifier: schema)")
        }
        try await connection.execute("""
            CREATE TABLE IF NOT EXISTS \(unescaped: table) (
                version integer PRIMARY KEY,
                name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        var recorded: [Int: String] = [:]
        for row in try await connection.query("SELECT version, name FROM \(unescaped: table)") {
            recorded[try row.decode(Int.self, at: 0)] = try row.decode(String.self, at: 1)
        }
        try check(recorded: recorded)
        var applied: [Int] = []
        for migration in migrations where recorded[migration.version] == nil {
            do {
                try await connection.transaction { connection in
                    // Unqualified names in the script land in the service's schema.
                    try await connection.execute("SET LOCAL search_path TO \(identifier: schema), public")
                    try await connection.simpleQuery(migration.sql)
                    try await connection.execute(
                        "INSERT INTO \(unescaped: table) (version, name) VALUES (\(migration.version), \(migration.name))"
                    )
                }
            } catch {
                throw MigrationError(
                    code: .migrationFailed,
                    message: "migration \(migration.version) (\(migration.name)) of schema \(schema) failed",
                    underlying: error
                )
            }
            logger.info(
                "applied migration",
                metadata: ["schema": "\(schema)", "version": "\(migration.version)", "name": "\(migration.name)"]
            )
            applied.append(migration.version)
        }
        return applied
    }

    private func check(recorded: [Int: String]) throws {
        let known = Dictionary(migrations.map { ($0.version, $0.name) }, uniquingKeysWith: { first, _ in first })
        for (version, name) in recorded.sorted(by: { $0.key < $1.key }) {
            guard let knownName = known[version] else {
                logger.warning(
                    "the database records a migration this binary does not know; a newer release probably applied it",
                    metadata: ["schema": "\(schema)", "version": "\(version)", "name": "\(name)"]
                )
                continue
            }
            guard knownName == name else {
                throw MigrationError(
                    code: .historyMismatch,
                    message: "schema \(schema) records migration \(version) as \"\(name)\" but this binary has \"\(knownName)\""
                )
            }
        }
    }

    private func restore(statementTimeout: String, on connection: PostgresConnection) async {
        do {
            try await connection.uncancellableQuery("SELECT set_config('statement_timeout', \(statementTimeout), false)")
        } catch {
            logger.warning("could not restore the statement timeout", metadata: ["error": "\(error)"])
        }
    }
}
