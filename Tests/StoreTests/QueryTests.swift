import Store
import Testing

@Suite("Queries against Postgres")
struct QueryTests {
    @Test("an interpolated hostile value is stored verbatim and the table survives")
    func interpolationIsParameterized() async throws {
        try await withTestPool(prefix: "injection") { pool, _ in
            try await pool.execute("CREATE TABLE x (name text)")
            let hostile = "'); DROP TABLE x; --"
            let inserted = try await pool.execute("INSERT INTO x (name) VALUES (\(hostile))")
            #expect(inserted == 1)
            let rows = try await pool.query("SELECT name FROM x WHERE name = \(hostile)")
            #expect(try rows.map { try $0.decode(String.self, column: "name") } == [hostile])
            let exists = try await pool.query("SELECT to_regclass('x') IS NOT NULL")
            #expect(try exists[0].decode(Bool.self, at: 0))
        }
    }

    @Test("quoted identifiers keep odd names and case")
    func identifiers() async throws {
        try await withTestPool(prefix: "identifiers") { pool, _ in
            let table = "Odd \"Table\"; DROP"
            try await pool.execute("CREATE TABLE \(identifier: table) (\(identifier: "Value") int)")
            try await pool.execute("INSERT INTO \(identifier: table) VALUES (\(42))")
            let rows = try await pool.query("SELECT \(identifier: "Value") FROM \(identifier: table)")
            #expect(rows.columns == ["Value"])
            #expect(try rows[0].decode(Int.self, column: "Value") == 42)
        }
    }

    @Test("affected rows and command tags are reported")
    func affectedRows() async throws {
        try await withTestPool(prefix: "affected") { pool, _ in
            try await pool.execute("CREATE TABLE n (v int)")
            let inserted = try await pool.query("INSERT INTO n SELECT generate_series(1, 5)")
            #expect(inserted.affectedRows == 5)
            #expect(inserted.commandTag == "INSERT 0 5")
            #expect(try await pool.execute("UPDATE n SET v = v + 1 WHERE v > \(3)") == 2)
            #expect(try await pool.execute("DELETE FROM n") == 5)
            #expect(try await pool.execute("CREATE INDEX ON n (v)") == 0)
        }
    }

    @Test("a prepared statement is prepared once per connection and reused")
    func preparedStatementsAreReused() async throws {
        try await withTestPool(prefix: "prepared", poolSize: 1) { pool, _ in
            let sql: (Int) -> PostgresQuery = { "SELECT \($0)::int * 2 AS doubled" }
            try await pool.withConnection { connection in
                for value in 1...5 {
                    let rows = try await connection.query(sql(value), prepared: true)
                    #expect(try rows[0].decode(Int.self, column: "doubled") == value * 2)
                }
                let prepared = try await connection.query(
                    "SELECT count(*) FROM pg_prepared_statements WHERE statement = \(sql(0).sql)"
                )
                #expect(try prepared[0].decode(Int.self, at: 0) == 1)
            }
            // The statement survives on the pooled connection for the next lease.
            let again = try await pool.query(sql(21), prepared: true)
            #expect(try again[0].decode(Int.self, at: 0) == 42)
            let count = try await pool.query("SELECT count(*) FROM pg_prepared_statements")
            #expect(try count[0].decode(Int.self, at: 0) == 1)
        }
    }

    @Test("simpleQuery runs several statements and returns the last result")
    func simpleQuery() async throws {
        try await withTestPool(prefix: "simple") { pool, _ in
            let rows = try await pool.simpleQuery("CREATE TABLE s (v int); INSERT INTO s VALUES (1), (2); SELECT sum(v) FROM s")
            #expect(try rows[0].decode(Int.self, at: 0) == 3)
        }
    }

    @Test("several statements in one parameterized query are refused by the server")
    func multipleStatementsNeedSimpleQuery() async throws {
        try await withTestPool(prefix: "multi") { pool, _ in
            let code = await databaseErrorCode { try await pool.execute("SELECT \(1); SELECT 2") }
            #expect(code == .invalidQuery)
        }
    }

    @Test("a value with a NUL character is refused before it reaches the server")
    func nulCharacterIsRefused() async throws {
        try await withTestPool(prefix: "nul") { pool, _ in
            let code = await databaseErrorCode { _ = try await pool.query("SELECT \("a\u{0}b")") }
            #expect(code == .invalidQuery)
            #expect(await pool.ping())
        }
    }

    @Test("the connection's search path is the configured schema")
    func searchPath() async throws {
        try await withTestPool(prefix: "searchpath") { pool, database in
            try await pool.execute("CREATE TABLE here (v int)")
            let rows = try await pool.query("SELECT current_schema(), to_regclass(\(database.schema + ".here")) IS NOT NULL")
            #expect(try rows[0].decode(String.self, at: 0) == database.schema)
            #expect(try rows[0].decode(Bool.self, at: 1))
        }
    }
}
