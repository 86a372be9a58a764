import Foundation
import Store
import Testing

@Suite("Value round trips through Postgres")
struct ValueRoundTripTests {
    @Test("every supported type survives a round trip, and NULLs come back as nil")
    func everyType() async throws {
        try await withTestPool(prefix: "values") { pool, _ in
            try await pool.execute("""
                CREATE TABLE samples (
                    id int PRIMARY KEY, s text, i bigint, i32 integer, i16 smallint, b boolean,
                    d double precision, bytes bytea, t timestamptz, u uuid, tags text[]
                )
                """)
            let text = "héllo 🌍 日本語 'single' \"double\" back\\slash\ttab\nnewline"
            let bytes = Data([0x00, 0x01, 0x00, 0xFF, 0x00, 0x7F])
            let date = Date(timeIntervalSince1970: 1_795_278_660.123456)
            let uuid = UUID()
            let tags: [String?] = ["a,b", "{braces}", "quote\"", nil, ""]
            try await pool.execute("""
                INSERT INTO samples VALUES (1, \(text), \(Int.max), \(Int32.min), \(Int16.max), \(true),
                    \(-1.5e-300), \(bytes), \(date), \(uuid), \(tags))
                """)
            try await pool.execute("""
                INSERT INTO samples VALUES (2, \(String?.none), \(Int?.none), \(Int32?.none), \(Int16?.none),
                    \(Bool?.none), \(Double?.none), \(Data?.none), \(Date?.none), \(UUID?.none), \([String]?.none))
                """)
            try await pool.execute("INSERT INTO samples (id, s, bytes) VALUES (3, \(""), \(Data()))")

            let rows = try await pool.query("SELECT * FROM samples ORDER BY id")
            #expect(rows.count == 3)
            let full = rows[0]
            #expect(try full.decode(String.self, column: "s") == text)
            #expect(try full.decode(Int.self, column: "i") == Int.max)
            #expect(try full.decode(Int32.self, column: "i32") == Int32.min)
            #expect(try full.decode(Int16.self, column: "i16") == Int16.max)
            #expect(try full.decode(Bool.self, column: "b") == true)
            #expect(try full.decode(Double.self, column: "d") == -1.5e-300)
            #expect(try full.decode(Data.self, column: "bytes") == bytes)
            let decodedDate = try full.decode(Date.self, column: "t")
            #expect(abs(decodedDate.timeIntervalSince1970 - date.timeIntervalSince1970) < 1e-6)
            #expect(try full.decode(UUID.self, column: "u") == uuid)
            #expect(try full.decode([String?].self, column: "tags") == tags)

            let empty = rows[1]
            #expect(try empty.decode(String?.self, column: "s") == nil)
            #expect(try empty.decode(Int?.self, column: "i") == nil)
            #expect(try empty.decode(Int32?.self, column: "i32") == nil)
            #expect(try empty.decode(Bool?.self, column: "b") == nil)
            #expect(try empty.decode(Double?.self, column: "d") == nil)
            #expect(try empty.decode(Data?.self, column: "bytes") == nil)
            #expect(try empty.decode(Date?.self, column: "t") == nil)
            #expect(try empty.decode(UUID?.self, column: "u") == nil)
            #expect(try empty.decode([String]?.self, column: "tags") == nil)

            #expect(try rows[2].decode(String?.self, column: "s") == "")
            #expect(try rows[2].decode(Data.self, column: "bytes") == Data())
        }
    }

    @Test("Postgres reads encoded timestamps as the same instant, to the microsecond")
    func timestampMeaning() async throws {
        try await withTestPool(prefix: "timestamps") { pool, _ in
            let date = Date(timeIntervalSince1970: 1_795_278_660.123456)
            let rows = try await pool.query("""
                SELECT \(date)::timestamptz = '2026-11-21 17:31:00.123456+01'::timestamptz AS same,
                       '2026-11-21 22:01:00.5+05:30'::timestamptz AS shifted
                """)
            #expect(try rows[0].decode(Bool.self, column: "same"))
            let shifted = try rows[0].decode(Date.self, column: "shifted")
            #expect(shifted.timeIntervalSince1970 == 1_795_278_660.5)
        }
    }

    @Test("arrays bind to ANY() and special doubles survive")
    func arraysAndSpecialDoubles() async throws {
        try await withTestPool(prefix: "arrays") { pool, _ in
            let ids = [3, 5, 8]
            let rows = try await pool.query("SELECT n FROM generate_series(1, 10) AS n WHERE n = ANY(\(ids)::int[]) ORDER BY n")
            #expect(try rows.map { try $0.decode(Int.self, at: 0) } == ids)
            let doubles = try await pool.query("SELECT \(Double.infinity)::float8, \(Double.nan)::float8, \(0.1)::float8")
            #expect(try doubles[0].decode(Double.self, at: 0) == .infinity)
            #expect(try doubles[0].decode(Double.self, at: 1).isNaN)
            #expect(try doubles[0].decode(Double.self, at: 2) == 0.1)
        }
    }

    @Test("decoding a NULL into a non-optional or a bad value throws an error naming the column")
    func decodingErrors() async throws {
        try await withTestPool(prefix: "decoding") { pool, _ in
            let rows = try await pool.query("SELECT NULL::text AS nickname, 'secret-text' AS age")
            do {
                _ = try rows[0].decode(String.self, column: "nickname")
                Issue.record("decoding NULL into String must throw")
            } catch let error as DatabaseError {
                #expect(error.code == .decoding)
                #expect(error.column == "nickname")
                #expect(error.description.contains("nickname"))
            }
            do {
                _ = try rows[0].decode(Int.self, column: "age")
                Issue.record("decoding text into Int must throw")
            } catch let error as DatabaseError {
                #expect(error.code == .decoding)
                #expect(error.description.contains("age"))
                #expect(!error.description.contains("secret-text"))
            }
            #expect(await databaseErrorCode { _ = try rows[0].decode(String.self, column: "missing") } == .decoding)
        }
    }
}
