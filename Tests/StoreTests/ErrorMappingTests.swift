import Store
import Testing

@Suite("Postgres errors map to DatabaseError")
struct ErrorMappingTests {
    @Test("a unique violation maps to uniqueViolation, 409, with the constraint name and no value")
    func uniqueViolation() async throws {
        try await withTestPool(prefix: "unique") { pool, _ in
            try await pool.execute("CREATE TABLE users (email text CONSTRAINT users_email_key UNIQUE)")
            let email = "secret-person@example.com"
            try await pool.execute("INSERT INTO users VALUES (\(email))")
            do {
                try await pool.execute("INSERT INTO users VALUES (\(email))")
                Issue.record("the duplicate insert must fail")
            } catch let error as DatabaseError {
                #expect(error.code == .uniqueViolation)
                #expect(error.httpStatus == 409)
                #expect(error.sqlState == "23505")
                #expect(error.constraint == "users_email_key")
                #expect(!error.isRetryable)
                #expect(!error.description.contains(email))
                #expect(!error.description.contains("INSERT"))
                #expect(error.serverMessage?.isEmpty == false)
            }
        }
    }

    @Test("foreign key, not-null and check violations map to their codes and statuses")
    func constraintViolations() async throws {
        try await withTestPool(prefix: "constraints") { pool, _ in
            try await pool.simpleQuery("""
                CREATE TABLE parents (id int PRIMARY KEY);
                CREATE TABLE children (
                    parent int NOT NULL REFERENCES parents,
                    age int CONSTRAINT age_positive CHECK (age > 0)
                );
                INSERT INTO parents VALUES (1);
                """)
            let cases: [(PostgresQuery, DatabaseError.Code, Int)] = [
                ("INSERT INTO children VALUES (\(99), \(1))", .foreignKeyViolation, 409),
                ("INSERT INTO children VALUES (\(Int?.none), \(1))", .notNullViolation, 422),
                ("INSERT INTO children VALUES (\(1), \(-5))", .checkViolation, 422),
            ]
            for (query, code, status) in cases {
                do {
                    try await pool.execute(query)
                    Issue.record("\(query.sql) must fail")
                } catch let error as DatabaseError {
                    #expect(error.code == code)
                    #expect(error.httpStatus == status)
                }
            }
        }
    }

    @Test("error descriptions never contain bind values")
    func descriptionsHideValues() async throws {
        try await withTestPool(prefix: "redaction") { pool, _ in
            let secret = "hunter2-not-a-uuid"
            do {
                _ = try await pool.query("SELECT \(secret)::uuid")
                Issue.record("an invalid uuid must fail")
            } catch let error as DatabaseError {
                #expect(error.code == .dataException)
                #expect(error.httpStatus == 422)
                #expect(!error.description.contains(secret))
                #expect(!"\(error)".contains(secret))
                // The server quotes the value; that is why serverMessage is for logs only.
                #expect(error.serverMessage?.contains(secret) == true)
            }
        }
    }

    @Test("a syntax error or unknown table is an invalid query")
    func invalidQuery() async throws {
        try await withTestPool(prefix: "syntax") { pool, _ in
            #expect(await databaseErrorCode { _ = try await pool.query("SELEKT 1") } == .invalidQuery)
            #expect(await databaseErrorCode { _ = try await pool.query("SELECT * FROM nowhere") } == .invalidQuery)
        }
    }

    @Test("the statement timeout maps to queryCanceled, 504")
    func statementTimeout() async throws {
        try await withTestPool(prefix: "timeout", statementTimeout: .milliseconds(100)) { pool, _ in
            do {
                _ = try await pool.query("SELECT pg_sleep(5)")
                Issue.record("the statement must time out")
            } catch let error as DatabaseError {
                #expect(error.code == .queryCanceled)
                #expect(error.httpStatus == 504)
                #expect(error.sqlState == "57014")
            }
            #expect(await pool.ping())
        }
    }
}
