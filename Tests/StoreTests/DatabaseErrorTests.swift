import Store
import Testing

@Suite("DatabaseError mapping (no database)")
struct DatabaseErrorTests {
    @Test("SQLSTATEs map to stable codes, HTTP statuses and retryability", arguments: [
        ("23505", DatabaseError.Code.uniqueViolation, 409, false),
        ("23503", .foreignKeyViolation, 409, false),
        ("23514", .checkViolation, 422, false),
        ("23502", .notNullViolation, 422, false),
        ("23P01", .exclusionViolation, 409, false),
        ("22P02", .dataException, 422, false),
        ("40001", .serializationFailure, 500, true),
        ("40P01", .deadlockDetected, 500, true),
        ("57014", .queryCanceled, 504, false),
        ("08006", .connectionFailure, 503, true),
        ("57P01", .connectionFailure, 503, true),
        ("42P01", .invalidQuery, 500, false),
        ("XX000", .other, 500, false),
    ])
    func mapsSQLState(sqlState: String, code: DatabaseError.Code, status: Int, retryable: Bool) {
        let error = DatabaseError(code: DatabaseError.Code(sqlState: sqlState), sqlState: sqlState)
        #expect(error.code == code)
        #expect(error.httpStatus == status)
        #expect(error.isRetryable == retryable)
    }

    @Test("pool errors are 503 and only connection failures among them are retryable")
    func poolErrors() {
        #expect(DatabaseError(code: .poolTimeout).httpStatus == 503)
        #expect(DatabaseError(code: .poolClosed).httpStatus == 503)
        #expect(!DatabaseError(code: .poolTimeout).isRetryable)
    }

    @Test("the description never includes the server message")
    func descriptionIsSafe() {
        let error = DatabaseError(
            code: .uniqueViolation,
            sqlState: "23505",
            constraint: "users_email_key",
            serverMessage: "duplicate key value\nDETAIL: Key (email)=(secret@example.com) already exists."
        )
        #expect(!error.description.contains("secret@example.com"))
        #expect(error.description.contains("uniqueViolation"))
        #expect(error.description.contains("users_email_key"))
    }
}
