import Contracts
import Crypto
import Foundation
import ServiceKit

extension LoggingAPI {
    static let maxIngestRecords = 1000
    static let maxWorkloadBody = 900 * 1024

    /// System and audit records from platform services. The subject is internal (the edge
    /// never routes to it; production NATS permissions keep it to service users); a user's
    /// token is refused. Answers once JetStream stored the records.
    ///
    /// When every record is accepted as sent, of one tier and the body fits one stream
    /// message, the body goes into the stream as it came: the records are not encoded again.
    @Sendable func ingest(_ request: Hexabase_Logs_V1_IngestRequest, body: [UInt8], context: RequestContext) async throws -> Hexabase_Logs_V1_IngestResponse {
        if let token = context.bearerToken, !token.isEmpty, try await context.identity().kind == .user {
            throw ServiceError(.permissionDenied, "Only platform services ingest system and audit records.")
        }
        guard request.records.count <= Self.maxIngestRecords else {
            throw ServiceError.invalidField("records", "at most \(Self.maxIngestRecords) records per request")
        }
        var response = Hexabase_Logs_V1_IngestResponse()
        var accepted: [Hexabase_Logs_V1_LogRecord] = []
        accepted.reserveCapacity(request.records.count)
        var unchanged = true
        for (index, input) in request.records.enumerated() {
            var record = input
            switch record.tier {
            case .unspecified:
                record.tier = .system
                unchanged = false
            case .system, .audit: break
            default:
                if response.rejected == 0 { response.firstError = "records[\(index)]: workload records come through IngestWorkload with an ingestion token" }
                response.rejected += 1
                unchanged = false
                continue
            }
            if record.id.isEmpty || record.id.utf8.count > 64 {
                record.id = PrefixedID.make("log")
                unchanged = false
            }
            if let first = accepted.first, first.tier != record.tier { unchanged = false }
            accepted.append(record)
        }
        if unchanged, let tier = accepted.first?.tier, body.count <= IngestPublisher.maxBytes {
            try await publisher.publish(body: body, tier: tier, batchID: IngestPublisher.batchID(accepted))
        } else {
            try await publisher.publish(accepted)
        }
        response.accepted = Int32(accepted.count)
        return response
    }

    /// Workload logs from a tenant cluster's shipper, with a workspace's ingestion token.
    @Sendable func ingestWorkload(_ request: Hexabase_Logs_V1_IngestWorkloadRequest, context: RequestContext) async throws -> Hexabase_Logs_V1_IngestResponse {
        guard let owner = try await tokens.owner(of: request.token) else {
            throw ServiceError(.unauthenticated, "The ingestion token is not valid.")
        }
        guard request.body.count <= Self.maxWorkloadBody else {
            throw ServiceError(.payloadTooLarge, "At most \(Self.maxWorkloadBody / 1024) KiB per request.")
        }
        // Ids from the token and the body: the same body sent again (a shipper's retry after a
        // lost answer) makes the same batch, stored once.
        let digest = SHA256.hash(data: Array(request.body)).prefix(12).map { String(format: "%02x", $0) }.joined()
        let parsed = WorkloadLines.parse(Array(request.body), now: Date(), idSeed: "\(owner.tokenID)-\(digest)")
        let records = parsed.records.map { input in
            var record = input
            // The tenant comes from the token, whatever the lines say.
            record.workspaceID = owner.workspaceID
            record.organizationID = owner.organizationID
            return record
        }
        try await publisher.publish(records)
        var response = Hexabase_Logs_V1_IngestResponse()
        response.accepted = Int32(records.count)
        response.rejected = Int32(parsed.rejected)
        response.firstError = parsed.firstError
        return response
    }
}
