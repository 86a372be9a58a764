import Foundation
import Logging

/// The NATS service API (ADR-32): answers `$SRV.PING|INFO|STATS`, `$SRV.<VERB>.<name>` and
/// `$SRV.<VERB>.<name>.<id>` with the `io.nats.micro.v1.*_response` JSON documents, so that
/// standard NATS tooling (`nats micro ls`, `nats micro stats`) discovers the service.
struct MicroService: Sendable {
    let description: ServiceDescription
    let instanceID: String
    let endpoints: [Endpoint]
    let stats: ServiceStats

    /// Every subject to subscribe to (no queue group: every instance answers).
    var subjects: [String] {
        ["PING", "INFO", "STATS"].flatMap { verb in
            ["$SRV.\(verb)", "$SRV.\(verb).\(description.name)", "$SRV.\(verb).\(description.name).\(instanceID)"]
        }
    }

    /// The JSON answer for a `$SRV` subject, or nil for an unknown verb.
    func response(for subject: String) -> [UInt8]? {
        let verb = subject.split(separator: ".").dropFirst().first
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        switch verb {
        case "PING":
            return try? Array(encoder.encode(Ping(identity: identity)))
        case "INFO":
            return try? Array(encoder.encode(Info(identity: identity, description: description.description, endpoints: endpointInfos)))
        case "STATS":
            return try? Array(encoder.encode(Stats(identity: identity, started: Self.rfc3339(stats.started), endpoints: endpointStats)))
        default:
            return nil
        }
    }

    private var identity: Identity {
        Identity(name: description.name, id: instanceID, version: description.version, metadata: description.metadata)
    }

    private var endpointInfos: [EndpointInfo] {
        endpoints.map {
            EndpointInfo(name: $0.name, subject: description.subject(for: $0.name), queueGroup: RPCServer.queueGroup, metadata: $0.metadata)
        }
    }

    private var endpointStats: [EndpointStats] {
        zip(endpoints, stats.snapshot()).map { endpoint, stats in
            EndpointStats(
                name: endpoint.name, subject: description.subject(for: endpoint.name), queueGroup: RPCServer.queueGroup,
                numRequests: stats.requests, numErrors: stats.errors, lastError: stats.lastError,
                processingTime: stats.processingNanoseconds,
                averageProcessingTime: stats.requests == 0 ? 0 : stats.processingNanoseconds / Int64(stats.requests)
            )
        }
    }

    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    // MARK: ADR-32 documents (field names and types as in the ADR)

    struct Identity {
        let name: String
        let id: String
        let version: String
        let metadata: [String: String]
    }

    struct Ping: Encodable {
        let identity: Identity
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try identity.encode(into: &container)
            try container.encode("io.nats.micro.v1.ping_response", forKey: .type)
        }
    }

    struct Info: Encodable {
        let identity: Identity
        let description: String
        let endpoints: [EndpointInfo]
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try identity.encode(into: &container)
            try container.encode("io.nats.micro.v1.info_response", forKey: .type)
            try container.encode(description, forKey: .description)
            try container.encode(endpoints, forKey: .endpoints)
        }
    }

    struct Stats: Encodable {
        let identity: Identity
        let started: String
        let endpoints: [EndpointStats]
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try identity.encode(into: &container)
            try container.encode("io.nats.micro.v1.stats_response", forKey: .type)
            try container.encode(started, forKey: .started)
            try container.encode(endpoints, forKey: .endpoints)
        }
    }

    struct EndpointInfo: Encodable {
        let name: String
        let subject: String
        let queueGroup: String
        let metadata: [String: String]
        enum CodingKeys: String, CodingKey {
            case name, subject, metadata
            case queueGroup = "queue_group"
        }
    }

    struct EndpointStats: Encodable {
        let name: String
        let subject: String
        let queueGroup: String
        let numRequests: Int
        let numErrors: Int
        let lastError: String
        /// Nanoseconds, as Go's `time.Duration` marshals.
        let processingTime: Int64
        let averageProcessingTime: Int64
        enum CodingKeys: String, CodingKey {
            case name, subject
            case queueGroup = "queue_group"
            case numRequests = "num_requests"
            case numErrors = "num_errors"
            case lastError = "last_error"
            case processingTime = "processing_time"
            case averageProcessingTime = "average_processing_time"
        }
    }

    enum Key: String, CodingKey {
        case name, id, version, metadata, type, description, endpoints, started
    }
}

extension MicroService.Identity {
    func encode(into container: inout KeyedEncodingContainer<MicroService.Key>) throws {
        try container.encode(name, forKey: .name)
        try container.encode(id, forKey: .id)
        try container.encode(version, forKey: .version)
        try container.encode(metadata, forKey: .metadata)
    }
}
