import Store
import Testing

@Suite("Migration file parsing (no database)")
struct MigrationParsingTests {
    @Test("files in any order become a sequence numbered from 1")
    func parsesAndSorts() throws {
        let migrations = try Migration.parse(files: [
            (name: "0002_add_index.sql", sql: "CREATE INDEX ..."),
            (name: "0001_create_users.sql", sql: "CREATE TABLE users ()"),
            (name: "3_add-roles.sql", sql: ""),
        ])
        #expect(migrations.map(\.version) == [1, 2, 3])
        #expect(migrations.map(\.name) == ["create_users", "add_index", "add-roles"])
        #expect(migrations[0].sql == "CREATE TABLE users ()")
    }

    @Test("malformed file names are rejected", arguments: [
        "create_users.sql", "0001-create_users.sql", "0001_.sql", "0001_create users.sql", "0001_create_users.txt",
        "0000_zero.sql", "_0001_x.sql", "0001_x.sql.bak",
    ])
    func rejectsBadNames(name: String) {
        #expect {
            try Migration.parse(files: [(name: name, sql: "")])
        } throws: { error in
            (error as? MigrationError)?.code == .invalidFileName
        }
    }

    @Test("duplicate versions are rejected")
    func rejectsDuplicates() {
        #expect {
            try Migration.parse(files: [(name: "0001_a.sql", sql: ""), (name: "001_b.sql", sql: "")])
        } throws: { error in
            (error as? MigrationError)?.code == .duplicateVersion
        }
    }

    @Test("gaps and sequences not starting at 1 are rejected")
    func rejectsGaps() {
        #expect {
            try Migration.parse(files: [(name: "0001_a.sql", sql: ""), (name: "0003_c.sql", sql: "")])
        } throws: { error in
            (error as? MigrationError)?.code == .missingVersion
        }
        #expect {
            try Migration.parse(files: [(name: "0002_b.sql", sql: "")])
        } throws: { error in
            (error as? MigrationError)?.code == .missingVersion
        }
    }

    @Test("no files means no migrations")
    func empty() throws {
        #expect(try Migration.parse(files: []).isEmpty)
    }
}
