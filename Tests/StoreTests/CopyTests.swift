import Foundation
import Store
import Testing

@Suite("COPY in and out")
struct CopyTests {
    @Test("10,000 rows copied in come back out identical")
    func copyRoundTrip() async throws {
        try await withTestPool(prefix: "copy") { pool, _ in
            try await pool.execute("CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, note text)")
            let lines = (1...10_000).map { id in
                CopyText.line([String(id), "item \(id) ünï\tcode", id % 10 == 0 ? nil : "line\nbreak \\ \(id)"])
            }
            let copied = try await pool.withConnection { connection in
                try await connection.copyIn("COPY items (id, name, note) FROM STDIN", rows: lines)
            }
            #expect(copied == 10_000)
            let count = try await pool.query("SELECT count(*), count(note) FROM items")
            #expect(try count[0].decode(Int.self, at: 0) == 10_000)
            #expect(try count[0].decode(Int.self, at: 1) == 9_000)
            let sample = try await pool.query("SELECT name, note FROM items WHERE id = 7")
            #expect(try sample[0].decode(String.self, column: "name") == "item 7 ünï\tcode")
            #expect(try sample[0].decode(String.self, column: "note") == "line\nbreak \\ 7")

            let out = try await pool.withConnection { connection in
                try await connection.copyOut("COPY (SELECT id, name, note FROM items ORDER BY id) TO STDOUT")
            }
            #expect(out == lines)
        }
    }

    @Test("CSV data in arbitrary chunks is copied in")
    func copyCSVChunks() async throws {
        try await withTestPool(prefix: "copycsv") { pool, _ in
            try await pool.execute("CREATE TABLE people (name text, city text)")
            let csv = Data("name,city\n\"Doe, Jane\",Paris\nBob,\"New\nYork\"\n".utf8)
            let chunks = stride(from: 0, to: csv.count, by: 7).map { csv[$0..<min($0 + 7, csv.count)] }
            let copied = try await pool.withConnection { connection in
                try await connection.copyIn("COPY people FROM STDIN (FORMAT csv, HEADER true)", chunks: chunks)
            }
            #expect(copied == 2)
            let rows = try await pool.query("SELECT name, city FROM people ORDER BY name")
            #expect(try rows.map { try $0.decode(String.self, column: "city") } == ["New\nYork", "Paris"])
        }
    }

    @Test("a bad line fails the whole COPY, inserts nothing, and leaves the connection usable")
    func badLineFailsCopy() async throws {
        try await withTestPool(prefix: "copybad", poolSize: 1) { pool, _ in
            try await pool.execute("CREATE TABLE numbers (n int)")
            let code = await databaseErrorCode {
                _ = try await pool.withConnection { connection in
                    try await connection.copyIn("COPY numbers FROM STDIN", rows: ["1", "2", "not-a-number", "4"])
                }
            }
            #expect(code == .dataException)
            #expect(try await pool.query("SELECT count(*) FROM numbers")[0].decode(Int.self, at: 0) == 0)
        }
    }

    @Test("copyOut hands rows over in batches and an error in the handler stops the COPY")
    func copyOutBatches() async throws {
        try await withTestPool(prefix: "copyout", poolSize: 1) { pool, _ in
            struct Stop: Error {}
            let batches = try await pool.withConnection { connection in
                var sizes: [Int] = []
                let total = try await connection.copyOut("COPY (SELECT generate_series(1, 2500)) TO STDOUT", batchSize: 1000) {
                    sizes.append($0.count)
                }
                #expect(total == 2500)
                return sizes
            }
            #expect(batches == [1000, 1000, 500])
            await #expect(throws: Stop.self) {
                try await pool.withConnection { connection in
                    _ = try await connection.copyOut("COPY (SELECT generate_series(1, 1000000)) TO STDOUT", batchSize: 100) { _ in
                        throw Stop()
                    }
                }
            }
            #expect(try await pool.query("SELECT 5")[0].decode(Int.self, at: 0) == 5)
        }
    }

    @Test("a statement that is not the expected COPY is refused")
    func wrongStatement() async throws {
        try await withTestPool(prefix: "copywrong", poolSize: 1) { pool, _ in
            try await pool.execute("CREATE TABLE t (v int)")
            try await pool.withConnection { connection in
                let notCopy = await databaseErrorCode { _ = try await connection.copyIn("SELECT 1", rows: ["1"]) }
                #expect(notCopy == .invalidQuery)
                let wrongWay = await databaseErrorCode { _ = try await connection.copyOut("COPY t FROM STDIN") }
                #expect(wrongWay == .invalidQuery)
                let viaQuery = await databaseErrorCode { _ = try await connection.query("COPY t TO STDOUT") }
                #expect(viaQuery == .invalidQuery)
                let stillUsable = try await connection.query("SELECT 1")[0].decode(Int.self, at: 0)
                #expect(stillUsable == 1)
            }
        }
    }
}
