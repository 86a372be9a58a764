import Foundation
import Logging
import Store

/// A fresh role and schema in the test database, like the one each service has in production:
/// the role logs in with a password, owns the schema, and has no rights elsewhere.
public struct TestDatabase: Sendable {
    /// A libpq URI that connects as the new role.
    public let url: String
    /// The new schema (owned by the role); also the role's name.
    public let schema: String
    /// The superuser URI the database was created with (`HXB_TEST_POSTGRES_URL`).
    public let superuserURL: String

    /// Creates a role and a schema named `<prefix>_<random suffix>` (lowercased, with characters
    /// other than letters, digits and `_` replaced) as the superuser.
    public static func create(prefix: String) async throws -> TestDatabase {
        let superuserURL = try TestEnvironment.postgresURL()
        let name = uniqueName(prefix: prefix)
        let password = randomHex(bytes: 16)
        guard var components = URLComponents(string: superuserURL), components.host != nil else {
            throw TestDatabaseError(message: "HXB_TEST_POSTGRES_URL is not a postgresql:// URI")
        }
        components.user = name
        components.password = password
        guard let url = components.string else {
            throw TestDatabaseError(message: "could not build the role's connection URI")
        }
        try await asSuperuser(superuserURL) { connection in
            // Utility statements take no bind parameters; the name and the password are made
            // of characters chosen here ([a-z0-9_]), so inlining them is safe.
            try await connection.execute("CREATE ROLE \(identifier: name) LOGIN PASSWORD '\(unescaped: password)'")
            do {
                try await connection.execute("CREATE SCHEMA \(identifier: name) AUTHORIZATION \(identifier: name)")
            } catch {
                _ = try? await connection.execute("DROP ROLE \(identifier: name)")
                throw error
            }
        }
        return TestDatabase(url: url, schema: name, superuserURL: superuserURL)
    }

    /// Creates a database, runs `body`, and drops the database whether `body` succeeds or not.
    nonisolated(nonsending)
    public static func withTemporary<Result>(
        prefix: String,
        _ body: nonisolated(nonsending) (TestDatabase) async throws -> Result
    ) async throws -> Result {
        let database = try await create(prefix: prefix)
        do {
            let result = try await body(database)
            try await database.drop()
            return result
        } catch {
            try? await database.drop()
            throw error
        }
    }

    /// A pool configuration that connects as the role with the schema on the search path.
    public func configuration(
        poolSize: Int = 2,
        acquireTimeout: Duration = .seconds(5),
        statementTimeout: Duration? = nil
    ) -> PostgresConfiguration {
        PostgresConfiguration(
            url: url,
            searchPath: schema,
            poolSize: poolSize,
            acquireTimeout: acquireTimeout,
            statementTimeout: statementTimeout,
            applicationName: "hxb-test-\(schema)"
        )
    }

    /// Drops the schema with everything in it, ends the role's sessions, and drops the role.
    public func drop() async throws {
        try await Self.asSuperuser(superuserURL) { connection in
            try await connection.execute("DROP SCHEMA IF EXISTS \(identifier: schema) CASCADE")
            _ = try await connection.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = \(schema)"
            )
            try await connection.execute("DROP OWNED BY \(identifier: schema) CASCADE")
            try await connection.execute("DROP ROLE IF EXISTS \(identifier: schema)")
        }
    }

    private static func asSuperuser(
        _ url: String,
        _ body: (PostgresConnection) async throws -> Void
    ) async throws {
        let pool = PostgresPool(
            configuration: PostgresConfiguration(url: url, poolSize: 1, applicationName: "hxb-test-setup"),
            logger: Logger(label: "hexabase.test-database")
        )
        do {
            try await pool.withConnection(body)
            await pool.close()
        } catch {
            await pool.close()
            throw error
        }
    }

    /// Runs one query as the superuser in this schema (for assertions on stored state).
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        let pool = PostgresPool(configuration: PostgresConfiguration(url: superuserURL, searchPath: schema, poolSize: 1))
        do {
            let rows = try await pool.query(query)
            await pool.close()
            return rows
        } catch {
            await pool.close()
            throw error
        }
    }

    private static func uniqueName(prefix: String) -> String {
        let cleaned = String(prefix.lowercased().unicodeScalars.map { scalar in
            scalar.isASCII && (("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)) ? Character(scalar) : "_"
        }.prefix(40))
        return "\(cleaned.isEmpty ? "test" : cleaned)_\(randomHex(bytes: 6))"
    }

    private static func randomHex(bytes: Int) -> String {
        (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}

/// The test database could not be set up.
public struct TestDatabaseError: Error, CustomStringConvertible {
    /// What went wrong.
    public let message: String
    /// The message.
    public var description: String { message }
}
