import Foundation
import HTTPClientKit
import Logging

/// ClickHouse's HTTP interface, as ``ClickHouseLogStore`` uses it: every request a `POST`
/// (a `GET` is read-only), the user and password in `X-ClickHouse-User`/`X-ClickHouse-Key`
/// (never in the URL, which proxies log), the database in `X-ClickHouse-Database`, values as
/// `param_*` URL parameters, `wait_end_of_query=1` so that an error always arrives as an error
/// status instead of text at the end of a 200 body.
///
/// A request that failed for a reason that may pass (no connection, a timeout, 5xx, 408, 429)
/// is sent again after an exponential, jittered delay, up to the policy's number of attempts;
/// any other 4xx is final.
struct ClickHouseClient: Sendable {
    let settings: LoggingConfiguration.ClickHouseSettings
    let http: any HTTPClient
    let policy: ClickHouseLogStore.Options
    let logger: Logger

    /// `scheme://host[:port]` of the server: all of the URL that messages name.
    var origin: String {
        let url = settings.url
        guard let schemeEnd = url.range(of: "://") else { return "ClickHouse" }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.split(separator: "@").last.map(String.init) ?? ""
        return String(url[..<schemeEnd.upperBound]) + host
    }

    /// Runs `statement` (its SQL as the body) and returns the body of the answer. `inDatabase`
    /// false runs it without a default database (to create that database).
    func execute(_ statement: ClickHouseStatement, inDatabase: Bool = true) async throws -> [UInt8] {
        try await send(statement, settings: [], inDatabase: inDatabase, data: nil)
    }

    /// Runs an `INSERT … FORMAT …` statement (sent in the URL) with the data `makeData` returns,
    /// called afresh for each attempt; `settings` are per-query settings such as
    /// `insert_deduplication_token`.
    func insert(
        _ statement: ClickHouseStatement, settings: [(name: String, value: String)], data makeData: @escaping () throws -> [UInt8]
    ) async throws {
        _ = try await send(statement, settings: settings, inDatabase: true, data: makeData)
    }

    private func send(
        _ statement: ClickHouseStatement, settings extra: [(name: String, value: String)], inDatabase: Bool,
        data makeData: (() throws -> [UInt8])?
    ) async throws -> [UInt8] {
        var fields: [(name: String, value: String)] = [("wait_end_of_query", "1")] + extra
        if makeData != nil { fields.append(("query", statement.sql)) }
        fields += statement.urlFields
        var headers = [
            "X-ClickHouse-User": settings.user, "X-ClickHouse-Key": settings.password,
            "Content-Type": "text/plain; charset=UTF-8",
        ]
        if inDatabase { headers["X-ClickHouse-Database"] = settings.database }
        let url = FormURLEncoding.appending(fields, to: settings.url)
        var attempt = 0
        while true {
            attempt += 1
            let body = try makeData?() ?? Array(statement.sql.utf8)
            var failure: ClickHouseError
            do {
                let response = try await http.send(HTTPClientRequest(
                    method: .post, url: url, headers: headers, body: body, timeout: policy.requestTimeout
                ))
                if response.isSuccess { return response.body }
                failure = error(for: response)
            } catch let error as HTTPClientError {
                failure = self.error(for: error)
            }
            guard failure.code == .unavailable else { throw failure }
            guard attempt < policy.maximumAttempts else {
                failure.message += " (\(attempt) attempts)"
                throw failure
            }
            let delay = policy.retryDelay(afterAttempt: attempt)
            logger.warning("ClickHouse request failed, retrying", metadata: [
                "attempt": "\(attempt)", "error": "\(failure)", "retry_in_ms": "\(Int((delay / .milliseconds(1)).rounded()))",
            ])
            try await Task.sleep(for: delay)
        }
    }

    private func error(for response: HTTPClientResponse) -> ClickHouseError {
        var text = response.text
        if !settings.password.isEmpty { text = text.replacingOccurrences(of: settings.password, with: "<password>") }
        let exceptionCode = response.header("X-ClickHouse-Exception-Code").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let transient = response.status >= 500 || response.status == 408 || response.status == 429
        return ClickHouseError(
            transient ? .unavailable : .rejected,
            transient ? "ClickHouse at \(origin) is unavailable (HTTP \(response.status))"
                : "ClickHouse at \(origin) refused the request (HTTP \(response.status))",
            status: response.status, exceptionCode: exceptionCode, exceptionName: exceptionCode.flatMap { _ in Self.exceptionName(in: text) },
            serverMessage: text.isEmpty ? nil : text
        )
    }

    private func error(for error: HTTPClientError) -> ClickHouseError {
        switch error.code {
        case .invalidRequest:
            return ClickHouseError(.configuration, "the ClickHouse URL is not usable: \(error.message)", cause: error)
        case .responseTooLarge:
            return ClickHouseError(
                .invalidResponse, "the answer of ClickHouse at \(origin) is larger than the HTTP client accepts", cause: error
            )
        default:
            return ClickHouseError(.unavailable, "ClickHouse at \(origin) could not be reached (\(error.code))", cause: error)
        }
    }

    /// The last `(NAME)` of a ClickHouse exception text, e.g. `SYNTAX_ERROR`.
    static func exceptionName(in text: String) -> String? {
        var name: String?
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "(") {
            rest = rest[rest.index(after: open)...]
            let candidate = rest.prefix { $0.isUppercase || $0.isNumber || $0 == "_" }
            if candidate.count > 1, candidate.first?.isUppercase == true, rest.dropFirst(candidate.count).first == ")" {
                name = String(candidate)
            }
        }
        return name
    }
}
