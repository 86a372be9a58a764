/// How a ``PostgresPool`` connects and how large it is.
public struct PostgresConfiguration: Sendable {
    /// A libpq connection URI (`postgresql://user:password@host:port/db?sslmode=...`) or
    /// key/value conninfo string, handed to libpq as is. Settings written in it win over
    /// ``connectTimeout``.
    public var url: String
    /// The schema to put on the `search_path` of every connection, or `nil` to keep the server's
    /// default. Set with a quoted identifier, so any name is safe.
    public var searchPath: String?
    /// The most connections the pool opens; at least 1.
    public var poolSize: Int
    /// How long `PostgresPool.withConnection(_:)` waits for a free connection before throwing
    /// `DatabaseError.Code.poolTimeout`.
    public var acquireTimeout: Duration
    /// The server-side `statement_timeout` of every connection, or `nil` for the server default.
    /// A statement running longer fails with `DatabaseError.Code.queryCanceled`.
    public var statementTimeout: Duration?
    /// The `application_name` shown in `pg_stat_activity`, or `nil` to keep the one in ``url``.
    public var applicationName: String?
    /// How long opening a connection may take (libpq's `connect_timeout`, rounded up to whole
    /// seconds, at least 2).
    public var connectTimeout: Duration

    /// Creates a configuration; only `url` is required.
    public init(
        url: String,
        searchPath: String? = nil,
        poolSize: Int = 4,
        acquireTimeout: Duration = .seconds(5),
        statementTimeout: Duration? = nil,
        applicationName: String? = nil,
        connectTimeout: Duration = .seconds(10)
    ) {
        self.url = url
        self.searchPath = searchPath
        self.poolSize = max(1, poolSize)
        self.acquireTimeout = acquireTimeout
        self.statementTimeout = statementTimeout
        self.applicationName = applicationName
        self.connectTimeout = connectTimeout
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded up so that a tiny positive duration never
    /// becomes 0 (which Postgres reads as "no timeout").
    var roundedUpMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let millis = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        let remainder = attoseconds % 1_000_000_000_000_000
        return remainder > 0 ? millis + 1 : millis
    }
}
