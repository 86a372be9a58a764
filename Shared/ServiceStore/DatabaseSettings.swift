import Configuration
import Logging
import ServiceKit
import Store

/// How a service reaches its own schema: `database.url` (libpq URI, the service's own role),
/// `database.schema`, `database.pool.size`, `database.acquire.timeout.ms`,
/// `database.statement.timeout.ms` (env `HXB_DATABASE_URL`, …).
public struct DatabaseSettings: Sendable {
    public var url: String
    public var schema: String
    public var poolSize: Int
    public var acquireTimeout: Duration
    public var statementTimeout: Duration?

    public init(url: String, schema: String, poolSize: Int = 8, acquireTimeout: Duration = .seconds(5), statementTimeout: Duration? = .seconds(30)) {
        self.url = url
        self.schema = schema
        self.poolSize = poolSize
        self.acquireTimeout = acquireTimeout
        self.statementTimeout = statementTimeout
    }

    public init(reading config: ConfigReader, defaultSchema: String) {
        url = config.string(forKey: "database.url", isSecret: true, default: "postgresql://hxb_\(defaultSchema)@127.0.0.1:5432/hexabase")
        schema = config.string(forKey: "database.schema", default: defaultSchema)
        poolSize = config.int(forKey: "database.pool.size", default: 8)
        acquireTimeout = .milliseconds(config.int(forKey: "database.acquire.timeout.ms", default: 5000))
        let statement = config.int(forKey: "database.statement.timeout.ms", default: 30_000)
        statementTimeout = statement > 0 ? .milliseconds(statement) : nil
    }

    /// Opens the pool and applies the embedded migrations (under an advisory lock, so replicas
    /// starting together apply each migration once).
    public func open(service: String, migrations: [(name: String, sql: String)], logger: Logger) async throws -> PostgresPool {
        let pool = PostgresPool(
            configuration: PostgresConfiguration(
                url: url, searchPath: schema, poolSize: poolSize, acquireTimeout: acquireTimeout,
                statementTimeout: statementTimeout, applicationName: "hxb-\(service)"
            ),
            logger: logger
        )
        do {
            let applied = try await Migrator(schema: schema, migrations: try Migration.parse(files: migrations), logger: logger)
                .migrate(on: pool)
            logger.info("database ready", metadata: ["schema": "\(schema)", "migrations_applied_now": "\(applied)"])
            return pool
        } catch {
            await pool.close()
            throw error
        }
    }
}

extension DatabaseError: ServiceErrorConvertible {
    /// Unique/foreign-key violations → 409, check violations → 422, pool and connection
    /// problems → 503, timeouts → 504, anything else → 500. The message never contains SQL.
    public var serviceError: ServiceError {
        let code = ServiceError.Code(status: httpStatus)
        let message: String
        switch code {
        case .conflict: message = "The resource conflicts with an existing one."
        case .unprocessableEntity: message = "A value was rejected."
        case .unavailable: message = "The database is temporarily unavailable."
        case .deadlineExceeded: message = "The database did not answer in time."
        default: message = "Internal error."
        }
        return ServiceError(code, message, cause: self)
    }
}
