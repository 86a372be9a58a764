import Store
import TestSupport
import Testing

@Suite("Migrations against Postgres")
struct MigratorTests {
    static let migrations = [
        // The sleep widens the window in which a second replica would race the first.
        Migration(version: 1, name: "create_users", sql: "CREATE TABLE users (id int PRIMARY KEY); SELECT pg_sleep(0.2);"),
        Migration(version: 2, name: "create_groups", sql: """
            CREATE TABLE groups (id int PRIMARY KEY, name text NOT NULL);
            INSERT INTO groups VALUES (1, 'WorkspaceMembers');
            """),
        Migration(version: 3, name: "add_email", sql: "ALTER TABLE users ADD COLUMN email text UNIQUE"),
    ]

    @Test("two replicas migrating together apply each migration exactly once")
    func concurrentMigrationsSerialize() async throws {
        try await TestDatabase.withTemporary(prefix: "migrate_race") { database in
            let first = PostgresPool(configuration: database.configuration(poolSize: 1), logger: testLogger)
            let second = PostgresPool(configuration: database.configuration(poolSize: 1), logger: testLogger)
            let migrator = Migrator(schema: database.schema, migrations: Self.migrations, logger: testLogger)
            async let appliedByFirst = migrator.migrate(on: first)
            async let appliedBySecond = migrator.migrate(on: second)
            let results = try await [appliedByFirst, appliedBySecond]
            #expect(results.flatMap { $0 }.sorted() == [1, 2, 3])
            #expect(results.contains([1, 2, 3]))
            #expect(results.contains([]))

            let recorded = try await first.query("SELECT version, name FROM schema_migrations ORDER BY version")
            #expect(try recorded.map { try $0.decode(Int.self, column: "version") } == [1, 2, 3])
            #expect(try recorded.map { try $0.decode(String.self, column: "name") } == ["create_users", "create_groups", "add_email"])
            let groups = try await first.query("SELECT count(*) FROM groups")
            #expect(try groups[0].decode(Int.self, at: 0) == 1)
            #expect(try await migrator.migrate(on: second) == [])
            await first.close()
            await second.close()
        }
    }

    @Test("a migration with broken SQL throws and leaves nothing of itself behind")
    func brokenMigrationIsAtomic() async throws {
        try await withTestPool(prefix: "migrate_broken") { pool, database in
            let broken = [
                Self.migrations[0],
                Migration(version: 2, name: "half_done", sql: "CREATE TABLE half (id int); CREATE TABLE oops ("),
            ]
            do {
                _ = try await Migrator(schema: database.schema, migrations: broken, logger: testLogger).migrate(on: pool)
                Issue.record("the broken migration must throw")
            } catch let error as MigrationError {
                #expect(error.code == .migrationFailed)
                #expect((error.underlying as? DatabaseError)?.code == .invalidQuery)
                #expect(error.description.contains("half_done"))
            }
            let versions = try await pool.query("SELECT version FROM schema_migrations")
            #expect(try versions.map { try $0.decode(Int.self, at: 0) } == [1])
            let half = try await pool.query("SELECT to_regclass('half') IS NULL")
            #expect(try half[0].decode(Bool.self, at: 0))

            // The lock was released: a fixed release migrates from where the broken one stopped.
            let fixed = Array(Self.migrations[0...1])
            let applied = try await Migrator(schema: database.schema, migrations: fixed, logger: testLogger).migrate(on: pool)
            #expect(applied == [2])
        }
    }

    @Test("an applied migration under another name is refused; unknown newer versions are tolerated")
    func historyChecks() async throws {
        try await withTestPool(prefix: "migrate_history") { pool, database in
            let applied = try await Migrator(schema: database.schema, migrations: Self.migrations, logger: testLogger)
                .migrate(on: pool)
            #expect(applied == [1, 2, 3])

            let older = Array(Self.migrations[0...1])
            #expect(try await Migrator(schema: database.schema, migrations: older, logger: testLogger).migrate(on: pool) == [])

            let edited = [Migration(version: 1, name: "create_people", sql: "SELECT 1")] + Self.migrations[1...]
            do {
                _ = try await Migrator(schema: database.schema, migrations: edited, logger: testLogger).migrate(on: pool)
                Issue.record("a renamed applied migration must be refused")
            } catch let error as MigrationError {
                #expect(error.code == .historyMismatch)
            }
        }
    }

    @Test("the statement timeout is lifted while migrating and restored afterwards")
    func statementTimeoutIsRestored() async throws {
        try await withTestPool(prefix: "migrate_timeout", poolSize: 1, statementTimeout: .milliseconds(100)) { pool, database in
            let slow = [Migration(version: 1, name: "slow", sql: "SELECT pg_sleep(0.3)")]
            let applied = try await Migrator(schema: database.schema, migrations: slow, logger: testLogger).migrate(on: pool)
            #expect(applied == [1])
            let code = await databaseErrorCode { _ = try await pool.query("SELECT pg_sleep(0.3)") }
            #expect(code == .queryCanceled)
        }
    }

    @Test("unqualified names in a migration land in the service's schema")
    func migrationsUseTheSchema() async throws {
        try await withTestPool(prefix: "migrate_schema") { pool, database in
            let create = [Migration(version: 1, name: "create", sql: "CREATE TABLE things (id int)")]
            _ = try await Migrator(schema: database.schema, migrations: create, logger: testLogger).migrate(on: pool)
            let rows = try await pool.query("SELECT to_regclass(\(database.schema + ".things")) IS NOT NULL")
            #expect(try rows[0].decode(Bool.self, at: 0))
        }
    }
}
