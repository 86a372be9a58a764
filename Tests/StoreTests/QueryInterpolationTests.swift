import Foundation
import Store
import Testing

@Suite("PostgresQuery interpolation (no database)")
struct QueryInterpolationTests {
    @Test("interpolated values become numbered bind parameters in order")
    func valuesBecomeParameters() {
        let email = "a@example.com"
        let limit: Int? = nil
        let query: PostgresQuery = "SELECT id FROM users WHERE email = \(email) AND age > \(30) LIMIT \(limit)"
        #expect(query.sql == "SELECT id FROM users WHERE email = $1 AND age > $2 LIMIT $3")
        #expect(query.binds == ["a@example.com", "30", nil])
    }

    @Test("a hostile value never reaches the SQL text")
    func hostileValueStaysABind() {
        let value = "'); DROP TABLE users; --"
        let query: PostgresQuery = "INSERT INTO users (name) VALUES (\(value))"
        #expect(query.sql == "INSERT INTO users (name) VALUES ($1)")
        #expect(query.binds == [value])
    }

    @Test("unescaped fragments are inserted verbatim and identifiers are quoted")
    func unescapedAndIdentifiers() {
        let query: PostgresQuery = "SELECT * FROM \(identifier: "my\"schema").\(identifier: "Users") ORDER BY \(unescaped: "created_at DESC")"
        #expect(query.sql == #"SELECT * FROM "my""schema"."Users" ORDER BY created_at DESC"#)
        #expect(query.binds.isEmpty)
    }

    @Test("a quote followed by a combining mark is still doubled in an identifier")
    func identifierQuotingWorksOnScalars() {
        let quoted = PostgresQuery.quoteIdentifier("x\"\u{301}; DROP TABLE y; --")
        #expect(quoted == "\"x\"\"\u{301}; DROP TABLE y; --\"")
    }

    @Test("appended and embedded fragments are renumbered")
    func fragmentsAreRenumbered() {
        var query: PostgresQuery = "SELECT * FROM t WHERE org = \("org-1")"
        let status = "active"
        query.append(" AND status = \(status)")
        let page: PostgresQuery = "LIMIT \(10) OFFSET \(20)"
        let full: PostgresQuery = "\(query) ORDER BY id \(page)"
        #expect(full.sql == "SELECT * FROM t WHERE org = $1 AND status = $2 ORDER BY id LIMIT $3 OFFSET $4")
        #expect(full.binds == ["org-1", "active", "10", "20"])
    }

    @Test("a literal dollar sign is left alone and a query without values has no binds")
    func plainQuery() {
        let query: PostgresQuery = "SELECT '$1'"
        #expect(query.sql == "SELECT '$1'")
        #expect(query.binds.isEmpty)
    }
}
