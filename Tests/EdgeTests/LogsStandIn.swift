import Contracts
import Foundation
import ServiceKit
import SwiftProtobuf
import Synchronization
import TestSupport

/// What the stand-in logging service received, in order.
final class LogsCalls: Sendable {
    struct Call: Sendable {
        var method: String
        var request: [UInt8]
        /// The `Authorization` header of the NATS request, as the service saw it.
        var authorization: String?
    }

    private let calls = Mutex<[Call]>([])
    private let released = Mutex(false)

    /// Records a call; returns how many calls of `method` came before it.
    @discardableResult
    func record(_ method: String, _ request: some SwiftProtobuf.Message, _ context: RequestContext) -> Int {
        let call = Call(method: method, request: (try? request.serializedBytes()) ?? [], authorization: context.headers[RPCHeader.authorization])
        return calls.withLock { calls in
            defer { calls.append(call) }
            return calls.count { $0.method == method }
        }
    }

    /// The calls of `method`.
    func calls(_ method: String) -> [Call] {
        calls.withLock { $0.filter { $0.method == method } }
    }

    /// The requests of `method`, decoded.
    func requests<Request: SwiftProtobuf.Message>(_ method: String, as type: Request.Type) -> [Request] {
        calls(method).compactMap { try? Request(serializedBytes: $0.request) }
    }

    /// Ends every ``hold(upTo:)`` now and later.
    func release() {
        released.withLock { $0 = true }
    }

    /// Waits like a long poll that finds nothing: until ``release()`` or `limit`.
    func hold(upTo limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while !released.withLock({ $0 }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// A stand-in for the logging service (ADR-32 name `logs`): records every call and answers
/// from fixed data, so tests see exactly what the edge sent.
enum LogsStandIn {
    typealias Tail = @Sendable (_ request: Hexabase_Logs_V1_TailLogsRequest, _ index: Int, _ calls: LogsCalls) async throws -> Hexabase_Logs_V1_TailLogsResponse

    /// Workload records with sequences `sequences`, ids `log-<sequence>`.
    static func records(_ sequences: [Int64]) -> [Hexabase_Logs_V1_LogRecord] {
        sequences.map { sequence in
            var record = Hexabase_Logs_V1_LogRecord()
            record.id = "log-\(sequence)"
            record.tier = .workload
            record.level = "info"
            record.message = "line \(sequence)\nsecond line"
            record.sequence = sequence
            return record
        }
    }

    /// A tail that finds record 1 at once, then nothing: each later call waits like the service's
    /// long poll, until ``LogsCalls/release()``, `limit`, or (nil) the call's `wait_ms`.
    static func recordThenQuiet(holdingUpTo limit: Duration?) -> Tail {
        { request, index, calls in
            var response = Hexabase_Logs_V1_TailLogsResponse()
            if index == 0 {
                response.records = records([1])
                response.cursor = 1
            } else {
                await calls.hold(upTo: limit ?? .milliseconds(Int64(request.waitMs)))
                response.cursor = request.afterSequence
            }
            return response
        }
    }

    /// QueryLogs answers three pages (records 1–2, 3–4, 5, linked by `p2` and `p3`) whatever
    /// the filters; `text=refuse` is a 404 and `text=fail-later` fails the second page.
    static func make(nats: String, calls: LogsCalls, tail: @escaping Tail = { _, _, _ in Hexabase_Logs_V1_TailLogsResponse() }) -> ServiceProcess {
        ServiceProcess.standIn(name: "logs", nats: nats, endpoints: [
            .unary("QueryLogs", Hexabase_Logs_V1_QueryLogsRequest.self) { request, context in
                calls.record("QueryLogs", request, context)
                if request.text == "refuse" { throw ServiceError(.notFound, "No such workspace.") }
                var response = Hexabase_Logs_V1_QueryLogsResponse()
                switch request.pageToken {
                case "":
                    response.records = records([1, 2])
                    response.nextPageToken = "p2"
                case "p2":
                    if request.text == "fail-later" { throw ServiceError(.unavailable, "The log store is unavailable.") }
                    response.records = records([3, 4])
                    response.nextPageToken = "p3"
                default:
                    response.records = records([5])
                }
                return response
            },
            .unary("TailLogs", Hexabase_Logs_V1_TailLogsRequest.self) { request, context in
                try await tail(request, calls.record("TailLogs", request, context), calls)
            },
            .unary("IngestWorkload", Hexabase_Logs_V1_IngestWorkloadRequest.self) { request, context in
                calls.record("IngestWorkload", request, context)
                var response = Hexabase_Logs_V1_IngestResponse()
                response.accepted = Int32(request.body.split(separator: UInt8(ascii: "\n")).count)
                return response
            },
            .unary("CreateIngestionToken", Hexabase_Logs_V1_CreateIngestionTokenRequest.self) { request, context in
                calls.record("CreateIngestionToken", request, context)
                var response = Hexabase_Logs_V1_CreateIngestionTokenResponse()
                response.token = token(id: "itk-1", workspaceID: request.workspaceID, name: request.name)
                response.secret = "hxi_secret"
                return response
            },
            .unary("ListIngestionTokens", Hexabase_Logs_V1_ListIngestionTokensRequest.self) { request, context in
                calls.record("ListIngestionTokens", request, context)
                var response = Hexabase_Logs_V1_ListIngestionTokensResponse()
                response.tokens = [token(id: "itk-1", workspaceID: request.workspaceID, name: "vector")]
                return response
            },
            .unary("RevokeIngestionToken", Hexabase_Logs_V1_RevokeIngestionTokenRequest.self) { request, context in
                calls.record("RevokeIngestionToken", request, context)
                var revoked = token(id: request.tokenID, workspaceID: request.workspaceID, name: "vector")
                revoked.revokeTime = Google_Protobuf_Timestamp(seconds: 1_767_225_600)
                return revoked
            },
            .unary("GetRetention", Hexabase_Logs_V1_GetRetentionRequest.self) { request, context in
                calls.record("GetRetention", request, context)
                return retention(request.organizationID, auditDays: 90, workloadDays: 14)
            },
            .unary("UpdateRetention", Hexabase_Logs_V1_UpdateRetentionRequest.self) { request, context in
                calls.record("UpdateRetention", request, context)
                return retention(request.organizationID, auditDays: request.auditDays, workloadDays: request.workloadDays)
            },
        ])
    }

    private static func token(id: String, workspaceID: String, name: String) -> Hexabase_Logs_V1_IngestionToken {
        var token = Hexabase_Logs_V1_IngestionToken()
        token.id = id
        token.workspaceID = workspaceID
        token.name = name
        token.prefix = "hxi_secr"
        return token
    }

    private static func retention(_ organizationID: String, auditDays: Int32, workloadDays: Int32) -> Hexabase_Logs_V1_Retention {
        var retention = Hexabase_Logs_V1_Retention()
        retention.organizationID = organizationID
        retention.auditDays = auditDays
        retention.workloadDays = workloadDays
        return retention
    }
}
