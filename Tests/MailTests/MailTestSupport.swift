import Mail
import Testing

/// Expects `body` to throw a ``MailError`` with `code`, and returns it.
@discardableResult
func expectMailError(
    _ code: MailError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async -> MailError? {
    let error = await #expect(throws: MailError.self, sourceLocation: sourceLocation) { try await body() }
    #expect(error?.code == code, "got \(error.map(String.init(describing:)) ?? "no error")", sourceLocation: sourceLocation)
    return error
}

/// A message from a fixed sender to `to`.
func message(
    to: [String] = ["alice@example.com"], subject: String = "Hello", text: String = "Hi there.\n", html: String? = nil
) throws -> MailMessage {
    MailMessage(
        from: try MailAddress("no-reply@hexabase.test", displayName: "Hexabase"),
        to: try to.map { try MailAddress(parsing: $0) }, subject: subject, textBody: text, htmlBody: html
    )
}
