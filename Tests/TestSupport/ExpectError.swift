import ServiceKit
import Testing

/// Expects `body` to fail with a ``ServiceError`` of `code`; records an issue otherwise.
public func expectError<T>(_ code: ServiceError.Code, _ comment: String = "", _ body: () async throws -> T) async {
    do {
        _ = try await body()
        Issue.record("expected \(code), got success \(comment)")
    } catch let error as ServiceError {
        #expect(error.code == code, "\(comment): \(error)")
    } catch {
        Issue.record("expected \(code), got \(error) \(comment)")
    }
}
