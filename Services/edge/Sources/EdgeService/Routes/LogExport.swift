import Contracts
import Hummingbird
import ServiceKit

/// `<log>/export`: every record of a query as JSON lines (`application/x-ndjson`, one
/// `LogRecord` in proto JSON per line, newest first), paged through `QueryLogs` 1,000 records
/// at a time until `next_page_token` is empty, written while the pages arrive.
///
/// The first page is asked for before the response starts, so a refusal (401, 404, a bad
/// filter) is the usual status with the JSON error envelope. A later page that fails ends the
/// body with one last line that is the error envelope, `{"error":{"code":…,"message":…}}`: a
/// complete export never has a line with an `error` key, so a client detects a truncated export
/// by its last line (or by the connection closing without the end of the chunked body).
enum LogExport {
    static let pageSize = 1000

    static func route(_ source: LogSource) -> RESTRoute {
        let subject = LogSource.querySubject
        // The edge pages: neither the page size nor a page token is the client's.
        let fixed = source.fixed.merging(["page_size": String(pageSize), "page_token": ""]) { route, _ in route }
        return .custom(.get, source.path + "/export", subject: subject, request: Hexabase_Logs_V1_QueryLogsRequest.self,
                       authentication: .bearer, fixed: fixed) { query, _, rpc in
            let first = try await rpc.call(subject, query, as: Hexabase_Logs_V1_QueryLogsResponse.self)
            return RESTRoute.Rendering(
                contentType: "application/x-ndjson",
                headers: [.contentDisposition: Attachment.disposition(name: fileName(query, source), fallback: "logs", suffix: ".ndjson")],
                stream: { writer in try await write(first, of: query, rpc: rpc, to: &writer) }
            )
        }
    }

    /// `<scope>-<tier>-logs`: the project, workspace or organization id, or `platform`.
    static func fileName(_ query: Hexabase_Logs_V1_QueryLogsRequest, _ source: LogSource) -> String {
        let scope = [query.projectID, query.workspaceID, query.organizationID].first { !$0.isEmpty } ?? "platform"
        let tier = source.tierName.replacingOccurrences(of: "TIER_", with: "").lowercased()
        return "\(scope)-\(tier)-logs"
    }

    /// One line per record of `page`.
    static func lines(_ page: Hexabase_Logs_V1_QueryLogsResponse) throws -> [UInt8] {
        var bytes: [UInt8] = []
        for record in page.records {
            bytes += try ProtobufJSON.encode(record)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    private static func write(
        _ first: Hexabase_Logs_V1_QueryLogsResponse, of query: Hexabase_Logs_V1_QueryLogsRequest, rpc: RouteCall,
        to writer: inout any ResponseBodyWriter
    ) async throws {
        var page = first
        var request = query
        var records = 0
        while true {
            try await writer.write(ByteBuffer(bytes: lines(page)))
            records += page.records.count
            guard !page.nextPageToken.isEmpty else { break }
            request.pageToken = page.nextPageToken
            do {
                page = try await rpc.laterCall(LogSource.querySubject, request, as: Hexabase_Logs_V1_QueryLogsResponse.self)
            } catch {
                if Task.isCancelled { throw CancellationError() }
                // The status is sent already: the last line tells the client the export is cut short.
                try await writer.write(ByteBuffer(bytes: ErrorEnvelope.json(for: error) + [UInt8(ascii: "\n")]))
                rpc.logger.warning("log export cut short", metadata: ["records": "\(records)", "code": "\(error.code)", "cause": "\(error.cause.map { "\($0)" } ?? error.message)"])
                return
            }
        }
        rpc.logger.debug("log export done", metadata: ["records": "\(records)"])
    }
}
